"""Facts from one fetched page: pure, offline, one lxml parse per page.

`extract_page(url, status, headers, body)` → `PageRecord`. It runs on every page of a site
(tens of thousands), so the document is parsed once with lxml and walked once
(`etree.iterwalk`); everything else works on what that walk collected, or on small
subtrees (the breadcrumb, the list region). Every string comes from a hostile site:
sizes are capped, nothing is evaluated, personal data is masked before it is kept.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree
from lxml import html as lhtml
from w3lib.url import safe_url_string

from crawler.extract.decoding import decode_body
from crawler.extract.listshapes import script_entries, source_date
from crawler.model.page import Link, ListItem, PageRecord
from crawler.text.dates import date_from_url, find_dates, parse_date
from crawler.text.pii import redact, scan_text

__all__ = [
    "HTML_TYPES",
    "detect_challenge",
    "extract_page",
    "is_html",
    "link_kind",
    "normalize_headers",
]

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/xhtml", "text/xhtml"})
# Content types under which servers send HTML by mistake: sniffed.
_SNIFF_TYPES = frozenset({"", "text/plain", "application/octet-stream", "application/x-httpd-php",
                          "text/x-server-parsed-html", "application/html", "text/htm"})

ATTACHMENT_EXTS = frozenset({
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "wps", "et", "dps", "zip", "rar", "7z",
    "txt", "csv", "ofd", "ceb", "rtf", "odt", "ods", "odp", "tar", "gz",
})
IMAGE_EXTS = frozenset({"jpg", "jpeg", "png", "gif", "bmp", "webp", "svg", "tif", "tiff", "ico"})
VIDEO_EXTS = frozenset({"mp4", "flv", "f4v", "avi", "wmv", "mov", "m3u8", "webm", "mkv", "mpg",
                        "mpeg", "3gp", "rmvb", "rm", "m4v", "swf", "asf"})
AUDIO_EXTS = frozenset({"mp3", "wav", "wma", "aac", "ogg", "oga", "m4a", "flac", "amr", "mid", "midi"})

# Caps (hostile pages)
MAX_LINKS = 3000
MAX_ITEMS = 500
MAX_PAGINATION = 1000
MAX_TEXT_LEN = 300  # one link / item text
MAX_URL_LEN = 2083  # longer "links" are dropped (Scrapy's URLLENGTH_LIMIT; no real link is longer)
MAX_META = 60
MAX_META_LEN = 1000
MAX_PII = 50
MAX_PHONES = 20

_WS_RE = re.compile(r"\s+")
_SKIP_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "title", "textarea"})
_MEDIA_PARENT = {"video": "video", "audio": "audio", "picture": "image"}


# Control characters, bidi overrides/isolates and zero-width characters: never part of a
# name or title (they hide or reorder text in a report), so dropped from every kept string.
_INVISIBLE_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def _norm(s: str | None) -> str:
    if not s:
        return ""
    return _WS_RE.sub(" ", _INVISIBLE_RE.sub("", s)).strip()


def _cap(s: str, n: int = MAX_TEXT_LEN) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


# ------------------------------------------------------------------------------------------
# headers, content type, challenges


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


def _media_type(content_type: str) -> str:
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
    mt = _media_type(content_type or "")
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
# URLs and link kinds

_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "sms:", "data:", "about:", "vbscript:", "file:",
                 "callto:", "weixin:", "wtai:", "blob:")


def _ext(path: str) -> str:
    seg = path.rsplit("/", 1)[-1]
    if "." not in seg:
        return ""
    return seg.rsplit(".", 1)[-1].lower()


_QUERY_FILE_RE = re.compile(r"\.([A-Za-z0-9]{2,5})(?:$|&)")


def link_kind(url: str, default: str = "page") -> str:
    """page | image | video | audio | attachment, from the URL's file extension (also a
    file name in the query: ``download.jsp?filename=a.pdf``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return default
    ext = _ext(parts.path)
    if not ext or ext in ("jsp", "php", "asp", "aspx", "do", "action", "cgi", "htm", "html", "shtml"):
        m = _QUERY_FILE_RE.search(parts.query) if parts.query else None
        if m:
            ext = m.group(1).lower()
    if ext in ATTACHMENT_EXTS:
        return "attachment"
    if ext in IMAGE_EXTS:
        return "image"
    if ext in VIDEO_EXTS:
        return "video"
    if ext in AUDIO_EXTS:
        return "audio"
    return default


_JSESSIONID_RE = re.compile(r";jsessionid=[^/?#;]*", re.IGNORECASE)
_SESSION_PARAM_RE = re.compile(r"(?:^|&)(?:jsessionid|phpsessid|aspsessionid\w*|sessionid)=[^&]*", re.IGNORECASE)


class _Resolver:
    def __init__(self, base: str, encoding: str) -> None:
        self.base = base
        self.encoding = encoding if encoding and not encoding.startswith("utf-16") else "utf-8"
        self.skipped: dict[str, int] = {}

    def __call__(self, href: str | None, *, count: bool = True) -> str | None:
        """An absolute http(s) URL without fragment, or None (counted by reason)."""
        if href is None:
            return None
        h = href.strip().replace("\t", "").replace("\n", "").replace("\r", "")
        if not h:
            return None
        if len(h) > MAX_URL_LEN:
            if count:
                self._skip("too-long")
            return None
        if h[0] == "#":
            if count:
                self._skip("fragment")
            return None
        low = h[:12].lower()
        if low.startswith(_SKIP_SCHEMES):
            if count:
                self._skip(low.split(":", 1)[0])
            return None
        if "\\" in h:
            h = h.replace("\\", "/")
        try:
            u = urljoin(self.base, h)
            parts = urlsplit(u)
        except ValueError:
            return None
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return None
        path, query = parts.path, parts.query
        if ";" in path:
            path = _JSESSIONID_RE.sub("", path)  # Java CMSs add the session to every link
        if query and "sess" in query.lower():
            query = _SESSION_PARAM_RE.sub("", query).strip("&")
        if parts.fragment or path is not parts.path or query is not parts.query:
            u = urlunsplit((parts.scheme, parts.netloc, path, query, ""))
        if not u.isascii() or " " in u:
            try:
                u = safe_url_string(u, encoding=self.encoding)
            except (ValueError, UnicodeError):
                return None
        try:
            if urlsplit(u).hostname is None:
                return None
        except ValueError:
            return None
        if len(u) > MAX_URL_LEN:
            if count:
                self._skip("too-long")
            return None
        return u

    def _skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1


# ------------------------------------------------------------------------------------------
# regions

_NAV_SUBSTR = ("nav", "menu", "daohang")
_NAV_PREFIX = ("dh", "lm", "sub", "left", "side")
_HEADER_TOKENS = frozenset({"header", "head", "top", "topbar", "banner", "masthead"})
_FOOTER_SUBSTR = ("foot", "bottom", "copyright", "banquan")
_CONTENT_SUBSTR = ("content", "article", "detail", "trs_editor", "custom_unionstyle", "zhengwen",
                   "trs_word", "view")
_CONTENT_TOKENS = frozenset({"zw", "main", "text", "con", "wzy", "nr"})
_CRUMB_SUBSTR = ("breadcrumb", "crumb", "position", "location", "dqwz", "curpos", "mianbao",
                 "lujing", "weizhi", "currentpath", "current-path", "curr_path")
_CRUMB_PREFIX = ("wz",)
_PAGER_RE = re.compile(r"pag(?:e|er|es|ing|ination|inator)(?!ht)|fenye|fanye|fy_|turn_?page|pagebar")
_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")


@dataclass(slots=True)
class _Marks:
    region: str | None = None
    crumb: bool = False
    pager: bool = False


