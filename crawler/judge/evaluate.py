"""Rules × site model → findings; findings → findings.json.

The evaluator runs each rule's check, then stamps the rule's id, title, source, units and
deadline on the outcome. A failure whose deadline is after the audit date is `pending`
(not yet due is not a failure); a check that crashes is `unknown` with the reason, so one
bad check never loses the rest of an audit.
"""
from __future__ import annotations

import json
import traceback
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from crawler.checks import REGISTRY, CheckContext
from crawler.checks.base import Outcome
from crawler.judge.applicability import SiteProfile, applicability
from crawler.model.build import Column, SiteModel
from crawler.ruleset.loader import AuditRule
from crawler.text.names import Synonyms, default_synonyms

FINDINGS_SCHEMA = "govaudit.findings/1"


@dataclass
class Finding:
    rule_id: str
    title: str
    check: str
    status: str  # pass | fail | pending | unknown | not_applicable (| waived, set by waivers)
    message: str
    severity: str
    evidence: list[dict[str, str]] = field(default_factory=list)
    source: dict[str, Any] = field(default_factory=dict)
    deadline: str = ""
    lead_units: list[str] = field(default_factory=list)
    responsible_units: list[str] = field(default_factory=list)
    warning: bool = False
    note: str = ""
    draft: bool = False
    rubric: dict[str, Any] | None = None
    details: dict[str, Any] = field(default_factory=dict)
    rule_file: str = ""
    notice: str = ""  # the rule file's document (completion is counted per notice)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        details = d.pop("details")
        for k, v in details.items():  # e.g. "missing" at top level, as documented
            d.setdefault(k, v)
        return d


def _due_date(rule: AuditRule, outcome: Outcome) -> date | None:
    due = outcome.details.get("due")
    if isinstance(due, str):
        try:
            return date.fromisoformat(due)
        except ValueError:
            return None
    return rule.deadline


def evaluate(rules: list[AuditRule], site: SiteModel, as_of: date, synonyms: Synonyms | None = None,
             profile: SiteProfile | None = None) -> list[Finding]:
    """Every rule's finding. With a `profile`, a rule that does not apply to the site is
    `not_applicable` (crawler.judge.applicability); without one every rule applies."""
    ctx = CheckContext(as_of=as_of, synonyms=synonyms or site.synonyms or default_synonyms())
    findings = []
    for rule in rules:
        spec = REGISTRY[rule.check]
        fit, why = applicability(rule, profile) if profile is not None else ("apply", "")
        try:
            if fit != "apply":
                out = Outcome(fit, why)
            elif not site.reachable and spec.needs_homepage:  # no evidence: never a pass or a fail
                out = Outcome("unknown", f"站点无法访问，无法判断（{site.unreachable_reason}）")
            else:
                out = spec(site, rule.params, ctx)
        except Exception as e:  # a check bug must not lose the audit
            out = Outcome("unknown", f"检查执行出错：{type(e).__name__}: {e}",
                          details={"error": traceback.format_exc(limit=3)})
        _cap_deduction(rule, out)
        if out.status == "fail" and "where" not in out.details:
            _locate(rule, site, ctx, out)
        status = out.status
        due = _due_date(rule, out)
        if status == "fail" and due is not None and due > as_of:
            status = "pending"
        findings.append(Finding(
            rule_id=rule.id, title=rule.title, check=rule.check, status=status, message=out.message,
            severity=rule.severity,
            evidence=[{"url": e.url, "text": e.text} for e in out.evidence],
            source={"document": rule.source.document, "file": rule.source.file,
                    "section": rule.source.section, "quote": rule.source.quote},
            deadline=rule.deadline_text, lead_units=list(rule.lead_units),
            responsible_units=list(rule.responsible_units), warning=out.warning, note=rule.note,
            draft=rule.draft, rubric=asdict(rule.rubric) if rule.rubric else None,
            details=out.details, rule_file=Path(rule.file).name, notice=rule.notice or rule.source.document,
        ))
    return findings


def _locate(rule: AuditRule, site: SiteModel, ctx: CheckContext, out: Outcome) -> None:
    """Where a failing column-bound rule is fixed (the report's 整改位置): its column when it
    exists, else the nearest existing column on its path."""
    from crawler.checks.columns import find_columns, nearest_column

    path = getattr(rule.params, "path", None) or getattr(rule.params, "column", None)
    if not path or not isinstance(path, tuple) or not all(isinstance(x, str) for x in path):
        return
    try:
        found = find_columns(site, path, ctx.synonyms)
        if found:
            col = found[0]
            out.details["where"] = {"path": col.display_path(), "url": col.url or site.site_url}
        else:
            out.details["where"] = nearest_column(site, path, ctx)
    except Exception:
        return


