"""Network failures: one set of codes, one Chinese label each, one classifier.

Codes (stored as `PageRecord.error`, link results' ``error``, probe results' ``error``)
and what the inspector reads (`FAILURE_CN`, `failure_label`):

  dns                      域名无法解析
  dns-temp                 域名解析暂时失败
  refused                  连接被拒绝
  timeout                  请求超时
  connection               连接中断
  tls                      证书或加密连接错误
  redirect-loop            重定向循环或次数过多
  too-large                页面过大（超过大小上限）
  bad-encoding             内容压缩编码损坏
  refused-private-address  目标为内网或本机地址，已拒绝访问 (crawler.net.guard)
  robots / ignored / cancelled / offsite / other

`classify(exc)` names the failure of any exception — httpx's, asyncio's, the socket
module's, Scrapy's and Twisted's — by the exception TYPES found in the exception, its
causes and contexts, exception groups and Twisted's ``reasons`` lists (a TLS error
inside ``ResponseNeverReceived`` is ``tls``). Only two facts are carried by message
text alone, because Scrapy gives them no type of their own: a body over DOWNLOAD_MAXSIZE
("max size") and the reason of an ``IgnoreRequest`` (robots.txt, redirections).

`describe(exc)` → (code, Chinese reason) for the collectors (link check, site
properties, probes); a certificate failure says why (证书无效：已过期 / 与域名不符 /
自签名 …). `classify_failure(failure)` is `classify` for a Twisted Failure (the crawl).
"""
from __future__ import annotations

import asyncio
import socket
import ssl
import zlib
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import httpx

from crawler.net.challenge import challenge_label
from crawler.net.guard import REFUSED as REFUSED_PRIVATE

__all__ = ["FAILURE_CN", "REFUSED_PRIVATE", "certificate_problem", "classify", "classify_failure",
           "describe", "dns_available", "failure_label", "failure_reason"]

FAILURE_CN = {
    "dns": "域名无法解析", "dns-temp": "域名解析暂时失败", "refused": "连接被拒绝", "timeout": "请求超时",
    "connection": "连接中断", "tls": "证书或加密连接错误", "redirect-loop": "重定向循环或次数过多",
    "too-large": "页面过大（超过大小上限）", "bad-encoding": "内容压缩编码损坏",
    REFUSED_PRIVATE: "目标为内网或本机地址，已拒绝访问", "robots": "robots.txt 禁止抓取", "ignored": "已跳过",
    "cancelled": "已取消", "offsite": "跳转到其他网站", "other": "网络错误",
}

# OpenSSL X509_V_ERR_* → what is wrong with the certificate
_CERT_CN = {
    9: "尚未生效", 10: "已过期", 18: "自签名", 19: "证书链含自签名证书", 20: "签发机构不受信任",
    21: "签发机构不受信任", 23: "已被吊销", 62: "与域名不符", 64: "与 IP 地址不符",
}


def failure_label(code: str | None) -> str:
    """The Chinese label of a failure code ("" for none; an unknown code is shown as 网络错误)."""
    if not code:
        return ""
    return FAILURE_CN.get(code, FAILURE_CN["other"])


