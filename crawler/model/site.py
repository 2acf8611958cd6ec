"""The site model's types: columns (栏目) in a tree, dated items, compact article
references, and the `SiteModel` the checks read. Built by `crawler.model.build`."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any
from urllib.parse import urldefrag, urlsplit, urlunsplit

from crawler.text.names import Synonyms, default_synonyms

_Date = date  # SiteItem has a field named date

INDEX_RE = re.compile(r"/(index|default)\.(s?html?|jsp|php|aspx?)$", re.IGNORECASE)


@lru_cache(maxsize=8192)  # menus and footers repeat the same URLs on every page
def canonical_url(url: str) -> str:
    """Drop the fragment and a trailing index.html so /a/ and /a/index.html are one page."""
    u, _ = urldefrag(url.strip())
    parts = urlsplit(u)
    path = INDEX_RE.sub("/", parts.path or "/")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def url_dir(url: str) -> str:
    p = urlsplit(url)
    path = p.path if p.path.endswith("/") else p.path.rsplit("/", 1)[0] + "/"
    return f"{p.netloc.lower()}{path}"


@dataclass(slots=True)
class SiteItem:
    """A dated entry the site shows: a list item, or a crawled article page."""

    title: str
    url: str
    date: date | None
    column: tuple[str, ...]  # the column path it was listed under (may be ())
    openable: bool = True  # False: listed without a link a person can follow
    article_date: _Date | None = None  # its article page's own date, when that differs from the list's


@dataclass
class Column:
    path: tuple[str, ...]  # names from 首页 (首页 itself excluded)
    url: str = ""  # the column's (first) list page; "" when known only from breadcrumbs
    items: int = 0  # entries across all pagination pages
    newest: date | None = None  # the newest entry date (max over the list)
    fetched: bool = False  # its page was crawled and answered
    content_page: bool = False  # the column is a single content page (指南, 机构职能 …)
    sources: set[str] = field(default_factory=set)  # breadcrumb | nav | meta | title | url
    pages: list[str] = field(default_factory=list)  # list pages (with pagination)
    children: list[Column] = field(default_factory=list)
    item_urls: set[str] = field(default_factory=set, repr=False)
    nav_order: list[str] = field(default_factory=list)  # child names as the page's menu orders them
    links: list[tuple[str, str]] = field(default_factory=list, repr=False)  # (text, url) on its first page
    phones: list[str] = field(default_factory=list)  # contact numbers its page shows
    not_openable: int = 0  # entries a person reads but cannot open (javascript:, onclick, no link)
    date_disagreements: int = 0  # entries whose list date differs from their article's PubDate

    @property
    def name(self) -> str:
        return self.path[-1] if self.path else "首页"

    @property
    def empty(self) -> bool:
        """Never had content: no entries here or below, and not a content page."""
        if not self.fetched:
            return False
        return self.total_items() == 0 and not self.content_page and not self._content_below()

    def _content_below(self) -> bool:
        return any(c.content_page or c._content_below() for c in self.children)

    def total_items(self) -> int:
        return self.items + sum(c.total_items() for c in self.children)

    def newest_below(self) -> date | None:
        ds = [d for d in [self.newest, *(c.newest_below() for c in self.children)] if d]
        return max(ds) if ds else None

    def walk(self) -> Iterator[Column]:
        yield self
        for c in self.children:
            yield from c.walk()

    def display_path(self) -> str:
        return " > ".join(self.path)


@dataclass(slots=True)
class ArticleRef:
    """A crawled article page, compactly: what the content-relation checks need
    (政策解读 ↔ 原文 links, 图解/视频 form, 有效性 label, 成文日期 → 发布日期)."""

    url: str  # canonical
    title: str
    column: tuple[str, ...]  # breadcrumb path after 首页 (or the ColumnName meta), may be ()
    page_date: str | None
    written_date: str | None
    links: list[tuple[str, str]]  # (text, canonical url): content links that may relate pages
    has_image: bool  # images in the content
    has_video: bool
    validity: str | None  # 有效性 label (规范性文件), text_facts["validity"]


@dataclass
class SiteModel:
    site_url: str
    as_of: date
    reachable: bool = True
    unreachable_reason: str = ""
    challenged: str | None = None  # a WAF challenge answered the homepage
    homepage_url: str = ""
    homepage_items: list[SiteItem] = field(default_factory=list)
    root: Column = field(default_factory=lambda: Column(path=()))
    items: list[SiteItem] = field(default_factory=list)
    pages_total: int = 0
    pages_ok: int = 0
    failed_pages: list[dict[str, Any]] = field(default_factory=list)  # url, status, error
    facts: dict[str, Any] = field(default_factory=dict)  # site-level facts (footer ids …)
    page_facts: list[dict[str, Any]] = field(default_factory=list)  # per-page facts worth keeping
    link_results: list[dict[str, Any]] | None = None  # None: links were not verified
    probes: list[dict[str, Any]] | None = None
    articles: list[ArticleRef] = field(default_factory=list)  # crawled article pages, compact
    synonyms: Synonyms = field(default_factory=default_synonyms, repr=False)
    # values derived from the model on first use and shared by the checks (crawler.model.relations)
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def columns(self) -> list[Column]:
        return [c for c in self.root.walk() if c.path]

    def column_at(self, path: tuple[str, ...]) -> Column | None:
        for c in self.columns:
            if c.path == path:
                return c
        return None

    def disclosure_roots(self) -> list[Column]:
        """Top-most columns whose name is a disclosure root (政务公开, 政府信息公开 …)."""
        out = []
        for c in self.columns:
            if self.synonyms.is_disclosure_root(c.name) and not any(
                self.synonyms.is_disclosure_root(a) for a in c.path[:-1]
            ):
                out.append(c)
        return out

    def under_disclosure(self, col: Column) -> bool:
        return any(self.synonyms.is_disclosure_root(n) for n in col.path)
