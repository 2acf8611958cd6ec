"""The site model: column paths, pagination, aliases, dates, empty vs content pages."""
from __future__ import annotations

from datetime import date

from crawler.model.build import build_site_model, canonical_url
from crawler.model.page import Link, ListItem, PageRecord
from tests.support.sitebuilder import BASE, page, site


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
    from crawler.model.page import ListItem
    col = page("/tz/", ["通知公告"], [])
    col.items = [ListItem(BASE + "/tz/202011/t20201115_1.html", "旧通知", "--11-15"),
                 ListItem(BASE + "/tz/a.html", "新通知", "--12-20"),
                 ListItem(BASE + "/tz/b.html", "未来日期回退一年", "--12-31")]
    m = site(col, as_of=date(2021, 12, 30))
    got = {i.title: i.date for i in m.items}
    assert got == {"旧通知": date(2020, 11, 15), "新通知": date(2021, 12, 20), "未来日期回退一年": date(2020, 12, 31)}


# -- conventions from the CMS fixture sites (tests/fixtures/sites, test_model_sites.py) ---------
def _menu(*links: tuple[str, str]) -> list[Link]:
    return [Link(BASE + u, t, "page", "nav") for t, u in links]


# other columns of the site, so that a left menu on a few pages is local, not site-wide
_OTHERS = [page(f"/col/col9{i}/", ["新闻中心", f"栏目{i}"], [("x", "2022-01-01")]) for i in range(8)]


def test_crumbless_column_takes_its_menu_mates_parent_whatever_the_crawl_order():
    """Hanweb: 视频解读 has only a ColumnName meta. Its left menu is shared with its siblings
    (flat /col/colNNN/ URLs say nothing); a sibling crawled first is not its parent."""
    menu = _menu(("文字解读", "/col/col51/"), ("图片解读", "/col/col52/"), ("视频解读", "/col/col53/"))
    wz = page("/col/col51/", ["政务公开", "政策解读", "文字解读"], [("a", "2022-06-29")], links=menu,
              meta={"ColumnName": "文字解读"})
    sp = PageRecord(url=BASE + "/col/col53/", status=200, meta={"ColumnName": "视频解读"}, links=menu,
                    items=[ListItem(BASE + "/art/2022/5/30/art_53_1.html", "视频", "2022-05-30")])
    tp = page("/col/col52/", ["政务公开", "政策解读", "图片解读"], [("b", "2022-06-15")], links=menu)
    zc = page("/col/col50/", ["政务公开", "政策解读"], [], links=menu)
    for order in ([wz, sp, tp, zc], [sp, zc, wz, tp], [zc, tp, wz, sp]):
        m = site(*order, *_OTHERS)
        assert m.column_at(("政务公开", "政策解读", "视频解读")) is not None, [c.path for c in m.columns]


def test_sibling_sharing_a_menu_is_not_a_parent():
    """Without breadcrumbs anywhere: a page whose menu links back is a sibling."""
    menu = _menu(("文字解读", "/col/col51/"), ("视频解读", "/col/col53/"))
    zc = page("/col/col50/", [], [], links=menu, meta={"ColumnName": "政策解读"})
    zc.breadcrumb = []
    wz = PageRecord(url=BASE + "/col/col51/", status=200, meta={"ColumnName": "文字解读"}, links=menu)
    sp = PageRecord(url=BASE + "/col/col53/", status=200, meta={"ColumnName": "视频解读"}, links=menu)
    m = site(wz, sp, zc, *_OTHERS)
    assert m.column_at(("政策解读", "视频解读")) is not None, [c.path for c in m.columns]
    assert m.column_at(("政策解读", "文字解读")) is not None


def test_nested_tree_menu_gives_the_parent_when_urls_do_not():
    """An xxgk platform's tree nests 统计信息 (/tjxx/) under 法定主动公开内容 (/fdzdgknr/)."""
    tree = {"nav_tree": [[BASE + "/tjxx/", BASE + "/fdzdgknr/"], [BASE + "/fdzdgknr/czyjs/", BASE + "/fdzdgknr/"]]}
    nav = _menu(("法定主动公开内容", "/fdzdgknr/"), ("统计信息", "/tjxx/"), ("财政预决算", "/fdzdgknr/czyjs/"))
    pages = [PageRecord(url=BASE + u, status=200, links=nav, text_facts=dict(tree),
                        items=[ListItem(BASE + u + "202203/t20220310_1.html", "x", "2022-03-10")])
             for u in ("/fdzdgknr/", "/tjxx/", "/fdzdgknr/czyjs/")]
    m = site(*pages)
    paths = {c.path for c in m.columns}
    assert ("法定主动公开内容", "统计信息") in paths and ("法定主动公开内容", "财政预决算") in paths, paths


