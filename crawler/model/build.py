"""The site model: a column tree (栏目树) and the dated items of a crawled site.

Built by streaming a crawl's PageRecords once (`build_site_model`); what it keeps is
small (columns, item titles and dates, a few facts), never whole pages.

How a page becomes a column
  1. A list-like page (it has list items, pagination, or is a column landing page) with a
     breadcrumb: the breadcrumb after 首页 (or after a leading site name linked to the site
     root) is its path.
  2. Without a breadcrumb: its name is `<meta name="ColumnName">`, else the anchor text
     most often used to link to it, else its <title> before the site name; its parent is,
     in this order: the entry it is nested under in a tree menu (li > ul > li, dt + dd);
     the parent shared by the breadcrumbed columns of its own local menu (its menu-mates);
     the column whose page links to it from a local (not site-wide) menu, passing over
     pages its own menu links back to (siblings sharing the menu); the column whose URL
     directory contains it.
  3. Article pages name their column in their breadcrumb; breadcrumb links give the URLs
     of every ancestor. So a column is known even if its list page was not crawled.
  4. A stand-alone disclosure platform (the homepage's SiteName/title carries a disclosure
     root name such as 政府信息公开平台, and no column is named as one) is itself that
     column: the tree hangs below a top column of that name whose page is the homepage.
Pagination pages (下一页 links, TRS createPageHTML, script pagers) merge into their first
page; meta refresh stubs and HTTP redirects resolve to their target, so a stub's URL is the
target column's alias; so is a column page that shows its list in a same-host <iframe>.
A list's item count is at least the total it states (Hanweb <totalrecord>); a year-implied
list date ("[06-29]") takes its year from the article page when that page was crawled.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date
from typing import Any
from urllib.parse import urldefrag, urlsplit, urlunsplit

from crawler.text.names import Synonyms, default_synonyms
from crawler.model.page import PageRecord

CONTENT_PAGE_CHARS = 120  # own text (outside menus, footers, links) that makes a page content, not an empty list
HOME_NAMES = {"首页", "网站首页", "主页", "home", "Home", "HOME", "返回首页", "门户首页"}
TAIL_NAMES = {"正文", "详情", "详细信息", "内容", "正文内容", "列表", "信息列表", "文章", "浏览", "详细内容"}
_INDEX_RE = re.compile(r"/(index|default)\.(s?html?|jsp|php|aspx?)$", re.I)
_PAGINATED_RE = re.compile(r"/(index|default)_\d+\.(s?html?)$", re.I)
_TITLE_SPLIT = re.compile(r"\s*[_|\-—–－]\s*")
_ARTICLE_URL_RE = re.compile(r"/t\d{8}_\d+|/art/\d{4}/|/content[_/]|/\d{6}/t\d+|/info/\d+/\d+|/c\d+/content", re.I)


@lru_cache(maxsize=131072)  # menus and footers repeat the same URLs on every page
def canonical_url(url: str) -> str:
    """Drop the fragment and a trailing index.html so /a/ and /a/index.html are one page."""
    u, _ = urldefrag(url.strip())
    parts = urlsplit(u)
    path = _INDEX_RE.sub("/", parts.path or "/")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def url_dir(url: str) -> str:
    p = urlsplit(url)
    path = p.path if p.path.endswith("/") else p.path.rsplit("/", 1)[0] + "/"
    return f"{p.netloc.lower()}{path}"


@dataclass
class SiteItem:
    """A dated entry the site shows: a list item, or a crawled article page."""

    title: str
    url: str
    date: date | None
    column: tuple[str, ...]  # the column path it was listed under (may be ())


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


_RELATION_TEXT = re.compile(r"解读|图解|读懂|问答|答记者问|原文|政策文件|视频|动漫|H5|《")


def _article_ref(rec: PageRecord, key: str, info: _PageInfo) -> ArticleRef:
    interp = "解读" in info.title or any("解读" in c for c in info.breadcrumb)
    links: list[tuple[str, str]] = []
    limit = 20 if interp else 8
    has_content = any(lk.region == "content" for lk in rec.links)
    has_image = has_video = False
    for lk in rec.links:
        if lk.kind == "video":
            has_video = True
        elif lk.kind == "image" and not has_image:
            low = lk.url.lower()
            has_image = (lk.region == "content" or (not has_content and lk.region == "")) and not (
                "logo" in low or "banner" in low or "icon" in low)
        if lk.kind not in ("page", "attachment") or lk.region in ("nav", "footer", "breadcrumb") or len(links) >= limit:
            continue
        text = lk.text.strip()[:60]
        if interp or lk.region == "content" or _RELATION_TEXT.search(text):
            links.append((text, canonical_url(lk.url)))
    column = tuple(info.breadcrumb) or ((info.column_name[:40],) if info.column_name else ())
    validity = rec.text_facts.get("validity") if rec.text_facts else None
    return ArticleRef(url=key, title=info.title[:120], column=column, page_date=rec.page_date,
                      written_date=rec.written_date, links=links, has_image=has_image, has_video=has_video,
                      validity=str(validity)[:20] if validity else None)


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


# ------------------------------------------------------------------------------------------
@dataclass
class _PageInfo:
    url: str
    title: str
    breadcrumb: list[str]
    crumb_links: list[tuple[str, str]]  # (text, canonical url)
    column_name: str
    items: list[tuple[str, str, str | None]]  # (url, title, date)
    nav: list[tuple[str, str]]  # (text, canonical url) in page order
    links: list[tuple[str, str]]  # every page/attachment link with text (text, absolute url)
    phones: list[str]
    pagination: list[str]
    listish: bool
    article: bool
    page_date: str | None
    content_length: int = 0
    frame: str = ""  # a same-host <iframe> that shows this page's list (canonical), "" if none
    list_total: int | None = None  # entries the list says it has (Hanweb <totalrecord>), may exceed `items`


def _clean_crumbs(crumbs: list[str], home_texts: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Names after 首页: a leading site name standing for 首页 ("青溪县人民政府 > 新闻中心",
    linked to the site root, or the SiteName meta) goes too."""
    out = [c.strip() for c in crumbs if c and c.strip()]
    while out and (out[0] in HOME_NAMES or out[0].endswith("首页") or out[0] in home_texts):
        out = out[1:]
    while out and out[-1] in TAIL_NAMES:
        out = out[:-1]
    return [c[:40] for c in out]


