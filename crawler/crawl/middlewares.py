"""Downloader middlewares (and the HTTP download handler): bounded retries that honour
``Retry-After``, redirects that are recorded rather than dropped, quiet robots.txt errors.

`RetryAfterMiddleware` replaces Scrapy's RetryMiddleware (same settings: RETRY_TIMES, RETRY_HTTP_CODES …). When a
429/503 carries ``Retry-After``, the host's download slot is slowed to at least that
delay before the retry is scheduled, so the retry (and every other request to that host)
waits as asked; AutoThrottle brings the delay back down as the host recovers. A
Retry-After longer than ``GOVAUDIT_RETRY_AFTER_MAX`` is not waited for: the response is
recorded as it is.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request
from scrapy.utils.response import response_status_message

from crawler.net.retry import retry_after_seconds

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


class RetryAfterMiddleware(RetryMiddleware):
    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        self.retry_after_max = settings.getfloat("GOVAUDIT_RETRY_AFTER_MAX", 120.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        o = cls(crawler.settings)
        o.crawler = crawler
        return o

    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is not None:
            if wait > self.retry_after_max:
                logger.info("Not retrying %s: Retry-After %.0f s is too long", request.url, wait)
                return response
            self._slow_down(request, wait)
        return self._retry(request, response_status_message(response.status)) or response

    def _slow_down(self, request: Request, wait: float) -> None:
        engine = getattr(self.crawler, "engine", None)
        downloader = getattr(engine, "downloader", None)
        slots = getattr(downloader, "slots", None)
        key = request.meta.get("download_slot")
        if not slots or key is None:
            return
        slot = slots.get(key)
        if slot is not None and slot.delay < wait:
            slot.delay = wait


class HostScopeMiddleware(OffsiteMiddleware):
    """Scrapy's OffsiteMiddleware with the spider's host scope instead of
    ``allowed_domains``: the audited hosts compare without ``www.``, port and case, and
    their other subdomains are *not* in scope (another office's site is not audited);
    the scope grows during the crawl (a start URL that redirects to another host, the
    adopted 政府信息公开 platform), so it is asked per request (``spider.host_allowed``).
    As in Scrapy, requests with ``dont_filter`` or ``meta["allow_offsite"]`` pass (an
    accepted redirect; a link verification request)."""

    def should_follow(self, request: Request, spider: Spider) -> bool:
        allowed = getattr(spider, "host_allowed", None)
        return True if allowed is None else bool(allowed(request.url))


class HTTPDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler without Twisted's hidden retry: its connection pool
    silently sends an idempotent request again when a reused connection drops, so a host
    that resets connections would get twice the requests RETRY_TIMES allows."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        pool = getattr(self, "_pool", None)
        if pool is not None and hasattr(pool, "retryAutomatically"):
            pool.retryAutomatically = False


class _RobotsErrorFilter(logging.Filter):
    """An unreachable host's robots.txt is an expected condition (the pages of that host
    fail too and are recorded with their reason): log it at INFO, without a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and str(record.msg).startswith("Error downloading"):
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.exc_info, record.exc_text = None, None
            return logging.getLogger(record.name).isEnabledFor(logging.INFO)
        return True


class QuietRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's RobotsTxtMiddleware, without an ERROR traceback per unreachable host."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        rlog = logging.getLogger(RobotsTxtMiddleware.__module__)
        if not any(isinstance(f, _RobotsErrorFilter) for f in rlog.filters):
            rlog.addFilter(_RobotsErrorFilter())
        return super().from_crawler(crawler)


class SiteRedirectMiddleware(RedirectMiddleware):
    """Scrapy's RedirectMiddleware, asking the spider before following a redirect.

    A redirect the spider declines — its target was fetched (or scheduled) already, or it
    leaves the audited hosts from a page below the start URLs — is not followed: the 3xx
    response itself goes to the spider with ``meta["ga_redirect_to"]`` set, so that "X
    redirects to Y" is recorded instead of being silently dropped by the dupefilter.
    Spiders without an ``accept_redirect(source, target)`` method get plain Scrapy
    behaviour."""

    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        result = super().process_response(request, response)
        if isinstance(result, Request) and result is not request:
            spider = getattr(self.crawler, "spider", None)
            accept = getattr(spider, "accept_redirect", None)
            if accept is not None and not accept(request, result):
                request.meta["ga_redirect_to"] = result.url
                return response
        return result


