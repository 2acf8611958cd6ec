"""The crawl's request queue on disk (GOVAUDIT_DISK_QUEUE), so that memory stays flat in site size.

A district portal's list pages link tens of thousands of articles: at 50,000 pages Scrapy's
scheduler held up to 35,000 queued Requests (about 1.5 KB each) in memory, and the process
kept that high-water mark for the rest of the audit. `SpillScheduler` is Scrapy's scheduler
with its disk queue in a temporary directory when no JOBDIR is set (removed when the crawl
closes; the crawl store, not the queue, is what a resumed crawl starts from).

`RequestDiskQueue` stores a request as a small pickled dict. Its callbacks are stored by
name (`SiteSpider.queue_callbacks`) and come back as the very same bound-method objects:
Scrapy caches its per-callback checks by callback object, and Scrapy's own disk queue
(``Request.to_dict``) both looks each callback up with ``inspect.getmembers`` of the spider
on every push and returns a fresh bound method on every pop. A request it cannot store
(another Request class, a callback the spider does not name, an unpicklable meta value)
raises ValueError, and the scheduler keeps it in memory instead.
"""
from __future__ import annotations

import atexit
import pickle
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from queuelib import queue
from scrapy import Request
from scrapy.core.scheduler import Scheduler

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

__all__ = ["RequestDiskQueue", "SpillScheduler"]

_FIELDS = ("url", "method", "body", "cookies", "meta", "encoding", "priority", "dont_filter", "flags", "cb_kwargs")


class RequestDiskQueue:
    """A FIFO of requests on disk (queuelib's FifoDiskQueue), callbacks by name (see the module)."""

    def __init__(self, crawler: Crawler, key: str) -> None:
        Path(key).parent.mkdir(parents=True, exist_ok=True)
        self.q = queue.FifoDiskQueue(key)
        spider = crawler.spider
        named = getattr(spider, "queue_callbacks", None)
        self.by_name: dict[str, Callable[..., Any]] = dict(named()) if callable(named) else {}
        self.names: dict[Any, str] = {fn: name for name, fn in self.by_name.items()}

    @classmethod
    def from_crawler(cls, crawler: Crawler, key: str, *args: Any, **kwargs: Any) -> Self:
        return cls(crawler, key)

    def _name(self, fn: Any) -> str | None:
        if fn is None:
            return None
        try:
            return self.names[fn]
        except (KeyError, TypeError):
            raise ValueError(f"callback {fn!r} is not one the spider names") from None

    def push(self, request: Request) -> None:
        if type(request) is not Request:
            raise ValueError(f"{type(request).__name__} is kept in memory")
        d = {k: getattr(request, k) for k in _FIELDS}
        d["callback"] = self._name(request.callback)
        d["errback"] = self._name(request.errback)
        d["headers"] = dict(request.headers)
        try:
            data = pickle.dumps(d, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, AttributeError, TypeError) as e:
            raise ValueError(str(e)) from e
        self.q.push(data)

    def _decode(self, data: bytes | None) -> Request | None:
        if not data:
            return None
        d = pickle.loads(data)
        cb, eb = d.pop("callback"), d.pop("errback")
        return Request(callback=self.by_name[cb] if cb else None, errback=self.by_name[eb] if eb else None, **d)

    def pop(self) -> Request | None:
        return self._decode(self.q.pop())

    def peek(self) -> Request | None:
        return self._decode(self.q.peek())

    def close(self) -> None:
        self.q.close()

    def __len__(self) -> int:
        return len(self.q)


class SpillScheduler(Scheduler):
    """Scrapy's scheduler; without JOBDIR its disk queue lives in a temporary directory
    (GOVAUDIT_DISK_QUEUE, on by default; GOVAUDIT_QUEUE_DIR names where)."""

    _tmpdir: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        sched = super().from_crawler(crawler)
        s = crawler.settings
        if sched.dqdir is None and s.getbool("GOVAUDIT_DISK_QUEUE", True):
            base = s.get("GOVAUDIT_QUEUE_DIR") or None
            if base:
                Path(base).mkdir(parents=True, exist_ok=True)
            tmp = tempfile.mkdtemp(prefix="govaudit-queue-", dir=base)
            # removed when the crawl closes, or at exit when it never got that far (a stop signal
            # before the engine ran)
            atexit.register(shutil.rmtree, tmp, True)
            sched._tmpdir = tmp
            sched.dqdir = sched._dqdir(tmp)
        return sched

    def close(self, reason: str) -> Any:
        try:
            return super().close(reason)
        finally:
            if self._tmpdir:
                shutil.rmtree(self._tmpdir, ignore_errors=True)
                self._tmpdir = None
