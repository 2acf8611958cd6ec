"""URLs and hosts: what a start URL must look like, and when two hosts are one site.

- `check_url(url)`: a user-given site address (command line, sites.yaml, probe) — http(s)
  with a host, "/" added to a bare host; anything else raises `BadURL` with the one
  Chinese message every entry point shows.
- `host_key(host_or_url)`: hosts compare without case, trailing dot, port and a leading
  ``www.`` (``http://WWW.x.gov.cn:8080/a`` → ``x.gov.cn``): the crawl's audited-host scope
  and the link checker's "external" decision use this one rule.
- `host_of(url)`: the lower-case host name, "" when there is none or the URL is malformed.
- `endpoint(url)`: ``host:port`` with the scheme's default port — one server, for "this
  server answered before".
- `strip_fragment(url)`: the URL without surrounding white space and its ``#fragment`` —
  one link target, as the link check and the verification during the crawl key it.
"""
from __future__ import annotations

from urllib.parse import urldefrag, urlsplit

__all__ = ["BadURL", "check_url", "endpoint", "host_key", "host_of", "is_http_url", "normalize_start_url",
           "strip_fragment"]


class BadURL(ValueError):
    """A site address that is not an http(s) URL with a host."""


def check_url(url: str) -> str:
    """The address, stripped, with "/" for an empty path; `BadURL` (Chinese, one line) if invalid."""
    u = (url or "").strip()
    try:
        parts = urlsplit(u)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        raise BadURL(f"网址 “{url}” 无效（应以 http:// 或 https:// 开头，如 https://www.example.gov.cn/）")
    return u if parts.path else u + "/"


def normalize_start_url(url: str) -> str:
    """A spider start URL: "http://" added when the scheme is missing, "/" for an empty path."""
    u = url.strip()
    if "://" not in u:
        u = "http://" + u
    parts = urlsplit(u)
    if not parts.path:
        u = u + "/" if not parts.query else u
    return u


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def is_http_url(url: str) -> bool:
    return url.lower().startswith(("http://", "https://")) and bool(host_of(url))


def host_key(host: str | None) -> str:
    """Hosts compare without case, trailing dot, port and a leading ``www.``; a URL may be
    given instead of a host."""
    if not host:
        return ""
    h = host.strip().lower()
    if "://" in h:
        h = host_of(h)
    h = h.split("/", 1)[0]
    if h.startswith("["):  # [v6]:port
        h = h[1:].split("]", 1)[0]
    elif h.count(":") == 1:  # host:port (not a bare IPv6 address)
        h = h.split(":", 1)[0]
    h = h.rstrip(".")
    return h.removeprefix("www.")


def endpoint(url: str) -> str:
    """``host:port`` of a URL (default port by scheme); "" when malformed."""
    try:
        p = urlsplit(url)
        return f"{(p.hostname or '').lower()}:{p.port or (443 if p.scheme == 'https' else 80)}"
    except ValueError:
        return ""


def strip_fragment(url: str) -> str:
    """The URL stripped of white space and of its ``#fragment``; "" for none."""
    return urldefrag((url or "").strip())[0]
