"""What a response is before it is parsed: headers, content type (declared or sniffed),
and WAF challenges (a challenge is a state of its own, never content)."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

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


_SCRIPT_BLOCK_RE = re.compile(rb"<script\b.*?(?:</script\s*>|$)", re.IGNORECASE | re.DOTALL)
_TAG_RE = re.compile(rb"<[^>]*>")
_RUISHU_RE = re.compile(rb"\$_ts\s*=|window\[['\"]\$_ts['\"]\]")


def _visible_bytes(body: bytes) -> int:
    text = _TAG_RE.sub(b" ", _SCRIPT_BLOCK_RE.sub(b" ", body[:200_000]))
    return len(re.sub(rb"(?:&nbsp;|\s)+", b"", text))


def _script_only(body: bytes) -> bool:
    """A tiny page that is little more than script (a JS challenge)."""
    if len(body) > 300_000 or b"<script" not in body[:300_000].lower():
        return False
    return _visible_bytes(body) < 120 and body.lower().count(b"<a ") < 3


def detect_challenge(status: int, headers: Mapping[str, str], body: bytes) -> str | None:
    """The kind of WAF challenge a response is, or None.

    - ``"jsluid"``: HTTP 521 with a ``__jsluid`` cookie (or its ``__jsl_clearance`` script);
    - ``"wzws"``: a ``wzws_cid`` cookie (unless the body is plainly a real page), or the
      wzws challenge script;
    - ``"412-js"`` / ``"202-js"``: HTTP 412/202 whose body is a tiny obfuscated script;
    - ``"200-js"``: a 200 page that is only the Ruishu ``$_ts`` loader.
    A challenge is a state of its own, never an outage, and is never parsed as content."""
    h = {k.lower(): v for k, v in headers.items()} if headers else {}
    cookies = (h.get("set-cookie") or "").lower()
    head = body[:300_000]
    low = head.lower()
    if status == 521 and ("__jsluid" in cookies or b"__jsl_clearance" in low or _script_only(head)):
        return "jsluid"
    if b"wzwschallenge" in low or b"wzwstemplate" in low or b"wzwsquestion" in low:
        return "wzws"
    if "wzws_cid" in cookies and (status != 200 or _script_only(head) or len(head) < 2048):
        return "wzws"
    if status in (412, 202) and _script_only(head):
        return f"{status}-js"
    if status == 200 and _RUISHU_RE.search(head) and _script_only(head):
        return "200-js"
    return None


# ------------------------------------------------------------------------------------------