from scrapy.exceptions import IgnoreRequest


class NetGuardMiddleware:
    """Refuses, before connecting, requests and redirects whose host resolves to a private,
    loopback or link-local address when the audited site is public (crawler.netguard):
    an audited site must not send the crawler into the auditor's own network.

    ``process_request`` checks every request (links, forwards, robots.txt, redirect
    targets); ``process_response`` checks a 3xx ``Location`` before the redirect middleware
    follows it, so that the page that redirects is recorded with the reason
    ("refused-private-address") rather than as a bare 3xx. Host names are resolved in a
    thread, once per host. Disable with GOVAUDIT_NETGUARD = False."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._guard: object | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        from scrapy.exceptions import NotConfigured

        if not crawler.settings.getbool("GOVAUDIT_NETGUARD", True):
            raise NotConfigured
        return cls(crawler)

    def _get_guard(self):  # type: ignore[no-untyped-def]
        from crawler.net.guard import NetGuard

        if self._guard is None:
            spider = getattr(self.crawler, "spider", None)
            self._guard = NetGuard(list(getattr(spider, "start_urls", None) or []))
        return self._guard

    async def _check(self, url: str) -> None:
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet.threads import deferToThread

        guard = self._get_guard()
        host = guard.host_needs_lookup(url)
        if host is not None:
            await maybe_deferred_to_future(deferToThread(guard.addresses, host))
        refusal = guard.refuse(url)
        if refusal is not None:
            self.crawler.stats.inc_value("govaudit/refused_private_address")
            logger.info("Refused %s: %s", url, refusal.detail)
            raise RefusedAddress(str(refusal), detail=refusal.detail)

    async def process_request(self, request: Request) -> None:
        await self._check(request.url)

    async def process_response(self, request: Request, response: Response) -> Response:
        if response.status in (301, 302, 303, 307, 308) and b"Location" in response.headers:
            from urllib.parse import urljoin

            from w3lib.url import safe_url_string

            location = safe_url_string(response.headers[b"Location"] or b"")
            if location.startswith("//"):
                location = request.url.split(":", 1)[0] + ":" + location
            target = urljoin(request.url, location)
            if target.startswith(("http://", "https://")):
                try:
                    await self._check(target)
                except RefusedAddress as e:
                    request.meta["ga_redirect_to"] = target
                    raise RefusedAddress(f"{e} (redirect from {request.url})", detail=e.detail) from None
        return response


class RefusedAddress(IgnoreRequest):
    """IgnoreRequest for a refused address: the request's errback records the page with
    ``error = "refused-private-address"`` (read from ``govaudit_reason``)."""

    govaudit_reason = "refused-private-address"

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


from scrapy.resolver import CachingHostnameResolver


class _GuardedReceiver:
    """Passes on resolved addresses except those no audit may connect to."""

    def __init__(self, receiver, host: str) -> None:  # type: ignore[no-untyped-def]
        self.receiver = receiver
        self.host = host

    def resolutionBegan(self, resolution) -> None:  # type: ignore[no-untyped-def]
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address) -> None:  # type: ignore[no-untyped-def]
        from crawler.net.guard import ALWAYS_REFUSED, address_class

        host = getattr(address, "host", "")
        if address_class(str(host)) in ALWAYS_REFUSED:
            logger.info("Dropped address %s of %s (link-local / unspecified / reserved)", host, self.host)
            return
        self.receiver.addressResolved(address)

    def resolutionComplete(self) -> None:
        self.receiver.resolutionComplete()


class GuardedHostnameResolver(CachingHostnameResolver):
    """Scrapy's getaddrinfo-based caching resolver (IPv4 and IPv6), minus link-local,
    unspecified and reserved addresses: the backstop of NetGuardMiddleware against a host
    name that resolves to a public address when checked and to 169.254.169.254 when
    connected (DNS rebinding). A host left without addresses fails as "dns"."""

    def resolveHostName(self, resolutionReceiver, hostName, portNumber=0, addressTypes=None,  # type: ignore[no-untyped-def]
                        transportSemantics="TCP"):
        return super().resolveHostName(_GuardedReceiver(resolutionReceiver, hostName), hostName, portNumber,
                                       addressTypes, transportSemantics)
