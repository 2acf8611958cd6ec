"""The site verdict per the 2019 national rubric (国办秘函〔2019〕19号): findings → 合格 | 不合格 | 无法判断.

Only findings whose rule carries a `rubric:` block take part; every weight comes from the
rule files (rubric.category, points, max_points), nothing from this module except the
rubric's frame: 100 points, below 60 is 不合格 (arguments of `compute_verdict`).

How the verdict is reached, in order:

1. 单项否决 — a `veto` item with status `fail` makes the site 不合格, whatever the score.
2. 扣分 — every `deduct` item with status `fail` deducts points: the finding's own
   `deduction` (when the check computed one, e.g. broken links −1 on the homepage, −0.1
   elsewhere) or else the rule's `rubric.points`. Deductions are summed per indicator and
   stop at the indicator's cap: the largest `max_points` its rules declare, or else the
   largest `points` (the same cap crawler.evaluate puts on a single computed deduction).
   When a computed deduction is cut by `points` because no `max_points` is declared, the
   verdict notes it, so the rule file can declare the real ceiling. An indicator with
   neither is not capped. A failing item without any points deducts nothing and is
   listed for the inspector to score by hand. Score = 100 − deductions, ≥ 0; below 60 →
   不合格.
3. 无法判断 — when no veto failed and the score is not below 60, but a veto item could
   not be judged (status `unknown`: the site or the page was unreachable, the data was
   missing), or unknown deduction items could still pull the score below 60, the site
   is not declared 合格: the verdict is 无法判断, naming the items to check by hand. The
   same holds when no rubric rule was loaded at all.
4. Otherwise 合格.

`pending` items (not yet due) and `waived` items (已豁免) never count; waived ones are
listed. Warnings (预警): `warn` items that fail, and any finding flagged `warning: true`
(close to a limit); they never change the verdict. `bonus` items that pass are listed but
not added: the rubric adds bonus points only for portals scoring above 80.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

FULL_SCORE = 100.0
PASS_SCORE = 60.0

QUALIFIED, UNQUALIFIED, UNDECIDED = "合格", "不合格", "无法判断"


@dataclass
class Deduction:
    """Deductions of one indicator (扣分指标)."""

    indicator: str
    points: float  # deducted, after the cap
    raw: float  # before the cap
    cap: float | None  # None: not capped
    items: list[dict[str, Any]] = field(default_factory=list)  # rule_id, title, points, basis

    @property
    def capped(self) -> bool:
        return self.cap is not None and self.raw > self.cap


@dataclass
class Verdict:
    verdict: str  # 合格 | 不合格 | 无法判断
    score: float | None  # out of full_score; None when no rubric rule took part
    reason: str  # one Chinese sentence: why this verdict
    vetoes: list[dict[str, Any]] = field(default_factory=list)  # failed single-veto items
    unknown_vetoes: list[dict[str, Any]] = field(default_factory=list)
    deductions: list[Deduction] = field(default_factory=list)
    total_deduction: float = 0.0
    unscored: list[dict[str, Any]] = field(default_factory=list)  # failing deduct items without points
    unknown_deductions: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    bonuses: list[dict[str, Any]] = field(default_factory=list)
    waived: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    full_score: float = FULL_SCORE
    pass_score: float = PASS_SCORE
    rubric_items: int = 0  # findings with a rubric block

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for row, ded in zip(d["deductions"], self.deductions, strict=True):
            row["capped"] = ded.capped
        return d


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v)


def _r(x: float) -> float:
    return round(x + 0.0, 2)


def _item(f: dict[str, Any]) -> dict[str, Any]:
    rb = f.get("rubric") or {}
    return {"rule_id": f.get("rule_id", ""), "title": f.get("title", ""),
            "indicator": rb.get("indicator") or f.get("title", ""), "status": f.get("status", ""),
            "message": f.get("message", "")}


@dataclass
class _Tally:
    """The rubric findings sorted by what they do to the verdict."""
    vetoes: list[dict[str, Any]] = field(default_factory=list)
    unknown_vetoes: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    bonuses: list[dict[str, Any]] = field(default_factory=list)
    waived: list[dict[str, Any]] = field(default_factory=list)
    unscored: list[dict[str, Any]] = field(default_factory=list)
    unknown_ded: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    by_indicator: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    caps: dict[str, float] = field(default_factory=dict)  # declared max_points per indicator
    fixed_caps: dict[str, float] = field(default_factory=dict)  # largest points per indicator
    rubric_items: int = 0
    seen_warn: set[str] = field(default_factory=set)

    def warn(self, f: dict[str, Any]) -> None:
        if f.get("rule_id") not in self.seen_warn:
            self.seen_warn.add(f.get("rule_id", ""))
            self.warnings.append(_item(f))

    def add(self, f: dict[str, Any]) -> None:
        status = f.get("status", "")
        rb = f.get("rubric") or None
        if f.get("warning") and status not in ("waived",):
            self.warn(f)
        if not rb:
            return
        self.rubric_items += 1
        cat = rb.get("category")
        indicator = rb.get("indicator") or f.get("title", "")
        points = _num(rb.get("points")) or 0.0
        max_points = _num(rb.get("max_points"))
        if cat == "deduct":
            if max_points is not None:
                self.caps[indicator] = max(self.caps.get(indicator, 0.0), max_points)
            if points > 0:
                self.fixed_caps[indicator] = max(self.fixed_caps.get(indicator, 0.0), points)
        if status == "waived":
            self.waived.append(_item(f))
        elif status == "pending":
            return
        elif cat == "veto":
            if status == "fail":
                self.vetoes.append(_item(f))
            elif status == "unknown":
                self.unknown_vetoes.append(_item(f))
        elif cat == "deduct":
            self._deduct(f, status, indicator, points, max_points)
        elif cat == "warn":
            if status == "fail":
                self.warn(f)
        elif cat == "bonus" and status == "pass":
            self.bonuses.append({**_item(f), "points": points})

    def _deduct(self, f: dict[str, Any], status: str, indicator: str, points: float,
                max_points: float | None) -> None:
        if status == "unknown":
            self.unknown_ded.append({**_item(f), "points": max_points if max_points is not None else points})
            return
        if status != "fail":
            return
        computed = _num(f.get("deduction"))
        if computed is not None:
            pts, basis = max(computed, 0.0), "check"
        elif points > 0:
            pts, basis = points, "rubric"
        else:
            self.unscored.append(_item(f))
            return
        self.by_indicator.setdefault(indicator, []).append(
            {**_item(f), "points": _r(pts), "basis": basis, "uncapped": f.get("deduction_uncapped")})

    def deductions(self) -> list[Deduction]:
        out: list[Deduction] = []
        for indicator, items in self.by_indicator.items():
            raw = _r(sum(i["points"] for i in items))
            cap: float | None = self.caps.get(indicator)
            if cap is None:
                cap = self.fixed_caps.get(indicator)
                by_check = [i for i in items if i["basis"] == "check"]
                uncapped = max((_num(i.get("uncapped")) or 0.0 for i in by_check), default=0.0)
                if cap is not None and by_check and max(raw, uncapped) > cap:
                    self.notes.append(f"扣分指标“{indicator}”未规定扣分上限，检查计算的扣分 {max(raw, uncapped):g} 分"
                                      f"按该指标分值封顶为 {cap:g} 分。")
            out.append(Deduction(indicator=indicator, points=_r(min(raw, cap) if cap is not None else raw),
                                 raw=raw, cap=cap, items=items))
        out.sort(key=lambda d: (-d.points, d.indicator))
        return out

    def conclusion(self, score: float | None, worst: float, pass_score: float) -> tuple[str, str]:
        """(verdict, reason), the first rule that decides."""
        if not self.rubric_items:
            self.notes.append("如需评定是否合格，请同时使用国家检查指标规则（内置的 national-rubric-2019.yaml）。")
            return UNDECIDED, "本次未使用国家检查指标规则，未按《政府网站与政务新媒体检查指标》评定。"
        if self.vetoes:
            names = "、".join(dict.fromkeys(v["indicator"] for v in self.vetoes))
            return UNQUALIFIED, f"触发单项否决：{names}。"
        if score is not None and score < pass_score:
            return UNQUALIFIED, f"得分 {score:g} 分，低于 {pass_score:g} 分。"
        if self.unknown_vetoes:
            names = "、".join(f"“{n}”" for n in dict.fromkeys(v["indicator"] for v in self.unknown_vetoes))
            return UNDECIDED, f"单项否决指标 {names} 缺少判断依据（结论为无法判断），需补充核查后才能判定是否合格。"
        if self.unknown_ded and worst < pass_score:
            return UNDECIDED, (f"得分 {score:g} 分，但 {len(self.unknown_ded)} 项扣分指标无法判断，"
                               f"若均不通过得分可能降至 {worst:g} 分，需人工核查。")
        return QUALIFIED, f"未触发单项否决，得分 {score:g} 分。"


def compute_verdict(findings: list[dict[str, Any]], *, full_score: float = FULL_SCORE,
                    pass_score: float = PASS_SCORE) -> Verdict:
    """Judge a site from its findings (the dicts of findings.json, waivers applied)."""
    t = _Tally()
    for f in findings:
        t.add(f)
    deductions = t.deductions()
    total = _r(sum(d.points for d in deductions))
    score: float | None = _r(max(full_score - total, 0.0)) if t.rubric_items else None
    # the worst the score could still get if every unknown deduction item failed
    unknown_pts = sum(_num(u.get("points")) or 0.0 for u in t.unknown_ded)
    worst = _r(max((score or 0.0) - unknown_pts, 0.0))
    if t.unscored:
        t.notes.append(f"{len(t.unscored)} 项扣分指标不通过但规则未给出分值，未计入得分，请人工核定扣分。")
    if t.bonuses:
        t.notes.append("加分指标仅适用于门户网站且得分 80 分以上时计入，本报告列出但未加分。")
    if t.waived:
        t.notes.append(f"{len(t.waived)} 项指标已豁免，未计入结论。")
    verdict, reason = t.conclusion(score, worst, pass_score)
    if t.unknown_ded and verdict != UNDECIDED:
        t.notes.append(f"{len(t.unknown_ded)} 项扣分指标无法判断，未计入得分。")
    return Verdict(verdict=verdict, score=score, reason=reason, vetoes=t.vetoes, unknown_vetoes=t.unknown_vetoes,
                   deductions=deductions, total_deduction=total, unscored=t.unscored,
                   unknown_deductions=t.unknown_ded, warnings=t.warnings, bonuses=t.bonuses, waived=t.waived,
                   notes=t.notes, full_score=full_score, pass_score=pass_score, rubric_items=t.rubric_items)
