"""Link health: every link, image, video, audio file and attachment a crawl found, verified.

`verify_crawl_links` streams a stored crawl's pages, collects each referenced URL with the
pages it was found on (and the anchor text), takes the answer for URLs the crawl itself
fetched from the store, and checks the rest with httpx: politely (bounded concurrency per
host, a delay between checks of one host, an identifying User-Agent, timeouts), reading
only the first bytes of anything (HEAD first; GET streamed, or a Range request for
video/audio). The client comes from crawler.net.http; certificates are not verified here
(the site's certificate is judged by https_enabled; see docs/CONTRACTS.md).

States
  ok         the URL answered and (for media) the bytes are what the link promises
  broken     404/410, other client errors, DNS failure, connection refused, a soft 404
             (200 with a 页面不存在 page), media that does not open (HTML instead of an
             image, a video without a container signature, an empty attachment …)
  blocked    401/403, WAF challenges and CAPTCHA pages (crawler.net.challenge, the same
             rule as the crawl's): never counted as broken, never circumvented
  transient  429, 5xx, timeouts, resets — after `retries` retries that honour Retry-After
             (capped): the link may work later, it is not called broken
  skipped    not verified (over `max_links`)

Results go to `CrawlStore.add_link_results`; personal data found in text attachments is
stored masked only (crawler.pii).
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from crawler.crawl import settings as crawl_defaults
from crawler.model.page import PageRecord
from crawler.net import http
from crawler.net.challenge import decode_head as _text_of
from crawler.net.challenge import detect_challenge
from crawler.net.failures import REFUSED_PRIVATE, dns_available, failure_label
from crawler.net.failures import describe as _net_error
from crawler.net.guard import NetGuard
from crawler.net.kinds import (
    AUDIO_EXTS,
    CHECK_KINDS,
    IMAGE_EXTS,
    KIND_CN,
    MEDIA_KINDS,
    TEXT_EXTS,
    infer_kind,
)
from crawler.net.kinds import file_ext as _ext
from crawler.net.retry import retry_after as _retry_after
from crawler.net.soft404 import soft_404
from crawler.net.urls import endpoint as _netloc
from crawler.net.urls import host_key, strip_fragment
from crawler.net.urls import host_of as _host_of
from crawler.net.urls import is_http_url as _usable
from crawler.store.crawls import CrawlStore
from crawler.text import pii

log = logging.getLogger(__name__)

USER_AGENT = http.user_agent("link-check")
DEFAULT_DELAY = 0.25  # seconds between two checks of one crawl host
EXTERNAL_DELAY = 1.0  # … of one external host
MAX_RETRY_AFTER = 10.0  # a Retry-After longer than this is cut to it
MAX_CONCURRENCY = 8  # hosts checked at once
MAX_FOUND_ON = 20  # pages kept per URL
MAX_FOUND_ON_OK = 3  # … in a result that is ok (only problems need the full list)
PAGE_BYTES = 64 * 1024  # read of an HTML page (soft 404, CAPTCHA)
MEDIA_BYTES = 8 * 1024  # read of an image / attachment (signature)
RANGE_BYTES = 1024  # Range request for video / audio
TEXT_ATTACHMENT_BYTES = 256 * 1024  # text attachments scanned for personal data
BATCH = 200

SPECIAL_TLDS = (".invalid", ".test", ".example", ".localhost")  # RFC 6761: never resolve

STATE_CN = {"ok": "正常", "broken": "错链", "blocked": "被防护拦截", "transient": "暂时无法访问",
            "skipped": "未核验"}

# -- media signatures --------------------------------------------------------------------------
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_ASF = b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"


def _strip_bom_ws(b: bytes) -> bytes:
    if b.startswith(b"\xef\xbb\xbf"):
        b = b[3:]
    return b.lstrip()


def image_format(b: bytes) -> str | None:
    if b.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png" if len(b) < 16 or b[12:16] == b"IHDR" else None
    if b.startswith(b"\xff\xd8\xff") and (len(b) < 4 or 0xC0 <= b[3] <= 0xFE):
        return "jpeg"
    if b[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if b[:4] == b"RIFF" and b[8:12] == b"WEBP":
        return "webp"
    if b[:2] == b"BM" and len(b) >= 14:
        return "bmp"
    if b[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if b[:4] == b"\x00\x00\x01\x00":
        return "ico"
    if b[4:8] == b"ftyp" and b[8:12] in (b"avif", b"avis", b"heic", b"heix", b"mif1", b"msf1"):
        return "avif"
    head = _strip_bom_ws(b[:2048]).lower()
    if head.startswith(b"<svg") or (head.startswith((b"<?xml", b"<!--", b"<!doctype svg")) and b"<svg" in head):
        return "svg"
    return None


def video_format(b: bytes) -> str | None:
    if len(b) >= 8 and b[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"):
        return "mp4" if b[4:8] == b"ftyp" else "mov"
    if b.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm/mkv"
    if b.startswith(b"FLV\x01"):
        return "flv"
    if b[:1] == b"\x47" and all(b[i:i + 1] == b"\x47" for i in (188, 376) if len(b) > i):
        return "mpeg-ts"
    if b[:4] == b"RIFF" and b[8:12] in (b"AVI ", b"AVIX"):
        return "avi"
    if b.startswith(_ASF):
        return "asf/wmv"
    if b.startswith((b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3")):
        return "mpeg"
    if b.startswith(b"OggS"):
        return "ogg"
    if b.startswith(b".RMF"):
        return "rm"
    if _strip_bom_ws(b[:64]).startswith(b"#EXTM3U"):
        return "m3u8"
    return None


def audio_format(b: bytes) -> str | None:
    if b.startswith(b"ID3"):
        return "mp3"
    if len(b) >= 2 and b[0] == 0xFF and (b[1] & 0xE0) == 0xE0 and (b[1] & 0x06) != 0:
        return "mp3"
    if len(b) >= 2 and b[0] == 0xFF and (b[1] & 0xF6) == 0xF0:
        return "aac"
    if b.startswith(b"OggS"):
        return "ogg"
    if b[:4] == b"RIFF" and b[8:12] == b"WAVE":
        return "wav"
    if b.startswith(b"fLaC"):
        return "flac"
    if b[4:8] == b"ftyp":
        return "m4a"
    if b.startswith(b"#!AMR"):
        return "amr"
    if b.startswith(_ASF):
        return "wma"
    if _strip_bom_ws(b[:64]).startswith(b"#EXTM3U"):
        return "m3u8"
    return None


_ATTACHMENT_SIGS: dict[str, tuple[str, ...]] = {
    "pdf": ("pdf",), "doc": ("ole", "rtf", "wordhtml", "zip"), "xls": ("ole", "zip", "wordhtml"),
    "ppt": ("ole", "zip"), "wps": ("ole", "zip"), "et": ("ole", "zip"), "dps": ("ole", "zip"),
    "docx": ("zip",), "xlsx": ("zip",), "pptx": ("zip",), "ofd": ("zip",), "zip": ("zip",),
    "odt": ("zip",), "ods": ("zip",), "odp": ("zip",), "rar": ("rar",), "7z": ("7z",), "rtf": ("rtf",),
    "gz": ("gz",),
}


def _attachment_sig(b: bytes) -> str | None:
    if b"%PDF" in b[:1024]:
        return "pdf"
    if b.startswith(_OLE):
        return "ole"
    if b.startswith(_ZIP):
        return "zip"
    if b.startswith(b"Rar!\x1a\x07"):
        return "rar"
    if b.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z"
    if b.startswith(b"{\\rtf"):
        return "rtf"
    if b.startswith(b"\x1f\x8b"):
        return "gz"
    low = b[:4096].lower()
    if b"urn:schemas-microsoft-com:office" in low or b"mime-version" in low[:200]:
        return "wordhtml"
    return None


def _is_html(b: bytes, content_type: str) -> bool:
    ct = content_type.lower()
    head = _strip_bom_ws(b[:512]).lower()
    return ("html" in ct and not head.startswith(b"<svg")) or head.startswith((b"<!doctype html", b"<html", b"<head"))


def media_check(kind: str, url: str, content_type: str, body: bytes, *, total: int | None = None
                ) -> tuple[bool, str, str | None]:
    """(ok, reason, detected format) for the first bytes of an image/video/audio/attachment."""
    ct = (content_type or "").split(";")[0].strip().lower()
    ext = _ext(url)
    cn = KIND_CN.get(kind, "文件")
    if not body:
        return False, f"{cn}为空文件（0 字节）", None
    html = _is_html(body, ct)
    if kind == "image":
        fmt = image_format(body)
        if fmt:
            if ct and not (ct.startswith("image/") or ct in ("application/octet-stream", "binary/octet-stream",
                                                            "application/x-download", "text/xml",
                                                            "application/xml")):
                return True, f"图片可解码（{fmt}），但 Content-Type 为 {ct}", fmt
            return True, f"图片可解码（{fmt}）", fmt
        if html:
            return False, "图片地址返回的是网页（HTML），不是图片", None
        if ct.startswith("image/"):
            return False, f"声明为 {ct}，但文件头无法识别为图片（文件损坏或格式不符）", None
        return False, f"不是图片（Content-Type {ct or '无'}，文件头无法识别）", None
    if kind in ("video", "audio"):
        fmt = video_format(body) if kind == "video" else (audio_format(body) or video_format(body))
        if kind == "video" and not fmt:
            fmt = audio_format(body) if ext in AUDIO_EXTS else None
        ok_ct = (not ct or ct.startswith(("video/", "audio/")) or ct in (
            "application/octet-stream", "binary/octet-stream", "application/mp4", "application/ogg",
            "application/x-mpegurl", "application/vnd.apple.mpegurl", "audio/x-mpegurl", "application/x-download",
            "application/force-download", "application/vnd.rn-realmedia", "application/x-shockwave-flash",
            "video/x-flv", "application/x-flv"))
        if html or (ct.startswith("text/") and not fmt):
            return False, f"{cn}地址返回的是网页（{ct or 'HTML'}），不是{cn}文件", None
        if not fmt:
            return False, f"{cn}文件头无法识别（不是有效的{cn}容器格式，文件可能损坏）", None
        if not ok_ct:
            return False, f"{cn}格式 {fmt}，但 Content-Type 为 {ct}，浏览器可能无法播放", fmt
        return True, f"{cn}可播放（{fmt}）", fmt
    # attachments
    sig = _attachment_sig(body)
    want = _ATTACHMENT_SIGS.get(ext)
    if ext in TEXT_EXTS:
        if html and ext not in ("html", "htm") and _looks_error_page(body, ct):
            return False, "附件地址返回的是错误网页", None
        return True, f"文本附件（{ext}）", ext
    if ext in IMAGE_EXTS:
        return media_check("image", url, content_type, body)
    if want:
        if sig in want:
            return True, f"附件可打开（{sig}）", sig
        if html:
            return False, f"附件（.{ext}）地址返回的是网页（HTML），不是文件", None
        return False, f"附件（.{ext}）文件头不符（应为 {'/'.join(want)}），文件可能损坏", sig
    if html and "html" not in ext:
        if ct.startswith("text/html") and not _looks_error_page(body, ct):
            return True, "附件链接指向网页", "html"
        return False, "附件地址返回的是错误网页", None
    return True, f"附件可下载（{sig or ct or '未知格式'}）", sig


def _looks_error_page(body: bytes, ct: str) -> bool:
    return soft_404(body, ct) is not None


# -- collecting --------------------------------------------------------------------------------
@dataclass(slots=True)
class _Target:
    url: str
    kind: str
    external: bool
    homepage: bool = False
    found_on: list[tuple[str, str]] = field(default_factory=list)
    refs: int = 0
    seen_as: str = ""  # the kind of link it was last found as (collect)


@dataclass(slots=True)
class _Crawled:
    status: int
    error: str | None
    challenge: str | None
    content_type: str
    title: str
    final_url: str
    soft404: bool = False
    text_length: int | None = None


_KIND_RANK = {"video": 5, "audio": 4, "image": 3, "attachment": 2, "page": 1, "external": 0}


def _host_set(hosts: Iterable[str], start_urls: Iterable[str]) -> set[str]:
    return {k for h in [*hosts, *(u for u in start_urls if _host_of(u))] if (k := host_key(h))}


def collect(pages: Iterable[PageRecord], hosts: set[str], home_urls: set[str]
            ) -> tuple[dict[str, _Target], dict[str, _Crawled], str | None]:
    """Referenced URLs (with pages and anchor texts) and what the crawl got for each URL."""
    from crawler.model.build import canonical_url

    targets: dict[str, _Target] = {}
    crawled: dict[str, _Crawled] = {}
    home_canon = {canonical_url(u) for u in home_urls}
    home_page: str | None = None
    usable: dict[str, str | None] = {}  # link URL as written → without its fragment, None if not http(s)
    for rec in pages:
        final = strip_fragment(rec.url)
        c = _Crawled(status=rec.status, error=rec.error, challenge=rec.challenge,
                     content_type=rec.content_type or "", title=rec.title or "", final_url=final,
                     soft404=bool(rec.text_facts.get("soft_404") or rec.text_facts.get("soft404")),
                     text_length=_int_or_none(rec.text_facts.get("text_length")))
        for u in {final, strip_fragment(rec.requested_url), *(strip_fragment(r) for r in rec.redirects)}:
            if u and u not in crawled:
                crawled[u] = c
                crawled.setdefault(canonical_url(u), c)
        is_home = bool({canonical_url(rec.url), canonical_url(rec.requested_url or rec.url),
                        *(canonical_url(r) for r in rec.redirects)} & home_canon)
        if is_home and (home_page is None) and rec.ok:
            home_page = final
        page_url = pii.redact_ids(final)
        for lk in rec.links:
            if lk.kind not in CHECK_KINDS:
                continue
            # a menu or footer link repeats on every page: its URL is worked out once
            url = usable.get(lk.url, "")  # "" = not met yet ("" itself is stored as None: not usable)
            if url == "":
                url = strip_fragment(lk.url)
                url = usable[lk.url] = url if _usable(url) else None
            if url is None or url == final:
                continue
            t = targets.get(url)
            if t is None:
                t = targets[url] = _Target(url=url, kind=infer_kind(url, lk.kind),
                                           external=host_key(_host_of(url)) not in hosts, seen_as=lk.kind)
            elif lk.kind != t.seen_as:  # found as another kind of link: the strongest kind wins
                t.seen_as = lk.kind
                if _KIND_RANK.get(kind := infer_kind(url, lk.kind), 0) > _KIND_RANK.get(t.kind, 0):
                    t.kind = kind
            t.refs += 1
            if is_home:
                if not t.homepage:
                    t.homepage = True
                    t.found_on.insert(0, (page_url, _anchor(lk.text)))
                    del t.found_on[MAX_FOUND_ON:]
            elif len(t.found_on) < MAX_FOUND_ON and not any(p == page_url for p, _ in t.found_on):
                t.found_on.append((page_url, _anchor(lk.text)))
    return targets, crawled, home_page


def _anchor(text: str | None) -> str:
    """A link's text as kept where it is found: one line, at most 120 characters, masked."""
    return pii.redact(" ".join((text or "").split())[:120])


