"""Checks on site properties (IPv6, HTTPS, mobile, search, identifiers, 找错 entry,
interaction channel), content relations (政策解读 ↔ 原文, 有效性, 发布时效) and personal data.

Site properties come from `crawler.siteprops.measure_site` (SiteModel.facts); content
relations from the compact article list of the site model (SiteModel.articles). A check
whose data was not gathered says so (`unknown`), in Chinese.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from crawler.checks.base import (
    CheckContext,
    Evidence,
    Names,
    NoParams,
    Outcome,
    check,
    failed,
    passed,
    unknown,
)
from crawler.model.build import SiteModel, canonical_url
from crawler.model.relations import (
    content_relations,
    workdays_between,  # noqa: F401 - re-exported (tests, callers)
)
from crawler.text import pii

NOT_MEASURED = "未测量站点属性（抓取后没有运行站点属性测量），无法判断"
INTERACTION = re.compile(r"互动交流|政民互动|互动平台|在线咨询|咨询|留言|信箱|在线访谈|网上信访|民意征集|意见征集|我要写信")


def _fact(site: SiteModel, key: str) -> tuple[dict[str, Any] | None, Outcome | None]:
    v = site.facts.get(key)
    if not isinstance(v, dict):
        return None, None
    if v.get("error") and len(v) <= 2:
        return None, unknown(f"无法判断：{v['error']}")
    return v, None


def _homepage(site: SiteModel) -> dict[str, Any]:
    h = site.facts.get("homepage")
    return h if isinstance(h, dict) else {}


def _ev(site: SiteModel, text: str, url: str | None = None) -> list[Evidence]:
    return [Evidence(url or site.homepage_url or site.site_url, text)]


def _site_down(site: SiteModel) -> str:
    return f"站点无法访问（{site.unreachable_reason}）"


def _unmeasured(site: SiteModel) -> Outcome:
    """Site properties were not measured: unknown (the site could not be reached, or the
    measurement did not run)."""
    return unknown(NOT_MEASURED if site.reachable else _site_down(site))


def _without_articles(site: SiteModel, why: str = "未抓取到文章页面，无法判断") -> Outcome | None:
    """Unknown when the model has no article pages (content relations are read from them)."""
    if site.articles:
        return None
    return unknown(why if site.reachable else _site_down(site))


# -- IPv6 / HTTPS / mobile -----------------------------------------------------------------------
@check("ipv6_enabled", NoParams, needs=("site_facts",), needs_homepage=False)
def ipv6_enabled(site: SiteModel, p: NoParams, ctx: CheckContext) -> Outcome:
    """支持 IPv6：网站域名有 AAAA 记录，且首页可通过 IPv6 地址访问。"""
    f, o = _fact(site, "ipv6")
    if o:
        return o
    if f is None:
        return unknown(NOT_MEASURED)
    if f.get("ok") is None:
        return unknown(f"无法判断是否支持 IPv6：{f.get('reason') or f.get('error') or ''}",
                       host=f.get("host"))
    details = {k: f.get(k) for k in ("host", "aaaa", "served", "status", "source")}
    if f.get("ok"):
        return passed(f"支持 IPv6：{f.get('reason', '')}", _ev(site, ", ".join(f.get("aaaa") or [])), **details)
    return failed(f"不支持 IPv6：{f.get('reason', '')}", _ev(site, f.get("host") or ""), **details)


@check("https_enabled", NoParams, needs=("site_facts",))
def https_enabled(site: SiteModel, p: NoParams, ctx: CheckContext) -> Outcome:
    """支持 HTTPS：首页使用 HTTPS，或对应的 HTTPS 地址可以访问，且证书有效（过期、自签名、与域名不符均为不通过）。"""
    f, o = _fact(site, "https")
    if o:
        return o
    if f is None:
        if _homepage(site).get("https"):
            return passed("首页通过 HTTPS 提供", _ev(site, site.homepage_url))
        return unknown(NOT_MEASURED)
    details = {k: f.get(k) for k in ("homepage_https", "https_url", "https_ok", "status")}
    if f.get("certificate"):
        details["certificate"] = f["certificate"]
    if f.get("ok"):
        return passed(f.get("reason") or "支持 HTTPS", _ev(site, f.get("https_url") or "", f.get("https_url")),
                      **details)
    return failed(f.get("reason") or "不支持 HTTPS", _ev(site, site.homepage_url), **details)


@check("mobile_friendly", NoParams, needs=("site_facts",))
def mobile_friendly(site: SiteModel, p: NoParams, ctx: CheckContext) -> Outcome:
    """适配移动端：首页声明 viewport，或提供手机版（m./wap 站点、手机版链接）。"""
    f, o = _fact(site, "mobile")
    if o:
        return o
    if f is None:
        meta = {k.lower(): v for k, v in (_homepage(site).get("meta") or {}).items()}
        if meta.get("viewport"):
            return passed(f"首页声明了移动端 viewport（{meta['viewport'][:60]}）", _ev(site, "viewport"))
        return unknown(NOT_MEASURED)
    details = {k: f.get(k) for k in ("viewport", "mobile_link", "mobile_redirect")}
    if f.get("viewport"):
        return passed(f"首页声明了移动端 viewport（{str(f['viewport'])[:60]}）", _ev(site, "viewport"), **details)
    if f.get("mobile_link") or f.get("mobile_redirect"):
        u = f.get("mobile_link") or f.get("mobile_redirect")
        return passed(f"提供手机版网站：{u}", _ev(site, "手机版", u), **details)
    return failed("首页未声明 viewport，也未发现手机版网站入口，移动端适配不足", _ev(site, "首页"), **details)


# -- search / 找错 / identifiers ---------------------------------------------------------------------
@check("site_search", NoParams, needs=("site_facts",))
def site_search(site: SiteModel, p: NoParams, ctx: CheckContext) -> Outcome:
    """站内搜索可用：首页有搜索功能，且搜索已发布文章的标题能检索到该文章。"""
    f, o = _fact(site, "search")
    if o:
        return o
    if f is None:
        if _homepage(site).get("has_search"):
            out = passed("首页有搜索框（未测量，未验证搜索是否可用）", _ev(site, "搜索框"), verified=None)
            out.warning = True
            return out
        return unknown(NOT_MEASURED)
    details = {k: f.get(k) for k in ("status", "action", "query", "verified", "result_url")}
    st = f.get("status")
    if st == "verified":
        return passed(f"站内搜索可用：{f.get('reason', '')}", _ev(site, f.get("query") or "", f.get("result_url")),
                      **details)
    if st == "absent":
        return failed("首页未发现站内搜索功能", _ev(site, "首页"), **details)
    if st == "not_found":
        return failed(f"站内搜索不可用：{f.get('reason', '')}", _ev(site, f.get("query") or "", f.get("action")),
                      **details)
    out = passed(f"有搜索功能，但未能验证（{f.get('reason', '')}）", _ev(site, "搜索", f.get("action")), **details)
    out.warning = True
    return out


@check("error_report_entry", NoParams, needs=("site_facts",))
def error_report_entry(site: SiteModel, p: NoParams, ctx: CheckContext) -> Outcome:
    """首页有“我为政府网站找错”入口。"""
    f, o = _fact(site, "error_report")
    if o:
        return o
    if f is None:
        hp = _homepage(site)
        if "error_report" not in hp:
            return _unmeasured(site)
        f = {"present": bool(hp.get("error_report"))}
    if f.get("present"):
        return passed("首页有“我为政府网站找错”入口", _ev(site, f.get("text") or "我为政府网站找错", f.get("url")),
                      url=f.get("url"))
    return failed("首页未发现“我为政府网站找错”入口", _ev(site, "首页"))


ID_NAMES = ("网站标识码", "ICP备案号", "公安机关备案号", "党政机关网站标识")
_ID_ALIASES = {"网站标识码": "网站标识码", "标识码": "网站标识码", "icp备案号": "ICP备案号", "icp备案": "ICP备案号",
               "icp": "ICP备案号", "备案号": "ICP备案号", "公安机关备案号": "公安机关备案号", "公安备案号": "公安机关备案号",
               "公网安备": "公安机关备案号", "党政机关网站标识": "党政机关网站标识", "党政机关标识": "党政机关网站标识"}


@dataclass(frozen=True)
class IdentifiersParams:
    required: Names = ID_NAMES

    def __post_init__(self) -> None:
        bad = [n for n in self.required if n.lower() not in _ID_ALIASES]
        if bad:
            raise ValueError(f"未知标识 {'、'.join(bad)}（可用：{'、'.join(ID_NAMES)}）")


@check("site_identifiers", IdentifiersParams, needs=("site_facts",))
def site_identifiers(site: SiteModel, p: IdentifiersParams, ctx: CheckContext) -> Outcome:
    """网站标识齐全：网站标识码、ICP备案号、公安机关备案号、党政机关网站标识。"""
    f, o = _fact(site, "identifiers")
    if o:
        return o
    found: dict[str, Any] = {}
    if f is not None:
        found = {k: f.get(k) for k in ID_NAMES}
    else:
        hp = _homepage(site)
        if not hp:
            return _unmeasured(site)
        meta = {k.lower(): v for k, v in (hp.get("meta") or {}).items()}
        found = {"网站标识码": hp.get("site_id_code") or meta.get("siteidcode"), "ICP备案号": hp.get("icp"),
                 "公安机关备案号": hp.get("police_record"), "党政机关网站标识": "有" if hp.get("dzjg") else None}
    want = [_ID_ALIASES[n.lower()] for n in p.required]
    missing = [n for n in want if not found.get(n)]
    have = {n: found[n] for n in want if found.get(n)}
    shown = "；".join(f"{k}：{v}" for k, v in have.items())
    ev = _ev(site, shown or "首页")
    if missing:
        return failed(f"首页缺少网站标识：{'、'.join(missing)}" + (f"（已有 {shown}）" if shown else ""), ev,
                      missing=missing, found=have)
    return passed(f"网站标识齐全：{shown}", ev, found=have)


# -- interaction channel ---------------------------------------------------------------------------
@dataclass(frozen=True)
class InteractionParams:
    max_unanswered_days: int = 90


def _link_state(site: SiteModel, url: str) -> str | None:
    """The state of the first verification result for `url` (as given, or canonical)."""
    if site.link_results is None:
        return None
    exact, canon = _link_states(site.link_results, site.derived)
    hits = [h for h in (exact.get(url), canon.get(canonical_url(url))) if h is not None]
    return min(hits)[1] if hits else None


def _link_states(results: list[dict[str, Any]], cache: dict[str, Any]
                 ) -> tuple[dict[Any, tuple[int, str]], dict[str, tuple[int, str]]]:
    """(url → (position, state), canonical url → (position, state)) of the first result for
    each, built once per site (cached with the model's derived data)."""
    got = cache.get("link_states")
    if got is not None and got[0] == (id(results), len(results)):
        return got[1], got[2]
    exact: dict[Any, tuple[int, str]] = {}
    canon: dict[str, tuple[int, str]] = {}
    for k, r in enumerate(results):
        state = str(r.get("state"))
        exact.setdefault(r.get("url"), (k, state))
        canon.setdefault(canonical_url(str(r.get("url", ""))), (k, state))
    cache["link_states"] = ((id(results), len(results)), exact, canon)
    return exact, canon


@check("interaction_channel", InteractionParams, needs=("site_facts",))
def interaction_channel(site: SiteModel, p: InteractionParams, ctx: CheckContext) -> Outcome:
    """互动交流渠道可用：有在线咨询/留言/信箱/在线访谈等渠道且能打开；列出留言的，无超期未回复。"""
    f = site.facts.get("interaction") if isinstance(site.facts.get("interaction"), dict) else None
    chans: list[dict[str, str]] = list((f or {}).get("channels") or [])
    if not chans:  # from the model: homepage links and columns
        for text, url in site.root.links:
            if INTERACTION.search(text) and len(text) <= 20:
                chans.append({"text": text, "url": url})
        for col in site.columns:
            if INTERACTION.search(col.name) and col.url:
                chans.append({"text": col.display_path(), "url": col.url})
    if not chans:
        if f is None and not site.reachable:
            return unknown(_site_down(site))
        return failed("未发现在线咨询、留言、信箱、在线访谈等互动交流渠道", _ev(site, "首页"))
    states = {c["url"]: _link_state(site, c["url"]) for c in chans}
    working = [c for c in chans if states[c["url"]] != "broken"]
    broken = [c for c in chans if states[c["url"]] == "broken"]
    ev = [Evidence(c["url"], c["text"]) for c in chans[:10]]
    if not working:
        return failed(f"互动交流渠道无法打开：{'、'.join(c['text'] for c in broken[:5])}", ev,
                      channels=chans, broken=[c["url"] for c in broken])
    names = "、".join(dict.fromkeys(c["text"] for c in working[:5]))
    rows = (f or {}).get("rows") or []
    if not (f or {}).get("messages_listed") or not rows:
        return passed(f"有互动交流渠道（{names}）；网站未列出带日期和回复状态的留言，"
                      f"是否存在超期未回复无法判断", ev, channels=chans, unanswered_check="unknown")
    year_ago = ctx.as_of - timedelta(days=365)
    overdue, late = [], []
    for r in rows:
        try:
            asked = date.fromisoformat(r["asked"])
        except (KeyError, ValueError):
            continue
        if asked < year_ago or asked > ctx.as_of:
            continue
        if r.get("unanswered") and (ctx.as_of - asked).days > p.max_unanswered_days:
            overdue.append(r)
        elif r.get("replied"):
            try:
                if (date.fromisoformat(r["replied"]) - asked).days > p.max_unanswered_days:
                    late.append(r)
            except ValueError:
                pass
    url = (f or {}).get("messages_url") or chans[0]["url"]
    details = {"channels": chans, "messages": len(rows), "overdue": overdue[:50], "late": late[:50],
               "unanswered_check": "done"}
    if overdue or late:
        parts = []
        if overdue:
            parts.append(f"{len(overdue)} 条留言超过 {p.max_unanswered_days} 天未回复")
        if late:
            parts.append(f"{len(late)} 条留言回复超过 {p.max_unanswered_days} 天")
        ev2 = [Evidence(url, f"{r['asked']} {r['status']} {r['title']}") for r in (overdue + late)[:20]]
        return failed(f"互动回应差：近一年内{'，'.join(parts)}", ev2, **details)
    return passed(f"有互动交流渠道（{names}），列出的 {len(rows)} 条留言近一年内无超过 "
                  f"{p.max_unanswered_days} 天未回复", ev, **details)


# -- content relations -------------------------------------------------------------------------------
# computed once per site model, with indexes (crawler.model.relations)


@dataclass(frozen=True)
class InterpretationParams:
    min_share: float = 0.0
    multi_format_share: float = 0.0


@check("interpretation_links", InterpretationParams)
def interpretation_links(site: SiteModel, p: InterpretationParams, ctx: CheckContext) -> Outcome:
    """政策解读与政策文件双向关联；有解读的文件比例、图解/视频等多形式解读比例达到要求。"""
    if (o := _without_articles(site, "未抓取到文章页面，无法判断解读关联")) is not None:
        return o
    rel = content_relations(site)
    n = rel["interpretations"]
    if n == 0:
        return unknown("未抓取到政策解读文章，无法判断解读与原文的关联")
    rows = rel["interpretation_rows"]
    problems = [r for r in rows if r["state"] in ("forward_only", "back_only", "unlinked")]
    cn = {"forward_only": "解读链接了原文，但原文未链接回解读", "back_only": "原文链接了解读，但解读未链接原文",
          "unlinked": "解读未链接政策原文", "target_not_crawled": "解读链接的原文未抓取，无法核对回链"}
    ev = [Evidence(r["url"], f"{r['title']}：{cn[r['state']]}") for r in problems[:100]]
    parts = [f"解读 {n} 篇，双向关联 {rel['both_ways']} 篇"]
    if rel["target_not_crawled"]:
        parts.append(f"原文未抓取 {rel['target_not_crawled']} 篇")
    share = rel["interpretation_share"]
    mshare = rel["multi_format_share"] or 0.0
    parts.append(f"图解/视频等多形式解读 {rel['multi_format']} 篇（{mshare * 100:.0f}%）")
    if share is not None:
        parts.append(f"政策文件 {rel['policy_documents']} 件中有解读的 {rel['documents_with_interpretation']} 件"
                     f"（{share * 100:.0f}%）")
    details = {k: v for k, v in rel.items() if k in ("interpretations", "both_ways", "forward_only", "back_only",
                                                     "unlinked", "target_not_crawled", "multi_format",
                                                     "multi_format_share", "policy_documents",
                                                     "documents_with_interpretation", "interpretation_share")}
    details["problems"] = problems[:200]
    fails = []
    if problems:
        fails.append(f"{len(problems)} 篇解读未与原文双向关联")
    if share is not None and share < p.min_share:
        fails.append(f"有解读的政策文件比例 {share * 100:.0f}% 低于 {p.min_share * 100:g}%")
    if p.min_share > 0 and share is None:
        fails.append("未识别出政策文件，无法计算有解读的文件比例")
    if mshare < p.multi_format_share:
        fails.append(f"多形式解读比例 {mshare * 100:.0f}% 低于 {p.multi_format_share * 100:g}%")
    msg = "；".join(parts)
    if fails:
        return failed("；".join(fails) + f"（{msg}）", ev, **details)
    return passed(msg, [Evidence(r["url"], r["title"]) for r in rows[:10]], **details)


@dataclass(frozen=True)
class ValidityParams:
    min_share: float = 1.0


@check("document_validity", ValidityParams)
def document_validity(site: SiteModel, p: ValidityParams, ctx: CheckContext) -> Outcome:
    """规范性文件标注有效性（有效、失效、废止等）。"""
    if (o := _without_articles(site)) is not None:
        return o
    rel = content_relations(site)
    n = rel["regulatory_documents"]
    if n == 0:
        return unknown("未抓取到规范性文件（栏目或标题含“规范性文件”），无法判断有效性标注")
    share = rel["validity_labelled"] / n
    missing = rel["validity_missing"]
    ev = [Evidence(x["url"], x["title"]) for x in missing[:100]]
    msg = f"规范性文件 {n} 件，标注有效性 {rel['validity_labelled']} 件（{share * 100:.0f}%）"
    details = {"documents": n, "labelled": rel["validity_labelled"], "share": round(share, 4), "missing": missing}
    if share < p.min_share:
        return failed(msg + f"，低于要求的 {p.min_share * 100:g}%", ev, **details)
    return passed(msg, ev, **details)


@dataclass(frozen=True)
class DelayParams:
    max_workdays: int = 20


@check("publish_delay", DelayParams)
def publish_delay(site: SiteModel, p: DelayParams, ctx: CheckContext) -> Outcome:
    """信息在成文之日起 20 个工作日内公开（工作日仅排除周末，未计法定节假日）。"""
    if (o := _without_articles(site)) is not None:
        return o
    rel = content_relations(site, p.max_workdays)
    n = rel["dated_documents"]
    if n == 0:
        return unknown("未找到同时标注成文日期和发布日期的文件，无法判断公开时效")
    late = rel["late"]
    note = "（工作日仅排除周末，未计入法定节假日和调休）"
    details = {"documents": n, "late": late, "late_count": rel["late_count"], "max_workdays": p.max_workdays}
    ev = [Evidence(x["url"], f"{x['title']}：成文 {x['written']}，发布 {x['published']}，间隔 {x['workdays']} 个工作日")
          for x in late[:100]]
    if late:
        return failed(f"{rel['late_count']} 件文件在成文后超过 {p.max_workdays} 个工作日才公开（共核对 {n} 件）{note}",
                      ev, **details)
    return passed(f"核对 {n} 件文件，均在成文后 {p.max_workdays} 个工作日内公开{note}", **details)


# -- personal data -------------------------------------------------------------------------------
@dataclass(frozen=True)
class PersonalDataParams:
    kinds: tuple[Literal["id", "mobile"], ...] = ("id", "mobile")


def _masked(entry: Any) -> tuple[str, str] | None:
    """(kind, masked) from a stored PII entry, masking again if anything slipped through."""
    if isinstance(entry, dict):
        kind, val = str(entry.get("kind", "")), str(entry.get("masked") or entry.get("value") or "")
    else:
        val = str(entry)
        kind = "id" if len(val) == 18 else "mobile"
    if "*" not in val:
        digits = pii.normalize_digits(val)
        if kind == "id" or len(digits) == 18:
            val, kind = pii.mask_id(digits), "id"
        else:
            val, kind = pii.mask_mobile(digits), "mobile"
    return (kind, val) if kind in ("id", "mobile") else None


def personal_data_entries(site: SiteModel) -> list[dict[str, Any]]:
    """Every masked personal-data hit with the page (or attachment) it was found on."""
    out: list[dict[str, Any]] = []
    for pf in site.page_facts:
        for e in pf.get("pii") or []:
            m = _masked(e)
            if m:
                out.append({"url": pii.redact_ids(pf.get("url", "")), "title": pii.redact(pf.get("title", "")),
                            "kind": m[0], "masked": m[1], "source": "page"})
    for r in site.link_results or []:
        for e in r.get("pii") or []:
            m = _masked(e)
            if m:
                fo = [f.get("page", "") for f in r.get("found_on") or [] if isinstance(f, dict)]
                name = str(r.get("url", "")).rstrip("/").rsplit("/", 1)[-1][:60] or "附件"
                out.append({"url": r.get("url", ""), "title": name, "kind": m[0], "masked": m[1],
                            "source": "attachment", "found_on": fo[:5]})
    return out


@check("personal_data", PersonalDataParams)
def personal_data(site: SiteModel, p: PersonalDataParams, ctx: CheckContext) -> Outcome:
    """页面和文本附件中未公开身份证号码、手机号码等个人信息（证据中已脱敏）。"""
    if not site.reachable and site.pages_ok == 0:
        return unknown(_site_down(site))
    hits = [e for e in personal_data_entries(site) if e["kind"] in p.kinds]
    cn = {"id": "身份证号码", "mobile": "手机号码"}
    names = "、".join(cn[k] for k in p.kinds)
    attach = "" if site.link_results is not None else "（未核验链接，文本附件未扫描）"
    if not hits:
        return passed(f"扫描页面 {site.pages_ok} 个，未发现{names}{attach}", pages=site.pages_ok)
    per: dict[str, int] = {}
    for h in hits:
        per[cn[h["kind"]]] = per.get(cn[h["kind"]], 0) + 1
    urls = {h["url"] for h in hits}
    ev = [Evidence(h["url"], f"{cn[h['kind']]} {h['masked']}（{'附件' if h['source'] == 'attachment' else '页面'}）")
          for h in hits[:200]]
    return failed(f"{len(urls)} 个页面或附件公开了个人信息：{'、'.join(f'{k} {n} 处' for k, n in per.items())}"
                  f"（已脱敏显示）{attach}", ev, items=hits[:1000], counts=per)
