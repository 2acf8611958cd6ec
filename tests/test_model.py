"""The site model: column paths, pagination, aliases, dates, empty vs content pages."""
from __future__ import annotations

from datetime import date

from sitebuilder import BASE, page, site

from crawler.model import canonical_url
from crawler.page import Link, PageRecord


def test_pagination_pages_merge_into_one_column_with_max_date():
    first = page("/xw/zwyw/", ["新闻动态", "政务要闻"], [("置顶旧闻", "2021-10-15"), ("新闻", "2021-12-28")],
                 pagination=[BASE + "/xw/zwyw/index_1.html", BASE + "/xw/zwyw/index_2.html"])
    p1 = page("/xw/zwyw/index_1.html", ["新闻动态", "政务要闻"], [("a", "2021-09-01"), ("b", "2021-08-01")],
              pagination=[BASE + "/xw/zwyw/", BASE + "/xw/zwyw/index_2.html"])
    p2 = page("/xw/zwyw/index_2.html", ["新闻动态", "政务要闻"], [("c", "2021-07-01")])
    m = site(first, p1, p2)
    col = m.column_at(("新闻动态", "政务要闻"))
    assert col is not None and col.items == 5 and col.newest == date(2021, 12, 28)
    assert col.url == canonical_url(BASE + "/xw/zwyw/")
    assert [c.path for c in m.columns] == [("新闻动态",), ("新闻动态", "政务要闻")]


def test_meta_refresh_stub_and_redirect_resolve_to_target_column():
    stub = PageRecord(url=BASE + "/zwgk/jcgk/", status=200, refresh_to=BASE + "/zwgk/xxgkml/jcgk/")
    redirect = PageRecord(url=BASE + "/old/", status=301, refresh_to=BASE + "/zwgk/xxgkml/jcgk/")
    target = page("/zwgk/xxgkml/jcgk/", ["政务公开", "政府信息公开目录", "基层政务公开"], [("x", "2021-09-28")])
    m = site(stub, redirect, target)
    assert [c.path[-1] for c in m.columns if c.fetched] == ["基层政务公开"]
    assert m.failed_pages == []  # a recorded redirect is not a failure


def test_column_without_breadcrumb_named_by_meta_or_anchor_and_placed_by_menu():
    parent = page("/zwgk/", ["政务公开"], [("y", "2021-01-01")],
                  nav=[("统计数据", "/zwgk/tjsj/")])
    child = PageRecord(url=BASE + "/zwgk/tjsj/", status=200, meta={"ColumnName": "统计信息"},
                       items=[], text_facts={})
    orphan = PageRecord(url=BASE + "/zwgk/ysj/", status=200, title="预决算_某某区人民政府")
    m = site(parent, child, orphan)
    paths = {c.path for c in m.columns}
    assert ("政务公开", "统计信息") in paths  # ColumnName meta beats the anchor text
    assert ("政务公开", "预决算") in paths  # title before the site name, parent by URL directory


def test_empty_list_vs_content_page():
    empty = page("/zwgk/zw/", ["政务公开", "地方政府债务"], [], text_facts={"content_length": 12})
    content = page("/zwgk/lxfs/", ["政务公开", "联系方式"], [], text_facts={"content_length": 400})
    m = site(empty, content)
    assert m.column_at(("政务公开", "地方政府债务")).empty
    assert not m.column_at(("政务公开", "联系方式")).empty


def test_article_breadcrumbs_prove_columns_and_give_ancestor_urls():
    art = PageRecord(url=BASE + "/zwgk/zcjd/sp/202112/t20211201_1.html", status=200, title="视频解读",
                     meta={"ArticleTitle": "视频解读"}, page_date="2021-12-01",
                     breadcrumb=["首页", "政务公开", "政策解读", "视频"],
                     links=[Link(BASE + "/zwgk/zcjd/", "政策解读", "page", "breadcrumb")])
    m = site(art)
    assert m.column_at(("政务公开", "政策解读", "视频")) is not None
    assert m.column_at(("政务公开", "政策解读")).url == canonical_url(BASE + "/zwgk/zcjd/")
    assert any(i.title == "视频解读" and i.date == date(2021, 12, 1) for i in m.items)


def test_year_implied_date_prefers_url_date_then_audit_year():
    from crawler.page import ListItem
    col = page("/tz/", ["通知公告"], [])
    col.items = [ListItem(BASE + "/tz/202011/t20201115_1.html", "旧通知", "--11-15"),
                 ListItem(BASE + "/tz/a.html", "新通知", "--12-20"),
                 ListItem(BASE + "/tz/b.html", "未来日期回退一年", "--12-31")]
    m = site(col, as_of=date(2021, 12, 30))
    got = {i.title: i.date for i in m.items}
    assert got == {"旧通知": date(2020, 11, 15), "新通知": date(2021, 12, 20), "未来日期回退一年": date(2020, 12, 31)}
