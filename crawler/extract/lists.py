"""The page's list: which container holds the column's entries (scored against sidebars),
each entry's title and date, and Hanweb datastore records."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lhtml

from crawler.extract.common import MAX_ITEMS, MAX_LINKS, SKIP_TEXT_TAGS, cap, norm
from crawler.extract.urls import Resolver, link_kind
from crawler.extract.walk import ROW_TAGS, Walk, WalkLink
from crawler.text.dates import date_from_url, find_dates

_CONTAINER_TAGS = frozenset({"ul", "ol", "table", "tbody", "div", "dl", "section", "form", "td", "article",
                             "main", "center", "span"})
_NOT_TITLES = frozenset({"更多", "更多>>", "more", "more>>", "首页", "上一页", "下一页", "尾页", "末页", "查看更多",
                         "详细", "详情", "阅读全文", "全文", ">>", "<<"})
_BULLETS = " \u3000\xa0·•●◆■□▪▶►>-—"


def title_of(el: Any, lk: WalkLink) -> str:
    """The item title an anchor gives: its title attribute when the text is truncated or
    shorter, else the longest text piece (the date may share the anchor)."""
    t_attr = norm(el.get("title"))
    pieces = [p for p in (norm(x) for x in el.itertext()) if p]
    text = max(pieces, key=len) if len(pieces) > 1 else (pieces[0] if pieces else "")
    if t_attr and (len(t_attr) >= len(text) or text.endswith(("...", "…", "..")) or not text):
        text = t_attr
    return cap(text.strip(_BULLETS))


def title_like(title: str) -> bool:
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


def entry_date(entry: Any, anchor: Any, title: str, url: str) -> str | None:
    d = _best_date(_text_outside(entry, anchor))
    if d is None:
        # a date inside the anchor, beside the title (<a><span>标题</span><span>日期</span></a>)
        rest = " ".join(p for p in (norm(x) for x in anchor.itertext()) if p and p != title)
        d = _best_date(rest) if rest else None
    from_url = date_from_url(url)
    if d is None:
        return from_url
    if d.startswith("--") and from_url and from_url[4:] == d[1:]:
        return from_url
    return d


@dataclass
class Entry:
    el: Any
    anchor: Any
    link: WalkLink
    title: str
    date: str | None = None


def page_dir_of(url: str) -> str:
    try:
        p = urlsplit(url)
    except ValueError:
        return ""
    path = p.path if p.path.endswith("/") else p.path.rsplit("/", 1)[0] + "/"
    return f"{p.netloc.lower()}{path}"


def under(url: str, prefix: str) -> bool:
    try:
        p = urlsplit(url)
    except ValueError:
        return False
    return f"{p.netloc.lower()}{p.path}".startswith(prefix)


Scored = tuple[float, Any, list[Entry]]


DEAD = "dead"  # the kind of a list entry a person reads but cannot open
_NOT_ENTRY_RE = re.compile(r"今天|今日|星期|欢迎")


def dead_anchors(w: Walk, page_url: str) -> list[tuple[Any, WalkLink]]:
    """Entries a person reads as a dated list but cannot follow: a row (<li>, <tr>, <dd>) with
    a title and a date and no followable link — `<a href="javascript:;">`, `onclick=…`, an
    `<a>` without href, or plain text. Each gets a pseudo URL (the page's own, with an
    "#entry-N" fragment) and kind DEAD; it is never crawled nor link-checked."""
    if not w.rows:
        return []
    followable = {a for a, _ in w.anchors}
    base = page_url.split("#", 1)[0]
    out: list[tuple[Any, WalkLink]] = []
    for row, region in w.rows:
        if region in ("nav", "footer", "breadcrumb") or row in followable:
            continue
        best: tuple[Any, str] | None = None
        nested = False
        for el in row.iter():
            if not isinstance(el.tag, str):
                continue
            tag = el.tag.lower()
            if el is not row:
                if tag in ROW_TAGS or el in followable:
                    nested = True
                    break
                if tag in SKIP_TEXT_TAGS:
                    continue
            piece = norm(el.text)
            if el is not row and tag == "a" and not piece:
                piece = norm(el.text_content()) or norm(el.get("title"))
            piece = piece.strip(_BULLETS)
            if len(piece) >= 6 and (best is None or len(piece) > len(best[1])) and not find_dates(piece):
                best = (el, piece)
        if nested or best is None:
            continue
        el, title = best
        if not title_like(title):
            continue
        text = norm(row.text_content())
        if len(text) > 400 or _NOT_ENTRY_RE.search(text):
            continue
        d = _best_date(text.replace(title, " "))
        if d is None:
            continue
        out.append((el, WalkLink(f"{base}#entry-{len(out) + 1}", cap(title), DEAD, region or "list", el, d)))
        if len(out) >= MAX_ITEMS:
            break
    return out


_JS_FUNC_RE_T = r"""(?:function\s+{name}\s*\(\s*([A-Za-z_$][\w$]*)[^)]*\)|\b{name}\s*=\s*function\s*\(\s*([A-Za-z_$][\w$]*)[^)]*\))\s*\{{"""


def js_call_links(w: Walk, resolve: Resolver) -> list[tuple[Any, WalkLink]]:
    """Links behind onclick="f(arg)" calls whose function, in the page's own script, opens a
    literal URL joined with its argument: `function zhinan(id){ location.href = 'x?id=' + id }`.
    They join the walk's links (so they are crawled) and its anchors."""
    if not w.js_calls or not w.scripts:
        return []
    joined = "\n".join(w.scripts)[:500_000]
    templates: dict[str, tuple[str, str] | None] = {}
    out: list[tuple[Any, WalkLink]] = []
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
        lk = WalkLink(u, cap(norm(el.text_content()) or norm(el.get("title"))), link_kind(u), region, el)
        if len(w.links) < MAX_LINKS:
            w.links.append(lk)
        if lk.kind in ("page", "attachment"):
            out.append((el, lk))
    return out


def score_lists(anchors: list[tuple[Any, WalkLink]], article: bool, page_url: str = "",
                pager_els: list[Any] | None = None) -> list[Scored]:
    """Candidate list containers, best first: (score, container, good entries).

    A container scores by its entries (one title link each), more for dated entries and
    long titles; nav/sidebar regions count half. Two signals pick the column's own list
    over sidebars ("热点信息", "最新公开"): entries under the page's directory, and the
    pager sitting beside (or inside) the list."""
    page_dir = page_dir_of(page_url) if page_url else ""
    local_dir = page_dir if page_dir.count("/") > 1 else ""  # the site root says nothing
    pager_near = _pager_neighbourhood(pager_els)
    titles, link_of, groups = _group_anchors(anchors)
    scored: list[Scored] = []
    locals_of: dict[Any, int] = {}
    has_own = False
    for container, entries in groups.items():
        if len(entries) < 1:
            continue
        good = _good_entries(entries, titles, link_of)
        if not good:
            continue
        judged = _score_container(container, good, article, local_dir, pager_near)
        if judged is None:
            continue
        score, n_local, own = judged
        has_own = has_own or own
        scored.append((score, container, good))
        locals_of[container] = n_local
    if has_own:
        # a dated list mostly below the page's own directory is the column's list: a box of
        # other columns' items (最新动态, 热点信息), however long, is not
        scored = [t for t in scored if locals_of[t[1]]]
    scored.sort(key=lambda x: -x[0])
    return scored


def _pager_neighbourhood(pager_els: list[Any] | None) -> set[Any]:
    """The elements up to four levels above a pager: a list there is the paged one."""
    pager_near: set[Any] = set()
    for p in pager_els or ():
        node = p
        for _ in range(4):
            node = node.getparent()
            if node is None:
                break
            pager_near.add(node)
    return pager_near


def _group_anchors(anchors: list[tuple[Any, WalkLink]]
                   ) -> tuple[dict[Any, str], dict[Any, WalkLink], dict[Any, dict[Any, list[Any]]]]:
    """Title-like anchors grouped by the containers above them (up to six levels):
    (title of each anchor, its link, container → {entry child → its anchors})."""
    titles: dict[Any, str] = {}
    groups: dict[Any, dict[Any, list[Any]]] = {}
    link_of: dict[Any, WalkLink] = {}
    for a, lk in anchors:
        if lk.region == "breadcrumb":
            continue
        t = lk.text if lk.kind == DEAD else title_of(a, lk)
        if not title_like(t):
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
    return titles, link_of, groups


def _good_entries(entries: dict[Any, list[Any]], titles: dict[Any, str], link_of: dict[Any, WalkLink]) -> list[Entry]:
    """The entries of the container's most common child tag, each with one title link (a
    second link may be a short tag such as the column's name)."""
    tag_count: dict[str, int] = {}
    for child in entries:
        ct = child.tag.lower() if isinstance(child.tag, str) else ""
        tag_count[ct] = tag_count.get(ct, 0) + 1
    main_tag = max(tag_count, key=lambda k: tag_count[k])
    good: list[Entry] = []
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
        good.append(Entry(child, best, link_of[best], titles[best]))
    return good


def _score_container(container: Any, good: list[Entry], article: bool, local_dir: str,
                     pager_near: set[Any]) -> tuple[float, int, bool] | None:
    """(score, entries below the page's directory, whether it is the column's own dated
    list), or None when the container is no list. Dates the entries."""
    n = len(good)
    for e in good:
        e.date = e.link.date or entry_date(e.el, e.anchor, e.title, e.link.url)
    dated = sum(1 for e in good if e.date)
    avg = sum(len(e.title) for e in good) / n
    if n == 1 and (not good[0].date or article or container.tag.lower() not in ("ul", "ol", "table", "tbody", "dl")):
        return None
    if not (dated >= max(1, n * 0.5) or avg >= 10):
        return None
    if avg < 6 and sum(1 for e in good if e.date and e.date != date_from_url(e.link.url)) < max(1, n * 0.5):
        return None  # a row of short links (网站声明 | 联系我们) dated only by their URLs is no document list
    score = sum(1 + (1.5 if e.date else 0) + (0.5 if len(e.title) >= 12 else 0) for e in good)
    navish = sum(1 for e in good if e.link.region in ("nav", "footer"))
    if navish * 2 > n:
        score *= 0.5
    n_local = sum(1 for e in good if under(e.link.url, local_dir)) if local_dir else 0
    own = False
    if local_dir:
        score *= 1 + n_local / n
        if dated and n_local * 2 >= n:
            own = True
    if pager_near and (container in pager_near or container.getparent() in pager_near):
        score *= 1.5
    return score, n_local, own
def merge_siblings(best: Scored, scored: list[Scored]) -> list[Entry]:
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
    out: list[Entry] = []
    for child in parent:
        if child is container:
            out.extend(entries)
        elif child in same:
            out.extend(same[child])
    return out


_DATASTORE_RECORD_RE = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL | re.IGNORECASE)
_HANWEB_COL_RE = re.compile(r"/col/col(\d+)/")
_TOTAL_RECORD_RE = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.IGNORECASE)


