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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from crawler.model.page import PageRecord
from crawler.model.site import (
    ArticleRef,
    Column,
    SiteItem,
    SiteModel,
    canonical_url,
    url_dir,
)
from crawler.model.summary import (
    HOME_NAMES,
    PAGINATED_RE,
    TAIL_NAMES,
    PageInfo,
    article_ref,
    is_article,
    summarise,
)
from crawler.net.challenge import challenge_label
from crawler.net.failures import failure_reason
from crawler.text.names import Synonyms, default_synonyms

__all__ = [
    "CONTENT_PAGE_CHARS",
    "HOME_NAMES",
    "TAIL_NAMES",
    "ArticleRef",
    "Column",
    "SiteItem",
    "SiteModel",
    "build_site_model",
    "canonical_url",
    "is_article",
    "url_dir",
]

CONTENT_PAGE_CHARS = 120  # own text (outside menus, footers, links) that makes a page content, not an empty list
_TITLE_SPLIT = re.compile(r"\s*[_|\-—–－]\s*")


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
    """The model of a crawl, in stages: load the pages (one pass, summaries of list pages
    only) → the homepage → aliases of framed columns → pagination groups → column paths
    (breadcrumbs, meta, menus, directories) → the platform column → the tree (breadcrumb
    URLs) → items attached to columns → article pages → homepage items."""
    syn = synonyms or default_synonyms()
    model = SiteModel(site_url=site_url, as_of=as_of, synonyms=syn, link_results=link_results,
                      probes=probes, facts=dict(facts or {}))
    scan = _Scan(home_key=canonical_url(site_url))
    for rec in pages:
        _load_page(scan, model, rec)
    _menu_articles(scan, syn)
    _homepage(model, scan.home_rec)
    _absorb_frames(scan)
    uf, groups = _pagination_groups(scan)
    paths = _ColumnPaths(scan, uf, groups)
    paths.compute()
    platform = _platform(scan, paths, syn)
    tree = _Tree(model)
    _columns_from_breadcrumbs(tree, scan, groups, platform)
    _attach_items(model, tree, scan, groups, paths, as_of)
    _article_pages(model, tree, scan, as_of)
    _homepage_items(model, tree, scan, platform, as_of)
    return model


# ------------------------------------------------------------------------------------------
# stage 1: one pass over the pages