def _resolve_date(raw: str | None, url: str, as_of: date) -> date | None:
    from crawler.text.dates import date_from_url

    if not raw:
        raw = date_from_url(url)
        if not raw:
            return None
    if raw.startswith("--"):
        from_url = date_from_url(url)
        if from_url and not from_url.startswith("--"):
            return _resolve_date(from_url, url, as_of)
        try:
            m, d = int(raw[2:4]), int(raw[5:7])
            cand = date(as_of.year, m, d)
        except ValueError:
            return None
        return cand if cand <= as_of else cand.replace(year=as_of.year - 1)
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


def _is_article(rec: PageRecord) -> bool:
    if rec.meta.get("ArticleTitle") or rec.meta.get("articletitle"):
        return True
    if _ARTICLE_URL_RE.search(rec.url) and len(rec.items) < 3:
        return True
    return bool(rec.page_date) and len(rec.items) < 3 and not rec.pagination


def _summarise(rec: PageRecord) -> _PageInfo:
    url = canonical_url(rec.url)
    article = _is_article(rec)
    crumb_links = [(lk.text.strip(), canonical_url(lk.url)) for lk in rec.links if lk.region == "breadcrumb"]
    home_texts = {t for t, u in crumb_links if t and urlsplit(u).path in ("", "/")}
    site_name = (rec.meta.get("SiteName") or "").strip()
    if site_name and "公开" not in site_name:
        home_texts.add(site_name)
    nav = [(lk.text.strip(), canonical_url(lk.url)) for lk in rec.links
           if lk.region == "nav" and lk.kind == "page" and lk.text.strip()]
    path = urlsplit(rec.url).path
    listish = (not article) and (
        bool(rec.items) or bool(rec.pagination) or path.endswith("/") or bool(_INDEX_RE.search(path))
        or bool(rec.meta.get("ColumnName")) or bool(_PAGINATED_RE.search(path))
    )
    return _PageInfo(
        url=url,
        title=rec.title.strip(),
        breadcrumb=_clean_crumbs(rec.breadcrumb, home_texts),
        crumb_links=crumb_links,
        column_name=(rec.meta.get("ColumnName") or rec.meta.get("columnname") or "").strip(),
        items=[(canonical_url(i.url), i.title, i.date) for i in rec.items],
        nav=nav,
        links=[(lk.text.strip(), lk.url) for lk in rec.links
               if lk.kind in ("page", "attachment", "external") and lk.text.strip()],
        phones=list(rec.text_facts.get("phones") or [])[:20],
        pagination=[canonical_url(u) for u in rec.pagination],
        listish=listish,
        article=article,
        page_date=rec.page_date,
        content_length=int(rec.text_facts.get("content_length") or 0),
        list_total=_int_or_none(rec.text_facts.get("list_total")),
        frame=canonical_url(str(rec.text_facts["frame"])) if rec.text_facts.get("frame") else "",
    )