def _cap_deduction(rule: AuditRule, out: Outcome) -> None:
    """A check's computed `deduction` (e.g. broken links) stops at the rule's rubric
    max_points. Without max_points it is left as computed: a rule's `points` may be the
    per-item weight (national-rubric-broken-links), and crawler.verdict notes the missing cap."""
    ded = out.details.get("deduction")
    if not isinstance(ded, (int, float)) or rule.rubric is None:
        return
    cap = rule.rubric.max_points
    if cap is not None and ded > cap:
        out.details["deduction_uncapped"] = ded
        out.details["deduction"] = float(cap)
        out.details["deduction_cap"] = float(cap)


def summarize(findings: list[Finding]) -> dict[str, int]:
    s = {"pass": 0, "fail": 0, "pending": 0, "unknown": 0, "not_applicable": 0}
    for f in findings:
        s[f.status] = s.get(f.status, 0) + 1
    s["warning"] = sum(1 for f in findings if f.warning and f.status != "not_applicable")
    return s


def completion(rows: list[dict[str, Any]], as_of: date) -> list[dict[str, Any]]:
    """Each notice's completion (工作要点落实), beside the rubric score: per rule file whose
    rules carry no `rubric` block, done (通过) of due (应完成: the rules whose time has come —
    passed, failed or not judged), not_done (不通过), overdue (不通过 past a dated deadline;
    a standing task such as 长期开展 that fails is not_done only), pending (未到期),
    unknown (无法判断), waived and not_applicable (out of every count)."""
    out: dict[str, dict[str, Any]] = {}
    for f in rows:
        if f.get("rubric"):
            continue
        src = f.get("source") or {}
        key = str(f.get("rule_file") or src.get("document") or "")
        c = out.setdefault(key, {"document": str(f.get("notice") or src.get("document") or key), "rule_file": key,
                                 "kind": "national" if key.startswith("national-") else "notice", "done": 0,
                                 "due": 0, "overdue": 0, "not_done": 0, "pending": 0, "unknown": 0,
                                 "waived": 0, "not_applicable": 0})
        st = f.get("status")
        if st == "pass":
            c["done"] += 1
        elif st == "fail":
            c["not_done"] += 1
            due = f.get("due") or f.get("deadline") or ""
            try:  # 逾期: past a dated deadline (a standing task not done is not_done only)
                if date.fromisoformat(str(due)) < as_of:
                    c["overdue"] += 1
            except ValueError:
                pass
        elif st in ("pending", "unknown", "waived", "not_applicable"):
            c[st] += 1
        if st in ("pass", "fail", "unknown"):
            c["due"] += 1
    return [c for c in out.values() if c["due"] or c["pending"] or c["unknown"] or c["waived"]
            or c["not_applicable"]]


def site_name(site: SiteModel) -> str:
    """The site's name as the homepage gives it: the SiteName meta, else the <title>."""
    home = site.facts.get("homepage") or {}
    meta = home.get("meta") or {}
    name = str(meta.get("SiteName") or meta.get("sitename") or "").strip()
    if name:
        return name[:100]
    import re

    title = str(home.get("title") or "").strip()
    parts = [p for p in re.split(r"\s*(?:[-_|｜—–]|--)\s*", title) if p and p not in ("首页", "主页")]
    return (parts[0] if parts else title)[:100]


def column_rows(site: SiteModel) -> list[dict[str, Any]]:
    def row(c: Column) -> dict[str, Any]:
        return {"path": list(c.path), "url": c.url, "items": c.items, "total_items": c.total_items(),
                "newest": c.newest.isoformat() if c.newest else None,
                "newest_below": (nb.isoformat() if (nb := c.newest_below()) else None),
                "empty": c.empty, "fetched": c.fetched, "content_page": c.content_page,
                "not_openable": c.not_openable, "date_disagreements": c.date_disagreements,
                "sources": sorted(c.sources)}

    return [row(c) for c in site.columns]


def findings_document(site: SiteModel, findings: list[Finding], as_of: date,
                      crawl: dict[str, Any] | None = None, profile: SiteProfile | None = None) -> dict[str, Any]:
    """The findings.json document (schema govaudit.findings/1; fields may be added, never removed).

    "verdict" is the 2019-rubric verdict (crawler.verdict), computed here and nowhere else."""
    from crawler.judge.verdict import compute_verdict

    rows = [f.to_dict() for f in findings]
    doc: dict[str, Any] = {
        "schema": FINDINGS_SCHEMA,
        "site": {"url": site.site_url, "homepage": site.homepage_url, "reachable": site.reachable,
                 "unreachable_reason": site.unreachable_reason, "challenged": site.challenged,
                 "name": site_name(site)},
        "as_of": as_of.isoformat(),
        "crawl": crawl or {},
        "pages": {"total": site.pages_total, "ok": site.pages_ok, "failed": len(site.failed_pages)},
        "summary": {k: v for k, v in summarize(findings).items()},
        "columns": column_rows(site),
        "failed_pages": site.failed_pages[:1000],
        "findings": rows,
        "completion": completion(rows, as_of),
        "verdict": compute_verdict(rows).to_dict(),
    }
    if profile is not None:
        doc["site"]["profile"] = profile.to_dict()
    doc.update(link_health_sections(site))
    doc["date_disagreements"] = date_disagreements(site)
    # no resident ID or mobile number leaves an audit unmasked, whatever string a site put it in
    from crawler.text.pii import redact_deep

    return redact_deep(doc, mobiles=True)


