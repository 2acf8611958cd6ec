"""Findings documents for notice tests: a finding, a document around findings, three units' worth."""
from __future__ import annotations

from typing import Any

SITE = "重庆市山城区人民政府"


def finding(rule_id: str, *, status: str = "fail", change: str | None = "new", units: list[str] | None = None,
            lead: list[str] | None = None, title: str = "", message: str = "", deadline: str = "",
            evidence: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"rule_id": rule_id, "title": title or f"要求{rule_id}", "check": "column_exists", "status": status,
            "message": message or f"问题说明{rule_id}", "severity": "major",
            "evidence": evidence if evidence is not None else [{"url": f"http://site.test/{rule_id}/", "text": f"栏目{rule_id}"}],
            "source": {"document": "山城区2021年政务公开工作要点", "section": "一、（一）", "quote": "…"},
            "deadline": deadline, "lead_units": lead or [], "responsible_units": units or [], "change": change}


def make_doc(findings: list[dict[str, Any]], *, previous: bool = True, verdict: str = "不合格",
             verdict_changed: bool = False, reachable: bool = True, reason: str = "",
             unit_pages: dict[str, str] | None = None, site_unit: str = "区政府办公室") -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema": "govaudit.findings/1",
        "site": {"url": "http://site.test/", "homepage": "http://site.test/", "reachable": reachable,
                 "unreachable_reason": reason, "name": SITE, "unit": site_unit},
        "as_of": "2021-12-31", "crawl": {"id": 7},
        "findings": findings,
        "verdict": {"verdict": verdict},
        "history": {"previous_run": {"id": 6, "date": "2021-12-01", "verdict": "合格"} if previous else None,
                    "verdict_changed": verdict_changed, "site_down": not reachable, "run_id": 7},
    }
    if unit_pages is not None:
        doc["unit_pages"] = unit_pages
    return doc


def three_units_doc() -> dict[str, Any]:
    """区发展改革委: 2 new + 1 open; 区财政局: 1 regressed; 区教委: only open (no trigger)."""
    return make_doc([
        finding("fgw-1", units=["区发展改革委"]),
        finding("fgw-2", units=["区发展改革委"], deadline="2021-06-30"),
        finding("fgw-3", units=["区发展改革委"], change="open"),
        finding("cz-1", units=["区财政局"], change="regressed"),
        finding("jw-1", units=["区教委"], change="open"),
        finding("ok-1", status="pass", change=None, units=["区发展改革委"]),
    ], unit_pages={"区发展改革委": "units/01-区发展改革委.html", "区财政局": "units/02-区财政局.html"})
