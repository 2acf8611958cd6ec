"""One crawled page, summarised for the model build: what kind of page it is (article,
list-like), its cleaned breadcrumb, menu links, items and pagination, in canonical URLs."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from crawler.model.page import PageRecord
from crawler.model.site import INDEX_RE, ArticleRef, canonical_url

HOME_NAMES = {"首页", "网站首页", "主页", "home", "Home", "HOME", "返回首页", "门户首页"}
TAIL_NAMES = {"正文", "详情", "详细信息", "内容", "正文内容", "列表", "信息列表", "文章", "浏览", "详细内容"}
PAGINATED_RE = re.compile(r"/(index|default)_\d+\.(s?html?)$", re.IGNORECASE)
_ARTICLE_URL_RE = re.compile(r"/t\d{8}_\d+|/art/\d{4}/|/content[_/]|/\d{6}/t\d+|/info/\d+/\d+|/c\d+/content", re.IGNORECASE)
_RELATION_TEXT = re.compile(r"解读|图解|读懂|问答|答记者问|原文|政策文件|视频|动漫|H5|《")


@dataclass
class PageInfo:
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
    shown_date: str | None = None  # the date a person reads on the page when it differs from page_date
    openable: dict[str, bool] | None = None  # item key → False for entries that do not open (None: all open)


def clean_crumbs(crumbs: list[str], home_texts: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Names after 首页: a leading site name standing for 首页 ("青溪县人民政府 > 新闻中心",
    linked to the site root, or the SiteName meta) goes too."""
    out = [c.strip() for c in crumbs if c and c.strip()]
    while out and (out[0] in HOME_NAMES or out[0].endswith("首页") or out[0] in home_texts):
        out = out[1:]
    while out and out[-1] in TAIL_NAMES:
        out = out[:-1]
    return [c[:40] for c in out]


def is_article(rec: PageRecord) -> bool:
    """Whether a page is an article (one item's own page), not a column's list: it names its
    article title (ArticleTitle meta), or has an article-shaped URL or a date of its own, with
    fewer than three list items (and, for a dated page, no pagination)."""
    if rec.meta.get("ArticleTitle") or rec.meta.get("articletitle"):
        return True
    if _ARTICLE_URL_RE.search(rec.url) and len(rec.items) < 3:
        return True
    return bool(rec.page_date) and len(rec.items) < 3 and not rec.pagination


def summarise(rec: PageRecord) -> PageInfo:
    url = canonical_url(rec.url)
    article = is_article(rec)
    crumb_links = [(lk.text.strip(), canonical_url(lk.url)) for lk in rec.links if lk.region == "breadcrumb"]
    home_texts = {t for t, u in crumb_links if t and urlsplit(u).path in ("", "/")}
    site_name = (rec.meta.get("SiteName") or "").strip()
    if site_name and "公开" not in site_name:
        home_texts.add(site_name)
    nav = [(lk.text.strip(), canonical_url(lk.url)) for lk in rec.links
           if lk.region == "nav" and lk.kind == "page" and lk.text.strip()]
    path = urlsplit(rec.url).path
    listish = (not article) and (
        bool(rec.items) or bool(rec.pagination) or path.endswith("/") or bool(INDEX_RE.search(path))
        or bool(rec.meta.get("ColumnName")) or bool(PAGINATED_RE.search(path))
    )
    return PageInfo(
        url=url,
        title=rec.title.strip(),
        breadcrumb=clean_crumbs(rec.breadcrumb, home_texts),
        crumb_links=crumb_links,
        column_name=(rec.meta.get("ColumnName") or rec.meta.get("columnname") or "").strip(),
        items=[(item_key(i.url, i.openable), i.title, i.date) for i in rec.items],
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
        shown_date=str(rec.text_facts["shown_date"])[:10] if rec.text_facts.get("shown_date") else None,
        openable={item_key(i.url, False): False for i in rec.items if not i.openable} or None,
    )


def item_key(url: str, openable: bool) -> str:
    """An entry's key: its canonical URL; an entry that does not open keeps the "#entry-N"
    fragment its list page's URL was given, so each stays one entry."""
    key = canonical_url(url)
    if not openable and "#" in url:
        key += "#" + url.rsplit("#", 1)[1]
    return key


def _int_or_none(v: Any) -> int | None:
    try:
        return int(v) if v is not None else None
    except (TypeError, ValueError):
        return None


def article_ref(rec: PageRecord, key: str, info: PageInfo) -> ArticleRef:
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

