"""Facts from one fetched page: pure, offline, one lxml parse per page.

`extract_page(url, status, headers, body)` → `PageRecord`. It runs on every page of a site
(tens of thousands), so the document is parsed once with lxml and walked once
(`etree.iterwalk`); everything else works on what that walk collected, or on small
subtrees (the breadcrumb, the list region). Every string comes from a hostile site:
sizes are capped, nothing is evaluated, personal data is masked before it is kept.
"""
from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lhtml

from crawler.extract.breadcrumbs import find_breadcrumb
from crawler.extract.common import MAX_ITEMS, MAX_LINKS, MAX_PII, cap, norm
from crawler.extract.decoding import decode_body
from crawler.extract.homepage import HOMEPAGE_FACTS, homepage_facts
from crawler.extract.identifiers import (
    find_page_date,
    find_phones,
    find_validity,
    footer_ids,
    record_date,
    written_date,
)
from crawler.extract.lists import DEAD, Entry, js_call_links, list_entries
from crawler.extract.listshapes import script_entries, source_date
from crawler.extract.navtree import nav_tree
from crawler.extract.pagination import forward_target, pagination
from crawler.extract.response import (
    HTML_TYPES,
    detect_challenge,
    is_html,
    media_type,
    normalize_headers,
)
from crawler.extract.urls import Resolver, link_kind
from crawler.extract.walk import Walk, WalkLink, walk
from crawler.model.page import Link, ListItem, PageRecord
from crawler.text.dates import date_from_url
from crawler.text.pii import redact, redact_deep, scan_text

__all__ = [
    "HTML_TYPES",
    "detect_challenge",
    "extract_page",
    "is_html",
    "link_kind",
    "normalize_headers",
]

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
                     content_type=media_type(ctype_raw), size=len(body or b""))
    body = body or b""
    rec.challenge = detect_challenge(rec.status, h, body, ctype_raw)
    if rec.challenge or not is_html(ctype_raw, body):
        return rec
    text, encoding = decode_body(body, ctype_raw)
    rec.encoding = encoding
    if not rec.content_type:
        rec.content_type = "text/html"
    root = _parse(text)
    if root is None:
        return rec
    resolve = Resolver(url, encoding)
    w = walk(root, resolve)
    if w.js_calls:
        w.anchors.extend(js_call_links(w, resolve))
    meta_ci = _meta(rec, w)
    page_text = norm(" ".join(w.text))
    _breadcrumb(rec, w)
    article = bool(meta_ci.get("articletitle"))
    entries, list_total = list_entries(w, resolve, url, article=article)
    rec.items = _items(entries)
    script_list = 0 if rec.items or article else _script_items(rec, w, resolve)
    rec.links = _links(w)
    rec.pagination = pagination(url, w, resolve)
    target = forward_target(url, w, resolve, page_text, rec.links)
    if target:
        rec.refresh_to = target
    rec.page_date = find_page_date(meta_ci, page_text)
    shown = _shown_date(rec, page_text, article)
    written = written_date(page_text)
    if written is not None:
        rec.written_date = written
    rec.text_facts = _text_facts(rec, w, resolve, meta_ci, page_text, list_total)
    if script_list:
        rec.text_facts["script_list"] = script_list
    if shown:
        rec.text_facts["shown_date"] = shown
    if depth == 0:  # what the site properties need of the homepage: no second fetch
        with suppress(Exception):  # never lose the page: site properties then fetch it themselves
            rec.text_facts[HOMEPAGE_FACTS] = redact_deep(homepage_facts(text, url), mobiles=True)
    _redact_record(rec)
    return rec


def _meta(rec: PageRecord, w: Walk) -> dict[str, str]:
    """The record's meta (first value of each name) and title; returns the metas by
    lower-case name."""
    meta: dict[str, str] = {}
    for name, content in w.metas:
        meta.setdefault(name, content)
    meta_ci: dict[str, str] = {}
    for name, content in w.metas:
        meta_ci.setdefault(name.lower(), content)
    rec.meta = meta
    rec.title = cap(meta_ci.get("articletitle") or w.title or w.h1, 500)
    return meta_ci