def _int_or_none(v: Any) -> int | None:
    try:
        return int(v) if v is not None else None
    except (TypeError, ValueError):
        return None


_CRAWL_STATES = {"dns": "broken", "refused": "broken", "redirect-loop": "broken", "timeout": "transient",
                 "connection": "transient", "tls": "transient", "too-large": "ok"}
_RETRIED = ("refused", "timeout", "connection")
_CRAWL_ERRORS = {code: (state, f"{failure_label(code)}（抓取时{'，已重试' if code in _RETRIED else ''}）")
                 for code, state in _CRAWL_STATES.items()}
_CRAWL_ERRORS["too-large"] = ("ok", "文件过大，抓取时未下载（地址可访问）")


def _from_crawl(c: _Crawled, kind: str) -> tuple[str, int, str] | None:
    """(state, status, reason) the crawl's own fetch proves, or None when it must be verified.

    The crawl already waited and retried: its failures are taken as they are (a timeout
    stays transient, never broken); only media that answered needs its first bytes read."""
    if c.challenge:
        return "blocked", c.status, f"防护验证页面（{c.challenge}），未计为错链"
    if c.error:
        if c.error == REFUSED_PRIVATE:
            return "skipped", 0, "目标是内网、本机或链路本地地址，出于安全未连接、未核验（不计为错链）"
        if c.error == "robots":
            return "skipped", 0, "robots.txt 禁止抓取，未核验（不计为错链）"
        if c.error in ("ignored", "cancelled", "render"):
            return None  # not fetched at all: verify
        state, reason = _CRAWL_ERRORS.get(c.error, ("transient", f"{failure_label(c.error)}（抓取时）"))
        if c.error == "dns" and not _host_of(c.final_url).endswith(SPECIAL_TLDS) and not dns_available():
            state, reason = "transient", "抓取时域名无法解析，且本机 DNS 不可用，无法核验"
        if state == "ok" and kind in MEDIA_KINDS:
            return None
        return state, c.status, reason
    st = c.status
    if st in (404, 410):
        return "broken", st, f"HTTP {st}（抓取时）"
    if st in (401, 403, 407, 412, 451, 468):
        return "blocked", st, f"HTTP {st}：访问被拒绝或防护拦截（抓取时），未计为错链"
    if st in (408, 425, 429) or st >= 500:
        return "transient", st, f"HTTP {st}：服务器暂时无法响应（抓取时，已重试）"
    if kind in MEDIA_KINDS:
        return None  # media must be opened: signatures are not in the store
    if 200 <= st < 400:
        if c.soft404:
            return "broken", st, "软 404（抓取时页面显示不存在）"
        why = soft_404(b"", "", c.final_url, title=c.title, text_length=c.text_length)
        if why:
            return "broken", st, why + "（抓取时）"
        return "ok", st, "抓取时正常"
    if 400 <= st < 500:
        return "broken", st, f"HTTP {st}（抓取时）"
    return None