def date_disagreements(site: SiteModel, limit: int = 1000) -> list[dict[str, Any]]:
    """List entries whose date differs from the date their article page gives (its PubDate):
    the list's date is the one used (what a person reads in the column); the other is noted."""
    return [{"title": i.title, "url": i.url, "column": list(i.column),
             "list_date": i.date.isoformat() if i.date else None, "article_date": i.article_date.isoformat()}
            for i in site.items if i.article_date is not None][:limit]


def link_health_sections(site: SiteModel) -> dict[str, Any]:
    """"links", "site_facts", "personal_data", "relations" (issue: link health)."""
    from crawler.checks.properties import content_relations, personal_data_entries

    def row(r: dict[str, Any]) -> dict[str, Any]:
        out = {k: r.get(k) for k in ("url", "kind", "status", "reason", "homepage", "external", "content_type")}
        out["found_on"] = [f for f in (r.get("found_on") or []) if isinstance(f, dict)][:20]
        for k in ("media_ok", "media_reason", "challenge"):
            if k in r:
                out[k] = r[k]
        return out

    results = site.link_results
    if results is None:
        links: dict[str, Any] = {"verified": False, "summary": {}, "broken": [], "blocked": [], "transient": [],
                                 "media_bad": []}
    else:
        by: dict[str, list[dict[str, Any]]] = {}
        for r in results:
            by.setdefault(str(r.get("state")), []).append(r)
        broken = sorted(by.get("broken", []), key=lambda r: (not r.get("homepage"), bool(r.get("external")),
                                                              str(r.get("url"))))
        media = [r for r in results if "media_ok" in r]
        summary: dict[str, Any] = {s: len(by.get(s, [])) for s in ("ok", "broken", "blocked", "transient", "skipped")}
        summary.update(
            total=len(results),
            external=sum(1 for r in results if r.get("external")),
            external_broken=sum(1 for r in broken if r.get("external")),
            homepage_broken=sum(1 for r in broken if r.get("homepage")),
            media_checked=len(media), media_bad=sum(1 for r in media if not r.get("media_ok")),
            broken_by_kind={k: sum(1 for r in broken if r.get("kind") == k)
                            for k in ("page", "image", "video", "audio", "attachment")},
        )
        links = {"verified": True, "summary": summary, "broken": [row(r) for r in broken[:2000]],
                 "blocked": [row(r) for r in by.get("blocked", [])[:1000]],
                 "transient": [row(r) for r in by.get("transient", [])[:1000]],
                 "media_bad": [row(r) for r in media if not r.get("media_ok")][:1000]}
        links.update(link_bounds(site.facts.get("link_check")))
    # entries listed without a link a person can follow (javascript:, onclick, no href), homepage first
    from crawler.checks.links import dead_entries

    dead = dead_entries(site)
    links["dead_entries"] = [{"page": i.url.split("#", 1)[0], "title": i.title, "column": list(i.column)}
                             for i in dead[:1000]]
    if links.get("summary") is not None:
        links["summary"]["dead_entries"] = len(dead)
    facts = {k: v for k, v in site.facts.items() if k not in ("phones", "homepage")}
    try:
        relations = content_relations(site)
    except Exception as e:
        relations = {"error": f"{type(e).__name__}: {e}"}
    return {"links": links, "site_facts": facts, "personal_data": personal_data_entries(site)[:2000],
            "relations": relations}


def link_bounds(check: Any) -> dict[str, Any]:
    """What a verification bound left unverified (--max-links, --link-budget), and whether
    the verification was stopped: {"skipped_by_bound": N, "bound": "max_links", "bound_limit": …}."""
    if not isinstance(check, dict):
        return {}
    out: dict[str, Any] = {}
    if check.get("skipped_by_bound") and check.get("bound"):
        bound = str(check["bound"])
        limit = check.get("budget") if bound == "link_budget" else check.get("max_links")
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        out = {"skipped_by_bound": int(check["skipped_by_bound"]), "bound": bound, "bound_limit": limit}
    if check.get("stopped"):
        out["stopped"] = True
    return out


def write_findings(doc: dict[str, Any], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "findings.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return path