def _int_or_none(v: Any) -> int | None:
    try:
        return int(v) if v is not None else None
    except (TypeError, ValueError):
        return None


def _item_date(raw: str | None, url: str, page_dates: dict[str, str], as_of: date) -> date | None:
    """A list entry's date: the list's own, except that a year-implied one ("[06-29]")
    takes its year from the crawled article page when that page gives the same day."""
    pd = page_dates.get(url)
    if raw and raw.startswith("--") and pd and not pd.startswith("--") and pd[4:10] == raw[1:7]:
        raw = pd
    return _resolve_date(raw or pd, url, as_of)


def _platform_name(rec: PageRecord | None, syn: Synonyms) -> str:
    """The disclosure root a homepage says the whole site is ("江源区政府信息公开平台" →
    政府信息公开平台), from its SiteName meta or <title>; "" for an ordinary portal."""
    if rec is None:
        return ""
    texts = [rec.meta.get("SiteName") or rec.meta.get("sitename") or "", *_TITLE_SPLIT.split(rec.title or "")]
    best = ""
    for t in texts:
        for r in syn.disclosure_roots:
            if r in t and len(r) > len(best):
                best = r
    return best


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # keep the first page (no _N suffix, shorter URL) as the representative
            keep, drop = sorted((ra, rb), key=lambda u: (bool(_PAGINATED_RE.search(u)), len(u), u))
            self.parent[drop] = keep