# -- verifying ---------------------------------------------------------------------------------


class _HostGate:
    """At most `per_host` requests to one host at once, checks of a host `delay` apart."""

    def __init__(self, per_host: int, delay: float) -> None:
        self.sem = asyncio.Semaphore(max(1, per_host))
        self.delay = delay
        self.next_at = 0.0
        self.lock = asyncio.Lock()

    async def wait_turn(self) -> None:
        async with self.lock:
            now = time.monotonic()
            if self.next_at > now:
                await asyncio.sleep(self.next_at - now)
            self.next_at = time.monotonic() + self.delay


@dataclass
class Answer:
    """An answer to a verification request (by httpx here, by Scrapy in crawler.crawl.verify):
    what `classify_response` judges."""

    status: int
    headers: httpx.Headers | dict[str, Any]
    body: bytes
    final_url: str
    content_type: str
    total: int | None  # Content-Length / Content-Range total when given


class _Verifier:
    def __init__(self, client: httpx.AsyncClient, *, timeout: float, retries: int, max_retry_after: float,
                 backoff: float, answered: set[str] | None = None) -> None:
        self.client = client
        self.timeout = timeout
        self.retries = retries
        self.max_retry_after = max_retry_after
        self.backoff = backoff
        # host:port that gave an HTTP answer (in the crawl or here): a refusal there is a flap
        self.answered: set[str] = answered if answered is not None else set()

    async def fetch(self, method: str, url: str, limit: int, range_bytes: int | None = None,
                    referer: str | None = None) -> Answer:
        headers = {"Range": f"bytes=0-{range_bytes - 1}"} if range_bytes else {}
        if referer and referer.startswith(("http://", "https://")):
            headers["Referer"] = referer  # as a browser would: hotlink protection is no fault

        async def go() -> Answer:
            req = self.client.build_request(method, url, headers=headers)
            resp = await self.client.send(req, stream=True)
            try:
                body = b""
                if method != "HEAD":
                    chunks = []
                    got = 0
                    async for chunk in resp.aiter_bytes():
                        chunks.append(chunk)
                        got += len(chunk)
                        if got >= limit:
                            break
                    body = b"".join(chunks)[:limit]
            finally:
                await resp.aclose()
            total = None
            cr = resp.headers.get("content-range", "")
            if "/" in cr and cr.rsplit("/", 1)[1].strip().isdigit():
                total = int(cr.rsplit("/", 1)[1])
            elif (resp.headers.get("content-length") or "").isdigit():
                total = int(resp.headers["content-length"])
            self.answered.add(_netloc(url))
            return Answer(resp.status_code, resp.headers, body, str(resp.url),
                             resp.headers.get("content-type", ""), total)

        return await asyncio.wait_for(go(), timeout=self.timeout * 2 + 5)

    async def check(self, t: _Target, gate: _HostGate) -> dict[str, Any]:
        async with gate.sem:
            await gate.wait_turn()
            budget = self.timeout * (self.retries + 1) + self.max_retry_after * self.retries + 5
            try:
                return await asyncio.wait_for(self._check(t), timeout=budget)
            except TimeoutError:
                return {"method": "GET", "state": "transient", "status": 0, "error": "timeout",
                        "reason": f"核验超时（{budget:.0f} 秒内未完成）", "content_type": "", "final_url": t.url}

    async def _check(self, t: _Target) -> dict[str, Any]:
        res: dict[str, Any] = {"method": "HEAD"}
        host = _host_of(t.url)
        if host.endswith(SPECIAL_TLDS) or host in ("invalid", "test", "example"):
            # RFC 6761 special-use names never resolve: no DNS query is needed to know
            return {**res, "method": "none", "state": "broken", "status": 0, "error": "dns",
                    "reason": "域名无法解析（保留的顶级域名，不存在）", "content_type": "", "final_url": t.url}
        ref = t.found_on[0][0] if t.found_on else None
        # 1. HEAD: enough for a non-HTML page link; a 404/405/5xx/error falls back to GET
        head, head_err = await self._head(t, ref, res)
        if head is not None:
            done = _head_result(t.kind, head, res)
            if done is not None:
                return done
        # 2. GET (streamed; a Range request for video/audio), retried when transient
        res["method"] = "GET"
        if head is not None and (head.status in (429, 503)):
            wait = _retry_after(head.headers, self.max_retry_after)
            await asyncio.sleep(wait if wait is not None else self.backoff)
        # a HEAD that timed out was the first try: a server that hangs is not waited for again and again
        attempt = 1 if head_err is not None and head_err[0] == "timeout" else 0
        return await self._get(t, ref, res, attempt)

    async def _head(self, t: _Target, ref: str | None, res: dict[str, Any]
                    ) -> tuple[Answer | None, tuple[str, str] | None]:
        """The HEAD answer, or the failure (code, reason) noted in `res` as "head_error"."""
        try:
            return await self.fetch("HEAD", t.url, 0, referer=ref), None
        except Exception as e:
            head_err = _net_error(e)
            res["head_error"] = head_err[1]
            return None, head_err

    async def _get(self, t: _Target, ref: str | None, res: dict[str, Any], attempt: int) -> dict[str, Any]:
        """GET the start of the target (a Range request for video/audio) until an answer that
        is not transient, a failure that is final, or `retries` retries (`attempt`: tries so far)."""
        rng, limit = _read_size(t)
        while True:
            failure: tuple[str, str] | None = None
            r: Answer | None = None
            try:
                r = await self.fetch("GET", t.url, limit, rng, referer=ref)
                if rng and r.status in (416, 400, 501):
                    if r.status == 416 and (r.total == 0 or "*/0" in r.headers.get("content-range", "")):
                        why = f"{KIND_CN.get(t.kind, '文件')}为空文件（0 字节）"
                        return make_result(res, "broken", r, why, media=(False, why))
                    rng = None  # the server does not do ranges: read the start of a plain GET
                    r = await self.fetch("GET", t.url, limit, None, referer=ref)
            except Exception as e:
                failure = _net_error(e)
                r = None
            if r is not None:
                state, reason, extra = self._classify(t, r)
                if state != "transient" or attempt >= self.retries:
                    res["attempts"] = attempt + 1
                    return make_result(res, state, r, _after_retries(state, reason, attempt), **extra)
                wait = _retry_after(r.headers, self.max_retry_after)
            else:
                assert failure is not None
                done = await self._failure_result(t, failure, attempt, res)
                if done is not None:
                    return done
                wait = None
            attempt += 1
            await asyncio.sleep(wait if wait is not None else min(8.0, self.backoff * (2 ** (attempt - 1))))

    async def _failure_result(self, t: _Target, failure: tuple[str, str], attempt: int, res: dict[str, Any]
                              ) -> dict[str, Any] | None:
        """The result of a request that got no answer, or None when it is to be tried again."""
        kind_err, reason = failure
        if (kind_err == "dns" and not _host_of(t.url).endswith(SPECIAL_TLDS)
                and not await asyncio.to_thread(dns_available)):
            kind_err, reason = "dns-temp", "本机无法进行域名解析（网络或 DNS 不可用），无法核验"
        if kind_err not in ("dns", "redirect-loop", "tls", REFUSED_PRIVATE) and attempt < self.retries:
            return None
        state = "broken" if kind_err in ("dns", "refused", "redirect-loop") else "transient"
        if kind_err == "refused" and _netloc(t.url) in self.answered:
            state = "transient"  # the server answered before: it is flapping, not gone
            reason = "连接被拒绝，但该服务器此前有响应（服务时断时续）"
        if kind_err == REFUSED_PRIVATE:
            state = "skipped"
        res["attempts"] = attempt + 1
        return {**res, "state": state, "status": 0, "reason": _after_retries(state, reason, attempt),
                "error": kind_err, "content_type": "", "final_url": t.url}

    def _classify(self, t: _Target, r: Answer) -> tuple[str, str, dict[str, Any]]:
        return classify_response(t.kind, t.url, r)