def _marks(tag: str, attrib: Any) -> _Marks | None:
    """Region/breadcrumb/pager marks an element sets for its subtree (None: nothing)."""
    region: str | None = None
    if tag == "nav" or tag == "header":
        region = "nav"
    elif tag == "footer":
        region = "footer"
    elif tag in ("article", "main"):
        region = "content"
    cls = attrib.get("class")
    idv = attrib.get("id")
    if not cls and not idv:
        return _Marks(region) if region else None
    s = f"{cls or ''} {idv or ''}".lower()
    crumb = any(x in s for x in _CRUMB_SUBSTR)
    pager = _PAGER_RE.search(s) is not None
    tokens: list[str] | None = None
    if not crumb:
        tokens = _TOKEN_SPLIT.split(s)
        crumb = any(t.startswith(_CRUMB_PREFIX) and len(t) <= 6 for t in tokens)
    if region is None:
        if any(x in s for x in _FOOTER_SUBSTR):
            region = "footer"
        elif any(x in s for x in _NAV_SUBSTR):
            region = "nav"
        else:
            if tokens is None:
                tokens = _TOKEN_SPLIT.split(s)
            for t in tokens:
                if not t:
                    continue
                if t in _HEADER_TOKENS or t.startswith("header") or t.startswith(_NAV_PREFIX):
                    region = "nav"
                    break
            if region is None and (any(x in s for x in _CONTENT_SUBSTR) or any(t in _CONTENT_TOKENS for t in tokens)):
                region = "content"
    if region is None and not crumb and not pager:
        return None
    return _Marks(region, crumb, pager)


# ------------------------------------------------------------------------------------------
# the walk


@dataclass(slots=True)
class _L:
    url: str
    text: str
    kind: str
    region: str
    el: Any = None  # the source element (for list/breadcrumb membership)
    date: str | None = None  # a list entry's date read beforehand (entries without a followable link)


@dataclass
class _Walk:
    metas: list[tuple[str, str]] = field(default_factory=list)
    refresh: str | None = None
    title: str = ""
    h1: str = ""
    base: str | None = None
    links: list[_L] = field(default_factory=list)
    anchors: list[tuple[Any, _L]] = field(default_factory=list)  # <a> elements with page/attachment URLs
    text: list[str] = field(default_factory=list)
    content_chars: int = 0  # visible text outside menus, footers and links (the page's own content)
    footer_text: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    xml_scripts: list[str] = field(default_factory=list)
    crumb_els: list[Any] = field(default_factory=list)
    label_els: list[Any] = field(default_factory=list)
    pager_anchors: list[tuple[str, str, Any]] = field(default_factory=list)  # (url, text, pager el)
    has_search: bool = False
    dzjg: bool = False
    error_report: bool = False
    crumb_class_anchors: list[Any] = field(default_factory=list)  # TRS class="CurrChnlCls"
    pager_els: list[Any] = field(default_factory=list)  # pager blocks and createPageHTML scripts
    js_page_calls: list[tuple[str, int]] = field(default_factory=list)  # onclick="gotoPage(2)": (function, 2)
    frames: list[str] = field(default_factory=list)  # page <iframe>/<frame> sources outside menus and footers
    empty_marker: bool = False  # the page's own text says its list is empty ("暂无信息")
    rows: list[tuple[Any, str]] = field(default_factory=list)  # <li>/<tr>/<dd> elements and their region
    js_calls: list[tuple[Any, str, str, str]] = field(default_factory=list)  # <a onclick="f(arg)">: el, f, arg, region


_CRUMB_LABEL_RE = re.compile(
    r"(?:当前位置|所在位置|您的位置|现在的位置|当前的位置|您现在的位置|您当前的位置|当前所在位置|位置导航|您所在的位置)"
)
_SEARCH_HINT_RE = re.compile(r"search|sousuo|keyword|searchword|query|jiansuo|搜索|检索|关键字|关键词", re.IGNORECASE)
_SEARCH_NAMES = frozenset({"q", "kw", "wd", "key", "keys", "word", "words", "sw", "searchword", "keyword",
                           "keywords", "query", "searchkey", "searchtext", "qt", "title", "search"})
# a page path as a string literal in a script call: openWin('/zwgk/x.html'), go("a.jsp?id=1")
_JS_PAGE_URL_RE = re.compile(r"""['"]((?:https?://|/|\./|\.\./)?[\w\-./]*?\.(?:s?html?|jsp|php|aspx?|do)(?:\?[^'"\s]*)?)['"]""",
                             re.IGNORECASE)
_EMPTY_LIST_RE = re.compile(r"暂无(?:相关|任何)?(?:信息|数据|内容|记录|文章|文件|公开信息)|(?:没有|无)(?:相关|找到|查询到)?(?:相关)?"
                            r"(?:信息|数据|记录|内容)(?:[。！!]|$)|该栏目(?:暂无|无)")
_JS_PAGE_CALL_RE = re.compile(r"""(?:^|[^\w$.])([A-Za-z_$][\w$]{0,40})\s*\(\s*['"]?(\d{1,5})['"]?\s*\)""")
_JS_ONCLICK_URL_RE = re.compile(
    r"""(?:window\.open|location\.href\s*=|location\s*=|location\.replace|location\.assign)\s*\(?\s*['"]([^'"]+)['"]""",
    re.IGNORECASE,
)


_ROW_TAGS = frozenset({"li", "tr", "dd"})
MAX_ROWS = 3000


