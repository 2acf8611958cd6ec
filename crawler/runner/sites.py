"""Many sites at once: crawl every site of a sites.yaml (concurrently, in one Scrapy process),
evaluate each, and write the index that ranks them. The sites file itself is read by
crawler.ruleset.sites; the `--sites` command is crawler.cli.sites."""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.ruleset.sites import SiteSpec


@dataclass
class CrawlJob:
    slug: str
    urls: list[str]
    store: str
    extra_hosts: list[str]
    options: dict[str, Any]


CrawlFunc = Callable[[list[CrawlJob]], dict[str, int | BaseException]]


def crawl_jobs(jobs: list[CrawlJob]) -> dict[str, int | BaseException]:
    """Crawl every job; returns slug → crawl id, or the exception that stopped it.

    All sites share one Scrapy process, a child of this one (crawler.crawl.run.run_crawls
    with `apart`: its memory is returned when the crawls end; each site keeps its own
    polite per-host limits, so sites do not slow each other down)."""
    from crawler.crawl.run import run_crawls

    payload = [{"start_urls": j.urls, "store": j.store, "extra_hosts": j.extra_hosts, **j.options} for j in jobs]
    try:
        ids = run_crawls(payload, apart=True)
    except KeyboardInterrupt:
        raise
    except Exception as e:
        return {j.slug: e for j in jobs}
    return {j.slug: int(i) for j, i in zip(jobs, ids, strict=True)}


def bundled_rules() -> list[str]:
    from rules import RULES_DIR

    return [str(RULES_DIR)]


def evaluate_sites(sites: list[SiteSpec], jobs: list[CrawlJob], crawled: dict[str, int | BaseException],
                   site_rules: dict[str, list[Any]], waivers: list[Any], as_of: Any, out_dir: Path,
                   *, verify_links: bool = True, probe_store: str | None = None,
                   timeout: float | None = None, stop: Any = None, progress: Any = None,
                   link_options: dict[str, Any] | None = None,
                   resumed: set[str] | None = None, history: str | None = None,
                   profile: dict[str, str] | None = None) -> tuple[list[Any], bool]:
    """Evaluate each crawled site into out/<slug>/ (and its run folder out/<slug>/<date>-<run>/,
    recorded in the results database `history`, default out/history.db); returns (dashboard
    entries, anything failed). `probe_store`: the store of the availability probes (default:
    each site's crawl store). `stop` (crawler.runner.stop.StopFlag) ends the run promptly
    (AuditStopped, the stopped site's store remembers the phase); `link_options` (delay,
    max_links, budget) bound link verification; `resumed`: slugs whose earlier audit stopped
    after the crawl; `profile` (--profile/--region) applies where a site's entry sets none."""
    from crawler.runner.history import HISTORY_FILE, open_results
    from crawler.store.crawls import CrawlStore

    results = open_results(history or str(out_dir / HISTORY_FILE))
    probes = CrawlStore(probe_store) if probe_store else None
    try:
        return _evaluate_each(sites, jobs, crawled, site_rules, waivers, as_of, out_dir,
                              verify_links=verify_links, probes=probes, timeout=timeout, stop=stop,
                              progress=progress, link_options=link_options or {}, resumed=resumed or set(),
                              results=results, profile=profile)
    finally:
        results.close()
        if probes is not None:
            probes.close()


