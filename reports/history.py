"""The run-history part of a report (issue 11): the change line, each finding's 变化, the
trend of failures and score over the site's runs (inline SVG geometry), what a 复查
re-fetched. Built from the document's "history" and "recheck" sections (crawler.store.results);
a document without them gives an empty view and the report shows nothing of it."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

CHANGE_CN = {"new": "新增", "open": "仍未整改", "fixed": "已整改", "regressed": "反复", "waived": "已豁免"}
CHANGE_ORDER = ("new", "regressed", "open", "fixed", "waived")


@dataclass
class TrendPoint:
    x: float
    y_fail: float
    y_score: float | None
    label: str  # date
    text: str  # tooltip


@dataclass
class Trend:
    width: int = 420
    height: int = 110
    points: list[TrendPoint] = field(default_factory=list)
    fail_path: str = ""
    score_path: str = ""
    max_fail: int = 0

    @property
    def shown(self) -> bool:
        return len(self.points) >= 2


@dataclass
class HistoryView:
    present: bool = False
    run_id: int | None = None
    kind: str = "audit"
    line: str = ""  # 较上次（…）：新增 n，已整改 n，反复 n …
    first: bool = False  # the site's first recorded run
    change_of: dict[str, str] = field(default_factory=dict)  # rule id → change
    cell_of: dict[str, str] = field(default_factory=dict)  # rule id → 变化 cell text
    change_options: list[dict[str, Any]] = field(default_factory=list)
    trend: Trend = field(default_factory=Trend)
    recheck: dict[str, Any] | None = None
    item_lines: list[str] = field(default_factory=list)  # 错链明细 changes


def trend_view(runs: list[dict[str, Any]], width: int = 420, height: int = 110) -> Trend:
    t = Trend(width=width, height=height)
    runs = [r for r in runs if isinstance(r, dict)]
    if not runs:
        return t
    pad_l, pad_r, pad_t, pad_b = (30, 30, 10, 22) if width >= 300 else (4, 4, 4, 4)
    inner_w, inner_h = width - pad_l - pad_r, height - pad_t - pad_b
    max_fail = max(1, max(int(r.get("fail") or 0) for r in runs))
    t.max_fail = max_fail
    n = len(runs)
    for i, r in enumerate(runs):
        x = pad_l + (inner_w * i / (n - 1) if n > 1 else inner_w / 2)
        fail = int(r.get("fail") or 0)
        score = r.get("score")
        y_fail = pad_t + inner_h * (1 - fail / max_fail)
        y_score = pad_t + inner_h * (1 - float(score) / 100) if isinstance(score, (int, float)) else None
        kind = "复查" if r.get("kind") == "recheck" else "检查"
        text = (f"{r.get('date')} 运行 {r.get('run')}（{kind}）：不通过 {fail} 项"
                + (f"，得分 {float(score):g}" if isinstance(score, (int, float)) else "")
                + (f"，{r.get('verdict')}" if r.get("verdict") else "") + ("，站点无法访问" if r.get("site_down") else ""))
        t.points.append(TrendPoint(round(x, 1), round(y_fail, 1), round(y_score, 1) if y_score is not None else None,
                                   str(r.get("date") or "")[5:], text))
    t.fail_path = " ".join(f"{p.x},{p.y_fail}" for p in t.points)
    t.score_path = " ".join(f"{p.x},{p.y_score}" for p in t.points if p.y_score is not None)
    return t


def history_assets() -> dict[str, Markup]:
    """The history part's own CSS and JS (templates/history.css, history.js), inlined verbatim
    like reports.html.static_assets (trusted files: not escaped)."""
    here = Path(__file__).resolve().parent / "templates"
    css = (here / "history.css").read_text(encoding="utf-8")
    js = (here / "history.js").read_text(encoding="utf-8")
    if "</" in css or "</script" in js.lower():
        raise ValueError("inline assets must not contain '</'")
    return {"css": Markup(css), "js": Markup(js)}


def history_view(doc: dict[str, Any]) -> HistoryView:
    h = doc.get("history")
    if not isinstance(h, dict):
        return HistoryView()
    from crawler.runner.history import change_line

    v = HistoryView(present=True, run_id=h.get("run_id"), kind=str(h.get("kind") or "audit"))
    v.line = change_line(doc)
    v.first = not h.get("previous_run")
    counts: dict[str, int] = {}
    for f in doc.get("findings") or []:
        c = f.get("change")
        rid = str(f.get("rule_id"))
        if not c:
            continue
        v.change_of[rid] = c
        counts[c] = counts.get(c, 0) + 1
        cell = CHANGE_CN.get(c, c)
        if c == "open" and f.get("first_seen"):
            cell += f"（{f['first_seen']} 起，连续 {f.get('open_runs')} 次）"
        elif c == "fixed" and f.get("first_seen"):
            cell += f"（{f['first_seen']} 发现）"
        v.cell_of[rid] = cell
        ic = f.get("item_changes") or {}
        for key, cn in (("new", "新增"), ("fixed", "已整改"), ("regressed", "反复")):
            for url in (ic.get(key) or [])[:20]:
                v.item_lines.append(f"{f.get('title')}：{cn} {url}")
    v.change_options = [{"value": c, "label": CHANGE_CN[c], "count": counts[c]} for c in CHANGE_ORDER if counts.get(c)]
    v.trend = trend_view(list(h.get("trend") or []))
    rc = doc.get("recheck")
    v.recheck = rc if isinstance(rc, dict) else None
    return v


@dataclass
class UnitChanges:
    """A unit page's change line: its own items' 变化 since the last run, and what it fixed."""

    line: str = ""
    fixed: list[str] = field(default_factory=list)  # titles of the unit's items fixed since the last run


def unit_changes(doc: dict[str, Any], h: HistoryView, unit: str, items: list[Any],
                 findings: list[Any]) -> UnitChanges:
    """`items`: the unit's gap items (reports.view.FindingView); `findings`: every finding's
    view (the fixed ones now pass, so they are in no gap list)."""
    if not h.present:
        return UnitChanges()
    if h.first:
        return UnitChanges(line="本网站的第一次检查记录，下次检查起显示变化。")
    hist = doc.get("history") or {}
    prev = hist.get("previous_run") or {}
    counts = {c: 0 for c in CHANGE_CN}
    seen: set[str] = set()
    for f in items:
        if f.rule_id in seen:
            continue
        seen.add(f.rule_id)
        c = h.change_of.get(f.rule_id)
        if c in counts:
            counts[c] += 1
    fixed = [str(f.title) for f in findings if h.change_of.get(f.rule_id) == "fixed" and unit in f.units]
    counts["fixed"] = len(fixed)
    if h.kind == "recheck":
        head = f"复查（对照运行 {hist.get('base_run') or prev.get('id')}，{prev.get('date')}）"
    else:
        head = f"较上次（{prev.get('date')}）"
    line = f"{head}，本单位：" + "，".join(f"{CHANGE_CN[c]} {counts[c]}" for c in ("new", "regressed", "open", "fixed"))
    return UnitChanges(line=line, fixed=fixed)


@dataclass
class SiteHistoryCell:
    """The multi-site index's 变化 cell of one site: change since its last run and a small trend."""

    present: bool = False
    text: str = ""  # 新增 2 · 已整改 3 · 反复 1, or 首次检查
    verdict_changed: str = ""  # 合格 → 不合格
    site_down: bool = False
    trend: Trend = field(default_factory=Trend)


def site_history_cell(doc: dict[str, Any] | None) -> SiteHistoryCell:
    h = (doc or {}).get("history")
    if not isinstance(h, dict):
        return SiteHistoryCell()
    cell = SiteHistoryCell(present=True, site_down=bool(h.get("site_down")))
    prev = h.get("previous_run")
    if not prev:
        cell.text = "首次检查"
    else:
        c = h.get("changes") or {}
        cell.text = (f"较 {prev.get('date')}：新增 {c.get('new', 0)} · 已整改 {c.get('fixed', 0)} · "
                     f"反复 {c.get('regressed', 0)}")
        if h.get("verdict_changed"):
            cell.verdict_changed = f"{prev.get('verdict') or '无'} → {((doc or {}).get('verdict') or {}).get('verdict', '')}"
    cell.trend = trend_view(list(h.get("trend") or []), width=140, height=44)
    return cell
