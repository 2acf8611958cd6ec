"""The one pass over a parsed page (`walk`): links with their regions, text, metas,
scripts, breadcrumb and pager candidates, search boxes, badges. Every later stage works on
what this walk collected (or on small subtrees it points at)."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from crawler.extract.common import (
    CRUMB_LABEL_RE,
    MAX_LINKS,
    MAX_META,
    MAX_META_LEN,
    PAGER_WORDS_ANYWHERE,
    SKIP_TEXT_TAGS,
    cap,
    norm,
)
from crawler.extract.regions import Marks, marks
from crawler.extract.urls import Resolver, link_kind

MEDIA_PARENT = {"video": "video", "audio": "audio", "picture": "image"}


@dataclass(slots=True)
class WalkLink:
    url: str
    text: str
    kind: str
    region: str
    el: Any = None  # the source element (for list/breadcrumb membership)
    date: str | None = None  # a list entry's date read beforehand (entries without a followable link)


@dataclass
class Walk:
    metas: list[tuple[str, str]] = field(default_factory=list)
    refresh: str | None = None
    title: str = ""
    h1: str = ""
    base: str | None = None
    links: list[WalkLink] = field(default_factory=list)
    anchors: list[tuple[Any, WalkLink]] = field(default_factory=list)  # <a> elements with page/attachment URLs
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

ROW_TAGS = frozenset({"li", "tr", "dd"})
MAX_ROWS = 3000


_SEARCH_HINT_RE = re.compile(r"search|sousuo|keyword|searchword|query|jiansuo|搜索|检索|关键字|关键词", re.IGNORECASE)
_SEARCH_NAMES = frozenset({"q", "kw", "wd", "key", "keys", "word", "words", "sw", "searchword", "keyword",
                           "keywords", "query", "searchkey", "searchtext", "qt", "title", "search"})
# a page path as a string literal in a script call: openWin('/zwgk/x.html'), go("a.jsp?id=1")
_JS_PAGE_URL_RE = re.compile(r"""['"]((?:https?://|/|\./|\.\./)?[\w\-./]*?\.(?:s?html?|jsp|php|aspx?|do)(?:\?[^'"\s]*)?)['"]""",
                             re.IGNORECASE)
_EMPTY_LIST_RE = re.compile(r"暂无(?:相关|任何)?(?:信息|数据|内容|记录|文章|文件|公开信息)|(?:没有|无)(?:相关|找到|查询到)?(?:相关)?"
                            r"(?:信息|数据|记录|内容)(?:[。！!]|$)|该栏目(?:暂无|无)")
_JS_PAGE_CALL_RE = re.compile(r"""(?:^|[^\w$.])([A-Za-z_$][\w$]{0,40})\s*\(\s*['"]?(\d{1,5})['"]?\s*\)""")
# a plain call in onclick / href="javascript:…": f(2), openDoc('123') — resolved after the walk
# when the page's own script says where f goes (crawler.extract.lists.js_call_links)
_JS_OPEN_CALL_RE = re.compile(
    r"""\s*(?:javascript:\s*)?(?:return\s+)?([A-Za-z_$][\w$]{0,40})\s*\(\s*(?:(["'])([^"'<>\s]{1,80})\2|(\d{1,12}))\s*\)"""
    r"""\s*;?\s*(?:return\s+false\s*;?)?\s*$""")
_JS_ONCLICK_URL_RE = re.compile(
    r"""(?:window\.open|location\.href\s*=|location\s*=|location\.replace|location\.assign)\s*\(?\s*['"]([^'"]+)['"]""",
    re.IGNORECASE,
)


class _State:
    """What the walk carries from element to element, besides the `Walk` it fills."""

    __slots__ = ("head_done", "pager_stack", "region_stack", "resolve", "seen_links", "w")

    def __init__(self, resolve: Resolver) -> None:
        self.w = Walk()
        self.resolve = resolve
        self.region_stack: list[str] = [""]
        self.pager_stack: list[Any] = []
        self.seen_links: set[tuple[str, str, str]] = set()
        self.head_done = False

    def add_link(self, url: str | None, text: str, kind: str, el: Any, region: str | None = None) -> WalkLink | None:
        w = self.w
        if url is None or len(w.links) >= MAX_LINKS:
            return None
        reg = region if region is not None else self.region_stack[-1]
        key = (url, kind, reg)
        lk = WalkLink(url, cap(text), kind, reg, el)
        if key in self.seen_links:
            return lk  # still usable for list/breadcrumb detection, not stored twice
        self.seen_links.add(key)
        w.links.append(lk)
        return lk


def walk(root: Any, resolve: Resolver) -> Walk:
    """One pass over the document: regions (marks hold for a subtree), visible text, and
    what the tags of interest say (`_HANDLERS`)."""
    st = _State(resolve)
    w = st.w
    marks_stack: list[Marks | None] = []
    region_stack = st.region_stack
    pager_stack = st.pager_stack
    skip_depth = 0  # inside script/style/…: text not visible
    footer_depth = 0
    handlers = _HANDLERS

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
            if tag in SKIP_TEXT_TAGS:
                skip_depth -= 1
            if el.tail and skip_depth == 0:
                w.text.append(el.tail)
                if region_stack[-1] in ("", "content"):
                    w.content_chars += len(el.tail.strip())
                if footer_depth:
                    w.footer_text.append(el.tail)
                if "位置" in el.tail and CRUMB_LABEL_RE.search(el.tail):
                    p = el.getparent()
                    if p is not None:
                        w.label_els.append(p)
            continue

        tag = tag.lower()
        attrib = el.attrib
        m = marks(tag, attrib) if (attrib or tag in ("nav", "header", "footer", "article", "main")) else None
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
        if tag in ROW_TAGS and len(w.rows) < MAX_ROWS:
            w.rows.append((el, region_stack[-1]))
        if tag in SKIP_TEXT_TAGS:
            skip_depth += 1
        elif skip_depth == 0 and el.text:
            _own_text(w, el, tag, region_stack[-1], footer_depth)
        handler = handlers.get(tag)
        if handler is not None:
            handler(st, el, tag, attrib)
        elif tag in ("span", "div") and (attrib.get("id") or "") == "_ideConac":
            w.dzjg = True
        if tag in _CLICK_ENTRY_TAGS and "onclick" in attrib and not pager_stack:
            _on_click_entry(st, el, attrib)
    return w


def _own_text(w: Walk, el: Any, tag: str, region: str, footer_depth: int) -> None:
    """An element's own visible text (before its first child)."""
    text = el.text
    w.text.append(text)
    if region in ("", "content") and tag not in ("a", "option", "button", "label"):
        w.content_chars += len(text.strip())
    if footer_depth:
        w.footer_text.append(text)
    if "位置" in text and CRUMB_LABEL_RE.search(text):
        w.label_els.append(el)
    if not w.empty_marker and region in ("", "content") and ("无" in text or "没有" in text) \
            and len(text) < 60 and _EMPTY_LIST_RE.search(text):
        w.empty_marker = True


# ------------------------------------------------------------------------------------------
# tags of interest: handler(state, element, lower-case tag, attributes)


def _js_sources(attrib: Any, href: str | None) -> tuple[str | None, str | None]:
    return attrib.get("onclick"), href if href and href[:11].lower() == "javascript:" else None


def _script_link(st: _State, attrib: Any, href: str | None, el: Any) -> str | None:
    """The page a javascript:/# link opens (onclick="window.open('…')", href="javascript:openWin('…')");
    failing that, a script pager call (onclick="gotoPage(2)") is noted for the pagination stage."""
    w = st.w
    for js in _js_sources(attrib, href):
        if js:
            mm = _JS_ONCLICK_URL_RE.search(js) or _JS_PAGE_URL_RE.search(js)
            if mm:
                url = st.resolve(mm.group(1), count=False)
                if url is not None:
                    return url
    if len(w.js_page_calls) < 200:
        # a script pager: onclick="gotoPage(2)" (the page's own script says where page 2 is)
        for js in _js_sources(attrib, href):
            mm = _JS_PAGE_CALL_RE.search(js) if js else None
            if mm and (st.pager_stack or "page" in mm.group(1).lower()):
                w.js_page_calls.append((mm.group(1), int(mm.group(2))))
                return None
    if len(w.js_calls) < 500:
        # onclick="zhinan(2)", href="javascript:openDoc('123')": the page's own script may say
        # where the call goes (resolved after the walk)
        for js in _js_sources(attrib, href):
            mm = _JS_OPEN_CALL_RE.match(js) if js else None
            if mm:
                w.js_calls.append((el, mm.group(1), mm.group(3) or mm.group(4), st.region_stack[-1]))
                break
    return None


# elements a list shows as a whole-row click target: <li onclick=…>, <tr onclick=…>, <p onclick=…>
_CLICK_ENTRY_TAGS = frozenset({"li", "tr", "td", "dd", "dt", "p", "div", "span", "h2", "h3", "h4", "h5", "font",
                               "em", "strong", "b", "i"})


def _on_click_entry(st: _State, el: Any, attrib: Any) -> None:
    """A row or title a person clicks to open a document, without an <a>: onclick with the
    page's URL in it (window.open('…'), location.href='…') is a link; a plain call
    (xq(1), openDoc('12')) is resolved after the walk from the page's own script
    (crawler.extract.lists.js_call_links). What opens nothing stays a dead entry."""
    js = attrib.get("onclick") or ""
    mm = _JS_ONCLICK_URL_RE.search(js) or _JS_PAGE_URL_RE.search(js)
    if mm:
        url = st.resolve(mm.group(1), count=False)
        if url is not None:
            kind = link_kind(url)
            lk = st.add_link(url, norm(el.text_content())[:300], kind, el)
            if lk is not None and kind in ("page", "attachment"):
                st.w.anchors.append((el, lk))
        return
    mc = _JS_OPEN_CALL_RE.match(js)
    if mc and len(st.w.js_calls) < 500:
        st.w.js_calls.append((el, mc.group(1), mc.group(3) or mc.group(4), st.region_stack[-1]))


def _anchor_text(el: Any, tag: str, attrib: Any) -> str:
    text = norm(el.text_content()) if tag == "a" else ""
    if not text:
        text = norm(attrib.get("title"))
        if not text:
            for img in el.iter("img"):
                text = norm(img.get("alt") or img.get("title"))
                if text:
                    break
    return text


def _on_anchor(st: _State, el: Any, tag: str, attrib: Any) -> None:
    w = st.w
    href = attrib.get("href")
    url = st.resolve(href) if href is not None else None
    if url is None and tag == "a":
        url = _script_link(st, attrib, href, el)
    text = _anchor_text(el, tag, attrib)
    if text and ("找错" in text):
        w.error_report = True
    if url is None:
        return
    kind = link_kind(url)
    if "conac.cn" in url:
        w.dzjg = True
    if "jiucuo" in url or "zfwzgl.www.gov.cn/exposure" in url:
        w.error_report = True
    if kind == "page" and ("search" in url.lower() or text in ("搜索", "高级搜索", "高级检索", "站内搜索")):
        w.has_search = True
    lk = st.add_link(url, text, kind, el)
    if lk is not None and tag == "a":
        if kind in ("page", "attachment"):
            w.anchors.append((el, lk))
        if st.pager_stack:
            w.pager_anchors.append((url, text, st.pager_stack[-1]))
        elif text in PAGER_WORDS_ANYWHERE:
            w.pager_anchors.append((url, text, None))
        cls = attrib.get("class")
        if cls and "CurrChnlCls" in cls:
            w.crumb_class_anchors.append(el)


def _on_img(st: _State, el: Any, tag: str, attrib: Any) -> None:
    w = st.w
    src = attrib.get("src")
    if not src or src.startswith("data:"):
        src = attrib.get("data-src") or attrib.get("data-original") or attrib.get("original") or src
    url = st.resolve(src, count=False)
    alt = norm(attrib.get("alt") or attrib.get("title"))
    if url is not None:
        st.add_link(url, alt, "image", el)
        if "conac.cn" in url:
            w.dzjg = True
        if "jiucuo" in url:
            w.error_report = True
    if alt:
        if "党政机关" in alt:
            w.dzjg = True
        if "找错" in alt:
            w.error_report = True


def _on_media(st: _State, el: Any, tag: str, attrib: Any) -> None:
    url = st.resolve(attrib.get("src"), count=False)
    if url is not None and tag != "track":
        if tag == "source":
            parent = el.getparent()
            ptag = parent.tag.lower() if parent is not None and isinstance(parent.tag, str) else ""
            kind = MEDIA_PARENT.get(ptag) or link_kind(url, "video")
        elif tag == "embed":
            kind = link_kind(url, "video")
            if kind == "page":
                kind = "video"
        else:
            kind = tag
        st.add_link(url, norm(attrib.get("title")), kind, el)
    if tag == "video":
        poster = st.resolve(attrib.get("poster"), count=False)
        if poster:
            st.add_link(poster, "", "image", el)


def _on_object(st: _State, el: Any, tag: str, attrib: Any) -> None:
    url = st.resolve(attrib.get("data"), count=False)
    if url is not None:
        k = link_kind(url, "video")
        st.add_link(url, "", "video" if k == "page" else k, el)


def _on_param(st: _State, el: Any, tag: str, attrib: Any) -> None:
    if (attrib.get("name") or "").lower() in ("movie", "src", "url", "filename", "file"):
        val = attrib.get("value") or ""
        url = st.resolve(val.split("?file=")[-1] if "?file=" in val else val, count=False)
        if url is not None:
            k = link_kind(url, "video")
            st.add_link(url, "", "video" if k == "page" else k, el)


def _on_frame(st: _State, el: Any, tag: str, attrib: Any) -> None:
    url = st.resolve(attrib.get("src"), count=False)
    if url is not None:
        kind = link_kind(url)
        st.add_link(url, norm(attrib.get("title") or attrib.get("name")), kind, el)
        if kind == "page" and st.region_stack[-1] in ("", "content") and len(st.w.frames) < 5:
            st.w.frames.append(url)


def _on_option(st: _State, el: Any, tag: str, attrib: Any) -> None:
    val = attrib.get("value")
    if val and val.startswith(("http://", "https://", "/", "./", "../", "www.")):
        sel = el.getparent()
        while sel is not None and isinstance(sel.tag, str) and sel.tag.lower() == "optgroup":
            sel = sel.getparent()
        if sel is not None and (sel.get("onchange") or val.startswith("http")):
            url = st.resolve("http://" + val if val.startswith("www.") else val, count=False)
            if url is not None:
                st.add_link(url, norm(el.text_content()), link_kind(url), el, region="nav")


def _on_script(st: _State, el: Any, tag: str, attrib: Any) -> None:
    w = st.w
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


def _on_meta(st: _State, el: Any, tag: str, attrib: Any) -> None:
    w = st.w
    name = attrib.get("name")
    content = attrib.get("content")
    if name and content is not None and len(w.metas) < MAX_META:
        w.metas.append((name.strip(), norm(content)[:MAX_META_LEN]))
    else:
        he = (attrib.get("http-equiv") or "").strip().lower()
        if he == "refresh" and content and w.refresh is None:
            w.refresh = content


def _on_title(st: _State, el: Any, tag: str, attrib: Any) -> None:
    if not st.w.title and not st.head_done:
        st.w.title = norm(el.text_content())


def _on_base(st: _State, el: Any, tag: str, attrib: Any) -> None:
    w = st.w
    if w.base is None and attrib.get("href"):
        w.base = attrib.get("href")
        newbase = st.resolve(w.base, count=False)
        if newbase:
            st.resolve.base = newbase


def _on_h1(st: _State, el: Any, tag: str, attrib: Any) -> None:
    if not st.w.h1:
        st.w.h1 = norm(el.text_content())


def _on_body(st: _State, el: Any, tag: str, attrib: Any) -> None:
    st.head_done = True


def _on_form(st: _State, el: Any, tag: str, attrib: Any) -> None:
    action = attrib.get("action") or ""
    if _SEARCH_HINT_RE.search(action) or _SEARCH_HINT_RE.search(attrib.get("name") or "") or \
            _SEARCH_HINT_RE.search(attrib.get("id") or ""):
        st.w.has_search = True


def _on_input(st: _State, el: Any, tag: str, attrib: Any) -> None:
    typ = (attrib.get("type") or "text").lower()
    if typ in ("text", "search"):
        name = (attrib.get("name") or "").lower()
        hint = " ".join(filter(None, (attrib.get("id"), attrib.get("class"), attrib.get("placeholder"),
                                      attrib.get("value"), attrib.get("title"))))
        if name in _SEARCH_NAMES or _SEARCH_HINT_RE.search(name) or (hint and _SEARCH_HINT_RE.search(hint)):
            st.w.has_search = True


_Handler = Callable[[_State, Any, str, Any], None]
_HANDLERS: dict[str, _Handler] = {
    "a": _on_anchor, "area": _on_anchor, "img": _on_img,
    "video": _on_media, "audio": _on_media, "source": _on_media, "embed": _on_media, "track": _on_media,
    "object": _on_object, "param": _on_param, "iframe": _on_frame, "frame": _on_frame, "option": _on_option,
    "script": _on_script, "meta": _on_meta, "title": _on_title, "base": _on_base, "h1": _on_h1,
    "body": _on_body, "form": _on_form, "input": _on_input,
}
