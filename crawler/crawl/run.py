"""Run site crawls from Python (blocking, in this process).

    crawl_id = run_crawl(["http://www.example.gov.cn/"], "out/crawl.db",
                         extra_hosts=["xxgk.example.gov.cn"], max_pages=2000)

Twisted's reactor cannot be restarted: call `run_crawl`/`run_crawls` once per process
(run several sites at once with `run_crawls`, or use a subprocess per crawl).
"""
from __future__ import annotations

import gc
from collections.abc import Iterable, Mapping
from typing import Any

from scrapy.crawler import AsyncCrawlerProcess, Crawler
from scrapy.settings import Settings

from crawler.crawl import settings as D
from crawler.crawl.spider import SiteSpider, split_arg
from crawler.net.urls import normalize_start_url

__all__ = ["crawl_settings", "process_settings", "run_crawl", "run_crawls"]


def crawl_settings(
    *,
    store: str | None = None,
    extra_hosts: Iterable[str] = (),
    max_pages: int | None = None,
    max_depth: int | None = None,
    obey_robots: bool = True,
    resume: bool = True,
    settings: Mapping[str, Any] | None = None,
) -> Settings:
    """crawler.crawl.settings with the given options and raw Scrapy overrides applied.
    Every crawl option is a setting (the spider reads them in `from_crawler`)."""
    s = Settings()
    s.setmodule("crawler.crawl.settings", priority="project")
    if store is not None:
        s.set("GOVAUDIT_STORE", str(store), priority="cmdline")
    hosts = [h.strip().lower() for h in extra_hosts if h and h.strip()]
    if hosts:
        s.set("GOVAUDIT_EXTRA_HOSTS", hosts, priority="cmdline")
    if max_pages is not None:
        s.set("CLOSESPIDER_PAGECOUNT", int(max_pages), priority="cmdline")
    if max_depth is not None:
        s.set("GOVAUDIT_MAX_DEPTH", int(max_depth), priority="cmdline")
    s.set("ROBOTSTXT_OBEY", bool(obey_robots), priority="cmdline")
    s.set("GOVAUDIT_RESUME", bool(resume), priority="cmdline")
    for k, v in (settings or {}).items():
        s.set(k, v, priority="cmdline")
    return s


def run_crawl(
    start_urls: list[str],
    store: str,
    *,
    extra_hosts: Iterable[str] = (),
    max_pages: int = D.CLOSESPIDER_PAGECOUNT,
    max_depth: int = D.GOVAUDIT_MAX_DEPTH,
    obey_robots: bool = True,
    resume: bool = True,
    settings: dict[str, Any] | None = None,
    apart: bool = False,
) -> int:
    """Crawl one site into `store` (SQLite path or SQLAlchemy URL); return the crawl id.

    With `resume`, an unfinished crawl of the same start URLs in the store is continued:
    stored URLs are not fetched again. Raises KeyboardInterrupt when the crawl was
    interrupted (Ctrl-C; the pages fetched so far stay stored and the crawl resumable).
    `apart`: in a child process (crawler.crawl.apart), as the audit commands crawl."""
    return run_crawls([{
        "start_urls": start_urls, "store": store, "extra_hosts": list(extra_hosts),
        "max_pages": max_pages, "max_depth": max_depth, "obey_robots": obey_robots,
        "resume": resume, "settings": settings,
    }], apart=apart)[0]


_JOB_KEYS = {"start_urls", "store", "extra_hosts", "max_pages", "max_depth", "obey_robots", "resume",
             "settings", "crawl_id"}

# Settings that belong to the process rather than to one crawl (logging, the reactor and
# its thread pool, the DNS resolver): taken from the first job.
_PROCESS_PREFIXES = ("LOG_", "TWISTED_REACTOR", "ASYNCIO_EVENT_LOOP", "REACTOR_THREADPOOL_MAXSIZE",
                     "TWISTED_DNS_RESOLVER", "DNSCACHE_", "DNS_TIMEOUT")


def process_settings(first: Settings) -> Settings:
    """The settings of the AsyncCrawlerProcess that runs the jobs.

    ``AsyncCrawlerProcess.crawl(crawler)`` merges the process settings into each
    crawler's (``crawler.settings.update(process.settings)``), where a process value
    replaces a crawler value of equal or lower priority. Built from one job's settings,
    they would overwrite every other job's store, hosts, limits and overrides (all at
    "cmdline" priority). So the process gets crawler.settings at "project" priority plus
    only the process-wide keys of the first job (logging, reactor, DNS)."""
    s = Settings()
    s.setmodule("crawler.crawl.settings", priority="project")
    for name in list(first.keys()):
        if name.startswith(_PROCESS_PREFIXES):
            s.set(name, first[name], priority=first.getpriority(name) or 0)
    return s


