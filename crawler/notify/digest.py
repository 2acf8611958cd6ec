"""From a findings document to one digest per unit: what that unit must know after a run.

Pure: no network, no environment. A unit's items are the findings it is responsible for
(`responsible_units`), and — as the 牵头单位 that coordinates the task — the findings it
leads (`lead_units`), marked as such. A finding without units goes to the site's own unit
(sites.yaml `unit`, else 网站主办单位), as in the report's unit pages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlsplit

from crawler.net.failures import FAILURE_CN, failure_label

FALLBACK_UNIT = "网站主办单位"
CHANGE_CN = {"new": "新增", "open": "仍未整改", "fixed": "已整改", "regressed": "反复", "waived": "已豁免"}
ROLE_CN = {"responsible": "责任单位", "lead": "牵头单位"}
SEVERITY_ORDER = {"veto": 0, "major": 1, "minor": 2, "warning": 3, "info": 4}
CHANGE_ORDER = {"regressed": 0, "new": 1, "open": 2}
EVIDENCE_MAX = 3  # "where to fix": the first few evidence links of an item
TEXT_MAX = 300  # one item's message (characters); crawled text can be anything


@dataclass(frozen=True)
class Item:
    rule_id: str
    title: str
    message: str
    status: str  # fail | pending | pass (fixed)
    change: str  # new | open | regressed | fixed | "" (unknown)
    severity: str
    deadline: str
    overdue: bool
    role: str  # responsible | lead
    evidence: tuple[tuple[str, str], ...]  # (text, url) — where to fix
    source: str  # notice and section the rule quotes

    @property
    def change_cn(self) -> str:
        return CHANGE_CN.get(self.change, "")

    @property
    def role_cn(self) -> str:
        return ROLE_CN[self.role]

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "title": self.title, "message": self.message, "status": self.status,
                "change": self.change or None, "change_cn": self.change_cn, "role": self.role,
                "severity": self.severity, "deadline": self.deadline or None, "overdue": self.overdue,
                "evidence": [{"text": t, "url": u} for t, u in self.evidence], "source": self.source}


@dataclass
class Digest:
    """Everything one unit is told about one run (channel-independent)."""
    unit: str
    site_name: str
    site_url: str
    site_unit: str
    as_of: str
    run_id: int | None
    previous_date: str
    verdict: str
    previous_verdict: str
    verdict_changed: bool
    down: bool
    down_reason: str
    link: str  # the unit's page (or the report); may be relative when no base URL is known
    items: list[Item] = field(default_factory=list)  # failing: regressed, new, open
    pending: list[Item] = field(default_factory=list)  # failing but not yet due
    fixed: list[Item] = field(default_factory=list)
    triggers: tuple[str, ...] = ()

    def count(self, change: str) -> int:
        return sum(1 for i in self.items if i.change == change)

    @property
    def subject(self) -> str:
        parts: list[str] = []
        if "down" in self.triggers:
            parts.append(f"网站无法访问（{self.down_reason}）" if self.down_reason else "网站无法访问")
        n_new, n_reg = self.count("new"), self.count("regressed")
        if n_new and n_reg:
            parts.append(f"新增 {n_new} 项、反复 {n_reg} 项问题")
        elif n_new:
            parts.append(f"新增 {n_new} 项问题")
        elif n_reg:
            parts.append(f"反复 {n_reg} 项问题")
        if "verdict" in self.triggers:
            parts.append(f"检查结论由“{self.previous_verdict}”变为“{self.verdict}”")
        if not (n_new or n_reg) and self.items and "all_failures" in self.triggers:
            parts.append(f"尚有 {len(self.items)} 项问题待整改")
        if "fixed" in self.triggers and self.fixed and not parts:
            parts.append(f"已整改 {len(self.fixed)} 项")
        return f"【政务公开检查】{_short(self.site_name, 60)}：{'；'.join(parts) or '检查结果'}"

    @property
    def change_line(self) -> str:
        """较上次（2021-12-01）：新增 3 项，反复 1 项，仍未整改 2 项，已整改 1 项"""
        if not self.previous_date:
            return "首次检查（没有上次结果可比较）" if self.items or self.pending else ""
        counts = [(CHANGE_CN[c], self.count(c)) for c in ("new", "regressed", "open")]
        counts.append(("已整改", len(self.fixed)))
        body = "，".join(f"{name} {n} 项" for name, n in counts if n) or "无变化"
        return f"较上次（{self.previous_date}）：{body}"

    @property
    def verdict_line(self) -> str:
        if not self.verdict:
            return ""
        if self.verdict_changed and self.previous_verdict:
            return f"检查结论：{self.verdict}（上次：{self.previous_verdict}）"
        return f"检查结论：{self.verdict}"


def _short(s: str, n: int) -> str:
    s = re.sub(r"\s+", " ", s).strip()
    return s if len(s) <= n else s[: n - 1] + "…"


def _iso(s: Any) -> date | None:
    try:
        return date.fromisoformat(str(s)[:10])
    except ValueError:
        return None


def _item(f: dict[str, Any], role: str, change: str, as_of: date | None) -> Item:
    evidence: list[tuple[str, str]] = []
    for e in f.get("evidence") or []:
        if isinstance(e, dict) and (e.get("url") or e.get("text")):
            evidence.append((_short(str(e.get("text") or ""), 120), str(e.get("url") or "")))
        if len(evidence) >= EVIDENCE_MAX:
            break
    src = f.get("source") or {}
    source = " ".join(str(x) for x in (src.get("document"), src.get("section")) if x) if isinstance(src, dict) else ""
    deadline = str(f.get("deadline") or "")
    due = _iso(deadline)
    status = str(f.get("status") or "")
    return Item(rule_id=str(f.get("rule_id") or ""), title=_short(str(f.get("title") or ""), 120),
                message=_short(str(f.get("message") or ""), TEXT_MAX), status=status, change=change,
                severity=str(f.get("severity") or ""), deadline=deadline,
                overdue=bool(status == "fail" and due and as_of and due < as_of), role=role,
                evidence=tuple(evidence), source=_short(source, 120))


def _units_of(f: dict[str, Any], site_unit: str) -> list[tuple[str, str]]:
    """(unit, role) pairs a finding is routed to; a unit listed in both roles is 责任单位."""
    resp = [str(u).strip() for u in f.get("responsible_units") or [] if str(u).strip()]
    lead = [str(u).strip() for u in f.get("lead_units") or [] if str(u).strip()]
    if not resp:  # as the report: responsible, else lead, else the site's unit
        resp, lead = (lead, []) if lead else ([site_unit], [])
    out = [(u, "responsible") for u in dict.fromkeys(resp)]
    out += [(u, "lead") for u in dict.fromkeys(lead) if u not in resp]
    return out


def site_unit_of(doc: dict[str, Any]) -> str:
    site = doc.get("site") or {}
    return str(site.get("unit") or "").strip() or FALLBACK_UNIT


def unit_link(doc: dict[str, Any], unit: str, report_base_url: str | None) -> str:
    """The unit's page (doc["unit_pages"]), else report.html, joined to the base URL when given."""
    pages = doc.get("unit_pages") or {}
    rel = str(pages.get(unit) or "report.html") if isinstance(pages, dict) else "report.html"
    if urlsplit(rel).scheme in ("http", "https"):
        return rel
    if report_base_url:
        return urljoin(report_base_url.rstrip("/") + "/", rel)
    return rel