def _evaluate_each(sites: list[SiteSpec], jobs: list[CrawlJob], crawled: dict[str, int | BaseException],
                   site_rules: dict[str, list[Any]], waivers: list[Any], as_of: Any, out_dir: Path,
                   *, verify_links: bool, probes: Any, timeout: float | None = None, stop: Any = None,
                   progress: Any = None, link_options: dict[str, Any],
                   resumed: set[str], results: Any = None,
                   profile: dict[str, str] | None = None) -> tuple[list[Any], bool]:
    from crawler.runner.audit import clear_stopped, evaluate_store, mark_stopped, post_crawl
    from crawler.runner.history import begin_run, finish_and_publish
    from crawler.runner.progress import PHASE_EVAL, NullProgress
    from crawler.runner.stop import AuditStopped, StopFlag
    from crawler.store.crawls import CrawlStore
    from reports.dashboard import SiteEntry

    stop = stop if stop is not None else StopFlag()
    progress = progress if progress is not None else NullProgress()
    entries: list[SiteEntry] = []
    failed = False
    for s, job in zip(sites, jobs, strict=True):
        res = crawled.get(s.slug)
        if not isinstance(res, int):
            msg = str(res) if res is not None else "未抓取"
            print(f"  {s.name}：无法检查（{msg}）", file=sys.stderr)
            results.fail_run(begin_run(results, s.slug, s.urls, site_rules[s.slug], as_of, crawl_store=job.store),
                             f"无法检查：{msg}")
            entries.append(SiteEntry(name=s.name, slug=s.slug, urls=s.urls, unit=s.unit, error=msg))
            failed = True
            continue
        store = CrawlStore(job.store)
        run_id = begin_run(results, s.slug, s.urls, site_rules[s.slug], as_of, crawl_store=job.store, crawl_id=res)
        try:
            post_crawl(store, res, verify_links=verify_links, timeout=timeout, stop=stop, progress=progress,
                       resume=s.slug in resumed, **link_options)
            progress.phase(f"{PHASE_EVAL}（{s.name}）", unit="项")
            clear_stopped(store, res)
            result = stop.run(PHASE_EVAL, evaluate_store, store, res, site_rules[s.slug], as_of, None,
                              waivers=waivers, site_info=s.info(), probe_store=probes, profile=profile)
            result.outputs = finish_and_publish(results, run_id, result.document, site_rules[s.slug],
                                                out_dir / s.slug, mirror=out_dir / s.slug)
            progress.done()
        except AuditStopped as e:
            progress.done()
            mark_stopped(store, res, e.phase)
            results.fail_run(run_id, f"已停止（{e.phase}阶段）")
            raise
        except BaseException as e:  # one broken site must not lose the others
            results.fail_run(run_id, f"{type(e).__name__}: {e}")
            if not isinstance(e, Exception):
                raise
            msg = f"评估出错：{type(e).__name__}: {e}"
            print(f"  {s.name}：{msg}", file=sys.stderr)
            entries.append(SiteEntry(name=s.name, slug=s.slug, urls=s.urls, unit=s.unit, error=msg))
            failed = True
            continue
        finally:
            store.close()
        v = result.document.get("verdict") or {}
        score = f"，得分 {v['score']:g}" if v.get("score") is not None else ""
        if result.unaudited:
            print(f"  {s.name}：未能检查（站点无法访问：{result.site.unreachable_reason or '首页未能打开'}），不计分"
                  f" → {out_dir / s.slug / 'report.html'}")
        else:
            done = "；".join(f"{c['document']} 已完成 {c['done']} / 应完成 {c['due']}，逾期 {c['overdue']}"
                            for c in result.document.get("completion") or [])
            print(f"  {s.name}：国家检查指标 {v.get('verdict', '')}{score}"
                  + (f"；工作要点落实：{done}" if done else "") + f" → {out_dir / s.slug / 'report.html'}")
        failed = failed or result.failed
        entries.append(SiteEntry(name=s.name, slug=s.slug, urls=s.urls, unit=s.unit, doc=result.document))
    return entries, failed


def write_index(entries: list[Any], out_dir: Path) -> Path:
    from reports.dashboard import render_dashboard
    from reports.exports import write_combined_exports

    docs = [e.doc for e in entries if e.doc is not None]
    exports = write_combined_exports(docs, out_dir) if docs else {}
    (out_dir / "sites.json").write_text(json.dumps(
        [{"name": e.name, "slug": e.slug, "urls": e.urls, "unit": e.unit, "error": e.error,
          "verdict": (e.doc or {}).get("verdict", {}).get("verdict", "无法判断"),
          "score": (e.doc or {}).get("verdict", {}).get("score"),
          "run_id": ((e.doc or {}).get("history") or {}).get("run_id"),
          "changes": ((e.doc or {}).get("history") or {}).get("changes")} for e in entries],
        ensure_ascii=False, indent=2), encoding="utf-8")
    return render_dashboard(entries, out_dir, exports=exports)
