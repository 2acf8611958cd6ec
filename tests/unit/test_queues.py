"""The crawl's disk queue (crawler.crawl.queues): requests come back whole, callbacks as the
very objects the spider names; what it cannot store is refused (the scheduler keeps it in
memory); the scheduler's temporary directory goes when the crawl closes."""
from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy import FormRequest, Request, Spider
from scrapy.utils.test import get_crawler

from crawler.crawl.queues import RequestDiskQueue, SpillScheduler


class _Spider:
    def __init__(self) -> None:
        self.on_page = self.parse  # stored bound methods, as SiteSpider keeps them
        self.on_error = self.errback

    def parse(self, response: Any) -> None: ...

    def errback(self, failure: Any) -> None: ...

    def other(self, response: Any) -> None: ...

    def queue_callbacks(self) -> dict[str, Any]:
        return {"page": self.on_page, "error": self.on_error}


def _queue(tmp_path: Path) -> tuple[RequestDiskQueue, _Spider]:
    spider = _Spider()
    return RequestDiskQueue(SimpleNamespace(spider=spider), str(tmp_path / "q" / "p0")), spider  # type: ignore[arg-type]


def test_round_trip_keeps_the_request_and_the_callback_objects(tmp_path: Path) -> None:
    q, spider = _queue(tmp_path)
    req = Request("http://127.0.0.1:8000/a.html?x=1", callback=spider.on_page, errback=spider.on_error,
                  priority=-3, meta={"ga_depth": 3, "ga_hops": 1, "redirect_urls": ["http://127.0.0.1:8000/b"]},
                  headers={"Accept": "*/*"}, dont_filter=True, method="HEAD")
    q.push(req)
    q.push(Request("http://127.0.0.1:8000/second.html", callback=spider.on_page))
    assert len(q) == 2
    got = q.pop()
    assert got is not None and got is not req
    assert got.callback is spider.on_page and got.errback is spider.on_error  # the same objects, not fresh ones
    assert (got.url, got.method, got.priority, got.dont_filter) == (req.url, "HEAD", -3, True)
    assert got.meta == req.meta and got.headers.get("Accept") == b"*/*"
    nxt = q.pop()
    assert nxt is not None and nxt.url.endswith("/second.html") and nxt.errback is None
    assert q.pop() is None
    q.close()


def test_what_it_cannot_store_is_refused(tmp_path: Path) -> None:
    q, spider = _queue(tmp_path)
    with pytest.raises(ValueError):
        q.push(Request("http://127.0.0.1/", callback=spider.other))  # a callback the spider does not name
    with pytest.raises(ValueError):
        q.push(FormRequest("http://127.0.0.1/", formdata={"q": "1"}))  # another Request class
    with pytest.raises(ValueError):
        q.push(Request("http://127.0.0.1/", callback=spider.on_page, meta={"f": lambda: 1}))  # unpicklable
    assert len(q) == 0
    q.close()


class _ScrapySpider(Spider):
    name = "t"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.on_page = self.parse

    def parse(self, response: Any, **kwargs: Any) -> None: ...

    def queue_callbacks(self) -> dict[str, Any]:
        return {"page": self.on_page}


def test_scheduler_queues_on_disk_in_a_temporary_directory(tmp_path: Path) -> None:
    base = tmp_path / "queues"
    crawler = get_crawler(_ScrapySpider, settings_dict={
        "GOVAUDIT_QUEUE_DIR": str(base), "SCHEDULER_DISK_QUEUE": "crawler.crawl.queues.RequestDiskQueue",
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue"})  # (the crawl's per-slot one needs an engine)
    spider = crawler.spider = _ScrapySpider()
    sched = SpillScheduler.from_crawler(crawler)
    assert sched.dqdir is not None and Path(sched.dqdir).is_dir() and str(base) in sched.dqdir
    sched.open(spider)
    assert sched.enqueue_request(Request("http://127.0.0.1/a.html", callback=spider.on_page))
    assert crawler.stats.get_value("scheduler/enqueued/disk") == 1
    got = sched.next_request()
    assert got is not None and got.callback is spider.on_page
    sched.close("finished")
    assert os.listdir(base) == []

    off = SpillScheduler.from_crawler(get_crawler(settings_dict={"GOVAUDIT_DISK_QUEUE": False}))
    assert off.dqdir is None  # in memory, as Scrapy's own scheduler without JOBDIR
