"""The report's data, built before rendering: findings document → plain dataclasses.

Everything a template prints is computed here (labels, day counts, grouping, chart
geometry), so templates only print values and loop. Every string came from a hostile
site: it stays plain text here and jinja2 autoescapes it; only `safe_href` decides what
becomes a link.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from crawler.judge.status import STATUS_CN
from crawler.net.failures import failure_reason

STATUS_ORDER = {"fail": 0, "pending": 1, "unknown": 2, "waived": 3, "pass": 4, "not_applicable": 5}
GAP_STATUSES = ("fail", "pending", "unknown", "waived")  # what goes into the 整改清单
SEVERITY_CN = {"veto": "单项否决", "major": "重要", "minor": "一般", "warning": "预警", "info": "提示"}
CATEGORY_CN = {"veto": "单项否决", "deduct": "扣分", "warn": "预警", "bonus": "加分"}
VERDICT_CLASS = {"合格": "ok", "不合格": "bad", "无法判断": "undecided"}
FALLBACK_UNIT = "网站主办单位"
NO_LEAD = "（未指定牵头单位）"
EVIDENCE_SHOWN = 5  # shown at once; the rest in a collapsed list
EVIDENCE_MAX = 200  # at most this many per finding in HTML (all are in findings.json)
UNITS_OPEN_MAX = 6  # more units than this: each unit's gap list starts collapsed
# sections of reports/templates/_links.html.j2: (document key, section id, nav label)
EXTRA_SECTIONS = [("links", "links", "链接核验"), ("site_facts", "site-facts", "网站属性"),
                  ("personal_data", "personal-data", "个人信息"), ("relations", "relations", "政策与解读")]


# checks whose first evidence is the column to fix; site-wide checks name what to fix instead
COLUMN_CHECKS = {"subcolumns", "column_order", "category_coverage", "column_freshness", "update_cadence",
                 "content_published", "annual_report", "link_present", "contact_published", "blank_columns",
                 "stale_columns", "homepage_updated"}
SITE_CHECKS = {"ipv6_enabled": "网站服务器配置（IPv6）", "https_enabled": "网站服务器配置（HTTPS 证书）",
               "mobile_friendly": "网站模板（手机版适配）", "site_search": "网站模板（站内搜索）",
               "error_report_entry": "首页（“我为政府网站找错”入口）", "site_identifiers": "网站底部（标识信息）",
               "site_available": "网站服务器与网络", "broken_links": "证据中列出的错误链接所在页面",
               "media_playable": "证据中列出的文件所在页面"}


def safe_href(url: Any) -> str:
    """Only http(s) URLs become links; anything else (javascript:, data:) is shown as text."""
    s = str(url or "").strip()
    if re.search(r"[\x00-\x20\x7f]", s):  # no control characters or spaces inside a link
        return ""
    return s if s.lower().startswith(("http://", "https://")) else ""


@dataclass
class LinkView:
    href: str  # "" when the URL may not be a link
    text: str
    url: str


@dataclass
class FindingView:
    rule_id: str
    title: str
    check: str
    check_name: str
    status: str
    status_cn: str
    severity: str
    severity_cn: str
    message: str
    quote: str
    document: str
    section: str
    rule_file: str
    note: str
    draft: bool
    notice: str  # the rule file's document: the notice it belongs to
    warning: bool
    evidence: list[LinkView]
    evidence_more: list[LinkView]
    evidence_total: int
    evidence_cut: int  # not shown in HTML
    lead_units: list[str]
    responsible_units: list[str]
    units: list[str]  # responsible, else lead, else the site's unit
    units_key: str  # "|"-joined, for the filter's data attribute
    deadline: str
    due: str  # ISO date or ""
    days: int | None  # due − as_of (negative: overdue)
    days_text: str  # 逾期 12 天 / 剩余 30 天 / 今日到期
    days_class: str  # overdue | left | ""
    rubric_text: str
    deduction: float | None
    deduction_text: str
    waiver: dict[str, Any] | None
    waiver_expired: dict[str, Any] | None
    sort_key: str  # for the default order and the JS sort
    where: LinkView | None = None  # the column or page to fix (整改位置)


@dataclass
class UnitGroup:
    unit: str
    role: str  # 责任单位 | 牵头单位
    items: list[FindingView]
    counts: dict[str, int]
    overdue: int
    page: str = ""  # relative link to the unit's own page (units/NN-name.html)
    anchor: str = ""


@dataclass
class Bar:
    label: str
    short: str  # the label cut to fit the chart
    value: float  # 0..1 (rates) or a count
    text: str  # printed at the bar's end
    y: int
    width: float  # px
    css: str = ""


@dataclass
class Segment:
    label: str
    count: int
    x: float
    width: float
    css: str
    pct: str


@dataclass
class Chart:
    title: str
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    label_width: int = 0
    track_width: int = 0  # bars: the full-rate length
    value_x: int = 0  # bars: where the value text starts


@dataclass
class TreeRow:
    name: str
    path: str
    href: str
    depth: int
    indent: int  # px
    items: int
    newest: str
    state: str  # 空白栏目 | 未抓取 | ""
    notes: str = ""  # 无法打开的条目 N 条; 列表日期与文章页不一致 N 条


@dataclass
class VerdictView:
    verdict: str
    css: str
    score: str  # "85.5" or "—"
    reason: str
    vetoes: list[dict[str, Any]]
    unknown_vetoes: list[dict[str, Any]]
    deductions: list[dict[str, Any]]
    total_deduction: str
    unscored: list[dict[str, Any]]
    unknown_deductions: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    bonuses: list[dict[str, Any]]
    notes: list[str]
    pass_score: str
    full_score: str


@dataclass
class Option:
    value: str
    label: str
    count: int


@dataclass
class ReportView:
    title: str
    site_name: str
    site_url: str
    site_href: str
    site_unit: str
    as_of: str
    reachable: bool
    unreachable_reason: str
    challenged: str
    verdict: VerdictView
    cards: list[dict[str, Any]]
    pages: dict[str, Any]
    findings: list[FindingView]
    by_unit: list[UnitGroup]
    by_lead: list[UnitGroup]
    tree: list[TreeRow]
    tree_open: bool
    empty_columns: int
    status_chart: Chart
    rate_chart: Chart
    status_options: list[Option]
    unit_options: list[Option]
    check_options: list[Option]
    failed_pages: list[LinkView]
    failed_pages_total: int
    waivers_applied: list[dict[str, Any]]
    waivers_expired: list[dict[str, Any]]
    crawl: dict[str, Any]
    units_open: bool  # few units: their gap lists start open
    extra_nav: list[Option]  # link-health sections present in the document (value = section id)
    exports: list[LinkView] = field(default_factory=list)
    profile: dict[str, str] = field(default_factory=dict)  # kind, region, source_cn, basis
    completion: list[dict[str, Any]] = field(default_factory=list)  # per notice, with its text
    not_applicable: list[FindingView] = field(default_factory=list)
    waivers_unmatched: list[dict[str, Any]] = field(default_factory=list)
    rubric_items: int = 0


# -- helpers ---------------------------------------------------------------------------------
def fmt_num(x: Any) -> str:
    if x is None:
        return "—"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    return f"{v:.2f}".rstrip("0").rstrip(".")


def parse_date(s: Any) -> date | None:
    if isinstance(s, date):
        return s
    if isinstance(s, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", s.strip()):
        try:
            return date.fromisoformat(s.strip())
        except ValueError:
            return None
    return None


def due_of(f: dict[str, Any]) -> date | None:
    """The finding's due date: the check's own (`due`, e.g. an annual report's) or the rule's."""
    return parse_date(f.get("due")) or parse_date(f.get("deadline"))


def days_info(status: str, due: date | None, as_of: date | None) -> tuple[int | None, str, str]:
    """Days from the audit date to the due date, as the report says them.

    A failure past its date is 逾期; an item not yet due shows the days left; an item that
    could not be judged only says that its date has passed (it is not known to be late)."""
    if due is None or as_of is None or status in ("pass", "waived"):
        return None, "", ""
    d = (due - as_of).days
    if d < 0:
        if status == "fail":
            return d, f"逾期 {-d} 天", "overdue"
        return d, f"时限已过 {-d} 天", "past"
    if d == 0:
        return 0, "今日到期", "left"
    return d, f"剩余 {d} 天", "left"


_REVIEW_MARK = re.compile(r"\s*\*{0,2}\[(?:unverified|confirmed|tier)[^\]]*\]\*{0,2}", re.IGNORECASE)
_PARAM_CN = {"rubric.points": "指标分值", "max_points": "扣分上限", "min_share": "最低比例",
             "multi_format_share": "多形式解读比例", "max_failure_share": "无法访问比例阈值",
             "standards.md": "检查标准摘要", "warn_ratio": "预警比例", "max_days": "天数上限"}


def clerk_text(text: Any) -> str:
    """Text for a clerk: no reviewer marks ([unverified]), markdown or parameter names."""
    t = _REVIEW_MARK.sub("", str(text or ""))
    t = t.replace("**", "").replace("`", "")
    for k, v in _PARAM_CN.items():
        t = t.replace(k, v)
    return t.strip()


def _check_names() -> dict[str, str]:
    try:
        from crawler.checks import REGISTRY
    except Exception:
        return {}
    return {name: spec.doc for name, spec in REGISTRY.items()}


def link(url: Any, text: Any = "") -> LinkView:
    u = str(url or "")
    return LinkView(href=safe_href(u), text=str(text or "") or u, url=u)


def _units(f: dict[str, Any], site_unit: str) -> list[str]:
    return list(f.get("responsible_units") or f.get("lead_units") or [site_unit or FALLBACK_UNIT])


def finding_view(f: dict[str, Any], as_of: date | None, site_unit: str = "",
                 check_names: dict[str, str] | None = None) -> FindingView:
    status = str(f.get("status", "unknown"))
    src = f.get("source") or {}
    ev = [link(e.get("url"), e.get("text")) for e in (f.get("evidence") or [])[:EVIDENCE_MAX]
          if isinstance(e, dict)]
    total = len(f.get("evidence") or [])
    due = due_of(f)
    days, days_text, days_class = days_info(status, due, as_of)
    rb = f.get("rubric") or None
    rubric_text = ""
    if rb:
        rubric_text = CATEGORY_CN.get(rb.get("category", ""), rb.get("category", "")) + "·" + str(rb.get("indicator") or "")
        if rb.get("points"):
            rubric_text += f" {fmt_num(rb['points'])} 分"
    deduction = f.get("deduction")
    if isinstance(deduction, bool) or not isinstance(deduction, (int, float)):
        deduction = None
    units = _units(f, site_unit)
    waiver = f.get("waiver") if isinstance(f.get("waiver"), dict) else None
    if waiver:
        waiver = {**waiver, "original_status_cn": STATUS_CN.get(waiver.get("original_status", ""), "")}
    wexp = f.get("waiver_expired") if isinstance(f.get("waiver_expired"), dict) else None
    names = check_names if check_names is not None else _check_names()
    where = None
    if status in ("fail", "pending", "unknown"):
        w = f.get("where") if isinstance(f.get("where"), dict) else None
        if w:
            where = link(w.get("url"), w.get("path"))
        elif ev and str(f.get("check", "")) in COLUMN_CHECKS:
            where = link(ev[0].url, ev[0].text)
        elif str(f.get("check", "")) in SITE_CHECKS:
            where = LinkView(href="", text=SITE_CHECKS[str(f.get("check", ""))], url="")
    return FindingView(
        rule_id=str(f.get("rule_id", "")), title=str(f.get("title", "")), check=str(f.get("check", "")),
        check_name=names.get(str(f.get("check", "")), str(f.get("check", ""))),
        status=status, status_cn=STATUS_CN.get(status, status),
        severity=str(f.get("severity", "")), severity_cn=SEVERITY_CN.get(str(f.get("severity", "")), ""),
        message=clerk_text(f.get("message", "")), quote=str(src.get("quote") or ""),
        document=str(src.get("document") or ""), section=str(src.get("section") or ""),
        rule_file=str(f.get("rule_file", "")), note=clerk_text(f.get("note")), draft=bool(f.get("draft")),
        notice=str(f.get("notice") or src.get("document") or ""),
        warning=bool(f.get("warning")),
        evidence=ev[:EVIDENCE_SHOWN], evidence_more=ev[EVIDENCE_SHOWN:], evidence_total=total,
        evidence_cut=max(total - EVIDENCE_MAX, 0),
        lead_units=[str(u) for u in f.get("lead_units") or []],
        responsible_units=[str(u) for u in f.get("responsible_units") or []],
        units=units, units_key="|".join(units),
        deadline=str(f.get("deadline") or ""), due=due.isoformat() if due else "",
        days=days, days_text=days_text, days_class=days_class, rubric_text=rubric_text,
        deduction=float(deduction) if deduction is not None else None,
        deduction_text=(fmt_num(deduction) if deduction is not None else "") + (
            f"（检查计算 {fmt_num(f['deduction_uncapped'])} 分，已按上限封顶）"
            if deduction is not None and isinstance(f.get("deduction_uncapped"), (int, float)) else ""),
        waiver=waiver, waiver_expired=wexp,
        sort_key=f"{STATUS_ORDER.get(status, 9)}|{due.isoformat() if due else '9999-99-99'}|{f.get('rule_id', '')}",
        where=where,
    )


def gap_order(v: FindingView) -> tuple[Any, ...]:
    """Overdue failures first (most overdue first), then pending by due date, then the rest."""
    return (STATUS_ORDER.get(v.status, 9), v.due or "9999-99-99", v.rule_id)


def group_by_unit(views: list[FindingView], role: str, site_unit: str = "") -> list[UnitGroup]:
    groups: dict[str, list[FindingView]] = {}
    for v in views:
        if v.status not in GAP_STATUSES:
            continue
        if role == "牵头单位":
            units = v.lead_units or [NO_LEAD]
        else:
            units = v.units
        for u in units:
            groups.setdefault(u, []).append(v)
    out = []
    for unit, items in groups.items():
        items.sort(key=gap_order)
        counts = {s: sum(1 for i in items if i.status == s) for s in GAP_STATUSES}
        out.append(UnitGroup(unit=unit, role=role, items=items, counts=counts,
                             overdue=sum(1 for i in items if i.days_class == "overdue" and i.status == "fail")))
    # units with open failures first, then by name
    out.sort(key=lambda g: (-g.counts["fail"], -g.counts["pending"], g.unit))
    return out


_FILE_BAD = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f\s]+')


def unit_file_name(i: int, unit: str) -> str:
    name = _FILE_BAD.sub("_", unit).strip("._") or "unit"
    return f"{i:02d}-{name[:40]}.html"


def status_chart(counts: dict[str, int], width: int = 560) -> Chart:
    """A stacked horizontal bar of the status mix."""
    total = sum(counts.get(s, 0) for s in STATUS_ORDER)
    chart = Chart(title="检查结果分布", width=width, height=34)
    x = 0.0
    for s in ("fail", "pending", "unknown", "waived", "pass"):
        n = counts.get(s, 0)
        if not n:
            continue
        w = width * n / total if total else 0
        chart.segments.append(Segment(label=STATUS_CN[s], count=n, x=round(x, 2), width=round(w, 2),
                                      css=f"st-{s}", pct=f"{100 * n / total:.0f}%"))
        x += w
    return chart


def rate_chart(rows: list[tuple[str, float, str]], title: str, width: int = 640, label_width: int = 260) -> Chart:
    """Horizontal bars, one per (label, rate 0..1, text)."""
    bar_w = width - label_width - 120
    chart = Chart(title=title, width=width, height=22 * len(rows) + 6, label_width=label_width,
                  track_width=bar_w, value_x=label_width + bar_w + 6)
    for i, (label, rate, text) in enumerate(rows):
        css = "ok" if rate >= 0.8 else ("mid" if rate >= 0.6 else "bad")
        short = label if len(label) <= 18 else label[:17] + "…"
        chart.bars.append(Bar(label=label, short=short, value=rate, text=text, y=22 * i + 3,
                              width=round(max(bar_w * rate, 0), 2), css=css))
    return chart


def verdict_view(v: dict[str, Any] | None) -> VerdictView:
    v = v or {}
    verdict = str(v.get("verdict") or "无法判断")
    deds = []
    for d in v.get("deductions") or []:
        deds.append({"indicator": d.get("indicator", ""), "points": fmt_num(d.get("points")),
                     "raw": fmt_num(d.get("raw")), "cap": fmt_num(d.get("cap")) if d.get("cap") is not None else "不封顶",
                     "capped": bool(d.get("capped")),
                     "entries": [{**i, "points": fmt_num(i.get("points"))} for i in d.get("items") or []]})
    return VerdictView(
        verdict=verdict, css=VERDICT_CLASS.get(verdict, "undecided"), score=fmt_num(v.get("score")),
        reason=str(v.get("reason") or "未计算结论。"), vetoes=list(v.get("vetoes") or []),
        unknown_vetoes=list(v.get("unknown_vetoes") or []), deductions=deds,
        total_deduction=fmt_num(v.get("total_deduction", 0)), unscored=list(v.get("unscored") or []),
        unknown_deductions=list(v.get("unknown_deductions") or []), warnings=list(v.get("warnings") or []),
        bonuses=list(v.get("bonuses") or []), notes=[clerk_text(n) for n in v.get("notes") or []],
        pass_score=fmt_num(v.get("pass_score", 60)), full_score=fmt_num(v.get("full_score", 100)),
    )


def _tree(columns: list[dict[str, Any]]) -> list[TreeRow]:
    rows = sorted(columns, key=lambda c: [str(x) for x in c.get("path", [])])
    out = []
    for c in rows:
        path = [str(x) for x in c.get("path", [])]
        if not path:
            continue
        depth = len(path) - 1
        state = "空白栏目" if c.get("empty") else ("未抓取" if not c.get("fetched", True) else "")
        out.append(TreeRow(name=path[-1], path=" > ".join(path), href=safe_href(c.get("url")), depth=depth,
                           indent=8 + min(depth, 12) * 18, items=int(c.get("items") or 0),
                           newest=str(c.get("newest_below") or c.get("newest") or ""), state=state,
                           notes=_column_notes(c)))
    return out


def _column_notes(c: dict[str, Any]) -> str:
    notes = []
    if c.get("not_openable"):
        notes.append(f"无法打开的条目 {int(c['not_openable'])} 条")
    if c.get("date_disagreements"):
        notes.append(f"列表日期与文章页不一致 {int(c['date_disagreements'])} 条（按列表日期计）")
    return "；".join(notes)


def failure_label(p: dict) -> str:
    """Why a page could not be audited, in the inspector's words ('请求超时', 'HTTP 404', a WAF
    challenge) — never a bare code (crawler.net.failures.failure_reason)."""
    return failure_reason(str(p.get("error") or ""), p.get("status"))


def completion_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Each notice's completion as the report says it (工作要点落实); none for a site that
    could not be audited (its figures would count a site never read)."""
    rows: list[dict[str, Any]] = []
    if not (doc.get("site") or {}).get("reachable", True):
        return rows
    for c in doc.get("completion") or []:
        text = (f"已完成 {c.get('done', 0)} / 应完成 {c.get('due', 0)}，逾期 {c.get('overdue', 0)}，"
                f"未到期 {c.get('pending', 0)}")
        extra = []
        if c.get("not_done"):
            standing = int(c["not_done"]) - int(c.get("overdue") or 0)
            extra.append(f"未完成 {c['not_done']}（逾期 {c.get('overdue', 0)}"
                         + (f"，无明确时限的长期任务 {standing}" if standing else "") + "）")
        extra += [f"{label} {c[k]}" for k, label in (("unknown", "无法判断"), ("waived", "已豁免"),
                                                      ("not_applicable", "不适用")) if c.get(k)]
        rate = c.get("done", 0) / c["due"] if c.get("due") else None
        label = "法定要求落实" if c.get("kind") == "national" else "工作要点落实"
        rows.append({**c, "label": label, "text": text, "extra": "，".join(extra),
                     "rate": f"{100 * rate:.0f}%" if rate is not None else "—"})
    return rows