@dataclass
class _Scan:
    """What one pass over the pages keeps: aliases, summaries of list-like pages, menu
    statistics and compact article facts (never whole pages)."""

    home_key: str
    alias: dict[str, str] = field(default_factory=dict)  # canonical url → canonical url it forwards/redirects to
    infos: dict[str, PageInfo] = field(default_factory=dict)  # list-like pages only
    anchor_names: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    nav_pages: Counter[str] = field(default_factory=Counter)  # how many pages link to a URL from a menu
    # distinct (breadcrumb, breadcrumb links) of article pages, in first-seen order
    article_cols: dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...]],
                       tuple[list[str], list[tuple[str, str]]]] = field(default_factory=dict)
    page_dates: dict[str, str] = field(default_factory=dict)
    tree_pairs: Counter[tuple[str, str]] = field(default_factory=Counter)  # (child url, parent url), nested menus
    framed: dict[str, str] = field(default_factory=dict)  # a column page showing its list in an iframe → that page
    article_titles: dict[str, tuple[str, str | None, list[str]]] = field(default_factory=dict)
    article_shown: dict[str, str] = field(default_factory=dict)  # article → the date it shows, when not its PubDate
    home_rec: PageRecord | None = None
    n_list: int = 0
    crumb_lists: dict[tuple[str, ...], list[str]] = field(default_factory=dict)  # one list per distinct breadcrumb
    paths: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)  # one tuple per distinct path
    pairs: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)  # one (text, url) per distinct link

    def shared_crumbs(self, crumbs: list[str]) -> list[str]:
        """One (read-only) list for all the pages showing the same breadcrumb: tens of
        thousands of articles share a few hundred."""
        return self.crumb_lists.setdefault(tuple(crumbs), crumbs)

    def shared_path(self, path: tuple[str, ...]) -> tuple[str, ...]:
        return self.paths.setdefault(path, path)

    def shared_pairs(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The (text, url) links of a list page, each one object for all the pages showing
        it: menus, footers and pagers repeat on thousands of list pages."""
        pool = self.pairs
        return [pool.setdefault(p, p) for p in pairs]

    def resolve(self, u: str) -> str:
        """Follow aliases to the page a URL ends at."""
        seen = set()
        while u in self.alias and u not in seen:
            seen.add(u)
            u = self.alias[u]
        return u


def _load_page(scan: _Scan, model: SiteModel, rec: PageRecord) -> None:
    model.pages_total += 1
    key = canonical_url(rec.url)
    alias = scan.alias
    for r in rec.redirects:
        if canonical_url(r) != key:
            alias[canonical_url(r)] = key
    if rec.requested_url and canonical_url(rec.requested_url) != key:
        alias[canonical_url(rec.requested_url)] = key
    is_home = key == scan.home_key or (rec.requested_url and canonical_url(rec.requested_url) == scan.home_key)
    if is_home and (scan.home_rec is None or (rec.ok and not scan.home_rec.ok)):
        scan.home_rec = rec
    if 300 <= rec.status < 400 and rec.refresh_to and not rec.error:
        tgt = canonical_url(rec.refresh_to)  # a redirect the crawl recorded: an alias
        if tgt != key:
            alias[key] = tgt
        return
    if not rec.ok:
        model.failed_pages.append({"url": rec.url, "status": rec.status,
                                   "error": rec.error or (rec.challenge and f"challenge:{rec.challenge}") or ""})
        return
    model.pages_ok += 1
    if rec.refresh_to:
        tgt = canonical_url(rec.refresh_to)
        if tgt != key:
            alias[key] = tgt
            return
    _keep_page_facts(model, rec)
    info = summarise(rec)
    _count_menus(scan, rec, info)
    if info.page_date:
        scan.page_dates[key] = info.page_date
    if key == scan.home_key or info.listish:  # kept until the column tree is built
        info.links = scan.shared_pairs(info.links)
        info.nav = scan.shared_pairs(info.nav)
    else:
        info.links = []
    _file_page(scan, model, rec, key, info)


def _keep_page_facts(model: SiteModel, rec: PageRecord) -> None:
    """Per-page facts the checks need later (personal data, validity labels, phones)."""
    if rec.text_facts:
        keep = {k: v for k, v in rec.text_facts.items() if k in ("pii", "validity")}
        if keep:
            model.page_facts.append({"url": rec.url, "title": rec.title[:200], **keep})
        for ph in rec.text_facts.get("phones") or []:
            model.facts.setdefault("phones", {}).setdefault(ph, rec.url)


def _count_menus(scan: _Scan, rec: PageRecord, info: PageInfo) -> None:
    """Tree-menu pairs, the texts menus use for a URL, and how many pages link to it from a menu."""
    for pair in (rec.text_facts.get("nav_tree") or [])[:400] if rec.text_facts else ():
        if isinstance(pair, (list, tuple)) and len(pair) == 2:
            scan.tree_pairs[(canonical_url(str(pair[0])), canonical_url(str(pair[1])))] += 1
    for text, u in info.nav:
        scan.anchor_names[u][text[:40]] += 1
    for u in {u for _, u in info.nav}:
        scan.nav_pages[u] += 1


def _file_page(scan: _Scan, model: SiteModel, rec: PageRecord, key: str, info: PageInfo) -> None:
    """An article goes to the compact article list; the homepage and list-like pages keep
    their summary."""
    if info.article:
        crumbs = scan.shared_crumbs(info.breadcrumb)
        ref = article_ref(rec, key, info)
        ref.column = scan.shared_path(ref.column)
        model.articles.append(ref)
        scan.article_titles[key] = (info.title, info.page_date, crumbs)
        if info.shown_date:
            scan.article_shown[key] = info.shown_date
        if crumbs:
            scan.article_cols.setdefault((tuple(crumbs), tuple(info.crumb_links)), (crumbs, info.crumb_links))
        return
    if key == scan.home_key:
        scan.infos[key] = info  # the homepage: its items are homepage items, not a column
        return
    if info.listish:
        scan.n_list += 1
        scan.infos[key] = info
        if info.frame and not info.items and info.content_length < CONTENT_PAGE_CHARS:
            scan.framed[key] = info.frame


def _menu_articles(scan: _Scan, syn: Synonyms) -> None:
    """A menu entry that opens an article (机构职能, 公开指南 kept as one page) is a column: the
    article is its page and its content. The menu names it; the article's breadcrumb only
    when it agrees (a page filed elsewhere and linked from the menu). A headline in a menu
    (its text the article's title, or long) is no column."""
    for key in [k for k in scan.anchor_names if k in scan.article_titles and k not in scan.infos
                and k != scan.home_key]:
        title, pd, crumbs = scan.article_titles[key]
        labels = Counter({k: v for k, v in scan.anchor_names[key].items()
                          if k not in HOME_NAMES and 2 <= len(k) <= 12 and k != title})
        if not labels:
            continue
        label = labels.most_common(1)[0][0]
        agrees = bool(crumbs) and bool(syn.score(label, crumbs[-1]))
        scan.infos[key] = PageInfo(url=key, title=title, breadcrumb=list(crumbs) if agrees else [], crumb_links=[],
                                   column_name="", items=[], nav=[], links=[], phones=[], pagination=[],
                                   listish=True, article=True, page_date=pd, content_length=CONTENT_PAGE_CHARS,
                                   shown_date=scan.article_shown.get(key))
        scan.n_list += 1


# ------------------------------------------------------------------------------------------
# stage 2: the homepage, framed columns, pagination groups


def _homepage(model: SiteModel, home_rec: PageRecord | None) -> None:
    """Whether the site answered (and how), and the homepage's own facts."""
    if home_rec is None or not home_rec.ok or home_rec.challenge:  # a 200 CAPTCHA page is no homepage
        model.reachable = False
        if home_rec is None:
            model.unreachable_reason = "未抓取到首页"
        elif home_rec.challenge:
            model.challenged = home_rec.challenge
            model.unreachable_reason = f"首页返回防护验证页面（{challenge_label(home_rec.challenge)}），非站点故障"
        else:
            model.unreachable_reason = failure_reason(home_rec.error, home_rec.status)
    else:
        model.homepage_url = home_rec.url
        model.facts.setdefault("homepage", {}).update(home_rec.text_facts or {})
        model.facts["homepage"]["meta"] = {k: v for k, v in home_rec.meta.items()}
        model.facts["homepage"]["https"] = home_rec.url.startswith("https://")
        model.facts["homepage"]["title"] = home_rec.title or ""


def _absorb_frames(scan: _Scan) -> None:
    """A column page whose list is an <iframe> page: the iframe page is the column's list (its
    URL an alias of it); an iframe showing an article makes the column a content page."""
    for key, tgt in scan.framed.items():
        t = scan.resolve(tgt)
        if t in scan.infos and t != key and t != scan.home_key and not scan.framed.get(t):
            scan.alias[key] = t
            del scan.infos[key]
        elif t in scan.article_titles:
            scan.infos[key].content_length = CONTENT_PAGE_CHARS


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
            keep, drop = sorted((ra, rb), key=lambda u: (bool(PAGINATED_RE.search(u)), len(u), u))
            self.parent[drop] = keep


def _pagination_groups(scan: _Scan) -> tuple[_UnionFind, dict[str, list[str]]]:
    """List pages joined with their pagination pages: representative → member pages."""
    uf = _UnionFind()
    for key, info in scan.infos.items():
        uf.find(key)
        for p in info.pagination:
            p = scan.resolve(p)
            if p in scan.infos and p != scan.home_key:
                uf.union(key, p)
    groups: dict[str, list[str]] = defaultdict(list)
    for key in scan.infos:
        if key != scan.home_key:
            groups[uf.find(key)].append(key)
    return uf, groups


# ------------------------------------------------------------------------------------------
# stage 3: column paths from breadcrumbs, meta, menus and directories


class _ColumnPaths:
    """The path (names from 首页) of every column group, and where its name came from."""

    def __init__(self, scan: _Scan, uf: _UnionFind, groups: dict[str, list[str]]) -> None:
        self.scan, self.uf, self.groups = scan, uf, groups
        self.infos = scan.infos
        self.home_key = scan.home_key
        self.path_of: dict[str, tuple[str, ...]] = {}
        self.source_of: dict[str, str] = {}
        self._menus()
        self.tree_parent = self._tree_parents()
        self.aliases_of: dict[str, list[str]] = defaultdict(list)  # URL → the aliases that resolve to it
        for a in scan.alias:  # once, not per column (that was groups × aliases resolves)
            self.aliases_of[scan.resolve(a)].append(a)
        # the first column page in each URL directory, for the directory fallback
        self.first_in_dir: dict[str, str] = {}
        for g in groups:
            self.first_in_dir.setdefault(url_dir(g), g)

    def _menus(self) -> None:
        """Local menus: the columns each column's non-site-wide menus link to, and back.
        Menus that appear on most pages (site-wide) do not say which column is whose child."""
        scan, uf, groups = self.scan, self.uf, self.groups
        threshold = max(3, int(0.5 * max(scan.n_list, 1)))
        home_nav = {u for _, u in self.infos[self.home_key].nav} if self.home_key in self.infos else set()
        sitewide = {u for u, n in scan.nav_pages.items() if n >= threshold} | home_nav
        self.local_links: dict[str, list[str]] = {}  # column → columns its local menus link to
        self.linked_from: dict[str, list[str]] = defaultdict(list)
        for rep, members in groups.items():
            outs: list[str] = []
            for m in members:
                for _text, u in self.infos[m].nav:
                    if u in sitewide:  # as linked (a stub or old URL in a site-wide menu) …
                        continue
                    u = uf.find(scan.resolve(u))  # … or as resolved
                    if u in groups and u != rep and u not in sitewide and u not in outs:
                        outs.append(u)
            self.local_links[rep] = outs
            for u in outs:
                self.linked_from[u].append(rep)

    def _tree_parents(self) -> dict[str, str]:
        """Nested menus (li > ul > li, dt + dd) name a column's parent explicitly."""
        tree_counts: dict[str, Counter[str]] = defaultdict(Counter)
        for (cu, pu), n in self.scan.tree_pairs.items():
            rc, rp = self.uf.find(self.scan.resolve(cu)), self.uf.find(self.scan.resolve(pu))
            if rc in self.groups and rp in self.groups and rc != rp:
                tree_counts[rc][rp] += n
        return {rc: cnt.most_common(1)[0][0] for rc, cnt in tree_counts.items()}

    def compute(self) -> None:
        for rep in self.groups:
            self.path_for(rep)

    def local_parent(self, rep: str) -> str | None:
        """The first column whose local menu links here; a column this one's own menu links
        back to shares the menu with it (a sibling), so it is passed over when possible."""
        cands = self.linked_from.get(rep)
        if not cands:
            return None
        mine = set(self.local_links.get(rep, ()))
        return next((c for c in cands if c not in mine), cands[0])

    def crumbs_of(self, rep: str) -> list[str]:
        return next((self.infos[m].breadcrumb for m in self.groups[rep] if self.infos[m].breadcrumb), [])

    def mates_parent(self, rep: str) -> tuple[str, ...] | None:
        """The parent path shared by most columns in this column's own local menu that have a
        breadcrumb (a Hanweb column with only a ColumnName meta: its menu-mates say where it is)."""
        votes: Counter[tuple[str, ...]] = Counter()
        n = 0
        for u in self.local_links.get(rep, ()):
            crumbs = self.crumbs_of(u)
            if not crumbs:
                continue
            # a column below this one (its breadcrumb links here) is a child, not a mate
            if any(self.uf.find(self.scan.resolve(cu)) == rep
                   for m in self.groups[u] for _t, cu in self.infos[m].crumb_links):
                continue
            n += 1
            votes[tuple(crumbs[:-1])] += 1
        if not votes:
            return None
        pp, k = votes.most_common(1)[0]
        return pp if k * 2 > n else None

    def name_for(self, rep: str) -> tuple[str, str]:
        """(name, source): the ColumnName meta, else the commonest menu text for the column's
        pages and aliases, else its <title> before the site name."""
        info = self.infos[rep]
        if info.column_name:
            return info.column_name[:40], "meta"
        anchor_names = self.scan.anchor_names
        names = Counter[str]()
        for m in self.groups[rep]:
            names.update(anchor_names.get(m, Counter()))
        for a in self.aliases_of.get(rep, ()):
            names.update(anchor_names.get(a, Counter()))
        names = Counter({k: v for k, v in names.items() if k not in HOME_NAMES and len(k) <= 20})
        if names:
            return names.most_common(1)[0][0], "nav"
        title = _TITLE_SPLIT.split(info.title)[0].strip() if info.title else ""
        return (title[:40] or urlsplit(rep).path.strip("/").split("/")[-1] or rep), "title"

    def dir_parent(self, rep: str) -> str | None:
        """The column in the nearest proper ancestor directory of rep's own (host/a/b/ → host/a/)."""
        d = url_dir(rep)
        i = len(d) - 1  # d ends with "/": try every shorter prefix ending with "/"
        while (i := d.rfind("/", 0, i)) >= 0:
            if d[: i + 1] in self.first_in_dir:
                return self.first_in_dir[d[: i + 1]]
        return None

    def path_for(self, rep: str, depth: int = 0) -> tuple[str, ...]:
        path_of = self.path_of
        if rep in path_of:
            return path_of[rep]
        crumbs = self.crumbs_of(rep)
        if crumbs:
            path_of[rep], self.source_of[rep] = tuple(crumbs), "breadcrumb"
            return path_of[rep]
        name, src = self.name_for(rep)
        parent: str | None = self.tree_parent.get(rep)
        if parent is None:
            mates = self.mates_parent(rep)
            if mates and name not in mates:  # top-level mates say little: other signals decide
                path_of[rep], self.source_of[rep] = (*mates, name), src
                return path_of[rep]
            parent = self.local_parent(rep)
        if parent is None:
            parent = self.dir_parent(rep)
            if parent is not None and url_dir(parent) == url_dir(self.home_key):
                parent = None
        path_of[rep] = (name,)  # guard against cycles
        if parent is not None and depth < 12:
            ppath = self.path_for(parent, depth + 1)
            if name not in ppath:
                path_of[rep] = (*ppath, name)
        self.source_of[rep] = src
        return path_of[rep]


def _platform(scan: _Scan, paths: _ColumnPaths, syn: Synonyms) -> tuple[str, ...]:
    """A stand-alone disclosure platform (its homepage calls itself 政府信息公开平台 and no
    column is named as a disclosure root): the whole site is that column, the columns its
    pages show hang below it. Returns its path, () for an ordinary portal."""
    home_rec = scan.home_rec
    if home_rec is None or not home_rec.ok or any(
            syn.is_disclosure_root(n) for p in [*paths.path_of.values(), *(c for c, _ in scan.article_cols.values())]
            for n in p):
        return ()
    pname = _platform_name(home_rec, syn)
    if not pname:
        return ()
    platform = (pname[:40],)
    paths.path_of = {k: (*platform, *v) for k, v in paths.path_of.items()}
    scan.article_cols = {k: ([*platform, *c], lk) for k, (c, lk) in scan.article_cols.items()}
    moved: dict[tuple[str, ...], list[str]] = {}  # shared again: one list per distinct breadcrumb
    scan.article_titles = {k: (t, d, moved.setdefault(tuple(c), [*platform, *c]) if c else c)
                           for k, (t, d, c) in scan.article_titles.items()}
    return platform


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


# ------------------------------------------------------------------------------------------
# stage 4: the tree, items, article pages


class _Tree:
    """Columns by path, created on demand under the model's root."""

    def __init__(self, model: SiteModel) -> None:
        self.by_path: dict[tuple[str, ...], Column] = {(): model.root}
        model.root.url = model.homepage_url

    def node(self, path: tuple[str, ...]) -> Column:
        if path in self.by_path:
            return self.by_path[path]
        parent = self.node(path[:-1])
        col = Column(path=path)
        parent.children.append(col)
        self.by_path[path] = col
        return col


def _columns_from_breadcrumbs(tree: _Tree, scan: _Scan, groups: dict[str, list[str]],
                              platform: tuple[str, ...]) -> None:
    """Breadcrumb links give the URLs of ancestors; article breadcrumbs prove columns exist."""
    for crumbs, links in scan.article_cols.values():
        col = tree.node(tuple(crumbs))
        col.sources.add("breadcrumb")
        _attach_crumb_urls(crumbs, links, tree.node, scan.resolve)
    for rep in groups:
        info = scan.infos[rep]
        if info.breadcrumb:
            _attach_crumb_urls([*platform, *info.breadcrumb], info.crumb_links, tree.node, scan.resolve)
    if platform:
        pcol = tree.node(platform)
        pcol.url, pcol.fetched = scan.home_key, True
        pcol.sources.add("title")


def _attach_crumb_urls(crumbs: list[str], links: list[tuple[str, str]], node: Callable[[tuple[str, ...]], Column],
                       resolve: Callable[[str], str]) -> None:
    by_text = {t: u for t, u in links if t}
    for i in range(len(crumbs)):
        u = by_text.get(crumbs[i])
        if u:
            col = node(tuple(crumbs[: i + 1]))
            if not col.url:
                col.url = resolve(u)


def _attach_items(model: SiteModel, tree: _Tree, scan: _Scan, groups: dict[str, list[str]],
                  paths: _ColumnPaths, as_of: date) -> None:
    """Each column group becomes its column: pages, items (deduplicated, dated), the newest
    date, menu order, links, phones; a landing page with text instead of a list is content."""
    item_dates: dict[str, date | None] = {}
    infos = scan.infos
    for rep, members in groups.items():
        col = tree.node(paths.path_of[rep])
        col.sources.add(paths.source_of.get(rep, "nav"))
        if not col.url or col.url not in groups:
            col.url = rep
        col.fetched = True
        col.pages.extend(sorted(members, key=lambda u: (bool(PAGINATED_RE.search(u)), u)))
        for m in members:
            for iu, title, raw in infos[m].items:
                if iu in col.item_urls:
                    continue
                col.item_urls.add(iu)
                dead = infos[m].openable is not None and iu in infos[m].openable  # type: ignore[operator]
                if dead:
                    col.not_openable += 1
                pd = scan.page_dates.get(iu)
                other: date | None = None
                if raw and pd and not raw.startswith("--") and not pd.startswith("--") and raw[:10] != pd[:10]:
                    col.date_disagreements += 1  # the list's date counts (what a person reads), noted
                    other = _resolve_date(pd, "", as_of)
                d = _item_date(raw, iu, scan.page_dates, as_of)
                item_dates[iu] = d
                model.items.append(SiteItem(title=title.strip(), url=iu, date=d, column=col.path, openable=not dead,
                                            article_date=other))
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
            # a single-article column is dated by the article, as a person reads it
            shown = infos[rep].shown_date or infos[rep].page_date
            col.newest = _resolve_date(shown, "", as_of) if shown else None


def _article_pages(model: SiteModel, tree: _Tree, scan: _Scan, as_of: date) -> None:
    """Single content pages (a 指南 or 机构职能 page is an article, not a list): the column
    named by the article's breadcrumb, when the article is the column's own page. Articles
    no list showed are items of their breadcrumb's column."""
    resolve = scan.resolve
    for key, (_title, _d, crumbs) in scan.article_titles.items():
        if crumbs:
            col = tree.by_path.get(tuple(crumbs))
            if col is not None and (not col.fetched or col.url == key or resolve(col.url) == key):
                col.content_page = col.items == 0
                col.fetched = col.fetched or col.url == key or resolve(col.url) == key
                if col.content_page:  # dated by its article(s), as a person reads them
                    shown = scan.article_shown.get(key) or _d
                    when = _resolve_date(shown, "", as_of) if shown else None
                    if when and (col.newest is None or when > col.newest):
                        col.newest = when
    listed = {i.url for i in model.items}
    for key, (title, d, crumbs) in scan.article_titles.items():
        if key not in listed and title:
            model.items.append(SiteItem(title=title, url=key, date=_resolve_date(d, key, as_of),
                                        column=scan.shared_path(tuple(crumbs))))


def _homepage_items(model: SiteModel, tree: _Tree, scan: _Scan, platform: tuple[str, ...], as_of: date) -> None:
    home = scan.infos.get(scan.home_key)
    if home is None:
        return
    model.root.links = home.links
    model.root.phones = home.phones
    model.root.nav_order = list(dict.fromkeys(t for t, _ in home.nav))
    if platform:  # the platform column's page is the homepage: its menu orders the children
        tree.by_path[platform].nav_order = model.root.nav_order
    dead = home.openable or {}
    for iu, title, raw in home.items:
        model.homepage_items.append(SiteItem(title=title.strip(), url=iu,
                                             date=_item_date(raw, iu, scan.page_dates, as_of),
                                             column=(), openable=iu not in dead))


# ------------------------------------------------------------------------------------------
# dates


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


def _item_date(raw: str | None, url: str, page_dates: dict[str, str], as_of: date) -> date | None:
    """A list entry's date: the list's own, except that a year-implied one ("[06-29]")
    takes its year from the crawled article page when that page gives the same day."""
    pd = page_dates.get(url)
    if raw and raw.startswith("--") and pd and not pd.startswith("--") and pd[4:10] == raw[1:7]:
        raw = pd
    return _resolve_date(raw or pd, url, as_of)