def _walk(root: Any, resolve: _Resolver) -> _Walk:
    w = _Walk()
    marks_stack: list[_Marks | None] = []
    region_stack: list[str] = [""]
    pager_stack: list[Any] = []
    skip_depth = 0  # inside script/style/…: text not visible
    footer_depth = 0
    head_done = False
    seen_links: set[tuple[str, str, str]] = set()

    def add_link(url: str | None, text: str, kind: str, el: Any, region: str | None = None) -> _L | None:
        if url is None or len(w.links) >= MAX_LINKS:
            return None
        reg = region if region is not None else region_stack[-1]
        key = (url, kind, reg)
        lk = _L(url, _cap(text), kind, reg, el)
        if key in seen_links:
            return lk  # still usable for list/breadcrumb detection, not stored twice
        seen_links.add(key)
        w.links.append(lk)
        return lk

    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if event == "end":
            m = marks_stack.pop()
            if m is not None:
                if m.region is not None:
                    region_stack.pop()
                    if m.region == "footer":
                        footer_depth -= 1
                if m.pager:
                    pager_stack.pop()
            if tag in _SKIP_TEXT_TAGS:
                skip_depth -= 1
            if el.tail and skip_depth == 0:
                w.text.append(el.tail)
                if region_stack[-1] in ("", "content"):
                    w.content_chars += len(el.tail.strip())
                if footer_depth:
                    w.footer_text.append(el.tail)
                if "位置" in el.tail and _CRUMB_LABEL_RE.search(el.tail):
                    p = el.getparent()
                    if p is not None:
                        w.label_els.append(p)
            continue

        tag = tag.lower()
        attrib = el.attrib
        m = _marks(tag, attrib) if (attrib or tag in ("nav", "header", "footer", "article", "main")) else None
        marks_stack.append(m)
        if m is not None:
            if m.region is not None:
                region_stack.append(m.region)
                if m.region == "footer":
                    footer_depth += 1
            if m.crumb:
                w.crumb_els.append(el)
            if m.pager:
                pager_stack.append(el)
                if len(w.pager_els) < 20:
                    w.pager_els.append(el)
        if tag in _ROW_TAGS and len(w.rows) < MAX_ROWS:
            w.rows.append((el, region_stack[-1]))
        if tag in _SKIP_TEXT_TAGS:
            skip_depth += 1
        elif skip_depth == 0 and el.text:
            w.text.append(el.text)
            if region_stack[-1] in ("", "content") and tag not in ("a", "option", "button", "label"):
                w.content_chars += len(el.text.strip())
            if footer_depth:
                w.footer_text.append(el.text)
            if "位置" in el.text and _CRUMB_LABEL_RE.search(el.text):
                w.label_els.append(el)
            if not w.empty_marker and region_stack[-1] in ("", "content") and ("无" in el.text or "没有" in el.text) \
                    and len(el.text) < 60 and _EMPTY_LIST_RE.search(el.text):
                w.empty_marker = True

        if tag == "a" or tag == "area":
            href = attrib.get("href")
            url = resolve(href) if href is not None else None
            if url is None and tag == "a":
                # javascript:/# links that open a page: onclick="window.open('…')", href="javascript:openWin('…')"
                for js in (attrib.get("onclick"), href if href and href[:11].lower() == "javascript:" else None):
                    if js:
                        mm = _JS_ONCLICK_URL_RE.search(js) or _JS_PAGE_URL_RE.search(js)
                        if mm:
                            url = resolve(mm.group(1), count=False)
                            if url is not None:
                                break
                if url is None and len(w.js_page_calls) < 200:
                    # a script pager: onclick="gotoPage(2)" (the page's own script says where page 2 is)
                    for js in (attrib.get("onclick"), href if href and href[:11].lower() == "javascript:" else None):
                        mm = _JS_PAGE_CALL_RE.search(js) if js else None
                        if mm and (pager_stack or "page" in mm.group(1).lower()):
                            w.js_page_calls.append((mm.group(1), int(mm.group(2))))
                            break
                    else:
                        # onclick="zhinan(2)", href="javascript:openDoc('123')": the page's own
                        # script may say where the call goes (resolved after the walk)
                        for js in (attrib.get("onclick"), href if href and href[:11].lower() == "javascript:" else None):
                            mm = _JS_OPEN_CALL_RE.match(js) if js else None
                            if mm and len(w.js_calls) < 500:
                                w.js_calls.append((el, mm.group(1), mm.group(3) or mm.group(4), region_stack[-1]))
                                break
            text = _norm(el.text_content()) if tag == "a" else ""
            title_attr = _norm(attrib.get("title"))
            if not text:
                text = title_attr
                if not text:
                    for img in el.iter("img"):
                        text = _norm(img.get("alt") or img.get("title"))
                        if text:
                            break
            if text and ("找错" in text):
                w.error_report = True
            if url is not None:
                kind = link_kind(url)
                if "conac.cn" in url:
                    w.dzjg = True
                if "jiucuo" in url or "zfwzgl.www.gov.cn/exposure" in url:
                    w.error_report = True
                if kind == "page" and ("search" in url.lower() or text in ("搜索", "高级搜索", "高级检索", "站内搜索")):
                    w.has_search = True
                lk = add_link(url, text, kind, el)
                if lk is not None and tag == "a":
                    if kind in ("page", "attachment"):
                        w.anchors.append((el, lk))
                    if pager_stack:
                        w.pager_anchors.append((url, text, pager_stack[-1]))
                    elif text in _PAGER_WORDS_ANYWHERE:
                        w.pager_anchors.append((url, text, None))
                    cls = attrib.get("class")
                    if cls and "CurrChnlCls" in cls:
                        w.crumb_class_anchors.append(el)
        elif tag == "img":
            src = attrib.get("src")
            if not src or src.startswith("data:"):
                src = attrib.get("data-src") or attrib.get("data-original") or attrib.get("original") or src
            url = resolve(src, count=False)
            alt = _norm(attrib.get("alt") or attrib.get("title"))
            if url is not None:
                add_link(url, alt, "image", el)
                if "conac.cn" in url:
                    w.dzjg = True
                if "jiucuo" in url:
                    w.error_report = True
            if alt:
                if "党政机关" in alt:
                    w.dzjg = True
                if "找错" in alt:
                    w.error_report = True
        elif tag in ("video", "audio", "source", "embed", "track"):
            src = attrib.get("src")
            url = resolve(src, count=False)
            if url is not None and tag != "track":
                if tag == "source":
                    parent = el.getparent()
                    ptag = parent.tag.lower() if parent is not None and isinstance(parent.tag, str) else ""
                    kind = _MEDIA_PARENT.get(ptag) or link_kind(url, "video")
                elif tag == "embed":
                    kind = link_kind(url, "video")
                    if kind == "page":
                        kind = "video"
                else:
                    kind = tag
                add_link(url, _norm(attrib.get("title")), kind, el)
            if tag == "video":
                poster = resolve(attrib.get("poster"), count=False)
                if poster:
                    add_link(poster, "", "image", el)
        elif tag == "object":
            url = resolve(attrib.get("data"), count=False)
            if url is not None:
                k = link_kind(url, "video")
                add_link(url, "", "video" if k == "page" else k, el)
        elif tag == "param":
            if (attrib.get("name") or "").lower() in ("movie", "src", "url", "filename", "file"):
                val = attrib.get("value") or ""
                url = resolve(val.split("?file=")[-1] if "?file=" in val else val, count=False)
                if url is not None:
                    k = link_kind(url, "video")
                    add_link(url, "", "video" if k == "page" else k, el)
        elif tag in ("iframe", "frame"):
            url = resolve(attrib.get("src"), count=False)
            if url is not None:
                kind = link_kind(url)
                add_link(url, _norm(attrib.get("title") or attrib.get("name")), kind, el)
                if kind == "page" and region_stack[-1] in ("", "content") and len(w.frames) < 5:
                    w.frames.append(url)
        elif tag == "option":
            val = attrib.get("value")
            if val and val.startswith(("http://", "https://", "/", "./", "../", "www.")):
                sel = el.getparent()
                while sel is not None and isinstance(sel.tag, str) and sel.tag.lower() == "optgroup":
                    sel = sel.getparent()
                if sel is not None and (sel.get("onchange") or val.startswith("http")):
                    url = resolve("http://" + val if val.startswith("www.") else val, count=False)
                    if url is not None:
                        add_link(url, _norm(el.text_content()), link_kind(url), el, region="nav")
        elif tag == "script":
            src = attrib.get("src")
            if src:
                s = src.lower()
                if "conac.cn" in s:
                    w.dzjg = True
                if "jiucuo" in s or "zfwzgl.www.gov.cn/exposure" in s:
                    w.error_report = True
            else:
                t = el.text
                if t:
                    typ = (attrib.get("type") or "").lower()
                    if "xml" in typ or "<datastore" in t[:200]:
                        w.xml_scripts.append(t)
                    else:
                        w.scripts.append(t)
                        if "createPageHTML" in t and len(w.pager_els) < 20:
                            w.pager_els.append(el)
            if (attrib.get("id") or "") == "_jiucuo_":
                w.error_report = True
        elif tag == "meta":
            name = attrib.get("name")
            content = attrib.get("content")
            if name and content is not None and len(w.metas) < MAX_META:
                w.metas.append((name.strip(), _norm(content)[:MAX_META_LEN]))
            else:
                he = (attrib.get("http-equiv") or "").strip().lower()
                if he == "refresh" and content and w.refresh is None:
                    w.refresh = content
        elif tag == "title":
            if not w.title and not head_done:
                w.title = _norm(el.text_content())
        elif tag == "base":
            if w.base is None and attrib.get("href"):
                w.base = attrib.get("href")
                newbase = resolve(w.base, count=False)
                if newbase:
                    resolve.base = newbase
        elif tag == "h1":
            if not w.h1:
                w.h1 = _norm(el.text_content())
        elif tag == "body":
            head_done = True
        elif tag == "form":
            action = attrib.get("action") or ""
            if _SEARCH_HINT_RE.search(action) or _SEARCH_HINT_RE.search(attrib.get("name") or "") or \
                    _SEARCH_HINT_RE.search(attrib.get("id") or ""):
                w.has_search = True
        elif tag == "input":
            typ = (attrib.get("type") or "text").lower()
            if typ in ("text", "search"):
                name = (attrib.get("name") or "").lower()
                hint = " ".join(filter(None, (attrib.get("id"), attrib.get("class"), attrib.get("placeholder"),
                                              attrib.get("value"), attrib.get("title"))))
                if name in _SEARCH_NAMES or _SEARCH_HINT_RE.search(name) or (hint and _SEARCH_HINT_RE.search(hint)):
                    w.has_search = True
        elif tag in ("span", "div") and (attrib.get("id") or "") == "_ideConac":
            w.dzjg = True
    return w


# ------------------------------------------------------------------------------------------
# breadcrumb

_CRUMB_SEP_MAIN_RE = re.compile(r"\s*(?:>+|＞+|»|›|→|＞|>>|〉|》)\s*")
_CRUMB_SEP_WEAK_RE = re.compile(r"\s*(?:/|\||-|—|－|·)\s*")
_CRUMB_LABEL_PREFIX_RE = re.compile(
    r"^.*?(?:位置|导航)\s*(?:是|为)?\s*[:：]?\s*"
)
_CRUMB_STRIP = " \u3000\xa0:：>»›→＞|/-·"


