"""Link verification during the crawl, by Scrapy requests (GOVAUDIT_VERIFY_LINKS).

As a page is parsed, the links the crawl will not fetch as pages — images, video, audio,
attachments (wherever they are), pages off the audited hosts, and on-site pages below
the depth limit — are verified right away, through the same downloader as the pages:
the same per-host slot, one request at a time per host, ``--delay``, AutoThrottle,
retries that honour Retry-After, the address guard. Like the post-crawl verifier
(crawler.collect.links) it reads as little as it can: HEAD first (enough for a page link
that is not HTML), then a GET that stops after the first bytes (the signature of an
image or attachment, the start of a page for soft 404s and CAPTCHAs; a Range request for
video/audio). Answers are classified by crawler.collect.links (`classify_response`:
`media_check`, crawler.net.soft404's `soft_404`, crawler.net.challenge's `detect_challenge`), failures coded
and worded by crawler.net.failures (`describe`), both as after the crawl, and yielded
as `LinkCheck` items, which the store pipeline writes to the link table;
`verify_crawl_links` after the crawl adds where each URL was found and verifies only
what the crawl did not.

At most GOVAUDIT_MAX_LINKS URLs are verified per crawl, and none are asked for once
GOVAUDIT_LINK_BUDGET seconds have passed since the first; further ones are counted
(``govaudit/links/over_bound``, ``govaudit/links/over_budget``) and left to the post-crawl
step. Both bounds hold for the two steps together: the seconds spent here
(``govaudit/links/budget_spent``, from the first verification request to the end of the
crawl, at most the budget) are taken from the post-crawl step's time, as the URLs
verified here are from its count; it reports what is left unverified as skipped.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.exceptions import IgnoreRequest, StopDownload

from crawler.collect import links as lc
from crawler.crawl.extensions import VERIFY_META
from crawler.net.challenge import detect_challenge
from crawler.net.failures import REFUSED_PRIVATE, describe, dns_available
from crawler.net.kinds import CHECK_KINDS, KIND_CN, MEDIA_KINDS, TEXT_EXTS, file_ext, infer_kind
from crawler.net.urls import endpoint, host_of, is_http_url, strip_fragment

if TYPE_CHECKING:
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from crawler.model.page import PageRecord

logger = logging.getLogger(__name__)


@dataclass
class LinkCheck:
    """One verified URL (an item: the store pipeline writes it to the link table)."""

    url: str
    result: dict[str, Any] = field(default_factory=dict)


def _headers(response: Response) -> dict[str, Any]:
    h = response.headers
    return {
        "set-cookie": [v.decode("latin-1") for v in h.getlist(b"Set-Cookie")],
        "content-range": (h.get(b"Content-Range") or b"").decode("latin-1"),
        "content-length": (h.get(b"Content-Length") or b"").decode("latin-1"),
        "content-type": (h.get(b"Content-Type") or b"").decode("latin-1"),
    }


def _answer(response: Response) -> lc.Answer:
    headers = _headers(response)
    total = None
    cr = headers["content-range"]
    if "/" in cr and cr.rsplit("/", 1)[1].strip().isdigit():
        total = int(cr.rsplit("/", 1)[1])
    elif headers["content-length"].isdigit():
        total = int(headers["content-length"])
    limit = int(response.meta.get("ga_limit") or 0)
    body = response.body[:limit] if limit else b""
    return lc.Answer(response.status, headers, body, response.url, headers["content-type"], total)


class OverLinkBudget(IgnoreRequest):
    """A verification request reached the downloader after GOVAUDIT_LINK_BUDGET had run out."""


class LinkBudgetMiddleware:
    """Drops verification requests still queued when the link budget has run out; their
    URLs are left to the post-crawl verifier (and its own bound)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> LinkBudgetMiddleware:
        return cls(crawler)

    def process_request(self, request: Any) -> None:
        if request.meta.get(VERIFY_META):
            verifier = getattr(getattr(self.crawler, "spider", None), "verifier", None)
            if verifier is not None and verifier.over_budget():
                raise OverLinkBudget("link budget spent")


