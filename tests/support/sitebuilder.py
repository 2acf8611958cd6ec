"""Build small site models from PageRecords for check tests (no network)."""
from __future__ import annotations

from datetime import date

from crawler.model.build import SiteModel, build_site_model
from crawler.model.page import Link, ListItem, PageRecord

BASE = "http://site.test"


def page(path: str, crumbs: list[str] | None = None, items: list[tuple[str, str | None]] | None = None,
         nav: list[tuple[str, str]] | None = None, **kw) -> PageRecord:
    """A list page at `path` with breadcrumb names (after 首页) and (title, date) items."""
    url = BASE + path
    recs = [ListItem(f"{url}t{i}.html", title, d) for i, (title, d) in enumerate(items or [])]
    links = [Link(BASE + u, t, "page", "nav") for t, u in (nav or [])] + list(kw.pop("links", []))
    return PageRecord(url=url, status=200, breadcrumb=["首页", *(crumbs or [])], items=recs, links=links, **kw)


def site(*pages: PageRecord, as_of: date = date(2021, 12, 31), home_items=None, **kw) -> SiteModel:
    home = PageRecord(url=BASE + "/", status=200, title="首页",
                      items=[ListItem(f"{BASE}/h{i}.html", t, d) for i, (t, d) in enumerate(home_items or [])])
    return build_site_model([home, *pages], site_url=BASE + "/", as_of=as_of, **kw)


def disclosure_site(**kw) -> SiteModel:
    """政务公开 > 政府信息公开目录 > {指南, 政策解读 > 文字解读/图解, 地方政府债务 (empty)}."""
    return site(
        page("/zwgk/", ["政务公开"]),
        page("/zwgk/xxgkml/", ["政务公开", "政府信息公开目录"],
             nav=[("政府信息公开指南", "/zwgk/xxgkml/zn/"), ("法定主动公开内容", "/zwgk/xxgkml/fd/"),
                  ("政府信息公开制度", "/zwgk/xxgkml/zd/"), ("政府信息公开年报", "/zwgk/xxgkml/nb/")]),
        page("/zwgk/xxgkml/zn/", ["政务公开", "政府信息公开目录", "政府信息公开指南"], [("指南", "2021-01-01")]),
        page("/zwgk/xxgkml/zd/", ["政务公开", "政府信息公开目录", "政府信息公开制度"], [("制度", "2021-01-01")]),
        page("/zwgk/xxgkml/fd/", ["政务公开", "政府信息公开目录", "法定主动公开内容"], [("x", "2021-01-01")]),
        page("/zwgk/xxgkml/nb/", ["政务公开", "政府信息公开目录", "政府信息公开年报"],
             [("山城区2020年政府信息公开工作年度报告", "2021-01-28")]),
        page("/zwgk/zcjd/", ["政务公开", "政策解读"]),
        page("/zwgk/zcjd/wz/", ["政务公开", "政策解读", "文字解读"],
             [("《2021年度税费优惠指南》解读", "2021-12-01"), ("旧解读", "2021-03-01")]),
        page("/zwgk/zcjd/tj/", ["政务公开", "政策解读", "图解"], [("一图读懂", "--06-29")]),
        page("/zwgk/xxgkml/zfzw/", ["政务公开", "政府信息公开目录", "地方政府债务"], []),
        page("/xwdt/zwyw/", ["新闻动态", "政务要闻"], [("要闻", "2021-12-28")]),
        page("/xwdt/bmdt/", ["新闻动态", "部门动态"], [("动态", "2021-05-10")]),
        **kw,
    )