def datastore_entries(w: Walk, resolve: Resolver, page_url: str = "") -> tuple[list[Entry], int | None, bool]:
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
    entries: list[Entry] = []
    for rec in frag:
        if not isinstance(rec.tag, str):
            continue
        best = None
        for a in ([rec] if rec.tag.lower() == "a" else rec.iter("a")):
            url = resolve(a.get("href"), count=False)
            if url is None:
                continue
            lk = WalkLink(url, cap(norm(a.text_content()) or norm(a.get("title"))), link_kind(url), "list", a)
            t = title_of(a, lk)
            if title_like(t) and (best is None or len(t) > len(best[2])):
                best = (a, lk, t)
        if best is None:
            continue
        a, lk, t = best
        entries.append(Entry(rec, a, lk, t, entry_date(rec, a, t, lk.url)))
    return entries, total, bool(own)


# ------------------------------------------------------------------------------------------


def list_entries(w: Walk, resolve: Resolver, url: str, article: bool) -> tuple[list[Entry], int | None]:
    """The page's list: the entries of the best-scored container (with its split siblings)
    or the Hanweb datastore records, whichever is the column's own; the links inside the
    entries become region "list". Also the total the list states (<totalrecord>)."""
    scored = score_lists(w.anchors + dead_anchors(w, url), article, url, w.pager_els)
    entries: list[Entry] = merge_siblings(scored[0], scored) if scored else []
    ds_entries, list_total, ds_own = datastore_entries(w, resolve, url)
    if entries and not ds_own and w.empty_marker and not article:
        # "暂无信息" and no candidate entry below the page's own directory: the column's list is
        # empty, and the list found is a sidebar (最新信息, 热点排行) of other columns' items
        own_dir = page_dir_of(url)
        if own_dir.count("/") > 1 and not any(under(e.link.url, own_dir) for e in entries):
            entries = []
    if ds_own or len(ds_entries) > len(entries):
        entries = ds_entries
        for e in ds_entries:
            if len(w.links) < MAX_LINKS:
                w.links.append(WalkLink(e.link.url, e.link.text, e.link.kind, "list", None))
    elif entries:
        _mark_list_links(w, entries)
    return entries, list_total


def _mark_list_links(w: Walk, entries: list[Entry]) -> None:
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