class CrawlLinkVerifier:
    """The spider's helper: verification requests for a page's links, and their answers."""

    def __init__(self, spider: Any, *, max_links: int, retries: int, budget: float | None = None) -> None:
        self.spider = spider
        self.max_links = max_links
        self.budget = budget if budget and budget > 0 else None
        self.started: float | None = None  # time.monotonic() of the first verification request
        self.retries = retries
        self.issued = 0
        self.answered: set[str] = set()  # host:port that answered (a refusal there is a flap)
        self.on_answer = self.answer  # stored bound methods (see SiteSpider._on_page)
        self.on_failure = self.failure

    def over_budget(self) -> bool:
        return self.budget is not None and self.started is not None \
            and time.monotonic() - self.started >= self.budget

    def budget_spent(self) -> float:
        """Seconds of the link budget used so far (from the first verification request, at
        most the budget): the post-crawl verification has only the rest."""
        if self.budget is None or self.started is None:
            return 0.0
        return round(min(self.budget, time.monotonic() - self.started), 2)

    # -- which links -------------------------------------------------------------------------
    def requests_for(self, rec: PageRecord, *, followed: bool) -> Iterator[Any]:
        """Verification requests (or immediate LinkCheck items) for the links of a page.
        `followed`: whether the page's on-site page links are crawled as pages. They are
        scheduled with the page's own links (same priority, in the order found), so the
        verification keeps pace with the crawl instead of waiting for its end."""
        spider = self.spider
        if rec.status:
            self.answered.add(endpoint(rec.url))
        final = strip_fragment(rec.url)
        for lk in rec.links:
            if lk.kind not in CHECK_KINDS:
                continue
            url = strip_fragment(lk.url)
            if url == final or not is_http_url(url):
                continue
            kind = infer_kind(url, lk.kind)
            on_site = spider.host_allowed(url)
            if kind not in MEDIA_KINDS and on_site and followed and lk.kind == "page":
                continue  # crawled as a page: the crawl's own answer is the verification
            if spider.seen_recently(("v", url)):
                continue
            item = self._special(url, kind)
            req = None if item is not None else self._head(url, kind, rec.url, -(rec.depth + 1))
            if req is not None:
                if spider.seen(req):
                    continue  # verified already (the dupefilter knows the HEAD request)
                req.dont_filter = True  # registered with the dupefilter just now
            if self.max_links >= 0 and self.issued >= self.max_links:
                spider.crawler.stats.inc_value("govaudit/links/over_bound")
                continue
            now = time.monotonic()
            if self.started is None:
                self.started = now
            elif self.over_budget():
                spider.crawler.stats.inc_value("govaudit/links/over_budget")
                continue
            self.issued += 1
            spider.crawler.stats.inc_value("govaudit/links/requested")
            yield item if item is not None else req

    def _special(self, url: str, kind: str) -> LinkCheck | None:
        host = host_of(url)
        if host.endswith(lc.SPECIAL_TLDS) or host in ("invalid", "test", "example"):
            # RFC 6761 special-use names never resolve: no DNS query is needed to know
            return LinkCheck(url, {"kind": kind, "method": "none", "state": "broken", "status": 0, "error": "dns",
                                   "reason": "域名无法解析（保留的顶级域名，不存在）", "content_type": "",
                                   "final_url": url})
        return None

    def _meta(self, url: str, kind: str, ref: str, **extra: Any) -> dict[str, Any]:
        return {VERIFY_META: kind, "ga_url": url, "ga_ref": ref, "allow_offsite": True,
                "dont_obey_robotstxt": True, "download_maxsize": 0, "download_warnsize": 0, **extra}

    def _head(self, url: str, kind: str, ref: str, priority: int) -> scrapy.Request | None:
        try:
            return scrapy.Request(url, method="HEAD", callback=self.on_answer, errback=self.on_failure,
                                  priority=priority, headers={"Accept": "*/*"},
                                  meta=self._meta(url, kind, ref, dont_retry=True, ga_step="head"))
        except (ValueError, TypeError):
            return None

    def _get(self, meta: dict[str, Any], priority: int, *, ranged: bool, retries: int, first: int = 0
             ) -> scrapy.Request:
        kind, url = meta[VERIFY_META], meta["ga_url"]
        if kind in ("video", "audio"):
            limit = lc.RANGE_BYTES
        elif kind == "attachment" and file_ext(url) in TEXT_EXTS:
            limit = lc.TEXT_ATTACHMENT_BYTES
        elif kind in MEDIA_KINDS:
            limit = lc.MEDIA_BYTES
        else:
            limit = lc.PAGE_BYTES
        headers = {"Accept": "*/*", "Accept-Encoding": "identity"}  # the first bytes as they are
        if ranged:
            headers["Range"] = f"bytes=0-{lc.RANGE_BYTES - 1}"
        extra = {k: meta[k] for k in ("head_error",) if k in meta}
        new = self._meta(url, kind, meta["ga_ref"], ga_step="get", ga_limit=limit, ga_ranged=ranged,
                         ga_first=first, max_retry_times=max(0, retries - first), **extra)
        return scrapy.Request(url, callback=self.on_answer, errback=self.on_failure, priority=priority,
                              headers=headers, meta=new, dont_filter=True)

    def get_after_head(self, request: scrapy.Request, meta: dict[str, Any], *, head_timed_out: bool = False
                       ) -> scrapy.Request:
        ranged = meta[VERIFY_META] in ("video", "audio")
        # a HEAD that timed out was the first try: a server that hangs is not waited for again and again
        return self._get(meta, request.priority, ranged=ranged, retries=self.retries, first=int(head_timed_out))

    # -- answers -------------------------------------------------------------------------------
    def answer(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        kind, url = meta[VERIFY_META], meta["ga_url"]
        self.answered.add(endpoint(url))
        r = _answer(response)
        res: dict[str, Any] = {"kind": kind, "method": "HEAD" if meta.get("ga_step") == "head" else "GET"}
        if "head_error" in meta:
            res["head_error"] = meta["head_error"]
        if meta.get("ga_step") == "head":
            ch = detect_challenge(r.status, r.headers)
            if ch in ("wzws", "jsluid"):
                yield self._done(url, lc.make_result(res, "blocked", r, f"防护验证（{ch}），未计为错链", challenge=ch))
                return
            ct = r.content_type.lower()
            if 200 <= r.status < 300 and kind in ("page", "external") and ct and "html" not in ct \
                    and "xml" not in ct and not ct.startswith("text/"):
                yield self._done(url, lc.make_result(res, "ok", r, f"HTTP {r.status}"))
                return
            yield self.get_after_head(response.request, meta)  # type: ignore[arg-type]
            return
        if meta.get("ga_ranged") and r.status in (416, 400, 501):
            if r.status == 416 and (r.total == 0 or "*/0" in str(r.headers.get("content-range", ""))):
                why = f"{KIND_CN.get(kind, '文件')}为空文件（0 字节）"
                yield self._done(url, lc.make_result(res, "broken", r, why, media=(False, why)))
                return
            # the server does not do ranges: read the start of a plain GET
            yield self._get(meta, response.request.priority if response.request else 0, ranged=False,
                            retries=self.retries, first=int(meta.get("ga_first", 0)))
            return
        state, reason, extra = lc.classify_response(kind, url, r)
        attempt = int(meta.get("ga_first", 0)) + int(meta.get("retry_times", 0) or 0)
        if state == "transient" and attempt:
            reason += f"（重试 {attempt} 次后仍失败）"
        res["attempts"] = attempt + 1
        yield self._done(url, lc.make_result(res, state, r, reason, **extra))

    def failure(self, failure: Failure) -> Iterator[Any]:
        if failure.check(OverLinkBudget):
            self.spider.crawler.stats.inc_value("govaudit/links/over_budget")
            return  # left to the post-crawl verifier
        request = failure.request  # type: ignore[attr-defined]
        meta = request.meta
        kind, url = meta[VERIFY_META], meta["ga_url"]
        # the codes and wording of the post-crawl verifier (crawler.net.failures)
        err, reason = describe(failure.value)
        if meta.get("ga_step") == "head" and err != REFUSED_PRIVATE:
            meta = {**meta, "head_error": reason}
            yield self.get_after_head(request, meta, head_timed_out=err == "timeout")
            return
        if err == "dns" and not host_of(url).endswith(lc.SPECIAL_TLDS) and not dns_available():
            err, reason = "dns-temp", "本机无法进行域名解析（网络或 DNS 不可用），无法核验"
        state = "broken" if err in ("dns", "refused", "redirect-loop") else "transient"
        if err == "refused" and endpoint(url) in self.answered:
            state = "transient"  # the server answered before: it is flapping, not gone
            reason = "连接被拒绝，但该服务器此前有响应（服务时断时续）"
        if err == REFUSED_PRIVATE:
            state = "skipped"
        attempt = int(meta.get("ga_first", 0)) + int(meta.get("retry_times", 0) or 0)
        if state == "transient" and attempt:
            reason += f"（重试 {attempt} 次后仍失败）"
        res: dict[str, Any] = {"kind": kind, "method": "GET" if meta.get("ga_step") == "get" else "HEAD",
                               "state": state, "status": 0, "reason": reason, "error": err,
                               "content_type": "", "final_url": url, "attempts": attempt + 1}
        if "head_error" in meta:
            res["head_error"] = meta["head_error"]
        yield self._done(url, res)

    def _done(self, url: str, res: dict[str, Any]) -> LinkCheck:
        self.spider.crawler.stats.inc_value(f"govaudit/links/{res['state']}")
        return LinkCheck(url, res)


def stop_after_limit(data: bytes, request: scrapy.Request, spider: Any) -> None:
    """bytes_received handler: a verification GET stops after the bytes it needs."""
    limit = request.meta.get("ga_limit")
    if not limit:
        return
    got = int(request.meta.get("ga_got", 0)) + len(data)
    request.meta["ga_got"] = got
    if got >= limit:
        raise StopDownload(fail=False)
