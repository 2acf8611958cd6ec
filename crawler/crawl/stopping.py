"""A crawl that is told to stop (SIGINT/SIGTERM, a close-spider limit) stops within seconds.

Scrapy closes the spider gracefully: it waits until every request the engine handed to the
downloader is done. With one request at a time per host and a delay between requests, the
downloader holds up to CONCURRENT_REQUESTS requests queued for one site, so a graceful
close went on crawling for many seconds. `PromptClose` hands the requests that are only
queued in the downloader (not yet being transferred) back unfetched once the engine is
closing: they are not fetched and not recorded, so a resumed crawl fetches them then. The one transfer in
flight per host ends normally (bounded by DOWNLOAD_TIMEOUT), and the store pipeline writes
every page fetched before the stop.

It uses the downloader's slot queues (Scrapy 2.13–2.19); when they look different, it does
nothing and Scrapy's graceful close applies unchanged.
"""
from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

logger = logging.getLogger(__name__)

__all__ = ["PromptClose"]


class PromptClose:
    interval = 0.2  # seconds between two looks at the engine

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.loop: task.LoopingCall | None = None
        self.dropped = 0

    @classmethod
    def from_crawler(cls, crawler: Any) -> PromptClose:
        if not crawler.settings.getbool("GOVAUDIT_PROMPT_CLOSE", True):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.engine_started, signal=signals.engine_started)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def engine_started(self) -> None:
        self.loop = task.LoopingCall(self.check)
        self.loop.start(self.interval, now=False)

    def spider_closed(self, *_: Any, **__: Any) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.dropped:
            self.crawler.stats.set_value("govaudit/dropped_on_close", self.dropped)

    def check(self) -> None:
        engine = getattr(self.crawler, "engine", None)
        slot = getattr(engine, "_slot", None)
        if slot is None or getattr(slot, "closing", None) is None:
            return
        try:
            self.drop_queued(engine)
        except Exception:  # a Scrapy whose internals differ: the graceful close applies
            logger.debug("could not drop queued requests", exc_info=True)

    def drop_queued(self, engine: Any) -> None:
        """Hand each request only queued in the downloader back to the engine unfetched (as
        a downloader middleware returning a Request does): the engine offers it to the
        closing scheduler, which fetches nothing more; the spider sees no response and no
        failure, so nothing is recorded for it and a resumed crawl fetches it."""
        dropped = 0
        for dslot in list(engine.downloader.slots.values()):
            queue = dslot.queue
            while queue:
                request, deferred = queue.popleft()
                deferred.callback(request.replace(dont_filter=True))
                dropped += 1
        if dropped:
            self.dropped += dropped
            logger.info("Stopping: %d queued requests not fetched (a resumed crawl fetches them)", dropped)
