"""Checks on verified links and media, and on availability probes.

They read what `crawler.linkcheck` and `govaudit probe` stored (SiteModel.link_results,
SiteModel.probes); when that was not gathered the answer is `unknown`, never a guess.
Blocked (WAF, 401/403) and transient (429, 5xx, timeouts) links are never counted as broken.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, Literal

from crawler.checks.base import CheckContext, Evidence, Outcome, check, failed, passed, unknown
from crawler.model.build import SiteModel
from crawler.model.probes import failure_share, is_down
from crawler.model.site import SiteItem
from crawler.net.kinds import KIND_CN

NOT_VERIFIED = "未核验链接（抓取后没有运行链接核验，或使用了 --no-verify-links），无法判断"


def link_results(site: SiteModel) -> list[dict[str, Any]] | None:
    """The verified links, [] when verification ran and found none, None when it did not run."""
    if site.link_results is not None:
        return site.link_results
    lc = site.facts.get("link_check")
    if isinstance(lc, dict) and "error" not in lc and lc.get("links") == 0:
        return []
    return None


def _found_on(r: dict[str, Any]) -> list[dict[str, str]]:
    return [f for f in (r.get("found_on") or []) if isinstance(f, dict)]


def _item(r: dict[str, Any]) -> dict[str, Any]:
    out = {"url": r.get("url", ""), "kind": r.get("kind", "page"), "status": r.get("status", 0),
           "reason": r.get("reason", ""), "homepage": bool(r.get("homepage")), "external": bool(r.get("external")),
           "found_on": _found_on(r)}
    if "media_reason" in r:
        out["media_reason"] = r["media_reason"]
    return out


def _evidence(r: dict[str, Any], site: SiteModel) -> Evidence:
    fo = _found_on(r)
    page = fo[0]["page"] if fo else (site.homepage_url or site.site_url)
    anchor = fo[0].get("text", "") if fo else ""
    kind = KIND_CN.get(r.get("kind", "page"), "链接")
    label = f"“{anchor}”" if anchor else ""
    more = f"（另见 {len(fo) - 1} 个页面）" if len(fo) > 1 else ""
    return Evidence(page, f"{kind}{label} → {r.get('url', '')}：{r.get('reason', '')}{more}")


# -- broken_links ------------------------------------------------------------------------------
@dataclass(frozen=True)
class BrokenLinksParams:
    scope: Literal["homepage", "site"] = "site"
    max_broken: int = 0
    homepage_points: float = 1.0
    other_points: float = 0.1
    include_external: bool = False
    openable: bool = False  # listed content must open: entries without a working link count as dead entries


DEAD_CN = "无法打开的条目"


def dead_entries(site: SiteModel, scope: str = "site") -> list[SiteItem]:
    """Entries a person reads in a list but cannot open (javascript:, onclick that opens
    nothing, <a> without href), homepage lists first; scope "homepage": those only."""
    items = [i for i in site.homepage_items if not i.openable]
    if scope != "homepage":
        seen = {i.url for i in items}
        items += [i for i in site.items if not i.openable and i.url not in seen]
    return items


def _dead_evidence(i: SiteItem) -> Evidence:
    where = f"（栏目“{' > '.join(i.column)}”）" if i.column else "（首页）"
    return Evidence(i.url.split("#", 1)[0], f"{DEAD_CN}“{i.title}”{where}：列表中有标题，但没有可以打开的链接")


def _dead_row(i: SiteItem) -> dict[str, Any]:
    return {"title": i.title, "page": i.url.split("#", 1)[0], "column": list(i.column),
            "date": i.date.isoformat() if i.date else None}


@check("broken_links", BrokenLinksParams, needs=("link_checks",))
def broken_links(site: SiteModel, p: BrokenLinksParams, ctx: CheckContext) -> Outcome:
    """错链：首页或全站的链接、图片、视频、附件无法打开（防护拦截和暂时无法访问的不计为错链）；
    规则要求列表内容可以打开时（openable），列表中无法打开的条目也计入。"""
    out = _broken_links(site, p)
    if not p.openable:
        return out
    return _with_dead_entries(site, p, out)


def _with_dead_entries(site: SiteModel, p: BrokenLinksParams, out: Outcome) -> Outcome:
    """The link outcome with the dead entries counted: each is an unusable link (scored like
    a broken one on its page), listed as 无法打开的条目 whether or not links were verified."""
    dead = dead_entries(site, p.scope)
    if not dead:
        return out
    details = dict(out.details or {})
    on_home = sum(1 for i in dead if not i.column)
    points = round(sum(p.other_points if i.column else p.homepage_points for i in dead), 2)
    details.update(dead_entries=[_dead_row(i) for i in dead[:2000]], dead_count=len(dead),
                   deduction=round(float(details.get("deduction") or 0) + points, 2))
    ev = [*out.evidence[:200], *(_dead_evidence(i) for i in dead[:200])]
    where = "首页" if p.scope == "homepage" else "全站"
    home = f"其中首页 {on_home} 条，" if on_home and p.scope != "homepage" else ""
    note = (f"{where}列表中有 {len(dead)} 条{DEAD_CN}（{home}有标题但没有可以打开的链接），"
            f"按链接不可用计扣 {points:g} 分")
    over = int(details.get("broken") or 0) + len(dead) > p.max_broken
    if out.status == "unknown":  # links not verified: the dead entries alone can still decide
        return (failed if over else unknown)(f"{note}；{out.message}", ev, **details)
    return (failed if over else passed)(f"{out.message}；{note}", ev, **details)


def _broken_links(site: SiteModel, p: BrokenLinksParams) -> Outcome:
    results = link_results(site)
    if results is None:
        return unknown(NOT_VERIFIED)
    rs = [r for r in results
          if (p.include_external or not r.get("external")) and (p.scope == "site" or r.get("homepage"))]
    where = "首页" if p.scope == "homepage" else "全站"
    counts = {s: sum(1 for r in rs if r.get("state") == s) for s in ("ok", "broken", "blocked", "transient", "skipped")}
    checked = counts["ok"] + counts["broken"]
    if not rs or checked == 0:
        if counts["blocked"] or counts["transient"]:
            return unknown(f"{where}链接均被防护拦截或暂时无法访问（拦截 {counts['blocked']}，暂时无法访问 "
                           f"{counts['transient']}），无法判断", None, **counts)
        if not site.reachable:
            return unknown(f"站点无法访问，无法核验{where}链接（{site.unreachable_reason}）")
        return passed(f"{where}未发现需要核验的链接", None, **counts)
    broken = [r for r in rs if r.get("state") == "broken"]
    broken.sort(key=lambda r: (not r.get("homepage"), r.get("kind") == "page", r.get("url", "")))
    deduction = round(sum(p.homepage_points if r.get("homepage") else p.other_points for r in broken), 2)
    by_kind: dict[str, int] = {}
    for r in broken:
        k = KIND_CN.get(r.get("kind", "page"), "链接")
        by_kind[k] = by_kind.get(k, 0) + 1
    on_home = sum(1 for r in broken if r.get("homepage"))
    not_counted = []
    if counts["blocked"]:
        not_counted.append(f"被防护拦截 {counts['blocked']} 个")
    if counts["transient"]:
        not_counted.append(f"暂时无法访问 {counts['transient']} 个")
    if counts["skipped"]:
        not_counted.append(f"未核验 {counts['skipped']} 个")
    tail = f"；另有{'、'.join(not_counted)}，未计为错链" if not_counted else ""
    details = {**counts, "broken_items": [_item(r) for r in broken[:2000]], "deduction": deduction,
               "homepage_broken": on_home, "by_kind": by_kind}
    ev = [_evidence(r, site) for r in broken[:200]]
    if len(broken) > p.max_broken:
        kinds = "、".join(f"{k} {n} 个" for k, n in by_kind.items())
        return failed(f"{where}发现 {len(broken)} 个错链（{kinds}；其中首页 {on_home} 个），"
                      f"按首页每个 {p.homepage_points:g} 分、其他页面每个 {p.other_points:g} 分计扣 {deduction:g} 分"
                      f"（允许 {p.max_broken} 个）{tail}", ev, **details)
    msg = f"{where}核验链接 {checked} 个，" + (f"错链 {len(broken)} 个，未超过允许的 {p.max_broken} 个"
                                           if broken else "未发现错链") + tail
    return passed(msg, ev, **details)


# -- media_playable ----------------------------------------------------------------------------
@dataclass(frozen=True)
class MediaParams:
    kinds: tuple[Literal["image", "video", "audio", "attachment"], ...] = ("image", "video", "audio", "attachment")


@check("media_playable", MediaParams, needs=("link_checks",))
def media_playable(site: SiteModel, p: MediaParams, ctx: CheckContext) -> Outcome:
    """图片、视频、音频、附件能正常打开：文件类型和文件头与链接相符，不是错误网页或损坏文件。"""
    results = link_results(site)
    if results is None:
        return unknown(NOT_VERIFIED)
    names = "、".join(KIND_CN[k] for k in p.kinds)
    rs = [r for r in results if r.get("kind") in p.kinds]
    opened = [r for r in rs if "media_ok" in r]
    bad = [r for r in opened if not r.get("media_ok")]
    unverifiable = [r for r in rs if "media_ok" not in r and r.get("state") in ("blocked", "transient", "skipped")]
    details: dict[str, Any] = {"checked": len(opened), "bad": len(bad), "unverifiable": len(unverifiable),
                               "bad_items": [_item(r) for r in bad[:2000]]}
    if not rs:
        return passed(f"未发现{names}，无需核验", **details)
    if not opened:
        return unknown(f"{names}共 {len(rs)} 个，均被防护拦截或暂时无法访问，无法判断", **details)
    ev = [_evidence({**r, "reason": r.get("media_reason") or r.get("reason", "")}, site) for r in bad[:200]]
    tail = f"；另有 {len(unverifiable)} 个被拦截或暂时无法访问，未核验" if unverifiable else ""
    if bad:
        per: dict[str, int] = {}
        for r in bad:
            k = KIND_CN.get(r.get("kind", ""), "文件")
            per[k] = per.get(k, 0) + 1
        return failed(f"{len(bad)} 个{names}无法正常打开（{'、'.join(f'{k} {n} 个' for k, n in per.items())}）{tail}",
                      ev, **details)
    return passed(f"核验{names} {len(opened)} 个，均能正常打开{tail}", **details)


# -- site_available ------------------------------------------------------------------------------
@dataclass(frozen=True)
class AvailabilityParams:
    max_failure_share: float = 0.05
    timeout: float = 15.0
    days: int = 7
    min_days: int = 7  # the rubric's sample: one week …
    min_per_day: int = 20  # … of at least 20 probes a day; below it the veto is not decided

    def __post_init__(self) -> None:
        if self.min_days < 1 or self.min_per_day < 1 or self.days < 1:
            raise ValueError("days、min_days、min_per_day 应为正整数")


CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


def _probe_time(p: dict[str, Any]) -> datetime | None:
    """The probe's time in China time (Asia/Shanghai); a time without zone is taken as UTC."""
    try:
        t = datetime.fromisoformat(str(p.get("at", "")))
    except ValueError:
        try:
            return datetime.combine(date.fromisoformat(str(p.get("at", ""))[:10]), datetime.min.time(), CHINA_TZ)
        except ValueError:
            return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.astimezone(CHINA_TZ)


