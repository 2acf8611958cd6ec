"""What a response is before it is parsed: headers, content type (declared or sniffed),
and WAF challenges (a challenge is a state of its own, never content; detected by
crawler.net.challenge, the one place for it)."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from crawler.net.challenge import detect_challenge

__all__ = ["HTML_TYPES", "detect_challenge", "is_html", "media_type", "normalize_headers"]

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/xhtml", "text/xhtml"})
# Content types under which servers send HTML by mistake: sniffed.
_SNIFF_TYPES = frozenset({"", "text/plain", "application/octet-stream", "application/x-httpd-php",
                          "text/x-server-parsed-html", "application/html", "text/htm"})

def normalize_headers(headers: Mapping[Any, Any] | None) -> dict[str, str]:
    """Lower-cased str → str; repeated headers (Set-Cookie) joined with newlines. Accepts
    plain dicts, Scrapy `Headers` (bytes keys, list values) and http.client messages."""
    out: dict[str, str] = {}
    if not headers:
        return out
    items: Iterable[tuple[Any, Any]]
    if hasattr(headers, "getlist") and hasattr(headers, "keys"):
        items = ((k, headers.getlist(k)) for k in headers)  # scrapy Headers
    else:
        items = headers.items()
    for k, v in items:
        key = (k.decode("latin-1") if isinstance(k, bytes) else str(k)).strip().lower()
        vals = v if isinstance(v, (list, tuple)) else [v]
        strs = [x.decode("latin-1") if isinstance(x, bytes) else str(x) for x in vals if x is not None]
        if key in out:
            out[key] += "\n" + "\n".join(strs)
        else:
            out[key] = "\n".join(strs)
    return out


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


_BINARY_MAGIC = (b"%PDF-", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"GIF8", b"\xff\xd8\xff",
                 b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b", b"ID3", b"FLV", b"OggS", b"RIFF", b"%!PS")
_HTML_SNIFF_RE = re.compile(rb"<(?:!doctype\s+html|html|head|body|meta|title|frameset|script|div|table|a\s)",
                            re.IGNORECASE)


def _is_binary(body: bytes) -> bool:
    """Binary content: a known file signature, or NUL bytes in the first KB — except a
    few stray NULs in a body that plainly starts as HTML (broken pages have them)."""
    head = body[:1024]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 text
    if head.lstrip().startswith(_BINARY_MAGIC):
        return True
    nuls = head.count(b"\x00")
    if not nuls:
        return False
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return nuls > 4 or not (start.startswith(b"<") and _HTML_SNIFF_RE.search(start) is not None)


def is_html(content_type: str, body: bytes) -> bool:
    """Whether a response is an HTML page worth parsing (declared, or sniffed when the
    server sent a vague type). Binary bodies are never HTML whatever the header says."""
    if not body or _is_binary(body):
        return False
    mt = media_type(content_type or "")
    if mt in HTML_TYPES:
        return True
    if mt in _SNIFF_TYPES:
        head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
        return head.startswith(b"<") and _HTML_SNIFF_RE.search(head) is not None
    return False


# ------------------------------------------------------------------------------------------
