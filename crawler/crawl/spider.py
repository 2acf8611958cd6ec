"""The site spider: one audited site (its hosts), one `PageRecord` per fetched URL.

What it follows: page links (not attachments or media, which the link checker verifies
later), list pagination and meta-refresh/JS forwards — on the audited hosts only (the
hosts of the start URLs, the hosts a start URL redirects or forwards to, and the sibling
hosts the user lists). Depth counts link levels; pagination and forwards add none (a
column's page 7 is as deep as its page 1), bounded by GOVAUDIT_MAX_LIST_PAGES.

What it records: every response, 404s and 5xx included, and every failure (DNS, refused,
timeout, too large, robots.txt) as a record with `error`, so that "site unreachable" is a
fact in the store rather than a gap.

Scrapy does the rest: the dupefilter drops URLs seen before, HostScopeMiddleware keeps
requests on the audited hosts (adopted hosts included), CLOSESPIDER_PAGECOUNT bounds the
pages per crawl (crawler.crawl.extensions.PageBudget, counting the pages an interrupted
earlier run already stored). Resume: the store pipeline opens the crawl and hands the
store over (`attach_store`) before `start()` runs; stored URLs are registered with the
dupefilter and the links of stored pages that were not reached yet are scheduled again.
"""
from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.crawl import settings as D
from crawler.crawl.extensions import VERIFY_META
from crawler.crawl.verify import CrawlLinkVerifier, stop_after_limit
from crawler.extract.page import extract_page
from crawler.model.page import PageRecord
from crawler.net.failures import classify_failure
from crawler.net.urls import host_key, normalize_start_url

__all__ = ["SiteSpider", "classify_failure", "host_key", "normalize_start_url", "parent_domain", "split_arg"]

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from crawler.store.crawls import CrawlStore

logger = logging.getLogger(__name__)

_REDIRECT_CODES = (301, 302, 303, 307, 308)
_RECENT_MAX = 4096  # URLs remembered by the spider's pre-filter (bounded: the dupefilter decides)


def split_arg(value: Any) -> list[str]:
    """A spider argument given as a list, or as a comma/whitespace separated string."""
    if value is None:
        return []
    if isinstance(value, str):
        parts = value.replace("\n", ",").replace(" ", ",").split(",")
    else:
        parts = [str(v) for v in value]
    return [p.strip() for p in parts if p and p.strip()]


# anchor texts that name the disclosure platform (政府信息公开 / 信息公开 / 政务公开 …)
_PLATFORM_TEXT = re.compile(r"^(?:政府)?信息公开|^政务公开")


def parent_domain(host: str) -> str:
    """xxgk.example.gov.cn → example.gov.cn; a bare domain or an IP address stays itself."""
    labels = host.lower().strip(".").split(".")
    if all(x.isdigit() for x in labels) or ":" in host:  # an IP address has no siblings
        return host.lower()
    # gov.cn, com.cn …: the registrable domain has three labels, elsewhere two
    keep = 3 if len(labels) >= 2 and len(labels[-1]) == 2 and labels[-2] in ("gov", "com", "org", "net", "edu", "ac") else 2
    if len(labels) <= keep:
        return host.lower()
    return ".".join(labels[1:])


