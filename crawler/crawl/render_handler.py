"""The download handler of ``--render auto`` (imports scrapy-playwright: load it only then).

scrapy-playwright's handler, which fetches requests without ``meta["playwright"]`` as
Scrapy's HTTP/1.1 handler does, minus Twisted's hidden retry of a dropped keep-alive
connection (as crawler.crawl.middlewares.HTTPDownloadHandler): RETRY_TIMES stays the
bound on requests sent to a host.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class RenderDownloadHandler(ScrapyPlaywrightDownloadHandler):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        pool = getattr(self, "_pool", None)
        if pool is not None and hasattr(pool, "retryAutomatically"):
            pool.retryAutomatically = False