def _crumb_segments(container: Any) -> tuple[list[str], list[Any]]:
    """(names, anchor elements) of a breadcrumb container."""
    tokens: list[tuple[str, str]] = []  # ("a"|"t", text)
    anchors: list[Any] = []
    in_a = 0
    skip = 0
    for event, el in etree.iterwalk(container, events=("start", "end")):
        tag = el.tag
        if not isinstance(tag, str):
            continue
        tag = tag.lower()
        if event == "start":
            if tag in _SKIP_TEXT_TAGS:
                skip += 1
                continue
            if tag == "a":
                if in_a == 0:
                    t = _norm(el.text_content()) or _norm(el.get("title"))
                    tokens.append(("a", t))
                    anchors.append(el)
                in_a += 1
            elif in_a == 0 and skip == 0 and el.text:
                tokens.append(("t", el.text))
        else:
            if tag in _SKIP_TEXT_TAGS:
                skip -= 1
            elif tag == "a":
                in_a -= 1
            if el is not container and in_a == 0 and skip == 0 and el.tail:
                tokens.append(("t", el.tail))
    # drop everything up to and including the label
    label_at = -1
    for i, (k, t) in enumerate(tokens):
        if k == "t" and _CRUMB_LABEL_RE.search(t):
            label_at = i
            break
    if label_at >= 0:
        k, t = tokens[label_at]
        rest = _CRUMB_LABEL_PREFIX_RE.sub("", _norm(t), count=1)
        tokens = tokens[label_at + 1:]
        if rest:
            tokens.insert(0, ("t", rest))
    joined_text = " ".join(t for k, t in tokens if k == "t")
    main = _CRUMB_SEP_MAIN_RE.search(joined_text) is not None
    has_links = any(k == "a" for k, _ in tokens)
    names: list[str] = []
    for k, t in tokens:
        if k == "a":
            name = t.strip(_CRUMB_STRIP)
            if name:
                names.append(name)
            continue
        t = _norm(t)
        if not t:
            continue
        if main:
            parts = _CRUMB_SEP_MAIN_RE.split(t)
        elif has_links:
            # between links: separators only; a weak separator can still stand alone
            parts = _CRUMB_SEP_WEAK_RE.split(t) if _CRUMB_SEP_WEAK_RE.fullmatch(t) is None else []
        else:
            parts = _CRUMB_SEP_WEAK_RE.split(t)
        for p in parts:
            p = p.strip(_CRUMB_STRIP)
            if p:
                names.append(p)
    return names, anchors


def _find_breadcrumb(w: _Walk) -> tuple[list[str], set[Any]]:
    candidates: list[Any] = []
    seen: set[Any] = set()

    def push(el: Any) -> None:
        if el is not None and el not in seen:
            seen.add(el)
            candidates.append(el)

    for el in w.label_els[:5]:
        # the label may sit in its own <span>: climb (a little) to the container of the links
        node, found = el, el
        for _ in range(3):
            if node is None:
                break
            if next(node.iter("a"), None) is not None or _CRUMB_SEP_MAIN_RE.search(_norm(node.text_content())):
                found = node
                break
            node = node.getparent()
        push(found)
    for el in w.crumb_els[:10]:
        push(el)
    if w.crumb_class_anchors:
        push(w.crumb_class_anchors[0].getparent())
    for el in candidates:
        try:
            text = _norm(el.text_content())
        except ValueError:
            continue
        if not text or len(text) > 400:
            continue
        has_label = _CRUMB_LABEL_RE.search(text) is not None
        names, anchors = _crumb_segments(el)
        if not names or len(names) > 15:
            continue
        if not has_label and len(names) < 2 and not (names and names[0] in ("首页", "网站首页", "主页")):
            continue
        if not has_label and not anchors and not _CRUMB_SEP_MAIN_RE.search(text):
            continue
        names = [_cap(n, 100) for n in names]
        return names, set(anchors)
    return [], set()


# ------------------------------------------------------------------------------------------
# list region

_CONTAINER_TAGS = frozenset({"ul", "ol", "table", "tbody", "div", "dl", "section", "form", "td", "article",
                             "main", "center", "span"})
_NOT_TITLES = frozenset({"更多", "更多>>", "more", "more>>", "首页", "上一页", "下一页", "尾页", "末页", "查看更多",
                         "详细", "详情", "阅读全文", "全文", ">>", "<<"})
_BULLETS = " \u3000\xa0·•●◆■□▪▶►>-—"
_PAGER_WORDS = frozenset({"下一页", "下页", "后一页", "上一页", "上页", "前一页", "尾页", "末页", "最后一页",
                          "最末页", "首页", "第一页", "next", "prev", "previous", "last", "first", ">", ">>",
                          "<", "<<", "»", "«", "›", "‹", "下一页>", "<上一页", "下一页>>", "<<上一页"})
_PAGER_WORDS_ANYWHERE = frozenset({"下一页", "下页", "后一页", "尾页", "末页", "最后一页", "最末页", "上一页",
                                   "上页", "前一页", "下一页>", "下一页>>", "<上一页", "<<上一页"})


def _title_of(el: Any, lk: _L) -> str:
    """The item title an anchor gives: its title attribute when the text is truncated or
    shorter, else the longest text piece (the date may share the anchor)."""
    t_attr = _norm(el.get("title"))
    pieces = [p for p in (_norm(x) for x in el.itertext()) if p]
    text = max(pieces, key=len) if len(pieces) > 1 else (pieces[0] if pieces else "")
    if t_attr and (len(t_attr) >= len(text) or text.endswith(("...", "…", "..")) or not text):
        text = t_attr
    return _cap(text.strip(_BULLETS))


def _title_like(title: str) -> bool:
    if len(title) < 4 or title.lower() in _NOT_TITLES:
        return False
    return any(ch.isalpha() for ch in title)


def _text_outside(entry: Any, anchor: Any) -> str:
    """Entry text without the anchor's own text (whose words may contain dates)."""
    if entry is anchor:
        # bare <a> lists: the date follows the anchor up to the next link or <br>
        after = [anchor.tail or ""]
        sib = anchor.getnext()
        n = 0
        while sib is not None and n < 4:
            if not isinstance(sib.tag, str):
                sib = sib.getnext()
                continue
            stag = sib.tag.lower()
            if stag in ("a", "br", "li", "tr", "p", "div") or next(sib.iter("a"), None) is not None:
                break
            after.append(sib.text_content() or "")
            after.append(sib.tail or "")
            sib = sib.getnext()
            n += 1
        return " ".join(after)
    inside = set(anchor.iter())
    parts: list[str] = []
    for node in entry.iter():
        if node in inside:
            if node is anchor and node.tail:
                parts.append(node.tail)
            continue
        if node.text:
            parts.append(node.text)
        if node is not entry and node.tail:
            parts.append(node.tail)
    return " ".join(parts)


def _best_date(text: str) -> str | None:
    ds = find_dates(text)
    full = [d for d in ds if not d.startswith("--")]
    if full:
        return max(full)
    return ds[0] if ds else None


def _entry_date(entry: Any, anchor: Any, title: str, url: str) -> str | None:
    d = _best_date(_text_outside(entry, anchor))
    if d is None:
        # a date inside the anchor, beside the title (<a><span>标题</span><span>日期</span></a>)
        rest = " ".join(p for p in (_norm(x) for x in anchor.itertext()) if p and p != title)
        d = _best_date(rest) if rest else None
    from_url = date_from_url(url)
    if d is None:
        return from_url
    if d.startswith("--") and from_url and from_url[4:] == d[1:]:
        return from_url
    return d


@dataclass
class _Entry:
    el: Any
    anchor: Any
    link: _L
    title: str
    date: str | None = None


def _page_dir(url: str) -> str:
    try:
        p = urlsplit(url)
    except ValueError:
        return ""
    path = p.path if p.path.endswith("/") else p.path.rsplit("/", 1)[0] + "/"
    return f"{p.netloc.lower()}{path}"


def _under(url: str, prefix: str) -> bool:
    try:
        p = urlsplit(url)
    except ValueError:
        return False
    return f"{p.netloc.lower()}{p.path}".startswith(prefix)


DEAD = "dead"  # the kind of a list entry a person reads but cannot open
_NOT_ENTRY_RE = re.compile(r"今天|今日|星期|欢迎")


