"""Where a list page leads: its other pages (pager links, TRS createPageHTML, script
pagers, numbered siblings) and its forward (meta refresh, script redirect)."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from crawler.extract.common import MAX_PAGINATION, NUM_RE, PAGER_WORDS_ANYWHERE, norm
from crawler.extract.urls import Resolver
from crawler.extract.walk import Walk
from crawler.model.page import Link

_CREATE_PAGE_RE = re.compile(r"(?<![\w.])(?<!function )createPageHTML\s*\(([^()]*)\)")
_PAGE_PARAM_RE = re.compile(r"(?:^|[?&])(?:page|pageno|pageindex|pagenum|currentpage|curpage|p|pn|pageNo|pageIndex|"
                            r"cpage|page_no|start)=\d+", re.IGNORECASE)
_INDEX_N_RE = re.compile(r"_(\d+)\.(s?html?|jsp|php|aspx?)$", re.IGNORECASE)
_PAGER_WORDS = frozenset({"下一页", "下页", "后一页", "上一页", "上页", "前一页", "尾页", "末页", "最后一页",
                          "最末页", "首页", "第一页", "next", "prev", "previous", "last", "first", ">", ">>",
                          "<", "<<", "»", "«", "›", "‹", "下一页>", "<上一页", "下一页>>", "<<上一页"})


def _js_value(name: str, scripts: str) -> str | None:
    m = re.search(rf"\b{re.escape(name)}\s*=\s*[\"']?([\w.\-]+)[\"']?\s*[;,\n]", scripts)
    return m.group(1) if m else None


def trs_pagination(url: str, scripts: list[str]) -> list[str]:
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
                if a and not NUM_RE.match(a) and re.fullmatch(r"[A-Za-z_$][\w$]*", a):
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
            if not NUM_RE.match(vals[0]) and len(vals) >= 5 and NUM_RE.match(vals[1]):
                vals = vals[1:]
            if not (NUM_RE.match(vals[0]) and NUM_RE.match(vals[1])):
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
        ok = n_links <= 40 and len(norm(el.text_content())) <= 600
        cache[el] = ok
    return ok


def pager_urls(url: str, w: Walk) -> list[str]:
    out: list[str] = []
    cache: dict[Any, bool] = {}
    for u, text, pager in w.pager_anchors:
        t = text.strip().lower()
        if pager is None:
            if t in PAGER_WORDS_ANYWHERE:
                out.append(u)
        elif (t in _PAGER_WORDS or NUM_RE.match(t)) and _small_pager(pager, cache):
            out.append(u)
    # numbered siblings of this list page outside a recognised pager (index_3.html, ?page=3)
    try:
        cur = urlsplit(url)
    except ValueError:
        return out
    cur_dir = cur.path.rsplit("/", 1)[0]
    for lk in w.links:
        if lk.kind != "page" or not NUM_RE.match(lk.text.strip()):
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


def js_page_urls(w: Walk, resolve: Resolver) -> list[str]:
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


_REFRESH_RE = re.compile(r"^\s*[\d.]*\s*[;,]?\s*(?:url\s*=\s*)?[\"']?\s*([^\"'\s][^\"']*?)\s*[\"']?\s*;?\s*$", re.IGNORECASE)
_JS_FORWARD_RE = re.compile(
    r"""(?:(?:window|self|top|document|parent)\s*\.\s*)?location(?:\s*\.\s*href)?\s*=\s*["']([^"']+)["']"""
    r"""|location\s*\.\s*(?:replace|assign)\s*\(\s*["']([^"']+)["']\s*\)""",
    re.IGNORECASE,
)


def refresh_target(content: str | None, resolve: Resolver) -> str | None:
    if not content:
        return None
    m = _REFRESH_RE.match(content)
    if not m:
        return None
    target = m.group(1).strip()
    if not target or NUM_RE.match(target):
        return None
    return resolve(target, count=False)




def pagination(url: str, w: Walk, resolve: Resolver) -> list[str]:
    """The list's other pages, each once, in the order found (TRS, pager, script pager)."""
    pages: list[str] = []
    seen_pages = {url}
    for u in trs_pagination(url, w.scripts) + pager_urls(url, w) + js_page_urls(w, resolve):
        if u not in seen_pages:
            seen_pages.add(u)
            pages.append(u)
    return pages[:MAX_PAGINATION]


def forward_target(url: str, w: Walk, resolve: Resolver, page_text: str, links: list[Link]) -> str | None:
    """Where the page forwards to: its meta refresh, or, for a near-empty page with at
    most three page links, a script's location change. None when it stays (or points to itself)."""
    target = refresh_target(w.refresh, resolve)
    if target is None and w.scripts and len(page_text) < 400:
        n_page_links = sum(1 for lk in links if lk.kind == "page")
        if n_page_links <= 3:
            for s in w.scripts:
                m = _JS_FORWARD_RE.search(s)
                if m:
                    target = resolve(m.group(1) or m.group(2), count=False)
                    if target:
                        break
    return target if target and target != url else None