def build_site_model(
    pages: Iterable[PageRecord],
    *,
    site_url: str,
    as_of: date,
    synonyms: Synonyms | None = None,
    link_results: list[dict[str, Any]] | None = None,
    probes: list[dict[str, Any]] | None = None,
    facts: dict[str, Any] | None = None,
) -> SiteModel:
    syn = synonyms or default_synonyms()
    model = SiteModel(site_url=site_url, as_of=as_of, synonyms=syn, link_results=link_results,
                      probes=probes, facts=dict(facts or {}))
    home_key = canonical_url(site_url)

    alias: dict[str, str] = {}  # canonical url → canonical url it forwards/redirects to
    infos: dict[str, _PageInfo] = {}  # list-like pages only
    anchor_names: dict[str, Counter[str]] = defaultdict(Counter)
    nav_pages: Counter[str] = Counter()  # how many pages link to a URL from a menu
    article_cols: list[tuple[list[str], list[tuple[str, str]]]] = []
    page_dates: dict[str, str] = {}
    tree_pairs: Counter[tuple[str, str]] = Counter()  # (child url, parent url) from nested menus
    framed: dict[str, str] = {}  # a column page showing its list in a same-host iframe → the iframe page
    article_titles: dict[str, tuple[str, str | None, list[str]]] = {}
    home_rec: PageRecord | None = None
    n_list = 0

    for rec in pages:
        model.pages_total += 1
        key = canonical_url(rec.url)
        for r in rec.redirects:
            if canonical_url(r) != key:
                alias[canonical_url(r)] = key
        if rec.requested_url and canonical_url(rec.requested_url) != key:
            alias[canonical_url(rec.requested_url)] = key
        if key == home_key or (rec.requested_url and canonical_url(rec.requested_url) == home_key):
            if home_rec is None or (rec.ok and not home_rec.ok):
                home_rec = rec
        if 300 <= rec.status < 400 and rec.refresh_to and not rec.error:
            tgt = canonical_url(rec.refresh_to)  # a redirect the crawl recorded: an alias
            if tgt != key:
                alias[key] = tgt
            continue
        if not rec.ok:
            model.failed_pages.append({"url": rec.url, "status": rec.status,
                                       "error": rec.error or (rec.challenge and f"challenge:{rec.challenge}") or ""})
            continue
        model.pages_ok += 1
        if rec.refresh_to:
            tgt = canonical_url(rec.refresh_to)
            if tgt != key:
                alias[key] = tgt
                continue
        if rec.text_facts:
            keep = {k: v for k, v in rec.text_facts.items() if k in ("pii", "validity")}
            if keep:
                model.page_facts.append({"url": rec.url, "title": rec.title[:200], **keep})
            for ph in rec.text_facts.get("phones") or []:
                model.facts.setdefault("phones", {}).setdefault(ph, rec.url)
        info = _summarise(rec)
        for pair in (rec.text_facts.get("nav_tree") or [])[:400] if rec.text_facts else ():
            if isinstance(pair, (list, tuple)) and len(pair) == 2:
                tree_pairs[(canonical_url(str(pair[0])), canonical_url(str(pair[1])))] += 1
        for text, u in info.nav:
            anchor_names[u][text[:40]] += 1
        for u in {u for _, u in info.nav}:
            nav_pages[u] += 1
        if info.page_date:
            page_dates[key] = info.page_date
        info.links = [] if key != home_key and not info.listish else info.links
        if info.article:
            model.articles.append(_article_ref(rec, key, info))
            article_titles[key] = (info.title, info.page_date, info.breadcrumb)
            if info.breadcrumb:
                article_cols.append((info.breadcrumb, info.crumb_links))
            continue
        if key == home_key:
            infos[key] = info  # the homepage: its items are homepage items, not a column
            continue
        if info.listish:
            n_list += 1
            infos[key] = info
            if info.frame and not info.items and info.content_length < CONTENT_PAGE_CHARS:
                framed[key] = info.frame

    # -- homepage -------------------------------------------------------------------------
    if home_rec is None or not home_rec.ok:
        model.reachable = False
        if home_rec is None:
            model.unreachable_reason = "未抓取到首页"
        elif home_rec.challenge:
            model.challenged = home_rec.challenge
            model.unreachable_reason = f"首页返回防护验证页面（{home_rec.challenge}），非站点故障"
        else:
            from crawler.net.reasons import failure_reason

            model.unreachable_reason = failure_reason(home_rec.error, home_rec.status)
    else:
        model.homepage_url = home_rec.url
        model.facts.setdefault("homepage", {}).update(home_rec.text_facts or {})
        model.facts["homepage"]["meta"] = {k: v for k, v in home_rec.meta.items()}
        model.facts["homepage"]["https"] = home_rec.url.startswith("https://")

    def resolve(u: str) -> str:
        seen = set()
        while u in alias and u not in seen:
            seen.add(u)
            u = alias[u]
        return u

    # A column page whose list is an <iframe> page: the iframe page is the column's list (its
    # URL an alias of it); an iframe showing an article makes the column a content page.
    for key, tgt in framed.items():
        t = resolve(tgt)
        if t in infos and t != key and t != home_key and not framed.get(t):
            alias[key] = t
            del infos[key]
        elif t in article_titles:
            infos[key].content_length = CONTENT_PAGE_CHARS

    # -- pagination groups ----------------------------------------------------------------
    uf = _UnionFind()
    for key, info in infos.items():
        uf.find(key)
        for p in info.pagination:
            p = resolve(p)
            if p in infos and p != home_key:
                uf.union(key, p)
    groups: dict[str, list[str]] = defaultdict(list)
    for key in infos:
        if key != home_key:
            groups[uf.find(key)].append(key)

    # Menus that appear on most pages (site-wide) do not say which column is whose child.
    threshold = max(3, int(0.5 * max(n_list, 1)))
    home_nav = {u for _, u in infos[home_key].nav} if home_key in infos else set()
    sitewide = {u for u, n in nav_pages.items() if n >= threshold} | home_nav

    # -- names and paths ------------------------------------------------------------------
    path_of: dict[str, tuple[str, ...]] = {}
    source_of: dict[str, str] = {}
    local_links: dict[str, list[str]] = {}  # column → columns its local (not site-wide) menus link to
    linked_from: dict[str, list[str]] = defaultdict(list)
    for rep, members in groups.items():
        outs: list[str] = []
        for m in members:
            for text, u in infos[m].nav:
                if u in sitewide:  # as linked (a stub or old URL in a site-wide menu) …
                    continue
                u = uf.find(resolve(u))  # … or as resolved
                if u in groups and u != rep and u not in sitewide and u not in outs:
                    outs.append(u)
        local_links[rep] = outs
        for u in outs:
            linked_from[u].append(rep)

    def local_parent(rep: str) -> str | None:
        """The first column whose local menu links here; a column this one's own menu links
        back to shares the menu with it (a sibling), so it is passed over when possible."""
        cands = linked_from.get(rep)
        if not cands:
            return None
        mine = set(local_links.get(rep, ()))
        return next((c for c in cands if c not in mine), cands[0])

    # Nested menus (li > ul > li, dt + dd) name a column's parent explicitly.
    tree_counts: dict[str, Counter[str]] = defaultdict(Counter)
    for (cu, pu), n in tree_pairs.items():
        rc, rp = uf.find(resolve(cu)), uf.find(resolve(pu))
        if rc in groups and rp in groups and rc != rp:
            tree_counts[rc][rp] += n
    tree_parent = {rc: cnt.most_common(1)[0][0] for rc, cnt in tree_counts.items()}

    def crumbs_of(rep: str) -> list[str]:
        return next((infos[m].breadcrumb for m in groups[rep] if infos[m].breadcrumb), [])

    def mates_parent(rep: str) -> tuple[str, ...] | None:
        """The parent path shared by most columns in this column's own local menu that have a
        breadcrumb (a Hanweb column with only a ColumnName meta: its menu-mates say where it is)."""
        votes: Counter[tuple[str, ...]] = Counter()
        n = 0
        for u in local_links.get(rep, ()):
            crumbs = crumbs_of(u)
            if not crumbs:
                continue
            # a column below this one (its breadcrumb links here) is a child, not a mate
            if any(uf.find(resolve(cu)) == rep for m in groups[u] for _t, cu in infos[m].crumb_links):
                continue
            n += 1
            votes[tuple(crumbs[:-1])] += 1
        if not votes:
            return None
        pp, k = votes.most_common(1)[0]
        return pp if k * 2 > n else None

    aliases_of: dict[str, list[str]] = defaultdict(list)  # URL → the aliases that resolve to it
    for a in alias:  # once, not per column (that was groups × aliases resolves)
        aliases_of[resolve(a)].append(a)

    def name_for(rep: str) -> tuple[str, str]:
        info = infos[rep]
        if info.column_name:
            return info.column_name[:40], "meta"
        names = Counter[str]()
        for m in groups[rep]:
            names.update(anchor_names.get(m, Counter()))
        for a in aliases_of.get(rep, ()):
            names.update(anchor_names.get(a, Counter()))
        names = Counter({k: v for k, v in names.items() if k not in HOME_NAMES and len(k) <= 20})
        if names:
            return names.most_common(1)[0][0], "nav"
        title = _TITLE_SPLIT.split(info.title)[0].strip() if info.title else ""
        return (title[:40] or urlsplit(rep).path.strip("/").split("/")[-1] or rep), "title"

    # the first column page in each URL directory, for the directory fallback below
    first_in_dir: dict[str, str] = {}
    for g in groups:
        first_in_dir.setdefault(url_dir(g), g)

    def dir_parent(rep: str) -> str | None:
        """The column in the nearest proper ancestor directory of rep's own (host/a/b/ → host/a/)."""
        d = url_dir(rep)
        i = len(d) - 1  # d ends with "/": try every shorter prefix ending with "/"
        while (i := d.rfind("/", 0, i)) >= 0:
            if d[: i + 1] in first_in_dir:
                return first_in_dir[d[: i + 1]]
        return None

    def path_for(rep: str, depth: int = 0) -> tuple[str, ...]:
        if rep in path_of:
            return path_of[rep]
        crumbs = next((infos[m].breadcrumb for m in groups[rep] if infos[m].breadcrumb), [])
        if crumbs:
            path_of[rep], source_of[rep] = tuple(crumbs), "breadcrumb"
            return path_of[rep]
        name, src = name_for(rep)
        parent: str | None = tree_parent.get(rep)
        if parent is None:
            mates = mates_parent(rep)
            if mates and name not in mates:  # top-level mates say little: other signals decide
                path_of[rep], source_of[rep] = (*mates, name), src
                return path_of[rep]
            parent = local_parent(rep)
        if parent is None:
            parent = dir_parent(rep)
            if parent is not None and url_dir(parent) == url_dir(home_key):
                parent = None
        path_of[rep] = (name,)  # guard against cycles
        if parent is not None and depth < 12:
            ppath = path_for(parent, depth + 1)
            if name not in ppath:
                path_of[rep] = (*ppath, name)
        source_of[rep] = src
        return path_of[rep]

    for rep in groups:
        path_for(rep)

    # A stand-alone disclosure platform (its homepage calls itself 政府信息公开平台 and no
    # column is named as a disclosure root): the whole site is that column, the columns its
    # pages show hang below it.
    platform: tuple[str, ...] = ()
    if home_rec is not None and home_rec.ok and not any(
            syn.is_disclosure_root(n) for p in [*path_of.values(), *(c for c, _ in article_cols)] for n in p):
        pname = _platform_name(home_rec, syn)
        if pname:
            platform = (pname[:40],)
            path_of = {k: (*platform, *v) for k, v in path_of.items()}
            article_cols = [([*platform, *c], lk) for c, lk in article_cols]
            article_titles = {k: (t, d, [*platform, *c] if c else c) for k, (t, d, c) in article_titles.items()}

    # -- the tree -------------------------------------------------------------------------
    by_path: dict[tuple[str, ...], Column] = {(): model.root}
    model.root.url = model.homepage_url

    def node(path: tuple[str, ...]) -> Column:
        if path in by_path:
            return by_path[path]
        parent = node(path[:-1])
        col = Column(path=path)
        parent.children.append(col)
        by_path[path] = col
        return col

    # breadcrumb links give the URLs of ancestors; article breadcrumbs prove columns exist
    for crumbs, links in article_cols:
        col = node(tuple(crumbs))
        col.sources.add("breadcrumb")
        _attach_crumb_urls(crumbs, links, node, resolve)
    for rep in groups:
        info = infos[rep]
        if info.breadcrumb:
            _attach_crumb_urls([*platform, *info.breadcrumb], info.crumb_links, node, resolve)
    if platform:
        pcol = node(platform)
        pcol.url, pcol.fetched = home_key, True
        pcol.sources.add("title")

    item_dates: dict[str, date | None] = {}
    for rep, members in groups.items():
        col = node(path_of[rep])
        col.sources.add(source_of.get(rep, "nav"))
        if not col.url or col.url not in groups:
            col.url = rep
        col.fetched = True
        col.pages.extend(sorted(members, key=lambda u: (bool(_PAGINATED_RE.search(u)), u)))
        for m in members:
            for iu, title, raw in infos[m].items:
                if iu in col.item_urls:
                    continue
                col.item_urls.add(iu)
                d = _item_date(raw, iu, page_dates, as_of)
                item_dates[iu] = d
                model.items.append(SiteItem(title=title.strip(), url=iu, date=d, column=col.path))
        col.items = max([len(col.item_urls), *(infos[m].list_total or 0 for m in members)])
        ds = [item_dates[u] for u in col.item_urls if item_dates.get(u)]
        col.newest = max(ds) if ds else None  # type: ignore[type-var]
        # menus on the column page give its children's order
        seen: list[str] = []
        for text, _u in infos[rep].nav:
            if text not in seen:
                seen.append(text)
        col.nav_order = seen
        col.links = infos[rep].links
        col.phones = infos[rep].phones
        # a column landing page that shows text instead of a list (联系方式, 机构职能)
        if col.items == 0 and infos[rep].content_length >= CONTENT_PAGE_CHARS:
            col.content_page = True

    # Single content pages (a 指南 or 机构职能 page is an article, not a list): the column
    # named by the article's breadcrumb, when the article is the column's own page.
    for key, (title, _d, crumbs) in article_titles.items():
        if crumbs:
            col = by_path.get(tuple(crumbs))
            if col is not None and (not col.fetched or col.url == key or resolve(col.url) == key):
                col.content_page = col.items == 0
                col.fetched = col.fetched or col.url == key or resolve(col.url) == key
    listed = {i.url for i in model.items}
    for key, (title, d, crumbs) in article_titles.items():
        if key not in listed and title:
            model.items.append(SiteItem(title=title, url=key, date=_resolve_date(d, key, as_of),
                                        column=tuple(crumbs)))

    if home_key in infos:
        model.root.links = infos[home_key].links
        model.root.phones = infos[home_key].phones
        model.root.nav_order = list(dict.fromkeys(t for t, _ in infos[home_key].nav))
        if platform:  # the platform column's page is the homepage: its menu orders the children
            by_path[platform].nav_order = model.root.nav_order
        for iu, title, raw in infos[home_key].items:
            model.homepage_items.append(SiteItem(title=title.strip(), url=iu,
                                                 date=_item_date(raw, iu, page_dates, as_of),
                                                 column=()))
    return model


def _attach_crumb_urls(crumbs: list[str], links: list[tuple[str, str]], node: Any, resolve: Any) -> None:
    by_text = {t: u for t, u in links if t}
    for i in range(len(crumbs)):
        u = by_text.get(crumbs[i])
        if u:
            col = node(tuple(crumbs[: i + 1]))
            if not col.url:
                col.url = resolve(u)