def test_standalone_disclosure_platform_is_the_disclosure_root():
    from crawler.checks.columns import find_columns
    from crawler.text.names import default_synonyms

    home = PageRecord(url=BASE + "/", status=200, title="江源区政府信息公开平台",
                      links=_menu(("法定主动公开内容", "/fdzdgknr/"), ("政府信息公开年报", "/nb/")))
    fd = PageRecord(url=BASE + "/fdzdgknr/", status=200, links=_menu(("财政预决算", "/fdzdgknr/czyjs/")),
                    meta={"ColumnName": "法定主动公开内容"})
    cz = PageRecord(url=BASE + "/fdzdgknr/czyjs/", status=200, meta={"ColumnName": "财政预决算"},
                    items=[ListItem(BASE + "/fdzdgknr/czyjs/202202/t20220208_1.html", "预算", "2022-02-08")])
    m = build_site_model([home, fd, cz], site_url=BASE + "/", as_of=date(2022, 7, 10))
    assert [c.path for c in m.columns] == [("政府信息公开平台",), ("政府信息公开平台", "法定主动公开内容"),
                                           ("政府信息公开平台", "法定主动公开内容", "财政预决算")]
    syn = default_synonyms()
    assert find_columns(m, ("政府信息公开", "法定主动公开内容", "预算/决算"), syn)
    assert find_columns(m, ("政府信息公开",), syn)[0].path == ("政府信息公开平台",)
    assert m.column_at(("政府信息公开平台",)).nav_order == ["法定主动公开内容", "政府信息公开年报"]
    # an ordinary portal's columns are not moved
    home.title = "江源区人民政府"
    m = build_site_model([home, fd, cz], site_url=BASE + "/", as_of=date(2022, 7, 10))
    assert m.column_at(("法定主动公开内容", "财政预决算")) is not None


def test_list_total_counts_entries_the_first_group_does_not_hold():
    col = page("/col/col60/", ["政务公开", "通知公告"], [("a", "2022-07-05"), ("b", "2022-06-26")],
               text_facts={"list_total": 8})
    assert site(col).column_at(("政务公开", "通知公告")).items == 8


def test_year_implied_list_date_takes_the_year_from_the_article_page():
    col = page("/xxgk/czyjs/", ["信息公开", "财政预决算"], [])
    col.items = [ListItem(BASE + "/xxgk/czyjs/1030.html", "2021年预算", "--06-29"),
                 ListItem(BASE + "/xxgk/czyjs/1035.html", "未抓取", "--06-20")]
    art = PageRecord(url=BASE + "/xxgk/czyjs/1030.html", status=200, title="2021年预算", page_date="2021-06-29")
    m = site(col, art, as_of=date(2022, 7, 10))
    got = {i.title: i.date for i in m.items if i.column}
    assert got == {"2021年预算": date(2021, 6, 29), "未抓取": date(2022, 6, 20)}
    assert m.column_at(("信息公开", "财政预决算")).newest == date(2022, 6, 20)


def test_breadcrumb_starting_with_the_site_name_is_read_as_home():
    crumbs = Link(BASE + "/index.html", "青溪县人民政府", "page", "breadcrumb")
    col = page("/hdjl/yjzj/", [], [("征集", "2022-06-01")], links=[crumbs])
    col.breadcrumb = ["青溪县人民政府", "互动交流", "意见征集"]
    named = page("/hdjl/xx/", [], [("信箱", "2022-06-01")], meta={"SiteName": "青溪县人民政府"})
    named.breadcrumb = ["青溪县人民政府", "互动交流", "县长信箱"]
    m = site(col, named)
    assert {c.path for c in m.columns} == {("互动交流",), ("互动交流", "意见征集"), ("互动交流", "县长信箱")}


def test_column_whose_list_is_an_iframe_page():
    tree = [("政府信息公开年报", "/zfxxgknb/"), ("政府信息公开制度", "/zfxxgkzd/")]
    wrapper = PageRecord(url=BASE + "/zfxxgknb/", status=200, links=_menu(*tree),
                         text_facts={"frame": BASE + "/zfxxgknb/list.html", "content_length": 20})
    framed = PageRecord(url=BASE + "/zfxxgknb/list.html", status=200, title="信息列表",
                        items=[ListItem(BASE + "/zfxxgknb/202201/t20220128_1.html", "2021年年报", "2022-01-28")])
    others = [PageRecord(url=BASE + f"/c{i}/", status=200, links=_menu(*tree), meta={"ColumnName": f"栏目{i}"},
                         items=[ListItem(BASE + f"/c{i}/t20220101_{i}.html", "x", "2022-01-01")]) for i in range(6)]
    m = site(*others, wrapper, framed)
    col = m.column_at(("政府信息公开年报",))
    assert col is not None and col.items == 1 and not col.empty, [c.path for c in m.columns]
    assert not any(c.name == "信息列表" for c in m.columns)


def test_stub_url_in_a_sitewide_menu_does_not_make_every_page_its_parent():
    """/tzgg/ (an old URL, 301 → /xxgk/tzgg/) is in the menu of every page: not a local link."""
    menu = _menu(("通知公告", "/tzgg/"))
    others = [page(f"/c{i}/", ["新闻中心", f"栏目{i}"], [("x", "2022-01-01")], links=menu) for i in range(6)]
    moved = PageRecord(url=BASE + "/tzgg/", status=301, refresh_to=BASE + "/xxgk/tzgg/")
    root = page("/xxgk/", ["信息公开"], [])
    tz = PageRecord(url=BASE + "/xxgk/tzgg/", status=200, links=menu,
                    items=[ListItem(BASE + "/xxgk/tzgg/1.html", "通知", "2022-07-05")])
    m = site(*others, moved, root, tz)
    assert m.column_at(("信息公开", "通知公告")) is not None, [c.path for c in m.columns]
