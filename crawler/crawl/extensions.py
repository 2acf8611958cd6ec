"""Extensions: the page budget and the crawl's own statistics.

`PageBudget` is Scrapy's CloseSpider extension with one change to what
``CLOSESPIDER_PAGECOUNT`` counts and does: it bounds the page URLs a crawl schedules,
counting the pages an interrupted earlier run of the same crawl already stored, in the
order the spider finds them (the homepage and the first levels first). A page request is
counted when the engine schedules it, unless the dupefilter drops it; past the budget
new URLs are dropped before they are queued (``govaudit/truncated`` counts them) and the
crawl still finishes what it queued, so every page in budget is fetched, none beyond
it, and the crawl ends as ``finished``. Not counted: requests off the audited hosts
(HostScopeMiddleware drops them), robots.txt, retries and redirect hops of a page, the
browser re-fetch of a page (``--render auto``) and link verification requests (bounded
by ``GOVAUDIT_MAX_LINKS``). The other CLOSESPIDER_* settings work as in Scrapy.

`CrawlStats` counts what the crawl recorded (records, failures, HTTP errors, WAF
challenges) from the items, in Scrapy's stats under ``govaudit/…``; the store pipeline
only stores.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.extensions.closespider import CloseSpider

from crawler.model.page import PageRecord

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

VERIFY_META = "ga_verify"  # request meta: a link verification request
_COUNTED = "ga_budget"  # request meta: counted against the page budget


def is_page_request(request: Request, spider: Spider | None) -> bool:
    """Whether a request is a new page of the crawl, on the audited hosts."""
    meta = request.meta
    if "ga_depth" not in meta or meta.get(VERIFY_META) or meta.get("retry_times") \
            or meta.get("redirect_times") or meta.get("govaudit_rendered"):
        return False
    allowed = getattr(spider, "host_allowed", None)
    return request.dont_filter or allowed is None or bool(allowed(request.url))


class OverBudget(IgnoreRequest):
    """A new page URL past the page budget: not queued, not fetched, not recorded."""


class PageBudget(CloseSpider):
    """CloseSpider, with ``CLOSESPIDER_PAGECOUNT`` as the page budget (see the module)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.page_budget = crawler.settings.getint("CLOSESPIDER_PAGECOUNT")
        if self.page_budget:
            crawler.signals.disconnect(self.page_count, signal=signals.response_received)
            crawler.signals.connect(self.budget_opened, signal=signals.spider_opened)
            crawler.signals.connect(self.request_scheduled, signal=signals.request_scheduled)
            crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)

    def budget_opened(self, spider: Spider) -> None:
        # the store pipeline opened the crawl before spider_opened: pages stored by an
        # earlier run of this crawl count against its budget
        self.counter["pagecount"] = int(self.crawler.stats.get_value("govaudit/resumed_pages", 0) or 0)

    def request_scheduled(self, request: Request, spider: Spider) -> None:
        if not is_page_request(request, spider):
            return
        if self.counter["pagecount"] < self.page_budget:
            self.counter["pagecount"] += 1
            request.meta[_COUNTED] = True
            return
        # past the budget: a URL not seen before is left out (and remembered as seen)
        engine = self.crawler.engine
        df = getattr(engine.scheduler if engine is not None else None, "df", None)
        if df is not None and not request.dont_filter and not df.request_seen(request):
            self.crawler.stats.inc_value("govaudit/truncated")
        raise OverBudget(f"page budget ({self.page_budget}) spent")

    def request_dropped(self, request: Request, spider: Spider) -> None:
        if request.meta.pop(_COUNTED, False):  # a duplicate: the dupefilter dropped it
            self.counter["pagecount"] -= 1


class CrawlStats:
    """Counts the page records of a crawl into Scrapy's stats (``govaudit/…``)."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        o = cls(crawler)
        crawler.signals.connect(o.item_scraped, signal=signals.item_scraped)
        return o

    def item_scraped(self, item: Any, spider: Spider) -> None:
        if not isinstance(item, PageRecord):
            return
        st = self.stats
        st.inc_value("govaudit/records")
        if item.error:
            st.inc_value("govaudit/errors")
            st.inc_value(f"govaudit/error/{item.error}")
        elif item.status >= 400:
            st.inc_value("govaudit/http_errors")
        if item.challenge:
            st.inc_value("govaudit/challenges")
