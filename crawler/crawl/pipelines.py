"""Item pipeline: page records stream into the crawl store in batches.

The crawl is opened when the spider opens (``CrawlStore.start_crawl``; with
GOVAUDIT_RESUME an unfinished crawl of the same start URLs is continued) unless a crawl
id is given (GOVAUDIT_CRAWL_ID). The store is handed to the spider (``attach_store``) so
that it can skip what is stored already.

Only a crawl that ran to its end (finish reason ``finished``) is marked finished, with its statistics (counted by
crawler.crawl.extensions.CrawlStats). A crawl stopped early (Ctrl-C, other CLOSESPIDER_*
limits, a crash) stays "running", so that the next run with the same start URLs
continues it.
"""
from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy import signals

from crawler.crawl.verify import LinkCheck
from crawler.model.page import PageRecord
from crawler.store.crawls import CrawlStore

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

FINISHED = ("finished",)  # a crawl that ran to its end (within its page budget)


def as_record(item: Any) -> PageRecord | None:
    if isinstance(item, PageRecord):
        return item
    try:
        data = ItemAdapter(item).asdict()
    except TypeError:
        return None
    if "url" not in data:
        return None
    return PageRecord.from_dict(data)


class StorePipeline:
    def __init__(self, crawler: Crawler, store_spec: str | None, batch_size: int = 50,
                 resume: bool = True, crawl_id: int | None = None) -> None:
        self.crawler = crawler
        self.store_spec = store_spec
        self.batch_size = max(1, batch_size)
        self.resume = resume
        self.crawl_id = crawl_id
        self.store: CrawlStore | None = None
        self.buffer: list[PageRecord] = []
        self.link_buffer: list[dict[str, Any]] = []  # link verification results (crawler.crawl.verify)
        self.added = 0  # new rows written by this run
        self.duplicates = 0  # records whose URL was stored already
        self.started = time.monotonic()
        self.resumed_pages = 0
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        crawl_id = s.get("GOVAUDIT_CRAWL_ID")
        return cls(
            crawler,
            s.get("GOVAUDIT_STORE"),
            batch_size=s.getint("GOVAUDIT_STORE_BATCH", 50),
            resume=s.getbool("GOVAUDIT_RESUME", True),
            crawl_id=int(crawl_id) if crawl_id not in (None, "") else None,
        )

    # -- lifecycle --------------------------------------------------------------------------
    def open_spider(self) -> None:
        spider = self.crawler.spider
        assert spider is not None
        spec = self.store_spec
        if not spec:
            logger.warning("GOVAUDIT_STORE is not set: crawled pages are not stored")
            return
        self.store = CrawlStore(spec)
        crawl_id = self.crawl_id
        if crawl_id is not None:
            crawl_id = int(crawl_id)
            if self.store.crawl_info(crawl_id) is None:
                raise ValueError(f"抓取库中没有编号为 {crawl_id} 的抓取")
        else:
            crawl_id = self.store.start_crawl(
                list(getattr(spider, "start_urls", [])),
                list(getattr(spider, "audited_hosts", [])),
                dict(getattr(spider, "crawl_options", {}) or {}),
                resume=self.resume,
            )
        self.crawl_id = crawl_id
        self.resumed_pages = self.store.page_count(crawl_id)
        self.crawler.stats.set_value("govaudit/resumed_pages", self.resumed_pages)
        if hasattr(spider, "attach_store"):
            spider.attach_store(self.store, crawl_id)
        else:
            spider.crawl_id = crawl_id  # type: ignore[attr-defined]
        self.started = time.monotonic()

    def process_item(self, item: Any) -> Any:
        if self.store is None:
            return item
        if isinstance(item, LinkCheck):
            # stored as "pending": verify_crawl_links adds where the URL was found
            self.link_buffer.append({**item.result, "url": item.url, "pending": True})
            if len(self.link_buffer) >= self.batch_size * 4:
                self._flush_links()
            return item
        rec = as_record(item)
        if rec is None:
            return item
        self.buffer.append(rec)
        if len(self.buffer) >= self.batch_size:
            self._flush()
        return item

    def _flush(self) -> None:
        if not self.buffer or self.store is None or self.crawl_id is None:
            return
        batch, self.buffer = self.buffer, []
        n = self.store.add_pages(self.crawl_id, batch)
        self.added += n
        self.duplicates += len(batch) - n

    def _flush_links(self) -> None:
        if not self.link_buffer or self.store is None or self.crawl_id is None:
            return
        batch, self.link_buffer = self.link_buffer, []
        self.store.add_link_results(self.crawl_id, batch)

    def close_spider(self) -> None:
        self._flush()
        self._flush_links()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.store is None or self.crawl_id is None:
            return
        try:
            self._flush()
            self._flush_links()
            stats = self.crawl_stats(spider, reason)
            spider.crawler.stats.set_value("govaudit/crawl_id", self.crawl_id)
            if reason in FINISHED:
                self.store.finish_crawl(self.crawl_id, stats)
            else:
                logger.warning(
                    "抓取 %s 未完成（%s）：已保存 %d 个页面，再次运行同一命令将继续抓取",
                    self.crawl_id, reason, stats["pages_total"],
                )
        finally:
            self.store.close()

    def crawl_stats(self, spider: Spider, reason: str) -> dict[str, Any]:
        assert self.store is not None and self.crawl_id is not None
        st = self.crawler.stats
        verifier = getattr(spider, "verifier", None)
        if verifier is not None and verifier.budget is not None:  # one link budget, during and after the crawl
            st.set_value("govaudit/links/budget_spent", verifier.budget_spent())
        status_counts = {
            k.rsplit("/", 1)[-1]: v for k, v in (st.get_stats() or {}).items()
            if k.startswith("downloader/response_status_count/")
        }
        return {
            "pages": self.added,
            "pages_total": self.store.page_count(self.crawl_id),
            "resumed_from": self.resumed_pages,
            "duplicates": self.duplicates,
            "errors": st.get_value("govaudit/errors", 0),
            "http_errors": st.get_value("govaudit/http_errors", 0),
            "challenges": st.get_value("govaudit/challenges", 0),
            "truncated": st.get_value("govaudit/truncated", 0),
            "max_pages": self.crawler.settings.getint("CLOSESPIDER_PAGECOUNT"),
            "max_depth": getattr(spider, "max_depth", None),
            "hosts": list(getattr(spider, "audited_hosts", []) or []),
            "requests": st.get_value("downloader/request_count", 0),
            "responses": st.get_value("downloader/response_count", 0),
            "retries": st.get_value("retry/count", 0),
            "robots_forbidden": st.get_value("robotstxt/forbidden", 0),
            # requests queued on disk / in memory (crawler.crawl.queues: all but unusual ones on disk)
            "queue": {"disk": st.get_value("scheduler/enqueued/disk", 0),
                      "memory": st.get_value("scheduler/enqueued/memory", 0)},
            "links": {k.rsplit("/", 1)[-1]: v for k, v in (st.get_stats() or {}).items()
                      if k.startswith("govaudit/links/")},
            "status_counts": status_counts,
            "elapsed": round(time.monotonic() - self.started, 1),
            "finish_reason": reason,
        }
