"""Turn a response body into text, the way a careful browser would on a Chinese site.

Order of evidence (each declared charset must decode the body strictly, or the next step
is tried — real sites lie about their encoding):

1. a byte-order mark (UTF-8, UTF-16, UTF-32, GB18030);
2. the HTTP ``Content-Type`` charset;
3. ``<meta charset>`` / ``<meta http-equiv="Content-Type">`` / ``<?xml encoding?>`` near the top;
4. strict UTF-8;
5. GB18030 (a superset of GBK and GB2312, so every declared gbk/gb2312 is read as GB18030);
6. UTF-8 with replacement characters.

Two refinements over the plain order, both for lying sites:

- a declared GB charset loses to UTF-8 when the body is valid (non-ASCII) UTF-8: GB18030
  decodes almost any byte string without error, so a strict decode proves nothing, while
  GBK text that is also valid UTF-8 is practically non-existent;
- a declared Latin charset (ISO-8859-1, windows-1252, ASCII — the default of many Java
  servers) is only believed for pure-ASCII bodies, since it, too, never fails.
"""
from __future__ import annotations

import codecs
import re

__all__ = ["charset_from_content_type", "declared_meta_charset", "decode_body", "normalize_charset"]

# How far into the body to look for a <meta> charset declaration.
META_SCAN_BYTES = 8192

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (b"\x84\x31\x95\x33", "gb18030"),
)

_GB_ALIASES = {
    "gbk", "gb2312", "gb_2312", "gb_2312-80", "gb2312-80", "gb2312-1980", "x-gbk", "cp936",
    "ms936", "windows-936", "euc-cn", "euccn", "x-euc-cn", "csgb2312", "iso-ir-58", "chinese",
    "gb18030", "gb-18030", "gb18030-2000", "gb18030-2005", "hz-gb-2312",
}
_GB_SQUASHED = {a.replace("-", "").replace("_", "") for a in _GB_ALIASES}
_UTF8_ALIASES = {"utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8", "unicode20utf8", "utf_8"}
# Never fail to decode, so a declaration alone is no evidence.
_LATIN_ALIASES = {
    "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii",
    "windows-1252", "cp1252", "x-cp1252", "iso-8859-15", "cp819", "ibm819",
}
# Declared in an 8-bit document these mean UTF-8 (HTML spec); without a BOM we ignore them.
_WIDE = {"utf-16", "utf-16le", "utf-16be", "utf-16-le", "utf-16-be", "utf-32", "utf-32le", "utf-32be"}

_CT_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]+)", re.IGNORECASE)
_META_CHARSET_RE = re.compile(
    rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE
)
_XML_DECL_RE = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_NON_ASCII_RE = re.compile(rb"[\x80-\xff]")


def normalize_charset(name: str | None) -> str | None:
    """A Python codec name for a declared charset, or None when it is unknown/unusable.

    All GB family names map to ``gb18030``; ``utf8`` → ``utf-8``."""
    if not name:
        return None
    n = name.strip().strip("\"'").lower().replace("_", "-")
    if not n:
        return None
    if n in _GB_ALIASES or n.replace("-", "") in _GB_SQUASHED:
        return "gb18030"
    if n in _UTF8_ALIASES:
        return "utf-8"
    if n in _WIDE:
        return None
    if n in {"big5", "big5-hkscs", "x-x-big5", "cn-big5"}:
        return "big5hkscs"
    try:
        info = codecs.lookup(n)
    except LookupError:
        return None
    if info.name in ("gbk", "gb2312", "hz"):
        return "gb18030"
    if info.name.startswith(("utf-16", "utf-32")):
        return None
    return info.name


def charset_from_content_type(content_type: str | None) -> str | None:
    """The raw charset parameter of a Content-Type header value."""
    if not content_type:
        return None
    m = _CT_CHARSET_RE.search(content_type)
    return m.group(1) if m else None


def declared_meta_charset(body: bytes, limit: int = META_SCAN_BYTES) -> str | None:
    """The raw charset declared by ``<?xml encoding?>`` or a ``<meta>`` tag near the top."""
    head = body[:limit]
    m = _XML_DECL_RE.search(head)
    if m:
        return m.group(1).decode("ascii", "replace")
    m = _META_CHARSET_RE.search(head)
    if m:
        return m.group(1).decode("ascii", "replace")
    return None


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _try_declared(body: bytes, raw: str | None, has_non_ascii: bool) -> tuple[str, str] | None:
    if not raw:
        return None
    lowered = raw.strip().strip("\"'").lower()
    if lowered in _LATIN_ALIASES and has_non_ascii:
        return None  # never fails to decode, so proves nothing for non-ASCII bodies
    codec = normalize_charset(raw)
    if codec is None:
        return None
    if codec == "gb18030" and has_non_ascii:
        as_utf8 = _strict(body, "utf-8")
        if as_utf8 is not None:
            return as_utf8, "utf-8"
    text = _strict(body, codec)
    if text is None:
        return None
    return text, codec


def decode_body(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Decode ``body`` (a response body) to ``(text, encoding)``.

    ``content_type`` is the HTTP Content-Type header value (or None). The returned encoding
    is a Python codec name: ``utf-8``, ``gb18030``, ``utf-16-le`` …"""
    if not body:
        return "", "utf-8"
    for bom, codec in _BOMS:
        if body.startswith(bom):
            text = _strict(body[len(bom):], codec)
            if text is not None:
                return text, codec
            break  # a BOM that lies: carry on with the other evidence
    has_non_ascii = _NON_ASCII_RE.search(body) is not None
    if not has_non_ascii:
        # Pure ASCII decodes identically under every supported declaration.
        declared = normalize_charset(charset_from_content_type(content_type)) or normalize_charset(
            declared_meta_charset(body)
        )
        return body.decode("ascii"), declared or "utf-8"

    for raw in (charset_from_content_type(content_type), declared_meta_charset(body)):
        got = _try_declared(body, raw, has_non_ascii)
        if got is not None:
            return got
    text = _strict(body, "utf-8")
    if text is not None:
        return text, "utf-8"
    text = _strict(body, "gb18030")
    if text is not None:
        return text, "gb18030"
    return body.decode("utf-8", errors="replace"), "utf-8"