def _dead_anchors(w: _Walk, page_url: str) -> list[tuple[Any, _L]]:
    """Entries a person reads as a dated list but cannot follow: a row (<li>, <tr>, <dd>) with
    a title and a date and no followable link — `<a href="javascript:;">`, `onclick=…`, an
    `<a>` without href, or plain text. Each gets a pseudo URL (the page's own, with an
    "#entry-N" fragment) and kind DEAD; it is never crawled nor link-checked."""
    if not w.rows:
        return []
    followable = {a for a, _ in w.anchors}
    base = page_url.split("#", 1)[0]
    out: list[tuple[Any, _L]] = []
    for row, region in w.rows:
        if region in ("nav", "footer", "breadcrumb"):
            continue
        best: tuple[Any, str] | None = None
        nested = False
        for el in row.iter():
            if el is not row and isinstance(el.tag, str):
                tag = el.tag.lower()
                if tag in _ROW_TAGS:
                    nested = True
                    break
                if el in followable:
                    nested = True
                    break
                if tag in _SKIP_TEXT_TAGS:
                    continue
            piece = _norm(el.text) if isinstance(el.tag, str) else ""
            if el is not row and isinstance(el.tag, str) and el.tag.lower() == "a" and not piece:
                piece = _norm(el.text_content()) or _norm(el.get("title"))
            piece = piece.strip(_BULLETS)
            if len(piece) >= 6 and (best is None or len(piece) > len(best[1])) and not find_dates(piece):
                best = (el, piece)
        if nested or best is None:
            continue
        el, title = best
        if not _title_like(title):
            continue
        text = _norm(row.text_content())
        if len(text) > 400 or _NOT_ENTRY_RE.search(text):
            continue
        d = _best_date(text.replace(title, " "))
        if d is None:
            continue
        lk = _L(f"{base}#entry-{len(out) + 1}", _cap(title), DEAD, region or "list", el, d)
        out.append((el, lk))
        if len(out) >= MAX_ITEMS:
            break
    return out


def _score_lists(anchors: list[tuple[Any, _L]], article: bool, page_url: str = "",
                 pager_els: list[Any] | None = None) -> list[tuple[float, Any, list[_Entry]]]:
    """Candidate list containers, best first: (score, container, good entries).

    A container scores by its entries (one title link each), more for dated entries and
    long titles; nav/sidebar regions count half. Two signals pick the column's own list
    over sidebars ("热点信息", "最新公开"): entries under the page's directory, and the
    pager sitting beside (or inside) the list."""
    page_dir = _page_dir(page_url) if page_url else ""
    local_dir = page_dir if page_dir.count("/") > 1 else ""  # the site root says nothing
    pager_near: set[Any] = set()
    for p in pager_els or ():
        node = p
        for _ in range(4):
            node = node.getparent()
            if node is None:
                break
            pager_near.add(node)
    titles: dict[Any, str] = {}
    groups: dict[Any, dict[Any, list[Any]]] = {}
    link_of: dict[Any, _L] = {}
    for a, lk in anchors:
        if lk.region == "breadcrumb":
            continue
        t = lk.text if lk.kind == DEAD else _title_of(a, lk)
        if not _title_like(t):
            continue
        titles[a] = t
        link_of[a] = lk
        child, parent = a, a.getparent()
        for _ in range(6):
            if parent is None or not isinstance(parent.tag, str):
                break
            ptag = parent.tag.lower()
            if ptag in _CONTAINER_TAGS:
                groups.setdefault(parent, {}).setdefault(child, []).append(a)
            if ptag in ("body", "html"):
                break
            child, parent = parent, parent.getparent()
    scored: list[tuple[float, Any, list[_Entry]]] = []
    locals_of: dict[Any, int] = {}
    has_own = False
    for container, entries in groups.items():
        if len(entries) < 1:
            continue
        tag_count: dict[str, int] = {}
        for child in entries:
            ct = child.tag.lower() if isinstance(child.tag, str) else ""
            tag_count[ct] = tag_count.get(ct, 0) + 1
        main_tag = max(tag_count, key=lambda k: tag_count[k])
        good: list[_Entry] = []
        for child, anchs in entries.items():
            ct = child.tag.lower() if isinstance(child.tag, str) else ""
            if ct != main_tag:
                continue
            urls = {link_of[a].url for a in anchs}
            best = max(anchs, key=lambda a: len(titles[a]))
            if len(urls) > 1:
                others = [titles[a] for a in anchs if link_of[a].url != link_of[best].url]
                if len(urls) > 2 or any(len(o) > 8 or len(o) * 2 > len(titles[best]) for o in others):
                    continue
            good.append(_Entry(child, best, link_of[best], titles[best]))
        if not good:
            continue
        n = len(good)
        for e in good:
            e.date = e.link.date or _entry_date(e.el, e.anchor, e.title, e.link.url)
        dated = sum(1 for e in good if e.date)
        avg = sum(len(e.title) for e in good) / n
        if n == 1 and (not good[0].date or article or container.tag.lower() not in ("ul", "ol", "table", "tbody", "dl")):
            continue
        if not (dated >= max(1, n * 0.5) or avg >= 10):
            continue
        if avg < 6 and sum(1 for e in good if e.date and e.date != date_from_url(e.link.url)) < max(1, n * 0.5):
            continue  # a row of short links (网站声明 | 联系我们) dated only by their URLs is no document list
        score = sum(1 + (1.5 if e.date else 0) + (0.5 if len(e.title) >= 12 else 0) for e in good)
        navish = sum(1 for e in good if e.link.region in ("nav", "footer"))
        if navish * 2 > n:
            score *= 0.5
        n_local = sum(1 for e in good if _under(e.link.url, local_dir)) if local_dir else 0
        if local_dir:
            score *= 1 + n_local / n
            if dated and n_local * 2 >= n:
                has_own = True
        if pager_near and (container in pager_near or container.getparent() in pager_near):
            score *= 1.5
        scored.append((score, container, good))
        locals_of[container] = n_local
    if has_own:
        # a dated list mostly below the page's own directory is the column's list: a box of
        # other columns' items (最新动态, 热点信息), however long, is not
        scored = [t for t in scored if locals_of[t[1]]]
    scored.sort(key=lambda x: -x[0])
    return scored


def _merge_siblings(best: tuple[float, Any, list[_Entry]],
                    scored: list[tuple[float, Any, list[_Entry]]]) -> list[_Entry]:
    """Lists split into several sibling <ul class="x"> blocks (every 5 items) are one list."""
    _, container, entries = best
    parent = container.getparent()
    if parent is None:
        return entries
    same = {c: e for _, c, e in scored
            if c is not container and c.getparent() is parent and c.tag == container.tag
            and c.get("class") == container.get("class")}
    if not same:
        return entries
    out: list[_Entry] = []
    for child in parent:
        if child is container:
            out.extend(entries)
        elif child in same:
            out.extend(same[child])
    return out


_DATASTORE_RECORD_RE = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL | re.IGNORECASE)
_HANWEB_COL_RE = re.compile(r"/col/col(\d+)/")
_TOTAL_RECORD_RE = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.IGNORECASE)


def _datastore_entries(w: _Walk, resolve: _Resolver, page_url: str = "") -> tuple[list[_Entry], int | None, bool]:
    """Hanweb (大汉) lists: the entries are CDATA records in <script type="text/xml">.

    The third value says the records are the page's own column list: a datastore whose
    <nextgroup> names the page's column (columnid=NNN on /col/colNNN/), even when empty."""
    records: list[str] = []
    total: int | None = None
    m = _HANWEB_COL_RE.search(page_url)
    own = [s for s in w.xml_scripts if m and re.search(rf"columnid={m.group(1)}(?!\d)", s)] if m else []
    for s in own or w.xml_scripts:
        records.extend(_DATASTORE_RECORD_RE.findall(s))
        mt = _TOTAL_RECORD_RE.search(s)
        if mt:
            total = int(mt.group(1))
    if not records:
        return [], total, bool(own)
    try:
        frag = lhtml.fragment_fromstring("".join(records[:MAX_ITEMS]), create_parent="div")
    except (etree.ParserError, ValueError):
        return [], total, bool(own)
    entries: list[_Entry] = []
    for rec in frag:
        if not isinstance(rec.tag, str):
            continue
        best = None
        for a in ([rec] if rec.tag.lower() == "a" else rec.iter("a")):
            url = resolve(a.get("href"), count=False)
            if url is None:
                continue
            lk = _L(url, _cap(_norm(a.text_content()) or _norm(a.get("title"))), link_kind(url), "list", a)
            t = _title_of(a, lk)
            if _title_like(t) and (best is None or len(t) > len(best[2])):
                best = (a, lk, t)
        if best is None:
            continue
        a, lk, t = best
        entries.append(_Entry(rec, a, lk, t, _entry_date(rec, a, t, lk.url)))
    return entries, total, bool(own)


