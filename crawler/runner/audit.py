"""One audit, stage by stage: crawl → (verify links) → site model → findings → outputs.

Each stage reads what the previous one stored, so `evaluate_store` can judge a stored
crawl again with other rules or another date without crawling.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from crawler.judge.evaluate import Finding, findings_document, write_findings
from crawler.judge.evaluate import evaluate as run_checks
from crawler.model.build import SiteModel, build_site_model
from crawler.model.linkresults import compact_link_results
from crawler.ruleset.loader import AuditRule
from crawler.store.crawls import CrawlStore


@dataclass
class AuditResult:
    site: SiteModel
    findings: list[Finding]
    document: dict[str, Any]
    outputs: dict[str, Path] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """Something fails, or the site could not be audited at all (exit code 1)."""
        return self.unaudited or any(f.status == "fail" for f in self.findings)

    @property
    def unaudited(self) -> bool:
        return not self.site.reachable


def mark_unaudited(doc: dict[str, Any], reason: str) -> None:
    """A site that could not be audited gets no score and no completion figures (已完成 0 /
    应完成 N of a site never read would be a verdict on nothing): its verdict says why, in Chinese."""
    doc["completion"] = []
    v = doc.setdefault("verdict", {})
    v["verdict"] = "无法判断"
    v["score"] = None
    v["reason"] = f"站点无法访问（{reason or '首页未能打开'}），未能检查，不计分；请确认网址和网络后重新检查。"


def load_probes(store: CrawlStore, urls: list[str]) -> list[dict[str, Any]]:
    """The availability probes recorded for a site (`govaudit probe` keys them by the URL
    probed): those of its first start URL, else of any of its start URLs."""
    seen: set[str] = set()
    for u in urls:
        if u in seen:
            continue
        seen.add(u)
        found = list(store.iter_probes(u))
        if found:
            return found
    return []


def load_site(store: CrawlStore, crawl_id: int, as_of: date, *,
              probe_store: CrawlStore | None = None) -> SiteModel:
    """The site model of a stored crawl. Availability probes come from `probe_store`
    (`govaudit probe --store probes.db`) when given, else from the crawl store."""
    info = store.crawl_info(crawl_id)
    if info is None:
        raise LookupError(f"存储中没有编号为 {crawl_id} 的抓取记录")
    links = compact_link_results(store.iter_link_results(crawl_id))  # shared strings: half the memory
    facts = store.get_facts(crawl_id) if hasattr(store, "get_facts") else {}
    probes = load_probes(probe_store if probe_store is not None else store,
                         [info.site, *info.start_urls]) or None
    return build_site_model(
        store.iter_pages(crawl_id), site_url=info.start_urls[0], as_of=as_of,
        link_results=links or None, probes=probes, facts=facts,
    )


def evaluate_store(store: CrawlStore, crawl_id: int, rules: list[AuditRule], as_of: date,
                   out_dir: Path | None = None, *, waivers: list[Any] | None = None,
                   site_info: dict[str, Any] | None = None,
                   probe_store: CrawlStore | None = None,
                   profile: dict[str, str] | None = None) -> AuditResult:
    """`waivers` (crawler.waivers.Waiver) are applied before the verdict; `site_info`
    (name, unit, slug, profile, region from a sites file) is merged into the document's
    "site"; `probe_store` holds the availability probes (default: the crawl store);
    `profile` ({"kind", "region"} from --profile/--region) decides which rules apply, each
    field where `site_info` (a sites.yaml entry) sets none (the entry's own wins), then
    completed from the site's name (crawler.judge.applicability)."""
    from crawler.judge.applicability import fill_profile, resolve_profile
    from crawler.judge.evaluate import site_name

    release_memory()
    site = load_site(store, crawl_id, as_of, probe_store=probe_store)
    info_in = site_info or {}
    given, source = fill_profile(info_in, profile)
    home = site.facts.get("homepage") or {}
    names = [str(info_in.get("name") or ""), site_name(site), str(home.get("title") or "")]
    prof = resolve_profile(given.get("kind", ""), given.get("region", ""), names=names, source=source or "option")
    findings = run_checks(rules, site, as_of, profile=prof)
    waiver_section = None
    if waivers:
        from crawler.ruleset.waivers import apply_waivers

        waiver_section = apply_waivers(
            findings, waivers, as_of=as_of, names=[str(info_in.get("name", "")), site_name(site)],
            urls=[site.site_url, site.homepage_url, *(info_in.get("urls") or [])])
    info = store.crawl_info(crawl_id)
    crawl = {"id": crawl_id, "store": safe_store_url(store.url), "state": info.state if info else "",
             "started_at": info.started_at if info else "", "finished_at": info.finished_at if info else "",
             "stats": info.stats if info else {}}
    doc = findings_document(site, findings, as_of, crawl=crawl, profile=prof)
    if site_info:
        doc["site"].update({k: v for k, v in site_info.items() if (k != "name" or v) and k not in ("profile", "region")})
    if waiver_section is not None:
        doc["waivers"] = waiver_section
    if not site.reachable:
        mark_unaudited(doc, site.unreachable_reason)
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


def post_crawl(store: CrawlStore, crawl_id: int, *, verify_links: bool = True,
               timeout: float | None = None, delay: float | None = None, max_links: int | None = None,
               budget: float | None = None, stop: Any = None, progress: Any = None,
               resume: bool = False) -> None:
    """Measurements that follow a crawl: site properties, then link/media verification.
    Both store their results (facts, link_checks) so a re-evaluation needs no network.
    A failure of either is stored as an error fact (the checks then say they cannot
    judge) and never stops the audit.

    `stop` (crawler.runner.stop.StopFlag) ends either phase promptly: AuditStopped is
    raised and what was verified so far stays stored (`resume` continues it). `delay`,
    `max_links` and `budget` (seconds) bound link verification (--delay, --max-links,
    --link-budget; GOVAUDIT_MAX_LINKS, GOVAUDIT_LINK_BUDGET); `progress`
    (crawler.runner.progress) shows each phase."""
    from crawler.collect.links import verify_crawl_links
    from crawler.collect.properties import measure_site
    from crawler.runner.progress import PHASE_LINKS, PHASE_PROPS, NullProgress
    from crawler.runner.stop import StopFlag

    stop = stop if stop is not None else StopFlag()
    progress = progress if progress is not None else NullProgress()
    progress.phase(PHASE_PROPS, unit="项")
    _collector_phase(store, crawl_id, stop, PHASE_PROPS, "站点属性测量", "measure_error", measure_site,
                     **({"timeout": timeout} if timeout else {}))
    progress.done()
    release_memory()
    if verify_links:
        progress.phase(PHASE_LINKS, unit="个")
        opts: dict[str, Any] = {"stop": stop.event, "progress": progress, "resume": resume}
        if timeout:
            opts["timeout"] = timeout
        if delay is not None:
            opts["delay"] = delay
        if max_links is not None:
            opts["max_links"] = max_links
        if budget:  # one budget for the verification during the crawl and this one
            opts["budget"] = budget
            opts["budget_spent"] = link_budget_spent(store, crawl_id)
        _collector_phase(store, crawl_id, stop, PHASE_LINKS, "链接核验", "link_check", verify_crawl_links,
                         grace=5.0, **opts)
        progress.done()


def release_memory() -> None:
    """Between phases that each stream every stored page: collect garbage and hand the freed
    heap back to the system (glibc's malloc_trim; elsewhere only the collection). At 50,000
    pages a phase otherwise leaves 10–15 MB more resident under the next one."""
    import gc

    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _collector_phase(store: CrawlStore, crawl_id: int, flag: Any, phase: str, what: str, error_fact: str,
                     fn: Any, /, *, grace: float = 3.0, **kwargs: Any) -> None:
    """Run a post-crawl collector `fn(store, crawl_id, **kwargs)` under the StopFlag `flag`
    (AuditStopped goes up); its failure is logged and stored as the `error_fact` fact (the
    checks then say they cannot judge), never raised."""
    import logging

    from crawler.runner.stop import AuditStopped
    from crawler.text.pii import redact

    try:
        flag.run(phase, fn, store, crawl_id, grace=grace, **kwargs)
    except AuditStopped:
        raise
    except Exception as e:
        logging.getLogger(__name__).warning("%s失败：%s", what, redact(str(e)))
        store.set_fact(crawl_id, error_fact, {"error": f"{type(e).__name__}: {redact(str(e))}"})


def link_budget_spent(store: CrawlStore, crawl_id: int) -> float:
    """Seconds of --link-budget the verification during the crawl used (crawler.crawl.verify)."""
    info = store.crawl_info(crawl_id)
    links = (info.stats or {}).get("links") if info is not None else None
    try:
        return max(0.0, float((links or {}).get("budget_spent") or 0.0))
    except (TypeError, ValueError):
        return 0.0


STOPPED_FACT = "audit_stopped"


def mark_stopped(store: CrawlStore, crawl_id: int, phase: str) -> None:
    """Remember that the audit of this crawl stopped after the crawl (a rerun resumes there)."""
    from datetime import UTC, datetime

    store.set_fact(crawl_id, STOPPED_FACT, {"phase": phase, "at": datetime.now(UTC).isoformat(timespec="seconds")})


def clear_stopped(store: CrawlStore, crawl_id: int) -> None:
    from crawler.store.crawls import facts

    with store.engine.begin() as conn:
        conn.execute(facts.delete().where(facts.c.crawl_id == crawl_id, facts.c.key == STOPPED_FACT))


def stopped_crawl(store: CrawlStore, start_urls: list[str]) -> int | None:
    """The newest crawl of these start URLs when it finished but its audit was stopped
    in a later phase (link verification, site properties, evaluation): resume it."""
    import json

    from sqlalchemy import select

    from crawler.store.crawls import crawls

    with store.engine.connect() as conn:
        row = conn.execute(select(crawls.c.id, crawls.c.state).where(
            crawls.c.start_urls == json.dumps(start_urls)).order_by(crawls.c.id.desc()).limit(1)).first()
    if row is None or row.state != "finished":
        return None
    return int(row.id) if STOPPED_FACT in store.get_facts(int(row.id)) else None


def safe_store_url(url: str) -> str:
    """The store URL without its password (findings.json is mailed to offices)."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]