def build_report(doc: dict[str, Any]) -> ReportView:
    as_of = parse_date(doc.get("as_of"))
    site = doc.get("site") or {}
    site_unit = str(site.get("unit") or "")
    names = _check_names()
    all_views = [finding_view(f, as_of, site_unit, names) for f in doc.get("findings") or []]
    all_views.sort(key=lambda v: v.sort_key)
    views = [v for v in all_views if v.status != "not_applicable"]  # out of every count
    counts = {s: sum(1 for v in views if v.status == s) for s in STATUS_ORDER}
    verdict = doc.get("verdict") or {}
    warnings = len(verdict["warnings"]) if "warnings" in verdict else sum(1 for v in views if v.warning)
    cards = [{"status": s, "label": STATUS_CN[s], "count": counts[s]}
             for s in ("fail", "pending", "unknown", "waived", "pass") if s != "waived" or counts[s]]
    cards.append({"status": "warning", "label": "预警", "count": warnings})
    # pass rate per rule document (the notice a rule comes from)
    per_doc: dict[str, list[str]] = {}
    for v in views:
        per_doc.setdefault(v.notice or v.rule_file or "（未注明）", []).append(v.status)
    rows = []
    for name, sts in sorted(per_doc.items()):
        judged = sum(1 for s in sts if s in ("pass", "fail"))
        passed = sum(1 for s in sts if s == "pass")
        rate = passed / judged if judged else 0.0
        rows.append((name, rate, f"{passed}/{judged}" if judged else "无已判定项"))
    resp = group_by_unit(views, "责任单位", site_unit)
    for i, g in enumerate(resp, 1):
        g.page = "units/" + unit_file_name(i, g.unit)
        g.anchor = f"unit-{i}"
    lead = group_by_unit(views, "牵头单位", site_unit)
    for i, g in enumerate(lead, 1):
        g.anchor = f"lead-{i}"
    tree = _tree(doc.get("columns") or [])
    units = sorted({u for v in views for u in v.units})
    checks: dict[str, tuple[str, int]] = {}
    for v in views:
        name, n = checks.get(v.check, (v.check_name, 0))
        checks[v.check] = (name, n + 1)
    waivers = doc.get("waivers") or {}
    failed = doc.get("failed_pages") or []
    return ReportView(
        title="政务公开网站检查报告", site_name=str(site.get("name") or ""), site_url=str(site.get("url") or ""),
        site_href=safe_href(site.get("url")), site_unit=site_unit, as_of=str(doc.get("as_of") or ""),
        reachable=bool(site.get("reachable", True)), unreachable_reason=str(site.get("unreachable_reason") or ""),
        challenged=str(site.get("challenged") or ""),
        verdict=verdict_view(doc.get("verdict")), cards=cards,
        pages=dict(doc.get("pages") or {"total": 0, "ok": 0, "failed": 0}),
        findings=views, by_unit=resp, by_lead=lead, tree=tree, tree_open=len(tree) <= 300,
        empty_columns=sum(1 for t in tree if t.state == "空白栏目"),
        status_chart=status_chart(counts), rate_chart=rate_chart(rows, "按依据文件的通过率"),
        status_options=[Option(s, STATUS_CN[s], counts[s]) for s in ("fail", "pending", "unknown", "waived", "pass")
                        if counts[s]],
        unit_options=[Option(u, u, sum(1 for v in views if u in v.units)) for u in units],
        check_options=[Option(k, n, c) for k, (n, c) in sorted(checks.items())],
        failed_pages=[link(p.get("url"), f"{p.get('url', '')} — {failure_label(p)}")
                      for p in failed[:300] if isinstance(p, dict)],
        failed_pages_total=len(failed),
        waivers_applied=list(waivers.get("applied") or []), waivers_expired=list(waivers.get("expired") or []),
        crawl=dict(doc.get("crawl") or {}),
        units_open=len(resp) <= UNITS_OPEN_MAX,
        extra_nav=[Option(sid, label, 0) for key, sid, label in EXTRA_SECTIONS
                   if doc.get(key) and (key != "links" or (doc.get("links") or {}).get("verified", True)
                                        or (doc.get("links") or {}).get("dead_entries"))],
        profile={"kind": "", "region": "", "source_cn": "", "basis": "",
                 **{k: str(v) for k, v in (site.get("profile") or {}).items()}},
        completion=completion_rows(doc),
        not_applicable=[v for v in all_views if v.status == "not_applicable"],
        waivers_unmatched=list(waivers.get("unmatched") or []),
        rubric_items=int(verdict.get("rubric_items") or sum(1 for v in views if v.rubric_text)),
    )