def _patterns(value: Any) -> list[str]:
    """URL regexes given as a list, or as a string with one per line (a regex may hold
    commas and spaces, so it is not split like `split_arg`)."""
    if not value:
        return []
    items = value.splitlines() if isinstance(value, str) else [str(v) for v in value]
    return [x for x in items if x and x.strip()]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SiteSpider(scrapy.Spider):
    """Start URLs are the spider's one argument; every option is a setting, read once in
    `from_crawler` (GOVAUDIT_MAX_DEPTH, GOVAUDIT_EXTRA_HOSTS … in crawler.crawl.settings)."""

    name = "site"
    # Every status reaches the callback (404 and 5xx pages are recorded), except the
    # redirect codes, which RedirectMiddleware must still follow.
    handle_httpstatus_list: ClassVar[list[int]] = [c for c in range(100, 600) if c not in _REDIRECT_CODES]

    def __init__(self, start_urls: Iterable[str] | str | None = None, *, max_depth: int = D.GOVAUDIT_MAX_DEPTH,
                 max_list_pages: int = D.GOVAUDIT_MAX_LIST_PAGES, extra_hosts: Iterable[str] = (),
                 render_mode: str = "off", render_max: int = D.GOVAUDIT_RENDER_MAX, verify_links: bool = False,
                 max_links: int = D.GOVAUDIT_MAX_LINKS, link_budget: float | None = D.GOVAUDIT_LINK_BUDGET,
                 retries: int = 2, exclude: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        urls = [normalize_start_url(u) for u in split_arg(start_urls)]
        if not urls:
            raise ValueError("SiteSpider 需要至少一个起始网址（start_urls）")
        seen: set[str] = set()
        self.start_urls = [u for u in urls if not (u in seen or seen.add(u))]  # type: ignore[func-returns-value]
        self.extra_hosts: list[str] = [h.lower() for h in split_arg(list(extra_hosts))]
        self.max_depth = int(max_depth)
        self.max_list_pages = int(max_list_pages)
        self.render_mode = render_mode
        self.render_max = int(render_max)
        self._rendered = 0
        self._host_keys: set[str] = set()
        self.audited_hosts: list[str] = []
        for u in self.start_urls:
            self._add_host(u)
        for h in self.extra_hosts:
            self._add_host(h)
        self.crawl_id: int | None = None
        self._store: CrawlStore | None = None
        self.resumed_pages = 0
        # URL regexes never followed (sites.yaml `exclude:`, --exclude: calendar traps, search results)
        self.exclude: list[re.Pattern[str]] = [re.compile(x) for x in _patterns(list(exclude))]
        # One bound method object per callback: Scrapy caches its per-callback source
        # checks by callback object, and a fresh `self.parse` per Request defeats that.
        self._on_page = self.parse
        self._on_error = self.errback
        # URLs turned into Requests lately: nav and footer links repeat on every page, and
        # the dupefilter would drop them again; a bounded cache spares building the Request
        self._recent: dict[Any, None] = {}
        self.verifier = CrawlLinkVerifier(self, max_links=max_links, retries=retries,
                                          budget=link_budget) if verify_links else None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SiteSpider:
        s = crawler.settings
        kwargs.setdefault("max_depth", s.getint("GOVAUDIT_MAX_DEPTH", D.GOVAUDIT_MAX_DEPTH))
        kwargs.setdefault("max_list_pages", s.getint("GOVAUDIT_MAX_LIST_PAGES", D.GOVAUDIT_MAX_LIST_PAGES))
        kwargs.setdefault("extra_hosts", split_arg(s.get("GOVAUDIT_EXTRA_HOSTS")))
        kwargs.setdefault("render_mode", str(s.get("GOVAUDIT_RENDER") or "off"))
        kwargs.setdefault("render_max", s.getint("GOVAUDIT_RENDER_MAX", D.GOVAUDIT_RENDER_MAX))
        kwargs.setdefault("verify_links", s.getbool("GOVAUDIT_VERIFY_LINKS", D.GOVAUDIT_VERIFY_LINKS))
        kwargs.setdefault("max_links", s.getint("GOVAUDIT_MAX_LINKS", D.GOVAUDIT_MAX_LINKS))
        kwargs.setdefault("exclude", _patterns(s.get("GOVAUDIT_EXCLUDE")))
        budget = s.get("GOVAUDIT_LINK_BUDGET")
        kwargs.setdefault("link_budget", float(budget) if budget else None)
        kwargs.setdefault("retries", s.getint("RETRY_TIMES", D.RETRY_TIMES) if s.getbool("RETRY_ENABLED") else 0)
        spider: SiteSpider = super().from_crawler(crawler, *args, **kwargs)
        if spider.verifier is not None:
            crawler.signals.connect(stop_after_limit, signal=signals.bytes_received)
        return spider

    # -- hosts ----------------------------------------------------------------------------
    def _add_host(self, url_or_host: str) -> None:
        raw = url_or_host if "://" in url_or_host else "http://" + url_or_host
        try:
            host = (urlsplit(raw).hostname or "").lower()
        except ValueError:
            return
        if not host:
            return
        key = host_key(host)
        if key not in self._host_keys:
            self._host_keys.add(key)
        if host not in self.audited_hosts:
            self.audited_hosts.append(host)

    def adopt_sibling_platform(self, rec: PageRecord) -> list[str]:
        """A 政府信息公开 platform on a sibling subdomain (xxgk.example.gov.cn beside
        www.example.gov.cn), linked by its name from the homepage or a first-level page, is
        part of the audited site. Only that host is added, never other offices' subdomains."""
        parents = {parent_domain(h) for h in self.audited_hosts}
        added = []
        for lk in rec.links:
            if lk.kind != "page" or not _PLATFORM_TEXT.match(lk.text.strip()) or self.host_allowed(lk.url):
                continue
            host = (urlsplit(lk.url).hostname or "").lower()
            if host and parent_domain(host) in parents and parent_domain(host) != host:
                self._add_host(lk.url)
                added.append(host)
                self.crawler.stats.inc_value("govaudit/sibling_hosts") if hasattr(self, "crawler") else None
                logger.info("Sibling disclosure platform %s adopted (linked as %r)", host, lk.text)
        return added

    def host_allowed(self, url: str) -> bool:
        """Whether a URL is on the audited hosts (asked by HostScopeMiddleware)."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return False
        return parts.scheme in ("http", "https") and host_key(parts.hostname) in self._host_keys

    @property
    def crawl_options(self) -> dict[str, Any]:
        settings = self.crawler.settings if hasattr(self, "crawler") else None
        return {
            "max_pages": settings.getint("CLOSESPIDER_PAGECOUNT") if settings is not None else None,
            "max_depth": self.max_depth,
            "extra_hosts": list(self.extra_hosts),
            "obey_robots": settings.getbool("ROBOTSTXT_OBEY") if settings is not None else None,
        }

    # -- store / resume ---------------------------------------------------------------------
    def attach_store(self, store: CrawlStore, crawl_id: int) -> None:
        """Called by the store pipeline when it has opened the crawl (before `start`)."""
        self._store = store
        self.crawl_id = crawl_id

    def seen(self, request: scrapy.Request) -> bool:
        """Ask Scrapy's dupefilter whether a request was seen, registering it if not."""
        engine = getattr(self.crawler, "engine", None)
        scheduler = engine.scheduler if engine is not None else None
        df = getattr(scheduler, "df", None)
        return bool(df is not None and df.request_seen(request))

    def _resume_state(self) -> list[tuple[str, int, int]]:
        """Register the stored URLs with the dupefilter and return the (url, depth, list
        hops) of links of stored pages that are not stored yet."""
        store, crawl_id = self._store, self.crawl_id
        if store is None or crawl_id is None:
            return []
        targets: dict[str, tuple[int, int]] = {}
        n = 0
        for rec in store.iter_pages(crawl_id):
            n += 1
            for u in {rec.url, rec.requested_url or rec.url, *rec.redirects}:
                try:
                    self.seen(scrapy.Request(u))
                except (ValueError, TypeError):
                    pass
            if rec.depth == 0:
                self._add_host(rec.url)
                if rec.refresh_to:
                    self._add_host(rec.refresh_to)
            if rec.depth <= 1 and rec.ok and not rec.challenge:
                self.adopt_sibling_platform(rec)
            for url, depth, hops in self._targets(rec, 0):
                if not self.host_allowed(url):
                    continue
                old = targets.get(url)
                if old is None or (depth, hops) < old:
                    targets[url] = (depth, hops)
        self.resumed_pages = n
        if n:
            logger.info("Resuming crawl %s: %d pages stored, %d links to check", crawl_id, n, len(targets))
        pending = [(u, d, h) for u, (d, h) in targets.items()]
        pending.sort(key=lambda t: t[1])
        return pending

    def queue_callbacks(self) -> dict[str, Any]:
        """The callbacks a queued request may carry, by name: the disk queue
        (crawler.crawl.queues) stores the name and gives back these very objects."""
        named: dict[str, Any] = {"page": self._on_page, "error": self._on_error, "render_failed": self._render_failed}
        if self.verifier is not None:
            named.update(verify=self.verifier.on_answer, verify_failed=self.verifier.on_failure)
        return named

    # -- requests -------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        pending = self._resume_state()
        for url in self.start_urls:
            req = self._request(url, depth=0)
            if req is not None:
                yield req
        for url, depth, hops in pending:
            if self.excluded(url):
                continue
            req = self._request(url, depth=depth, hops=hops)
            if req is not None:
                yield req

    def excluded(self, url: str) -> bool:
        """Whether `url` matches one of the `exclude` regexes (never followed; the start
        URLs are always fetched)."""
        return bool(self.exclude) and any(x.search(url) for x in self.exclude)

    def seen_recently(self, key: Any) -> bool:
        """Whether `key` (a URL) was turned into a Request lately; remembers it if not.
        Bounded: the dupefilter has the last word."""
        recent = self._recent
        if key in recent:
            return True
        if len(recent) >= _RECENT_MAX:
            recent.clear()
        recent[key] = None
        return False

    def _request(self, url: str, *, depth: int, hops: int = 0) -> scrapy.Request | None:
        """A page request, or None for a URL turned into a Request lately (the dupefilter
        would drop it). Scope (HostScopeMiddleware), duplicates (the dupefilter) and the
        page budget (CLOSESPIDER_PAGECOUNT) are Scrapy's."""
        if self.seen_recently(url):
            return None
        try:
            return scrapy.Request(url, callback=self._on_page, errback=self._on_error, priority=-depth,
                                  meta={"ga_depth": depth, "ga_hops": hops})
        except (ValueError, TypeError):
            return None

    def accept_redirect(self, source: scrapy.Request, target: scrapy.Request) -> bool:
        """Whether to follow a redirect (asked by SiteRedirectMiddleware). Declined: a
        target already fetched or scheduled (the redirect is recorded as a 3xx record with
        `refresh_to`), and a target off the audited hosts below the start URLs. An
        accepted target is registered with the dupefilter here, so it is let through
        (``dont_filter``) when scheduled. A link verification request follows every
        redirect (up to REDIRECT_MAX_TIMES)."""
        if source.meta.get(VERIFY_META):
            target.dont_filter = True
            return True
        if int(source.meta.get("ga_depth", 0)) > 0 and not self.host_allowed(target.url):
            return False
        if target.dont_filter:
            return True
        if self.seen(target):
            return False
        target.dont_filter = True
        return True

    def _targets(self, rec: PageRecord, hops: int) -> Iterator[tuple[str, int, int]]:
        """What a fetched page leads to: (url, depth, list hops). `hops` is how many
        pagination steps led to `rec`."""
        if not rec.ok or rec.challenge:
            return
        if not self.host_allowed(rec.url):
            return  # redirected off the audited hosts: recorded, not expanded
        depth = rec.depth
        if rec.refresh_to:
            yield rec.refresh_to, depth, hops
        if hops < self.max_list_pages:
            for u in rec.pagination:
                yield u, depth, hops + 1
        if depth + 1 <= self.max_depth:
            for lk in rec.links:
                if lk.kind == "page":
                    yield lk.url, depth + 1, 0

    def _follow(self, rec: PageRecord, hops: int) -> Iterator[Any]:
        """Requests for what a page leads to, then for verifying its other links."""
        for url, depth, h in self._targets(rec, hops):
            if self.excluded(url):
                continue
            req = self._request(url, depth=depth, hops=h)
            if req is not None:
                yield req
        if self.verifier is not None:
            followed = rec.ok and not rec.challenge and rec.depth + 1 <= self.max_depth and self.host_allowed(rec.url)
            yield from self.verifier.requests_for(rec, followed=followed)

    # -- responses ------------------------------------------------------------------------
    def _record_response(self, response: Response) -> PageRecord:
        meta = response.meta
        depth = int(meta.get("ga_depth", 0))
        try:
            rec = extract_page(response.url, response.status, response.headers, response.body, depth=depth)
        except Exception as exc:  # a bug of ours must not lose the fetched page
            logger.exception("Could not extract %s", response.url)
            self.crawler.stats.inc_value("govaudit/extract_failures")
            ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
            rec = PageRecord(url=response.url, status=response.status, depth=depth,
                             content_type=ctype.split(";", 1)[0].strip().lower(), size=len(response.body),
                             text_facts={"extract_error": type(exc).__name__})
        redirects = [str(u) for u in meta.get("redirect_urls") or []]
        rec.redirects = redirects
        rec.requested_url = redirects[0] if redirects else response.request.url if response.request else response.url
        rec.fetched_at = _now()
        target = meta.get("ga_redirect_to")
        if target and 300 <= rec.status < 400:
            rec.refresh_to = str(target)  # a redirect not followed (see accept_redirect)
            if rec.refresh_to in (*redirects, response.url) and not rec.error:
                rec.error = "redirect-loop"  # back to a URL of its own chain: never loads
        return rec

    # -- pages built by script (--render auto) ----------------------------------------------
    def _render_request(self, response: Response, rec: PageRecord) -> scrapy.Request | None:
        """A browser re-fetch of this page when its menu/list is built by script."""
        from crawler.crawl.render import RENDERED_META, needs_render, render_meta

        if self.render_mode != "auto" or response.meta.get(RENDERED_META):
            return None
        if self._rendered >= self.render_max or not rec.ok or rec.challenge:
            return None
        text = response.text if isinstance(response, scrapy.http.TextResponse) else ""
        why = needs_render(text, rec)
        if not why:
            return None
        self._rendered += 1
        self.crawler.stats.inc_value("govaudit/render/requested")
        meta: dict[str, Any] = {k: response.meta[k] for k in ("ga_depth", "ga_hops", "redirect_urls")
                                 if k in response.meta}
        meta.update(render_meta(why), ga_unrendered=rec)
        return scrapy.Request(response.url, callback=self._on_page, errback=self._render_failed, meta=meta,
                              dont_filter=True, priority=response.request.priority if response.request else 0)

    def _render_failed(self, failure: Failure) -> Iterator[Any]:
        """The browser could not render: keep what the plain fetch found."""
        request = failure.request  # type: ignore[attr-defined]
        rec: PageRecord = request.meta["ga_unrendered"]
        rec.text_facts["render_error"] = classify_failure(failure)
        self.crawler.stats.inc_value("govaudit/render/failed")
        yield rec
        yield from self._follow(rec, int(request.meta.get("ga_hops", 0)))

    def parse(self, response: Response) -> Iterator[Any]:
        rec = self._record_response(response)
        render = self._render_request(response, rec)
        if render is not None:
            yield render  # this page is recorded (and followed) from the rendered response
            return
        from crawler.crawl.render import RENDERED_META

        if response.meta.get(RENDERED_META):
            rec.text_facts["rendered"] = str(response.meta[RENDERED_META])
            self.crawler.stats.inc_value("govaudit/render/done")
        if rec.depth == 0 and rec.ok and not rec.challenge:
            # a start URL that redirects or forwards to another host: that host is the site
            self._add_host(rec.url)
            if rec.refresh_to:
                self._add_host(rec.refresh_to)
        if rec.depth <= 1 and rec.ok and not rec.challenge:
            self.adopt_sibling_platform(rec)
        yield rec
        yield from self._follow(rec, int(response.meta.get("ga_hops", 0)))

    def errback(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(HttpError):
            yield self._record_response(failure.value.response)
            return
        redirects = [str(u) for u in request.meta.get("redirect_urls") or []]
        rec = PageRecord(
            url=request.url,
            requested_url=redirects[0] if redirects else request.url,
            status=0,
            depth=int(request.meta.get("ga_depth", 0)),
            fetched_at=_now(),
            redirects=redirects,
            error=classify_failure(failure),
        )
        logger.info("Failed %s: %s (%s)", request.url, rec.error, failure.getErrorMessage())
        yield rec