def _cn_time(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M")


@check("site_available", AvailabilityParams, needs=("probes",), needs_homepage=False)
def site_available(site: SiteModel, p: AvailabilityParams, ctx: CheckContext) -> Outcome:
    """站点可访问：监测期内首页无法打开的探测次数比例低于阈值（防护验证页面不计为无法访问）。"""
    dated = [(t, x) for x in (site.probes or []) if (t := _probe_time(x)) is not None]
    if not dated:
        return unknown("没有可用性探测记录（请用 govaudit probe 网址 --store 抓取库 定期探测），无法判断")
    end = ctx.as_of
    window = [(t, x) for t, x in dated if end - timedelta(days=p.days) < t.date() <= end]
    note = ""
    if not window:
        end = max(t.date() for t, _x in dated)
        window = [(t, x) for t, x in dated if end - timedelta(days=p.days) < t.date() <= end]
        note = f"（检查日期前 {p.days} 天内无探测记录，改用截至 {end} 的 {p.days} 天）"
    first, last = min(t for t, _ in window), max(t for t, _ in window)
    per_day_counts: dict[date, int] = {}
    for t, _x in window:
        per_day_counts[t.date()] = per_day_counts.get(t.date(), 0) + 1
    full_days = sum(1 for n in per_day_counts.values() if n >= p.min_per_day)
    span = f"{_cn_time(first)} 至 {_cn_time(last)}（北京时间）"
    probes = [x for _t, x in window]
    counts = failure_share(probes, p.timeout)
    total, observed, challenged = counts["total"], counts["observed"], counts["challenged"]
    down = [x for x in probes if is_down(x, p.timeout)]
    down_ids = {id(x) for x in down}
    days_seen = len(per_day_counts)
    per_day = total / max(1, days_seen)
    details: dict[str, Any] = {"probes": total, "down": len(down), "challenged": challenged,
                               "observed": observed, "days": days_seen, "per_day": round(per_day, 1),
                               "full_days": full_days, "first_probe": first.isoformat(timespec="minutes"),
                               "last_probe": last.isoformat(timespec="minutes"), "window_end": end.isoformat()}
    ev = [Evidence(str(x.get("site", site.site_url)),
                   f"{_cn_time(t)}（北京时间）{x.get('detail', '')}".strip())
          for t, x in window if id(x) in down_ids][:50]
    if observed == 0:
        return unknown(f"{total} 次探测均遇到防护验证页面（不计为无法访问），无法判断站点可用性{note}", ev, **details)
    share = float(counts["share"])
    details["share"] = round(share, 4)
    msg = (f"{span}共探测 {total} 次，首页 {p.timeout:g} 秒内未打开 {len(down)} 次，"
           f"无法访问比例 {share * 100:.1f}%（阈值 {p.max_failure_share * 100:g}%）"
           + (f"，另有防护验证 {challenged} 次（不计为无法访问）" if challenged else "") + note)
    if full_days < p.min_days:
        return unknown(f"探测样本不足，无法判断：{msg}；检查指标要求连续 {p.min_days} 天、每天至少 "
                       f"{p.min_per_day} 次探测，达到要求的只有 {full_days} 天"
                       f"（请用 govaudit probe 定期探测，如每小时一次）", ev, **details)
    if share >= p.max_failure_share:
        return failed(msg, ev, **details)
    out = passed(msg, ev, **details)
    out.warning = share > 0 and share >= p.max_failure_share * 0.6
    return out