def _head_result(kind: str, head: Answer, res: dict[str, Any]) -> dict[str, Any] | None:
    """The result a HEAD answer settles (a wzws/jsluid challenge; a page link answering with
    something other than HTML, XML or text), or None when a GET must follow."""
    ch = detect_challenge(head.status, head.headers)
    if ch in ("wzws", "jsluid"):
        return make_result(res, "blocked", head, f"防护验证（{ch}），未计为错链", challenge=ch)
    ct = head.content_type.lower()
    if 200 <= head.status < 300 and kind in ("page", "external") and ct and "html" not in ct \
            and "xml" not in ct and not ct.startswith("text/"):
        return make_result(res, "ok", head, f"HTTP {head.status}")
    return None


def _read_size(t: _Target) -> tuple[int | None, int]:
    """(Range bytes or None, bytes read) of the GET that verifies the target."""
    if t.kind in ("video", "audio"):
        return RANGE_BYTES, RANGE_BYTES
    if t.kind == "attachment" and _ext(t.url) in TEXT_EXTS:
        return None, TEXT_ATTACHMENT_BYTES
    if t.kind in MEDIA_KINDS:
        return None, MEDIA_BYTES
    return None, PAGE_BYTES


def _after_retries(state: str, reason: str, attempt: int) -> str:
    """A transient failure's reason says how many retries it survived."""
    return reason + f"（重试 {attempt} 次后仍失败）" if state == "transient" and attempt else reason