def _breadcrumb(rec: PageRecord, w: Walk) -> None:
    """The breadcrumb's names; its links become region "breadcrumb"."""
    crumbs, crumb_anchors = find_breadcrumb(w)
    rec.breadcrumb = crumbs
    if crumb_anchors:
        for lk in w.links:
            if lk.el in crumb_anchors and lk.kind == "page":
                lk.region = "breadcrumb"


def _items(entries: list[Entry]) -> list[ListItem]:
    items: list[ListItem] = []
    seen_items: set[str] = set()
    for e in entries:
        if e.link.url in seen_items or len(items) >= MAX_ITEMS:
            continue
        seen_items.add(e.link.url)
        items.append(ListItem(url=e.link.url, title=e.title, date=e.date, openable=e.link.kind != DEAD))
    return items


def _script_items(rec: PageRecord, w: Walk, resolve: Resolver) -> int:
    """A list the page builds by script from its own data (var data = [...], Vue/React
    state): read from that data, so no browser is needed to count and date it."""
    if not w.scripts:
        return 0
    base = rec.url.split("#", 1)[0]
    for n, (su, st, sd) in enumerate(script_entries(w.scripts, lambda u: resolve(u, count=False)), 1):
        if su is not None and len(w.links) < MAX_LINKS:
            w.links.append(WalkLink(su, st, link_kind(su), "list", None))
        rec.items.append(ListItem(url=su or f"{base}#entry-{n}", title=st, date=sd, openable=su is not None))
    return len(rec.items)


def _shown_date(rec: PageRecord, page_text: str, article: bool) -> str | None:
    """The date a person reads on an article or content page (发布时间：…, or the date beside
    来源 under the title, or failing both the 生成日期 of its info table) when the page's
    PubDate meta says otherwise (a re-published or re-rendered page)."""
    if not (article or rec.page_date or len(rec.items) < 3):
        return None
    shown = find_page_date({}, page_text, record=False) or source_date(page_text) or record_date(page_text)
    if shown and (shown.startswith("--") or shown == rec.page_date):
        return None
    return shown


def _links(w: Walk) -> list[Link]:
    """The walk's links, deduplicated again (breadcrumb and list stages changed regions)."""
    out_links: list[Link] = []
    seen_keys: set[tuple[str, str, str]] = set()
    for lk in w.links:
        key = (lk.url, lk.kind, lk.region)
        if key in seen_keys:
            continue
        seen_keys.add(key)
        out_links.append(Link(url=lk.url, text=lk.text, kind=lk.kind, region=lk.region))
    return out_links


def _text_facts(rec: PageRecord, w: Walk, resolve: Resolver, meta_ci: dict[str, str], page_text: str,
                list_total: int | None) -> dict[str, Any]:
    url = rec.url
    footer_text = norm(" ".join(w.footer_text))
    facts: dict[str, Any] = footer_ids(page_text, meta_ci)
    facts["dzjg"] = bool(w.dzjg or "党政机关" in footer_text)
    phones = find_phones(page_text)
    if phones:
        facts["phones"] = phones
    facts["has_search"] = w.has_search
    facts["error_report"] = w.error_report
    validity = find_validity(page_text)
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
    tree = nav_tree(w)
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
    return facts


def _redact_record(rec: PageRecord) -> None:
    """Mask ID and mobile numbers in the texts a record keeps (title, anchors, list
    titles, breadcrumb), so no unmasked number reaches the store (crawler.pii)."""
    rec.title = redact(rec.title)
    rec.breadcrumb = [redact(c) for c in rec.breadcrumb]
    rec.links = [lk if not lk.text or not any(ch.isdigit() for ch in lk.text)
                 else Link(url=lk.url, text=redact(lk.text), kind=lk.kind, region=lk.region) for lk in rec.links]
    rec.items = [it if not any(ch.isdigit() for ch in it.title)
                 else ListItem(url=it.url, title=redact(it.title), date=it.date, openable=it.openable)
                 for it in rec.items]
