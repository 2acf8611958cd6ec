"""The multi-site index page (out/index.html): sites ranked by verdict and score, the
pass rate of each rule across sites, and the units with the most open items.

Like the site report: data first (dataclasses below), then a template that only prints.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reports.html import report_environment, static_assets
from reports.view import (
    STATUS_CN,
    VERDICT_CLASS,
    Chart,
    Option,
    Segment,
    build_report,
    fmt_num,
    rate_chart,
    safe_href,
)

VERDICT_ORDER = {"合格": 0, "无法判断": 1, "不合格": 2}


@dataclass
class SiteEntry:
    """One site of a multi-site run, as sites.py hands it over."""

    name: str
    slug: str
    urls: list[str]
    unit: str = ""
    doc: dict[str, Any] | None = None  # None: the site could not be audited
    error: str = ""


@dataclass
class SiteRow:
    rank: int
    name: str
    slug: str
    url: str
    href: str
    unit: str
    verdict: str
    verdict_css: str
    score: str
    score_sort: str  # zero-padded, for the JS sort
    reason: str
    vetoes: str
    counts: dict[str, int]
    pages: int
    report: str  # relative link to slug/report.html ("" when there is none)
    xlsx: str
    error: str
    overdue: int = 0


@dataclass
class RuleRate:
    rule_id: str
    title: str
    document: str
    counts: dict[str, int]
    judged: int
    rate: float | None
    rate_text: str
    failing_sites: list[str]


@dataclass
class UnitRow:
    unit: str
    site: str  # units of different sites are kept apart (区财政局 of two districts is two units)
    sites: int
    fail: int
    overdue: int
    pending: int
    unknown: int


@dataclass
class DashboardView:
    title: str
    as_of: str
    rows: list[SiteRow]
    rules: list[RuleRate]
    units: list[UnitRow]
    verdict_chart: Chart
    rate_chart: Chart
    verdict_options: list[Option]
    unit_options: list[Option]
    totals: dict[str, int]
    exports: list[dict[str, str]] = field(default_factory=list)


def _verdict_chart(rows: list[SiteRow], width: int = 560) -> Chart:
    chart = Chart(title="网站结论分布", width=width, height=34)
    total = len(rows)
    x = 0.0
    for v in ("不合格", "无法判断", "合格"):
        n = sum(1 for r in rows if r.verdict == v)
        if not n:
            continue
        w = width * n / total
        chart.segments.append(Segment(label=v, count=n, x=round(x, 2), width=round(w, 2),
                                      css="v-" + VERDICT_CLASS[v], pct=f"{100 * n / total:.0f}%"))
        x += w
    return chart


def build_dashboard(entries: list[SiteEntry], title: str = "政务公开网站检查汇总") -> DashboardView:
    rows: list[SiteRow] = []
    rules: dict[str, RuleRate] = {}
    units: dict[str, dict[str, Any]] = {}
    as_of = ""
    for e in entries:
        doc = e.doc
        if doc is None:
            rows.append(SiteRow(rank=0, name=e.name, slug=e.slug, url=e.urls[0] if e.urls else "",
                                href=safe_href(e.urls[0] if e.urls else ""), unit=e.unit, verdict="无法判断",
                                verdict_css="undecided", score="—", score_sort="-1", reason=e.error or "未能检查",
                                vetoes="", counts={s: 0 for s in STATUS_CN}, pages=0, report="", xlsx="",
                                error=e.error or "未能检查"))
            continue
        as_of = as_of or str(doc.get("as_of") or "")
        r = build_report(doc)
        v = doc.get("verdict") or {}
        counts = {s: sum(1 for f in r.findings if f.status == s) for s in STATUS_CN}
        score = v.get("score")
        rows.append(SiteRow(
            rank=0, name=e.name or r.site_name or r.site_url, slug=e.slug, url=r.site_url or (e.urls or [""])[0],
            href=safe_href(r.site_url or (e.urls or [""])[0]), unit=e.unit or r.site_unit,
            verdict=r.verdict.verdict, verdict_css=r.verdict.css, score=fmt_num(score),
            score_sort=f"{float(score):06.2f}" if isinstance(score, (int, float)) else "-1",
            reason=r.verdict.reason, vetoes="、".join(dict.fromkeys(x.get("indicator", "") for x in v.get("vetoes") or [])),
            counts=counts, pages=int((doc.get("pages") or {}).get("total") or 0),
            report=f"{e.slug}/report.html", xlsx=f"{e.slug}/整改台账.xlsx", error=e.error,
            overdue=sum(int(c.get("overdue") or 0) for c in doc.get("completion") or [])))
        for f in r.findings:
            rr = rules.setdefault(f.rule_id, RuleRate(rule_id=f.rule_id, title=f.title, document=f.document,
                                                      counts={s: 0 for s in STATUS_CN}, judged=0, rate=None,
                                                      rate_text="", failing_sites=[]))
            rr.counts[f.status] = rr.counts.get(f.status, 0) + 1
            if f.status == "fail":
                rr.failing_sites.append(e.name or r.site_name or r.site_url)
        site_label = e.name or r.site_name or r.site_url
        for g in r.by_unit:
            u = units.setdefault(f"{e.slug}\x00{g.unit}", {"unit": g.unit, "site": site_label, "sites": set(),
                                                          "fail": 0, "overdue": 0, "pending": 0, "unknown": 0})
            u["sites"].add(e.slug)
            u["fail"] += g.counts["fail"]
            u["overdue"] += g.overdue
            u["pending"] += g.counts["pending"]
            u["unknown"] += g.counts["unknown"]
    # verdict, then score, then overdue notice items (fewer first)
    rows.sort(key=lambda x: (VERDICT_ORDER.get(x.verdict, 1), -float(x.score_sort), x.overdue, x.name))
    for i, row in enumerate(rows, 1):
        row.rank = i
    for rr in rules.values():
        rr.judged = rr.counts["pass"] + rr.counts["fail"]
        rr.rate = rr.counts["pass"] / rr.judged if rr.judged else None
        rr.rate_text = f"{100 * rr.rate:.0f}%（{rr.counts['pass']}/{rr.judged}）" if rr.rate is not None else "无已判定"
    rule_list = sorted(rules.values(), key=lambda x: (x.rate if x.rate is not None else 2.0, x.rule_id))
    chart_rows = [(f"{x.title}", x.rate, x.rate_text) for x in rule_list if x.rate is not None][:30]
    unit_rows = sorted((UnitRow(unit=u["unit"], site=u["site"], sites=len(u["sites"]), fail=u["fail"],
                                overdue=u["overdue"], pending=u["pending"], unknown=u["unknown"])
                        for u in units.values()),
                       key=lambda x: (-x.fail, -x.overdue, x.unit, x.site))
    totals = {v: sum(1 for r in rows if r.verdict == v) for v in VERDICT_ORDER}
    totals["sites"] = len(rows)
    return DashboardView(
        title=title, as_of=as_of, rows=rows, rules=rule_list, units=unit_rows,
        verdict_chart=_verdict_chart(rows),
        rate_chart=rate_chart(chart_rows, "各检查项通过率（通过率最低的 30 项）", width=760, label_width=320),
        verdict_options=[Option(v, v, totals[v]) for v in VERDICT_ORDER if totals[v]],
        unit_options=[Option(u, u, sum(1 for r in rows if r.unit == u)) for u in sorted({r.unit for r in rows if r.unit})],
        totals=totals,
    )


def render_dashboard(entries: list[SiteEntry], out_dir: Path, name: str = "index.html",
                     exports: dict[str, Path] | None = None) -> Path:
    """Write out_dir/index.html ranking the sites (their reports are in out_dir/<slug>/)."""
    view = build_dashboard(entries)
    labels = {"csv": "下载全部问题 CSV", "xlsx": "下载汇总整改台账"}
    view.exports = [{"href": p.name, "label": labels.get(k, p.name)} for k, p in (exports or {}).items()]
    from reports.history import site_history_cell

    hist = {e.slug: site_history_cell(e.doc) for e in entries}
    html = report_environment().get_template("index.html.j2").render(d=view, hist=hist, **static_assets())
    path = Path(out_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