class _Process(AsyncCrawlerProcess):
    """Remembers that a shutdown signal arrived. A signal that comes before a crawler's
    engine runs stops the reactor without closing that spider: no finish reason, nothing
    fetched, and the crawl must not pass for a finished one (its audit would call the site
    unreachable)."""

    signalled = False

    def _signal_shutdown(self, signum: int, frame: Any) -> None:
        self.signalled = True
        super()._signal_shutdown(signum, frame)


def run_crawls(jobs: list[dict[str, Any]], *, apart: bool = False) -> list[int]:
    """Crawl several sites concurrently in one process; return their crawl ids in order.

    Each job is a dict with the keyword arguments of `run_crawl` (``start_urls`` and
    ``store`` required). Politeness is per host, so sites do not slow each other down.
    `apart`: that process is a child of this one (crawler.crawl.apart: its memory goes
    back to the system when the crawls end; progress and stop signals pass through)."""
    if not jobs:
        return []
    if apart:
        from crawler.crawl.apart import run_apart

        return run_apart(jobs)
    prepared: list[tuple[Settings, dict[str, Any]]] = []
    for i, job in enumerate(jobs):
        unknown = set(job) - _JOB_KEYS
        if unknown:
            raise ValueError(f"第 {i + 1} 个抓取任务含未知参数：{', '.join(sorted(unknown))}")
        urls = [normalize_start_url(u) for u in split_arg(job.get("start_urls"))]
        if not urls:
            raise ValueError(f"第 {i + 1} 个抓取任务没有起始网址")
        if not job.get("store"):
            raise ValueError(f"第 {i + 1} 个抓取任务没有指定抓取库（store）")
        hosts = [h.strip().lower() for h in split_arg(job.get("extra_hosts")) if h.strip()]
        max_pages = job.get("max_pages", D.CLOSESPIDER_PAGECOUNT)
        max_depth = job.get("max_depth", D.GOVAUDIT_MAX_DEPTH)
        s = crawl_settings(
            store=job["store"],
            extra_hosts=hosts,
            max_pages=max_pages,
            max_depth=max_depth,
            obey_robots=job.get("obey_robots", True),
            resume=job.get("resume", True),
            settings=job.get("settings"),
        )
        if job.get("crawl_id") not in (None, ""):
            s.set("GOVAUDIT_CRAWL_ID", int(job["crawl_id"]), priority="cmdline")
        # each job's options are its crawler's settings (see process_settings); the start
        # URLs are the spider's one argument
        prepared.append((s, {"start_urls": urls}))

    # Process-wide settings (logging, reactor) come from the first job; per-job settings
    # stay each crawler's own (see process_settings).
    process = _Process(process_settings(prepared[0][0]))
    crawlers: list[Crawler] = []
    for s, kwargs in prepared:
        crawler = Crawler(SiteSpider, s)
        crawlers.append(crawler)
        process.crawl(crawler, **kwargs)
    # What is loaded by now (modules, classes, settings) lives as long as the process: the
    # garbage collector's full passes during the crawl need not walk it every time.
    gc.freeze()
    process.start()

    ids: list[int] = []
    interrupted = process.signalled
    for crawler, (_, kwargs) in zip(crawlers, prepared):
        spider = getattr(crawler, "spider", None)
        crawl_id = getattr(spider, "crawl_id", None)
        stats = crawler.stats.get_stats() if getattr(crawler, "stats", None) else {}
        reason = stats.get("finish_reason")
        if reason == "shutdown" or (reason is None and interrupted):
            interrupted = True
            continue
        if crawl_id is None:
            raise RuntimeError(f"抓取 {kwargs['start_urls'][0]} 未能启动（抓取库无法打开？请查看日志）")
        if reason is None:  # the spider never closed: the crawl did not end
            raise RuntimeError(f"抓取 {kwargs['start_urls'][0]} 未正常结束（请查看日志）")
        ids.append(int(crawl_id))
    if interrupted:
        raise KeyboardInterrupt
    return ids