def failure_reason(code: str | None, status: int | None = 0) -> str:
    """Why a page (the homepage of an unreachable site, a failed page in the report) could not
    be fetched: '域名无法解析', 'HTTP 500', a WAF challenge — never a bare code such as `dns`.
    A stored sentence (not a code) is returned as it is."""
    c = (code or "").strip()
    if c.startswith("challenge:"):
        return f"防护验证页面（{challenge_label(c.split(':', 1)[1])}），非站点故障"
    if c:
        return FAILURE_CN.get(c, FAILURE_CN["other"] if c.isascii() and " " not in c else c)
    if status:
        return f"HTTP {status}"
    return "无响应"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, its causes/contexts, exception-group members and Twisted `reasons`, each once."""
    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        x = stack.pop()
        if hasattr(x, "getTraceback") and isinstance(getattr(x, "value", None), BaseException):
            x = x.value  # a Twisted Failure (itself a BaseException in Twisted >= 24)
        if not isinstance(x, BaseException) or id(x) in seen:
            continue
        seen.add(id(x))
        yield x
        if isinstance(x, BaseExceptionGroup):
            stack.extend(x.exceptions)
        stack.extend(getattr(x, "reasons", None) or [])
        stack.extend(n for n in (x.__cause__, x.__context__) if n is not None)


@lru_cache(maxsize=1)
def _types() -> dict[str, tuple[type[BaseException], ...]]:
    """Exception types per code; Scrapy/Twisted/OpenSSL/brotli ones only when installed."""
    t: dict[str, list[type[BaseException]]] = {
        "dns": [], "refused": [ConnectionRefusedError], "timeout": [TimeoutError, asyncio.TimeoutError,
                                                                   httpx.TimeoutException],
        "tls": [ssl.SSLError, ssl.CertificateError], "redirect-loop": [httpx.TooManyRedirects],
        "bad-encoding": [zlib.error, httpx.DecodingError], "cancelled": [asyncio.CancelledError],
        "connection": [ConnectionError, httpx.NetworkError, httpx.RemoteProtocolError],
    }

    def add(code: str, module: str, *names: str) -> None:
        try:
            mod = __import__(module, fromlist=list(names))
        except ImportError:
            return
        t[code].extend(getattr(mod, n) for n in names if isinstance(getattr(mod, n, None), type))

    add("dns", "scrapy.exceptions", "CannotResolveHostError")
    add("dns", "twisted.internet.error", "DNSLookupError")
    add("refused", "scrapy.exceptions", "DownloadConnectionRefusedError")
    add("refused", "twisted.internet.error", "ConnectionRefusedError")
    add("timeout", "scrapy.exceptions", "DownloadTimeoutError")
    add("timeout", "twisted.internet.error", "TimeoutError", "TCPTimedOutError")
    add("timeout", "twisted.internet.defer", "TimeoutError")
    add("tls", "OpenSSL.SSL", "Error")
    add("tls", "twisted.internet.error", "SSLError", "CertificateError")
    add("bad-encoding", "brotli", "error")
    add("cancelled", "scrapy.exceptions", "DownloadCancelledError")
    add("cancelled", "twisted.internet.defer", "CancelledError")
    add("connection", "scrapy.exceptions", "DownloadFailedError", "ResponseDataLossError")
    add("connection", "twisted.internet.error", "ConnectionLost", "ConnectionDone", "ConnectError")
    add("connection", "twisted.web._newclient", "ResponseFailed")
    add("connection", "scrapy.core.downloader.handlers.http11", "TunnelError")
    return {k: tuple(v) for k, v in t.items()}


# the most telling first: a refusal wrapped in a "download failed" is a refusal
_ORDER = ("dns", "refused", "tls", "timeout", "redirect-loop", "bad-encoding", "cancelled", "connection")


def _ignored(exc: BaseException) -> str | None:
    try:
        from scrapy.exceptions import IgnoreRequest
    except ImportError:  # pragma: no cover - scrapy is a dependency
        return None
    if not isinstance(exc, IgnoreRequest):
        return None
    low = str(exc).lower()
    if "robots.txt" in low:
        return "robots"
    if "redirection" in low:
        return "redirect-loop"
    return "ignored"


def classify(exc: BaseException) -> str:
    """The failure code of an exception (see the module text); "other" when none fits."""
    chain = list(_chain(exc))
    for x in chain:
        reason = getattr(x, "govaudit_reason", None)  # crawler.net.guard.AddressRefused
        if isinstance(reason, str) and reason:
            return reason
    for x in chain:
        if isinstance(x, socket.gaierror):
            return "dns-temp" if x.errno == socket.EAI_AGAIN else "dns"
    types = _types()
    for code in _ORDER[:4]:  # dns, refused, tls, timeout: their types say it all
        if any(isinstance(x, types[code]) for x in chain):
            return code
    if any("max size" in str(x).lower() or "maxsize" in str(x).lower() for x in chain):
        return "too-large"  # DOWNLOAD_MAXSIZE, also while decompressing (a zip bomb)
    ignored = _ignored(exc)
    if ignored:
        return ignored
    for code in _ORDER[4:]:
        if any(isinstance(x, types[code]) for x in chain):
            return code
    return "other"


def classify_failure(failure: Any) -> str:
    """`classify` for a Twisted Failure (the crawl's errback)."""
    exc = failure.value if hasattr(failure, "getTraceback") else failure
    return classify(exc) if isinstance(exc, BaseException) else "other"


def certificate_problem(exc: BaseException) -> str | None:
    """证书无效：已过期 / 与域名不符 / 自签名 … when `exc` is a failed certificate check."""
    for x in _chain(exc):
        if isinstance(x, ssl.SSLCertVerificationError):
            what = _CERT_CN.get(int(getattr(x, "verify_code", 0) or 0))
            msg = str(getattr(x, "verify_message", "") or x)
            return f"证书无效：{what or msg[:80]}"
    return None


def describe(exc: BaseException) -> tuple[str, str]:
    """(code, Chinese reason) for a failed request of the collectors."""
    code = classify(exc)
    if code == "tls":
        return code, certificate_problem(exc) or f"{FAILURE_CN['tls']}：{str(exc)[:80]}"
    if code == "other":
        return code, f"{FAILURE_CN['other']}：{type(exc).__name__} {str(exc)[:80]}".strip()
    return code, _REASON.get(code, failure_label(code))


# the collectors' wording where it says more than the label
_REASON = {
    "dns": "域名无法解析（DNS 解析失败）", "refused": "连接被拒绝（服务器未提供服务）",
    "redirect-loop": "重定向次数过多（可能是循环重定向）", "connection": "连接中断或被重置",
    REFUSED_PRIVATE: "目标是内网、本机或链路本地地址，出于安全未连接、未核验（不计为错链）",
}


_dns_ok_cache: dict[str, bool] = {}


def dns_available() -> bool:
    """Whether this machine's resolver resolves anything at all (the root zone).

    Without a working resolver a DNS failure says nothing about the link: such links are
    reported transient, never broken."""
    if "root" in _dns_ok_cache:
        return _dns_ok_cache["root"]
    ok = False
    try:
        import dns.resolver

        r = dns.resolver.Resolver()
        r.lifetime = 4.0
        r.resolve(".", "NS")
        ok = True
    except Exception:
        ok = False
    _dns_ok_cache["root"] = ok
    return ok