# ------------------------------------------------------------------------------------------
# pagination, forwards

_CREATE_PAGE_RE = re.compile(r"(?<![\w.])(?<!function )createPageHTML\s*\(([^()]*)\)")
_NUM_RE = re.compile(r"^\d+$")
_PAGE_PARAM_RE = re.compile(r"(?:^|[?&])(?:page|pageno|pageindex|pagenum|currentpage|curpage|p|pn|pageNo|pageIndex|"
                            r"cpage|page_no|start)=\d+", re.IGNORECASE)
_INDEX_N_RE = re.compile(r"_(\d+)\.(s?html?|jsp|php|aspx?)$", re.IGNORECASE)


def _js_value(name: str, scripts: str) -> str | None:
    m = re.search(rf"\b{re.escape(name)}\s*=\s*[\"']?([\w.\-]+)[\"']?\s*[;,\n]", scripts)
    return m.group(1) if m else None


def _trs_pagination(url: str, scripts: list[str]) -> list[str]:
    out: list[str] = []
    joined: str | None = None
    for s in scripts:
        if "createPageHTML" not in s:
            continue
        for m in _CREATE_PAGE_RE.finditer(s):
            raw = [a.strip().strip("\"'").strip() for a in m.group(1).split(",")]
            if len(raw) < 4:
                continue
            vals: list[str] = []
            for a in raw:
                if a and not _NUM_RE.match(a) and re.fullmatch(r"[A-Za-z_$][\w$]*", a):
                    if joined is None:
                        joined = "\n".join(scripts)
                    v = _js_value(a, joined)
                    if v is None and a.lower() in ("m_npagecount", "countpage", "pagecount"):
                        rc, ps = _js_value("m_nRecordCount", joined), _js_value("m_nPageSize", joined)
                        if rc and ps and rc.isdigit() and ps.isdigit() and int(ps) > 0:
                            v = str(-(-int(rc) // int(ps)))
                    vals.append(v if v is not None else a)
                else:
                    vals.append(a)
            # createPageHTML('page_div', 5, 1, 'index', 'html', 66): a leading div id
            if not _NUM_RE.match(vals[0]) and len(vals) >= 5 and _NUM_RE.match(vals[1]):
                vals = vals[1:]
            if not (_NUM_RE.match(vals[0]) and _NUM_RE.match(vals[1])):
                continue
            count, current = int(vals[0]), int(vals[1])
            prefix, suffix = vals[2] or "index", vals[3] or "html"
            if not re.fullmatch(r"[\w.\-]+", prefix) or not re.fullmatch(r"[A-Za-z0-9]+", suffix):
                continue
            count = min(count, MAX_PAGINATION)
            for i in range(count):
                if i == current:
                    continue
                name = f"{prefix}.{suffix}" if i == 0 else f"{prefix}_{i}.{suffix}"
                out.append(urljoin(url, name))
            return out
    return out


def _small_pager(el: Any, cache: dict[Any, bool]) -> bool:
    """A pager is a small block; a class like "page" on a page-wide wrapper is not one."""
    ok = cache.get(el)
    if ok is None:
        n_links = sum(1 for _ in el.iter("a"))
        ok = n_links <= 40 and len(_norm(el.text_content())) <= 600
        cache[el] = ok
    return ok


def _pager_urls(url: str, w: _Walk) -> list[str]:
    out: list[str] = []
    cache: dict[Any, bool] = {}
    for u, text, pager in w.pager_anchors:
        t = text.strip().lower()
        if pager is None:
            if t in _PAGER_WORDS_ANYWHERE:
                out.append(u)
        elif (t in _PAGER_WORDS or _NUM_RE.match(t)) and _small_pager(pager, cache):
            out.append(u)
    # numbered siblings of this list page outside a recognised pager (index_3.html, ?page=3)
    try:
        cur = urlsplit(url)
    except ValueError:
        return out
    cur_dir = cur.path.rsplit("/", 1)[0]
    for lk in w.links:
        if lk.kind != "page" or not _NUM_RE.match(lk.text.strip()):
            continue
        try:
            p = urlsplit(lk.url)
        except ValueError:
            continue
        if p.netloc != cur.netloc:
            continue
        if (p.path.rsplit("/", 1)[0] == cur_dir and _INDEX_N_RE.search(p.path)) or \
                (p.path == cur.path and p.query and _PAGE_PARAM_RE.search("?" + p.query)):
            out.append(lk.url)
    return out


_JS_FUNC_RE_T = r"""(?:function\s+{name}\s*\(\s*([A-Za-z_$][\w$]*)[^)]*\)|\b{name}\s*=\s*function\s*\(\s*([A-Za-z_$][\w$]*)[^)]*\))\s*\{{"""
_JS_LITERAL_HREF_RE = re.compile(
    r"""(?:location(?:\s*\.\s*href)?\s*=|location\s*\.\s*(?:replace|assign)\s*\(|window\.open\s*\()\s*(["'])([^"'\n]{1,300})\1(?!\s*\+)""")


_JS_OPEN_CALL_RE = re.compile(
    r"""\s*(?:javascript:\s*)?(?:return\s+)?([A-Za-z_$][\w$]{0,40})\s*\(\s*(?:(["'])([^"'<>\s]{1,80})\2|(\d{1,12}))\s*\)\s*;?\s*(?:return\s+false\s*;?)?\s*$""")


def _js_call_links(w: _Walk, resolve: _Resolver) -> list[tuple[Any, _L]]:
    """Links behind onclick="f(arg)" calls whose function, in the page's own script, opens a
    literal URL joined with its argument: `function zhinan(id){ location.href = 'x?id=' + id }`."""
    if not w.js_calls or not w.scripts:
        return []
    joined = "\n".join(w.scripts)[:500_000]
    templates: dict[str, tuple[str, str] | None] = {}
    out: list[tuple[Any, _L]] = []
    for el, name, arg, region in w.js_calls:
        if name not in templates:
            templates[name] = None
            m = re.search(_JS_FUNC_RE_T.format(name=re.escape(name)), joined)
            if m:
                param = m.group(1) or m.group(2)
                body = joined[m.end(): m.end() + 600]
                t = re.search(r"""(?:location(?:\s*\.\s*href)?\s*=|location\s*\.\s*(?:replace|assign)\s*\(|"""
                              r"""window\.open\s*\()\s*(["'])([^"'\s<>]{0,200})\1\s*\+\s*""" + re.escape(param) +
                              r"""\b(?:\s*\+\s*(["'])([^"'\s<>]{0,100})\3)?""", body)
                if t:
                    templates[name] = (t.group(2), t.group(4) or "")
        tpl = templates[name]
        if tpl is None:
            continue
        u = resolve(tpl[0] + arg + tpl[1], count=False)
        if u is None:
            continue
        lk = _L(u, _cap(_norm(el.text_content()) or _norm(el.get("title"))), link_kind(u), region, el)
        if len(w.links) < MAX_LINKS:
            w.links.append(lk)
        if lk.kind in ("page", "attachment"):
            out.append((el, lk))
    return out


def _js_page_urls(w: _Walk, resolve: _Resolver) -> list[str]:
    """Pages a script pager leads to: onclick="gotoPage(3)" where the page's own script has
    `function gotoPage(n){ location.href = "index_" + (n-1) + ".html" }` (a literal URL
    in the same function serves the page the template cannot: n-1 == 0 → "index.html")."""
    if not w.js_page_calls or not w.scripts:
        return []
    joined: str | None = None
    out: list[str] = []
    for name in dict.fromkeys(n for n, _ in w.js_page_calls):
        if joined is None:
            joined = "\n".join(w.scripts)[:500_000]
        m = re.search(_JS_FUNC_RE_T.format(name=re.escape(name)), joined)
        if not m:
            continue
        param = m.group(1) or m.group(2)
        body = joined[m.end(): m.end() + 2000]
        depth, end = 1, len(body)
        for i, ch in enumerate(body):
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    end = i
                    break
        body = body[:end]
        t = re.search(r"""(["'])([^"'\s<>]{0,200})\1\s*\+\s*\(?\s*""" + re.escape(param) +
                      r"""\s*(?:([+-])\s*(\d{1,3}))?\s*\)?(?:\s*\+\s*(["'])([^"'\s<>]{0,100})\5)?""", body)
        if not t:
            continue
        prefix, sign, k, suffix = t.group(2), t.group(3), int(t.group(4) or 0), t.group(6) or ""
        lit = _JS_LITERAL_HREF_RE.search(body)
        for fname, n in w.js_page_calls:
            if fname != name:
                continue
            num = n - k if sign == "-" else n + k
            target = f"{prefix}{num}{suffix}" if num > 0 else (lit.group(2) if lit else None)
            u = resolve(target, count=False) if target else None
            if u is not None and u not in out:
                out.append(u)
    return out


def _nav_tree(w: _Walk) -> list[list[str]]:
    """[child url, parent url] for menu links nested under another menu link: a tree menu
    (li > ul > li, dt + dd) says which column is whose child even when URLs do not."""
    lk_of = {a: lk for a, lk in w.anchors if lk.kind == "page"}
    if not lk_of:
        return []
    owner_url: dict[Any, str | None] = {}
    out: list[list[str]] = []
    seen: set[tuple[str, str]] = set()

    def own_anchor_url(owner: Any, stop: Any) -> str | None:
        """The owner item's own link: the first <a> before the nested list `stop`."""
        if owner in owner_url:
            return owner_url[owner]
        found = None
        for child in owner:
            if child is stop:
                break
            if not isinstance(child.tag, str):
                continue
            a = child if child.tag == "a" else next(child.iter("a"), None)
            if a is not None:
                lk = lk_of.get(a)
                found = lk.url if lk is not None else None
                break
        owner_url[owner] = found
        return found

    for a, lk in lk_of.items():
        if lk.region in ("list", "breadcrumb", "footer"):
            continue
        node, item = a.getparent(), None
        for _ in range(3):
            if node is None or not isinstance(node.tag, str):
                break
            if node.tag in ("li", "dd"):
                item = node
                break
            node = node.getparent()
        if item is None:
            continue
        parent_url = None
        lst = item.getparent()
        if lst is None:
            continue
        if item.tag == "dd":
            prev = item.getprevious()
            while prev is not None and not (isinstance(prev.tag, str) and prev.tag == "dt"):
                prev = prev.getprevious()
            if prev is not None:
                pa = prev if prev.tag == "a" else next(prev.iter("a"), None)
                plk = lk_of.get(pa) if pa is not None else None
                parent_url = plk.url if plk is not None else None
        else:
            owner, stop = lst.getparent(), lst
            for _ in range(2):
                if owner is None or not isinstance(owner.tag, str) or owner.tag in ("li", "ul", "ol", "body"):
                    break
                owner, stop = owner.getparent(), owner
            if owner is not None and isinstance(owner.tag, str) and owner.tag == "li":
                parent_url = own_anchor_url(owner, stop)
        if parent_url and parent_url != lk.url and (lk.url, parent_url) not in seen:
            seen.add((lk.url, parent_url))
            out.append([lk.url, parent_url])
            if len(out) >= 400:
                break
    return out


_REFRESH_RE = re.compile(r"^\s*[\d.]*\s*[;,]?\s*(?:url\s*=\s*)?[\"']?\s*([^\"'\s][^\"']*?)\s*[\"']?\s*;?\s*$", re.IGNORECASE)
_JS_FORWARD_RE = re.compile(
    r"""(?:(?:window|self|top|document|parent)\s*\.\s*)?location(?:\s*\.\s*href)?\s*=\s*["']([^"']+)["']"""
    r"""|location\s*\.\s*(?:replace|assign)\s*\(\s*["']([^"']+)["']\s*\)""",
    re.IGNORECASE,
)


def _refresh_target(content: str | None, resolve: _Resolver) -> str | None:
    if not content:
        return None
    m = _REFRESH_RE.match(content)
    if not m:
        return None
    target = m.group(1).strip()
    if not target or _NUM_RE.match(target):
        return None
    return resolve(target, count=False)


# ------------------------------------------------------------------------------------------
# text facts

_SITE_ID_RE = re.compile(r"网站标识码\s*[:：]?\s*([A-Za-z]{0,2}\d{8,10})")
_ICP_RE = re.compile(r"([\u4e00-\u9fff]{1,2}\s*ICP\s*[备证]\s*\d{5,12}\s*号(?:\s*-\s*\d{1,3})?)", re.IGNORECASE)
_POLICE_RE = re.compile(r"([\u4e00-\u9fff]{1,2}\s*公网安备\s*\d{8,20}\s*号?)")
_PHONE_AREA_RE = re.compile(
    r"(?<![\d\-])(?:[（(]\s*(0\d{2,3})\s*[)）]|(0\d{2,3}))\s*[-－—–]?\s*(\d{7,8})(?![\d])"
)
_PHONE_HOTLINE_RE = re.compile(r"(?<![\d\-])(123\d{2}|[48]00[-\s]?\d{3}[-\s]?\d{4})(?![\d])")
_PHONE_LABELLED_RE = re.compile(r"(?:电话|热线|联系方式|咨询|Tel|TEL|tel)\s*[:：]?\s*(\d{7,8})(?![\d])")
_VALIDITY_RE = re.compile(r"(?:有效性|时效性|效力状态|有效状态|文件效力|是否有效|文件状态)\s*[:：]?\s*"
                          r"(现行有效|部分失效|已失效|已废止|全部失效|失效|废止|有效|尚未生效|已修改|已修订|修订)")
# 成文日期, 生效日期, 施行日期 … are not publication dates
_NOT_PUB = "".join(f"(?<!{w})" for w in ("成文", "生成", "有效", "生效", "施行", "实施", "废止", "失效", "截止", "出生",
                                          "办结", "受理", "答复", "开始", "结束", "办公"))
_PUB_LABEL_RE = re.compile(
    rf"(发布时间|发布日期|发表时间|发布于|公开日期|发文日期|信息时间|更新时间|{_NOT_PUB}日期|{_NOT_PUB}时间)"
    r"\s*[:：]?\s*((?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)"
)
_STRONG_PUB = ("发布时间", "发布日期", "发表时间", "发布于", "公开日期", "发文日期", "信息时间")
_WRITTEN_RE = re.compile(r"成文(?:日期|时间)\s*[:：]?\s*((?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)")


def _phones(text: str) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()

    def add(p: str) -> None:
        if p not in seen and len(out) < MAX_PHONES:
            seen.add(p)
            out.append(p)

    for m in _PHONE_AREA_RE.finditer(text):
        area = m.group(1) or m.group(2)
        if area.startswith("01") and len(area) == 3 and area != "010":
            continue  # not a Chinese area code (010 Beijing is the only 01x)
        add(f"{area}-{m.group(3)}")
    for m in _PHONE_HOTLINE_RE.finditer(text):
        add(re.sub(r"[-\s]", "", m.group(1)))
    for m in _PHONE_LABELLED_RE.finditer(text):
        add(m.group(1))
    return out


def _validity(text: str) -> str | None:
    m = _VALIDITY_RE.search(text)
    if not m:
        return None
    v = m.group(1)
    if "废止" in v:
        return "废止"
    if "失效" in v:
        return "失效"
    if v in ("有效", "现行有效"):
        return "有效"
    return v


def _page_date(meta_ci: dict[str, str], text: str) -> str | None:
    for key in ("pubdate", "publishdate", "firstpublishedtime", "publishtime", "pubtime", "releasedate",
                "article:published_time", "dc.date", "maketime"):
        v = meta_ci.get(key)
        if v:
            d = parse_date(v)
            if d and not d.startswith("--"):
                return d
    weak: str | None = None
    for m in _PUB_LABEL_RE.finditer(text):
        d = parse_date(m.group(2))
        if not d:
            continue
        if m.group(1) in _STRONG_PUB:
            return d
        if weak is None:
            weak = d
    return weak


# ------------------------------------------------------------------------------------------
# the entry point

_PARSER = lhtml.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True,
                           huge_tree=True)


def _parse(text: str) -> Any | None:
    if "\x00" in text:
        text = text.replace("\x00", "")
    data = text.encode("utf-8", "replace")
    if not data.strip():
        return None
    try:
        return lhtml.document_fromstring(data, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None


def extract_page(
    url: str,
    status: int,
    headers: Mapping[str, str] | Mapping[Any, Any] | None,
    body: bytes,
    depth: int = 0,
) -> PageRecord:
    """Everything the audit needs from one response, as a `PageRecord`.

    Non-HTML and binary responses and WAF challenges are recorded (status, type, size,
    challenge) but not parsed. `requested_url`, `redirects` and `fetched_at` are left for
    the caller (the spider) to fill."""
    h = normalize_headers(headers)
    ctype_raw = h.get("content-type", "")
    rec = PageRecord(url=url, requested_url=url, status=int(status or 0), depth=depth,
                     content_type=_media_type(ctype_raw), size=len(body or b""))
    body = body or b""
    rec.challenge = detect_challenge(rec.status, h, body)
    if rec.challenge:
        return rec
    if not is_html(ctype_raw, body):
        return rec
    text, encoding = decode_body(body, ctype_raw)
    rec.encoding = encoding
    if not rec.content_type:
        rec.content_type = "text/html"
    root = _parse(text)
    if root is None:
        return rec
    resolve = _Resolver(url, encoding)
    w = _walk(root, resolve)
    if w.js_calls:
        w.anchors.extend(_js_call_links(w, resolve))

    # meta
    meta: dict[str, str] = {}
    for name, content in w.metas:
        meta.setdefault(name, content)
    meta_ci: dict[str, str] = {}
    for name, content in w.metas:
        meta_ci.setdefault(name.lower(), content)
    rec.meta = meta
    rec.title = _cap(meta_ci.get("articletitle") or w.title or w.h1, 500)

    page_text = _norm(" ".join(w.text))
    footer_text = _norm(" ".join(w.footer_text))

    # breadcrumb
    crumbs, crumb_anchors = _find_breadcrumb(w)
    rec.breadcrumb = crumbs
    if crumb_anchors:
        for lk in w.links:
            if lk.el in crumb_anchors and lk.kind == "page":
                lk.region = "breadcrumb"

    # list region
    article = bool(meta_ci.get("articletitle"))
    scored = _score_lists(w.anchors + _dead_anchors(w, url), article, url, w.pager_els)
    entries: list[_Entry] = _merge_siblings(scored[0], scored) if scored else []
    ds_entries, list_total, ds_own = _datastore_entries(w, resolve, url)
    if entries and not ds_own and w.empty_marker and not article:
        # "暂无信息" and no candidate entry below the page's own directory: the column's list is
        # empty, and the list found is a sidebar (最新信息, 热点排行) of other columns' items
        own_dir = _page_dir(url)
        if own_dir.count("/") > 1 and not any(_under(e.link.url, own_dir) for e in entries):
            entries = []
    if ds_own or len(ds_entries) > len(entries):
        entries = ds_entries
        for e in ds_entries:
            if len(w.links) < MAX_LINKS:
                w.links.append(_L(e.link.url, e.link.text, e.link.kind, "list", None))
    elif entries:
        in_list = set()
        for e in entries:
            in_list.add(e.anchor)
        # every anchor inside the list entries (not only the title link) is a list link
        for e in entries:
            for a in e.el.iter("a") if e.el is not e.anchor else (e.anchor,):
                in_list.add(a)
        for lk in w.links:
            if lk.el is not None and lk.el in in_list and lk.region != "breadcrumb":
                lk.region = "list"
    seen_items: set[str] = set()
    for e in entries:
        if e.link.url in seen_items or len(rec.items) >= MAX_ITEMS:
            continue
        seen_items.add(e.link.url)
        rec.items.append(ListItem(url=e.link.url, title=e.title, date=e.date, openable=e.link.kind != DEAD))
    script_list = 0
    if not rec.items and not article and w.scripts:
        # a list the page builds by script from its own data (var data = [...], Vue/React
        # state): read from that data, so no browser is needed to count and date it
        for n, (su, st, sd) in enumerate(script_entries(w.scripts, lambda u: resolve(u, count=False)), 1):
            if su is not None and len(w.links) < MAX_LINKS:
                w.links.append(_L(su, st, link_kind(su), "list", None))
            rec.items.append(ListItem(url=su or f"{url.split('#', 1)[0]}#entry-{n}", title=st, date=sd,
                                      openable=su is not None))
        script_list = len(rec.items)

    # links: deduplicate again (regions may have changed)
    out_links: list[Link] = []
    seen_keys: set[tuple[str, str, str]] = set()
    for lk in w.links:
        key = (lk.url, lk.kind, lk.region)
        if key in seen_keys:
            continue
        seen_keys.add(key)
        out_links.append(Link(url=lk.url, text=lk.text, kind=lk.kind, region=lk.region))
    rec.links = out_links

    # pagination
    pages: list[str] = []
    seen_pages = {url}
    for u in _trs_pagination(url, w.scripts) + _pager_urls(url, w) + _js_page_urls(w, resolve):
        if u not in seen_pages:
            seen_pages.add(u)
            pages.append(u)
    rec.pagination = pages[:MAX_PAGINATION]

    # forwards
    target = _refresh_target(w.refresh, resolve)
    if target is None and w.scripts and len(page_text) < 400:
        n_page_links = sum(1 for lk in out_links if lk.kind == "page")
        if n_page_links <= 3:
            for s in w.scripts:
                m = _JS_FORWARD_RE.search(s)
                if m:
                    target = resolve(m.group(1) or m.group(2), count=False)
                    if target:
                        break
    if target and target != url:
        rec.refresh_to = target

    # dates
    rec.page_date = _page_date(meta_ci, page_text)
    shown: str | None = None
    if article or rec.page_date or len(rec.items) < 3:
        # the date a person reads on the page (发布时间：…, or the date beside 来源 under the
        # title); a re-published page's PubDate meta may say otherwise
        shown = _page_date({}, page_text) or source_date(page_text)
        if shown and (shown.startswith("--") or shown == rec.page_date):
            shown = None
    m = _WRITTEN_RE.search(page_text)
    if m:
        rec.written_date = parse_date(m.group(1))

    # facts
    facts: dict[str, Any] = {}
    m = _SITE_ID_RE.search(page_text)
    if m:
        facts["site_id_code"] = m.group(1)
    elif meta_ci.get("siteidcode"):
        facts["site_id_code"] = meta_ci["siteidcode"][:40]
    m = _ICP_RE.search(page_text)
    if m:
        facts["icp"] = re.sub(r"\s+", "", m.group(1))
    m = _POLICE_RE.search(page_text)
    if m:
        facts["police_record"] = _norm(m.group(1))
    facts["dzjg"] = bool(w.dzjg or "党政机关" in footer_text)
    phones = _phones(page_text)
    if phones:
        facts["phones"] = phones
    facts["has_search"] = w.has_search
    facts["error_report"] = w.error_report
    validity = _validity(page_text)
    if validity:
        facts["validity"] = validity
    pii = scan_text(page_text, limit=MAX_PII)
    if pii:
        facts["pii"] = pii
    url_date = date_from_url(url)
    if url_date:
        facts["url_date"] = url_date
    if list_total is not None:
        facts["list_total"] = list_total
    if script_list:
        facts["script_list"] = script_list
    if shown:
        facts["shown_date"] = shown
    tree = _nav_tree(w)
    if tree:
        facts["nav_tree"] = tree
    if w.frames and not rec.items:
        # a page that shows its list (or text) in a same-host frame: the frame is its content
        host = urlsplit(url).netloc.lower()
        same = [f for f in w.frames if urlsplit(f).netloc.lower() == host]
        if same:
            facts["frame"] = same[0]
    if resolve.skipped:
        facts["skipped_links"] = dict(resolve.skipped)
    facts["text_length"] = len(page_text)
    facts["content_length"] = w.content_chars
    rec.text_facts = facts
    _redact_record(rec)
    return rec


def _redact_record(rec: PageRecord) -> None:
    """Mask ID and mobile numbers in the texts a record keeps (title, anchors, list
    titles, breadcrumb), so no unmasked number reaches the store (crawler.pii)."""
    rec.title = redact(rec.title)
    rec.breadcrumb = [redact(c) for c in rec.breadcrumb]
    rec.links = [lk if not lk.text or not any(ch.isdigit() for ch in lk.text)
                 else Link(url=lk.url, text=redact(lk.text), kind=lk.kind, region=lk.region) for lk in rec.links]
    rec.items = [it if not any(ch.isdigit() for ch in it.title)
                 else ListItem(url=it.url, title=redact(it.title), date=it.date, openable=it.openable) for it in rec.items]
