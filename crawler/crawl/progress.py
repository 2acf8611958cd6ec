"""Crawl progress for whoever watches: a Scrapy extension counting pages done and queued.

The extension reports to listeners registered with `add_listener` (the audit runner's
progress display, crawler.runner.progress); the crawl package knows nothing of displays.
Each report is ``(key, counts)`` with ``counts = {"pages", "responses", "queued",
"in_flight", "max_pages", "closed"}``; ``key`` tells crawls of one process apart
(several sites are crawled at once). Reports are throttled to a few per second.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)
Listener = Callable[[str, dict[str, Any]], None]
_listeners: list[Listener] = []

__all__ = ["CrawlProgress", "add_listener", "notify", "remove_listener"]


def add_listener(fn: Listener) -> None:
    _listeners.append(fn)


def remove_listener(fn: Listener) -> None:
    if fn in _listeners:
        _listeners.remove(fn)


def notify(key: str, counts: dict[str, Any]) -> None:
    """Report to every listener (the extension does; so does crawler.crawl.apart for a
    crawl running in a child process)."""
    for fn in tuple(_listeners):
        try:
            fn(key, counts)
        except Exception:  # a display never stops a crawl
            logger.debug("progress listener failed", exc_info=True)


class CrawlProgress:
    """Counts stored pages (item_scraped) and responses; reads the scheduler's queue length."""

    interval = 0.25  # seconds between two reports

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.pages = 0
        self.responses = 0
        self.last = 0.0
        self.key = f"crawl-{id(crawler)}"
        self.max_pages = crawler.settings.getint("GOVAUDIT_MAX_PAGES", 0)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlProgress:
        if not crawler.settings.getbool("GOVAUDIT_PROGRESS", True):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def response_received(self, *_: Any, **__: Any) -> None:
        self.responses += 1
        self._report()

    def item_scraped(self, *_: Any, **__: Any) -> None:
        self.pages += 1
        self._report()

    def spider_closed(self, *_: Any, **__: Any) -> None:
        self._report(closed=True)

    def queued(self) -> int:
        engine = getattr(self.crawler, "engine", None)
        sched = getattr(engine, "scheduler", None) if engine is not None else None
        if sched is None and engine is not None:
            slot = getattr(engine, "slot", None) or getattr(engine, "_slot", None)
            sched = getattr(slot, "scheduler", None)
        try:
            return len(sched) if sched is not None else 0
        except TypeError:  # a scheduler without __len__
            return int(self.crawler.stats.get_value("scheduler/enqueued", 0) or 0) - self.responses

    def in_flight(self) -> int:
        engine = getattr(self.crawler, "engine", None)
        try:
            return len(engine.downloader.active) if engine is not None else 0
        except AttributeError:
            return 0

    def _report(self, closed: bool = False) -> None:
        if not _listeners:
            return
        now = time.monotonic()
        if not closed and now - self.last < self.interval:
            return
        self.last = now
        counts = {"pages": self.pages, "responses": self.responses, "queued": max(0, self.queued()),
                  "in_flight": self.in_flight(), "max_pages": self.max_pages, "closed": closed}
        notify(self.key, counts)
