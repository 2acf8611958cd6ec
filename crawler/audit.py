"""One audit, stage by stage: crawl → (verify links) → site model → findings → outputs.

Each stage reads what the previous one stored, so `evaluate_store` can judge a stored
crawl again with other rules or another date without crawling.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .audit_rules import AuditRule
from .evaluate import Finding, findings_document, write_findings
from .evaluate import evaluate as run_checks
from .model import SiteModel, build_site_model
from .store import CrawlStore


@dataclass
class AuditResult:
    site: SiteModel
    findings: list[Finding]
    document: dict[str, Any]
    outputs: dict[str, Path] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(f.status == "fail" for f in self.findings)


def load_site(store: CrawlStore, crawl_id: int, as_of: date) -> SiteModel:
    info = store.crawl_info(crawl_id)
    if info is None:
        raise LookupError(f"存储中没有编号为 {crawl_id} 的抓取记录")
    links = list(store.iter_link_results(crawl_id))
    facts = store.get_facts(crawl_id) if hasattr(store, "get_facts") else {}
    probes = list(store.iter_probes(info.site)) or None
    return build_site_model(
        store.iter_pages(crawl_id), site_url=info.start_urls[0], as_of=as_of,
        link_results=links or None, probes=probes, facts=facts,
    )


def evaluate_store(store: CrawlStore, crawl_id: int, rules: list[AuditRule], as_of: date,
                   out_dir: Path | None = None) -> AuditResult:
    site = load_site(store, crawl_id, as_of)
    findings = run_checks(rules, site, as_of)
    info = store.crawl_info(crawl_id)
    crawl = {"id": crawl_id, "store": store.url, "state": info.state if info else "",
             "started_at": info.started_at if info else "", "finished_at": info.finished_at if info else "",
             "stats": info.stats if info else {}}
    doc = findings_document(site, findings, as_of, crawl=crawl)
    result = AuditResult(site=site, findings=findings, document=doc)
    if out_dir is not None:
        result.outputs = write_outputs(doc, out_dir)
    return result


def write_outputs(doc: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    from reports import render_report

    outputs = {"findings": write_findings(doc, out_dir), "report": render_report(doc, out_dir)}
    try:  # exports (CSV / XLSX) when the reports package provides them
        from reports import write_exports  # type: ignore[attr-defined]
    except ImportError:
        return outputs
    outputs.update(write_exports(doc, out_dir))
    return outputs


def post_crawl(store: CrawlStore, crawl_id: int, *, verify_links: bool = True) -> None:
    """Measurements that follow a crawl: site properties, then link/media verification.
    Both store their results (facts, link_checks) so a re-evaluation needs no network."""
    import importlib.util

    # TEMPORARY guard until the link-health modules land (issue: link health).
    if importlib.util.find_spec("crawler.siteprops") is not None:
        from .siteprops import measure_site  # type: ignore[import-not-found]

        measure_site(store, crawl_id)
    if verify_links and importlib.util.find_spec("crawler.linkcheck") is not None:
        from .linkcheck import verify_crawl_links  # type: ignore[import-not-found]

        verify_crawl_links(store, crawl_id)