def build_digests(doc: dict[str, Any], report_base_url: str | None = None) -> dict[str, Digest]:
    """One digest per unit with its items (all roles); triggers are decided per target later."""
    site = doc.get("site") or {}
    history = doc.get("history") or {}
    prev = history.get("previous_run") or {}
    first_run = not prev
    site_unit = site_unit_of(doc)
    verdict = doc.get("verdict") or {}
    verdict_s = str(verdict.get("verdict") or "") if isinstance(verdict, dict) else str(verdict)
    down = site.get("reachable") is False or bool(history.get("site_down"))
    reason = str(site.get("unreachable_reason") or "")
    reason = failure_label(reason) if reason in FAILURE_CN else reason  # a stored code, not yet a sentence
    site_url = str(site.get("url") or site.get("homepage") or "")
    site_name = str(site.get("name") or "").strip() or (urlsplit(site_url).hostname or "网站")
    as_of = _iso(doc.get("as_of"))
    run_id = history.get("run_id")

    def digest(unit: str) -> Digest:
        return Digest(unit=unit, site_name=site_name, site_url=site_url, site_unit=site_unit,
                      as_of=str(doc.get("as_of") or ""), run_id=run_id if isinstance(run_id, int) else None,
                      previous_date=str(prev.get("date") or ""), verdict=verdict_s,
                      previous_verdict=str(prev.get("verdict") or ""),
                      verdict_changed=bool(history.get("verdict_changed")) and not first_run,
                      down=down, down_reason=reason, link=unit_link(doc, unit, report_base_url))

    out: dict[str, Digest] = {site_unit: digest(site_unit)}
    for f in doc.get("findings") or []:
        if not isinstance(f, dict):
            continue
        status = str(f.get("status") or "")
        if status == "not_applicable":  # not this site's rule: never news, never "fixed"
            continue
        change = str(f.get("change") or "")
        if status == "fail" and not change and first_run:
            change = "new"  # a first audit: every failure is news
        if status == "fail" and change in ("fixed", "waived"):
            change = ""
        if status not in ("fail", "pending") and change != "fixed":
            continue
        for unit, role in _units_of(f, site_unit):
            d = out.get(unit) or out.setdefault(unit, digest(unit))
            it = _item(f, role, change, as_of)
            (d.items if status == "fail" else d.pending if status == "pending" else d.fixed).append(it)
    for d in out.values():
        d.items.sort(key=lambda i: (CHANGE_ORDER.get(i.change, 3), SEVERITY_ORDER.get(i.severity, 5),
                                    i.deadline or "9999", i.rule_id))
        d.pending.sort(key=lambda i: (i.deadline or "9999", i.rule_id))
        d.fixed.sort(key=lambda i: i.rule_id)
    return out


def fired(d: Digest, on: tuple[str, ...], roles: tuple[str, ...]) -> Digest | None:
    """The digest as a target with these triggers and roles sees it, or None when nothing fires."""
    keep = set(roles)
    v = Digest(**{**d.__dict__, "items": [i for i in d.items if i.role in keep],
                  "pending": [i for i in d.pending if i.role in keep],
                  "fixed": [i for i in d.fixed if i.role in keep]})
    site_level = d.unit == d.site_unit
    triggers: list[str] = []
    if "down" in on and v.down and site_level:
        triggers.append("down")
    if "new" in on and v.count("new"):
        triggers.append("new")
    if "regressed" in on and v.count("regressed"):
        triggers.append("regressed")
    if "verdict" in on and v.verdict_changed and site_level:
        triggers.append("verdict")
    if "all_failures" in on and v.items:
        triggers.append("all_failures")
    if "fixed" in on and v.fixed:
        triggers.append("fixed")
    if not triggers:
        return None
    v.triggers = tuple(triggers)
    return v