def classify_response(kind: str, url: str, r: Answer) -> tuple[str, str, dict[str, Any]]:
    """(state, reason, extra) for the answer to a verification request (HEAD and GET alike;
    also used by the verification during the crawl, crawler.crawl.verify)."""
    st = r.status
    ch = detect_challenge(st, r.headers, r.body, r.content_type)
    if ch:
        return "blocked", f"防护验证（{ch}，HTTP {st}），未计为错链，未尝试绕过", {"challenge": ch}
    if st in (401, 403, 407, 451):
        return "blocked", f"HTTP {st}：访问被拒绝，未计为错链", {}
    if st in (404, 410):
        return "broken", f"HTTP {st}：地址不存在", {}
    if st in (408, 425, 429) or st >= 500:
        return "transient", f"HTTP {st}：服务器暂时无法响应", {}
    if 400 <= st < 500:
        return "broken", f"HTTP {st}", {}
    if st == 202 and not r.body:
        return "transient", "HTTP 202：内容未就绪", {}
    if not (200 <= st < 400):
        return "transient", f"HTTP {st}", {}
    if kind in MEDIA_KINDS:
        ok, why, fmt = media_check(kind, url, r.content_type, r.body, total=r.total)
        extra: dict[str, Any] = {"media": (ok, why)}
        if fmt:
            extra["format"] = fmt
        if kind == "attachment" and ok and (_ext(url) in TEXT_EXTS or r.content_type.lower().startswith(
                ("text/plain", "text/csv"))):
            found = pii.scan_text(_text_of(r.body, r.content_type))
            if found:
                extra["pii"] = found
        return ("ok" if ok else "broken"), (f"HTTP {st}" if ok else why), extra
    ct = r.content_type.lower()
    if not ct or "html" in ct or ct.startswith("text/"):
        soft = soft_404(r.body, r.content_type, r.final_url)
        if soft:
            return "broken", soft, {"soft_404": True}
    return "ok", f"HTTP {st}", {}


def make_result(res: dict[str, Any], state: str, r: Answer, reason: str, *,
                media: tuple[bool, str] | None = None, **extra: Any) -> dict[str, Any]:
    """A verification result: `res` (method …) with the state, reason and the answer's facts."""
    out = {**res, "state": state, "status": r.status, "reason": reason,
           "content_type": r.content_type[:100], "final_url": r.final_url, **extra}
    if media is not None:
        out["media_ok"], out["media_reason"] = media
    return out


# -- the entry point ---------------------------------------------------------------------------
def _same_check(done_as: str, kind: str) -> bool:
    """Whether a URL verified as `done_as` during the crawl needs no second check as `kind`
    (a link found as a page and later as an image is opened as an image)."""
    return done_as == kind or {done_as, kind} <= {"page", "external"}


def verify_crawl_links(
    store: CrawlStore,
    crawl_id: int,
    *,
    include_external: bool = True,
    max_links: int = crawl_defaults.GOVAUDIT_MAX_LINKS,
    per_host: int = 1,
    timeout: float = 15.0,
    retries: int = 2,
    delay: float | None = None,
    external_delay: float | None = None,
    max_retry_after: float = MAX_RETRY_AFTER,
    backoff: float = 1.0,
    budget: float | None = None,
    budget_spent: float = 0.0,
    stop: Any = None,
    progress: Any = None,
    resume: bool = False,
    reuse: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Verify every link/image/video/audio/attachment of a stored crawl; store and count the results.

    URLs the crawl fetched as pages take the crawl's answer; URLs verified during the crawl
    (GOVAUDIT_VERIFY_LINKS) take that answer; only the rest is checked here, with httpx.
    Bounds: at most `max_links` URLs (GOVAUDIT_MAX_LINKS; the URLs verified during and after
    the crawl together) and `budget` seconds (GOVAUDIT_LINK_BUDGET, also during and after the
    crawl together: `budget_spent` seconds of it went to verification during the crawl); what a bound leaves
    unverified is stored as skipped and counted in ``skipped_by_bound`` with the ``bound``
    reached. `stop` (a threading.Event) ends the verification early, keeping the results so
    far; with `resume`, URLs already verified in this crawl are not checked again. `progress`
    (crawler.runner.progress) is told the total and each URL done. `reuse` (URL → an earlier
    result, e.g. of the crawl a 复查 continues): those URLs are not requested again; their
    earlier result is stored with the places they are found on now."""
    t0 = time.monotonic()
    info = store.crawl_info(crawl_id)
    if info is None:
        raise LookupError(f"存储中没有编号为 {crawl_id} 的抓取记录")
    hosts = _host_set(info.hosts, info.start_urls)
    targets, crawled, home_page = collect(store.iter_pages(crawl_id), hosts, set(info.start_urls[:1]))
    run = _Results(store, crawl_id, _new_stats(len(targets), home_page))
    earlier = _earlier_states(store, crawl_id) if resume else {}
    during = _take_during_crawl(store, crawl_id)
    to_verify = _known_answers(run, targets, crawled, during, earlier, reuse, include_external)
    to_verify = _within_max_links(run, to_verify, max_links)
    if progress is not None:
        progress.update(total=len(to_verify), done=0)
    if to_verify:
        d_int = DEFAULT_DELAY if delay is None else delay
        d_ext = max(EXTERNAL_DELAY if external_delay is None else external_delay, d_int)
        deadline = t0 + max(0.0, budget - budget_spent) if budget else None
        results = asyncio.run(_verify_all(to_verify, per_host=per_host, timeout=timeout, retries=retries,
                                          delay=d_int, external_delay=d_ext, max_retry_after=max_retry_after,
                                          backoff=backoff, guard=NetGuard(info.start_urls),
                                          answered={_netloc(c.final_url) for c in crawled.values() if c.status},
                                          deadline=deadline, stop=stop, progress=progress))
        _emit_verified(run, to_verify, results, stop=stop, budget=budget)
    stats = run.finish()
    stats["seconds"] = round(time.monotonic() - t0, 2)
    store.set_fact(crawl_id, "link_check", {**stats, "include_external": include_external,
                                            "max_links": max_links, "budget": budget,
                                            **({"budget_spent": budget_spent} if budget else {})})
    log.info("链接核验完成：%s", {k: stats[k] for k in ("links", "ok", "broken", "blocked", "transient")})
    return stats


def _new_stats(links: int, home_page: str | None) -> dict[str, Any]:
    return {"links": links, "from_crawl": 0, "verified": 0, "skipped": 0,
            "excluded_external": 0, "ok": 0, "broken": 0, "blocked": 0, "transient": 0,
            "external": 0, "external_broken": 0, "media_checked": 0, "media_bad": 0,
            "pii_attachments": 0, "homepage": home_page or ""}


class _Results:
    """A verification's results: stored BATCH at a time, counted in `stats`."""

    def __init__(self, store: CrawlStore, crawl_id: int, stats: dict[str, Any]) -> None:
        self.store = store
        self.crawl_id = crawl_id
        self.stats = stats
        self.pending: list[dict[str, Any]] = []
        self.bounds: list[str] = []  # the bounds that left URLs unverified, in the order reached

    def emit(self, t: _Target, res: dict[str, Any]) -> None:
        out = _result_row(t, res)
        self._count(t, out)
        self.pending.append(out)
        if len(self.pending) >= BATCH:
            self.flush()

    def _count(self, t: _Target, out: dict[str, Any]) -> None:
        stats = self.stats
        state = out["state"]
        stats[state] = stats.get(state, 0) + 1
        if t.external:
            stats["external"] += 1
            if state == "broken":
                stats["external_broken"] += 1
        if "media_ok" in out:
            stats["media_checked"] += 1
            if not out["media_ok"]:
                stats["media_bad"] += 1
        if out.get("pii"):
            stats["pii_attachments"] += 1

    def flush(self) -> None:
        if self.pending:
            self.store.add_link_results(self.crawl_id, self.pending)
            self.pending.clear()

    def finish(self) -> dict[str, Any]:
        """The stats, with the bounds reached; everything emitted is stored."""
        if self.bounds:
            self.stats["bound"] = self.bounds[0]
            self.stats["bounds"] = self.bounds
        self.flush()
        return self.stats


_RESULT_FACTS = ("method", "final_url", "challenge", "media_ok", "media_reason", "format", "attempts", "error",
                 "soft_404", "pii", "head_error")


def _result_row(t: _Target, res: dict[str, Any]) -> dict[str, Any]:
    """The stored result of a target: `res` (state, status, reason …) with where it is found
    (all places for a problem, a few for a link that is ok), identifiers in URLs masked."""
    state = res["state"]
    found = t.found_on if state != "ok" else t.found_on[:MAX_FOUND_ON_OK]
    out = {"url": pii.redact_ids(t.url), "state": state, "status": int(res.get("status") or 0),
           "reason": pii.redact(str(res.get("reason") or "")), "kind": t.kind, "external": t.external,
           "content_type": res.get("content_type", ""), "homepage": t.homepage, "refs": t.refs,
           "found_on": [{"page": p, "text": x} for p, x in found],
           "source": res.get("source", "verify"),
           "checked_at": datetime.now(UTC).isoformat(timespec="seconds")}
    for k in _RESULT_FACTS:
        if k in res:
            out[k] = pii.redact_ids(res[k]) if isinstance(res[k], str) else res[k]
    if t.kind in MEDIA_KINDS and state in ("ok", "broken") and "media_ok" not in out \
            and out["source"] == "verify":
        out["media_ok"] = state == "ok"
        out["media_reason"] = out["reason"]
    return out


def _earlier_states(store: CrawlStore, crawl_id: int) -> dict[str, str]:
    """URL → state of an earlier, stopped verification of this crawl (what `resume` keeps)."""
    return {str(r.get("url")): str(r.get("state")) for r in store.iter_link_results(crawl_id)
            if r.get("state") != "skipped" and r.get("source") != "crawl" and not r.get("pending")}


def _take_during_crawl(store: CrawlStore, crawl_id: int) -> dict[str, dict[str, Any]]:
    """URL → result of the verification during the crawl (crawler.crawl.verify), taken out of
    the store: it was stored without where the URL is found, and is stored again with it."""
    during = {r["url"]: r for r in store.iter_link_results(crawl_id) if r.get("pending")}
    store.delete_link_results(crawl_id, list(during))
    return during


def _known_answers(run: _Results, targets: dict[str, _Target], crawled: dict[str, _Crawled],
                   during: dict[str, dict[str, Any]], earlier: dict[str, str],
                   reuse: dict[str, dict[str, Any]] | None, include_external: bool) -> list[_Target]:
    """Emit the targets whose result is known without a request, from the first source that
    has one: the crawl's own answer, the verification during the crawl, an earlier stopped
    verification (`earlier`: counted, already stored), an earlier run's result (`reuse`).
    Returns the rest, to verify (external targets are left out without `include_external`)."""
    from crawler.model.build import canonical_url

    run.stats["during_crawl"] = 0
    to_verify: list[_Target] = []
    for url, t in targets.items():
        if t.external and not include_external:
            run.stats["excluded_external"] += 1
            continue
        c = crawled.get(url) or crawled.get(canonical_url(url))
        if not (_crawl_answer(run, t, c) or _during_answer(run, t, during.get(url))
                or _earlier_answer(run, t, earlier) or _reused_answer(run, t, reuse)):
            to_verify.append(t)
    return to_verify


def _crawl_answer(run: _Results, t: _Target, c: _Crawled | None) -> bool:
    got = _from_crawl(c, t.kind) if c is not None else None
    if c is None or got is None:
        return False
    state, status, reason = got
    run.stats["from_crawl"] += 1
    run.emit(t, {"state": state, "status": status, "reason": reason, "content_type": c.content_type[:100],
                 "source": "crawl", "final_url": c.final_url, "method": "crawl",
                 **({"challenge": c.challenge} if c.challenge else {})})
    return True


def _during_answer(run: _Results, t: _Target, d: dict[str, Any] | None) -> bool:
    if d is None or not _same_check(str(d.get("kind")), t.kind):
        return False
    run.stats["verified"] += 1
    run.stats["during_crawl"] += 1
    run.emit(t, {k: v for k, v in d.items() if k not in ("url", "pending", "kind")})
    return True


def _earlier_answer(run: _Results, t: _Target, earlier: dict[str, str]) -> bool:
    state = earlier.get(pii.redact_ids(t.url))
    if state is None:
        return False
    run.stats["verified"] += 1
    run.stats[state] = run.stats.get(state, 0) + 1
    return True


_NOT_REUSED = ("url", "kind", "external", "homepage", "refs", "found_on", "checked_at")


def _reused_answer(run: _Results, t: _Target, reuse: dict[str, dict[str, Any]] | None) -> bool:
    if reuse is None or t.url not in reuse:
        return False
    run.stats["reused"] = run.stats.get("reused", 0) + 1
    run.emit(t, {**{k: v for k, v in reuse[t.url].items() if k not in _NOT_REUSED}, "source": "reuse"})
    return True


def _within_max_links(run: _Results, to_verify: list[_Target], max_links: int) -> list[_Target]:
    """The targets to verify, most important first, cut to `max_links` (less those verified
    during the crawl); the rest are emitted as skipped."""
    # homepage first, then media and attachments of the site, then other pages, external last
    to_verify.sort(key=lambda t: (not t.homepage, t.external, t.kind not in MEDIA_KINDS, -t.refs))
    room = max(0, max_links - run.stats["during_crawl"]) if max_links >= 0 else -1
    skipped = to_verify[room:] if room >= 0 else []
    to_verify = to_verify[:room] if room >= 0 else to_verify
    for t in skipped:
        run.emit(t, {"state": "skipped", "status": 0, "reason": f"超出核验数量上限（{max_links}），未核验",
                     "source": "none"})
    run.stats["skipped"] = len(skipped)
    if skipped:
        run.bounds.append("max_links")
    run.stats["skipped_by_bound"] = len(skipped)
    return to_verify


def _emit_verified(run: _Results, to_verify: list[_Target], results: list[dict[str, Any]], *, stop: Any,
                   budget: float | None) -> None:
    """Emit the results of the httpx checks; a target not reached (stopped, or out of time) as skipped."""
    for t, res in zip(to_verify, results):
        if not res:
            res = _not_reached(run, stop, budget)
            run.stats["skipped"] += 1
        else:
            run.stats["verified"] += 1
        run.emit(t, res)


def _not_reached(run: _Results, stop: Any, budget: float | None) -> dict[str, Any]:
    if stop is not None and stop.is_set():
        run.stats["stopped"] = True
        return {"state": "skipped", "status": 0, "reason": "核验被中止，未核验（重新运行将继续）", "source": "none"}
    if "link_budget" not in run.bounds:
        run.bounds.append("link_budget")
    run.stats["skipped_by_bound"] += 1
    return {"state": "skipped", "status": 0, "source": "none", "reason": f"超出核验时间上限（{budget:g} 秒），未核验"}


async def _verify_all(targets: list[_Target], *, per_host: int, timeout: float, retries: int, delay: float,
                      external_delay: float, max_retry_after: float, backoff: float,
                      guard: NetGuard | None = None, answered: set[str] | None = None,
                      deadline: float | None = None, stop: Any = None, progress: Any = None,
                      ) -> list[dict[str, Any]]:
    """Check targets: each host has its own queue worked by `per_host` workers (one gate per
    host: requests spaced by the host's delay), at most MAX_CONCURRENCY hosts at once.
    When `stop` is set or `deadline` (time.monotonic) passes, the checks in flight are
    cancelled; targets not reached keep an empty result."""

    def halted() -> bool:
        return (stop is not None and stop.is_set()) or (deadline is not None and time.monotonic() >= deadline)

    per_host = max(1, per_host)
    limits = httpx.Limits(max_connections=MAX_CONCURRENCY * per_host, max_keepalive_connections=16)
    results: list[dict[str, Any]] = [{} for _ in targets]
    queues: dict[str, list[int]] = {}
    for i, t in enumerate(targets):
        queues.setdefault(urlsplit(t.url).netloc.lower(), []).append(i)
    # Certificates are not verified here: whether a link leads to its content is the
    # question, and the site's certificate is judged once, by https_enabled (site
    # properties). A certificate a browser would accept through AIA fetching (a chain
    # without its intermediate, common on gov.cn sites) would otherwise mark every link.
    async with http.async_client("link-check", timeout=timeout, guard=guard, accept="*/*", verify=False,
                                 limits=limits) as client:
        v = _Verifier(client, timeout=timeout, retries=retries, max_retry_after=max_retry_after, backoff=backoff,
                      answered=set(answered or ()))
        host_slots = asyncio.Semaphore(MAX_CONCURRENCY)

        async def host_worker(idx: list[int], gate: _HostGate) -> None:
            while idx and not halted():
                i = idx.pop(0)
                t = targets[i]
                try:
                    results[i] = await v.check(t, gate)
                except Exception as e:
                    kind_err, reason = _net_error(e)
                    results[i] = {"state": "transient", "status": 0, "reason": reason, "error": kind_err}
                if progress is not None:
                    progress.advance()

        async def run_host(idx: list[int]) -> None:
            t0 = targets[idx[0]]
            gate = _HostGate(per_host, external_delay if t0.external else delay)
            async with host_slots:
                await asyncio.gather(*(host_worker(idx, gate) for _ in range(min(per_host, len(idx)))))

        everything = asyncio.ensure_future(asyncio.gather(*(run_host(idx) for idx in queues.values())))
        while not everything.done():
            await asyncio.wait({everything}, timeout=0.2)
            if not everything.done() and halted():
                everything.cancel()  # the checks in flight end now; their targets stay unverified
                try:
                    await everything
                except asyncio.CancelledError:
                    pass
        if not halted():
            everything.result()  # a bug in a worker surfaces (results are per URL otherwise)
    return results
