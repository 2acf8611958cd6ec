"""Lists read the way a person reads them (issue 13), one page or model at a time:
entries without a followable link, lists built by script from embedded data, links behind
onclick calls, the date a person reads on an article, menu entries that open an article."""
from __future__ import annotations

from datetime import date

from crawler.checks import REGISTRY, CheckContext, build_params
from crawler.crawl.render import needs_render
from crawler.extract.page import extract_page
from crawler.model.build import canonical_url
from crawler.model.page import ListItem, PageRecord
from crawler.text.names import default_synonyms
from tests.support import FIXTURES
from tests.support.sitebuilder import BASE, page, site

SHAPES = FIXTURES / "shapes"
HTML = {"content-type": "text/html; charset=utf-8"}


def _extract(html: str, url: str = "http://xian.test/lm/") -> PageRecord:
    return extract_page(url, 200, HTML, html.encode())


def _shape(folder: str) -> PageRecord:
    return extract_page(f"http://xian.test/{folder}/", 200, HTML, (SHAPES / folder / "index.html").read_bytes())


# -- entries without a followable link ------------------------------------------------------

def test_entries_without_followable_link_are_counted_dated_and_not_openable():
    rec = _shape("tzgg")
    assert len(rec.items) == 5
    assert all(not i.openable for i in rec.items)
    # the commented-out 2022-05-01 is not what a person reads; 日期：/日间： labels are
    assert max(i.date for i in rec.items if i.date) == "2021-03-15"
    assert sorted(i.date for i in rec.items) == ["2018-08-07", "2020-10-09", "2020-12-02", "2021-02-08", "2021-03-15"]
    # each entry is its own item, none of them a link to crawl or check
    assert len({i.url for i in rec.items}) == 5
    assert not any("#entry-" in lk.url for lk in rec.links)


def test_followable_lists_stay_openable():
    rec = _shape("zcjd")
    assert len(rec.items) == 5 and all(i.openable for i in rec.items)


def test_clock_rows_and_undated_script_links_are_not_entries():
    rec = _extract("""<html><body>
      <ul class="top"><li>今天是：2024年8月1日 星期四 欢迎访问某某县人民政府网站</li></ul>
      <div class="main"><ul>
        <li><a href="javascript:;">机构设置与领导分工</a></li>
        <li><a href="javascript:void(0)">部门工作动态汇总</a></li>
      </ul><p>本栏目介绍本县政府机构设置情况。</p></div></body></html>""")
    assert rec.items == []


def test_short_links_dated_only_by_url_are_not_a_document_list():
    rec = _extract("""<html><body><div class="main"><p>某某县政府信息公开指南正文。</p></div>
      <div class="links"><a href="/lm/">返回首页</a> | <a href="/wzsm/201709/t20170912_1.html">网站声明</a> |
      <a href="/lxwm/201709/t20170912_2.html">联系我们</a> | <a href="/wzdt/">网站地图</a></div></body></html>""")
    assert rec.items == []


# -- lists built by script ------------------------------------------------------------------

def test_list_built_from_embedded_json_is_read_without_a_browser():
    rec = _shape("rsxx")
    assert [i.date for i in rec.items] == ["2024-07-25", "2024-05-10", "2024-03-02"]
    assert all(i.openable for i in rec.items)
    assert rec.items[0].url == "http://xian.test/rsxx/202407/t20240725_12.html"
    assert rec.text_facts["script_list"] == 3
    assert needs_render((SHAPES / "rsxx" / "index.html").read_text(encoding="utf-8"), rec) is None


def test_vue_state_with_unquoted_keys_is_read():
    rec = _shape("zdxm")
    assert [(i.title[:6], i.date) for i in rec.items] == [
        ("某某县城区供", "2024-03-18"), ("某某县县道X", "2024-01-09"), ("某某县第二中", "2023-11-22")]


def test_script_data_without_dates_or_beside_a_real_list_is_not_a_list():
    menu_only = _extract("""<html><body><div id="menu"></div><script>
      var menu = [{title: "政府信息公开指南", url: "/zn/"}, {title: "政府信息公开年报", url: "/nb/"}];
      </script></body></html>""")
    assert menu_only.items == []
    both = _extract("""<html><body><ul class="list">
      <li><a href="/lm/202401/t20240105_1.html">某某县关于春节期间值班安排的通知</a><span>2024-01-05</span></li>
      <li><a href="/lm/202312/t20231201_2.html">某某县关于开展冬季消防检查的通知</a><span>2023-12-01</span></li>
      </ul><script>var hot = [{"title": "某某县热点信息排行第一名", "time": "2019-01-01"}];</script></body></html>""")
    assert [i.date for i in both.items] == ["2024-01-05", "2023-12-01"]
    assert "script_list" not in both.text_facts


# -- links behind onclick calls -------------------------------------------------------------

def test_onclick_call_opens_the_url_its_function_builds():
    rec = _extract("""<html><head><script>
      function zhinan(id){ document.location.href = 'seal/zhinan?id=' + id }
      function tip(id){ alert('建设中' + id) }
      </script></head><body><ul class="nav"><li><a onclick="zhinan(2)">政府信息公开指南</a></li>
      <li><a onclick="tip(3)">政府信息公开年报</a></li></ul></body></html>""", url="http://xian.test/xxgk/")
    urls = {lk.url: lk.text for lk in rec.links if lk.kind == "page"}
    assert urls.get("http://xian.test/xxgk/seal/zhinan?id=2") == "政府信息公开指南"
    assert not any("id=3" in u for u in urls)  # a function that opens nothing gives no link


def test_whole_row_click_that_builds_a_url_is_an_entry_and_one_that_opens_nothing_is_dead():
    rec = _shape("xzxk")
    opened = {i.url: i.date for i in rec.items if i.openable}
    assert opened == {"http://xian.test/xzxk/content_305.html": "2024-06-18",
                      "http://xian.test/xzxk/content_298.html": "2024-05-27",
                      "http://xian.test/xzxk/content_287.html": "2024-04-09"}  # <p onclick>, <li onclick>
    (dead,) = [i for i in rec.items if not i.openable]
    assert dead.date == "2024-07-02" and "#entry-" in dead.url  # tip() only alerts: nothing opens
    crawled = {lk.url for lk in rec.links if lk.kind == "page" and lk.region == "list"}
    assert "http://xian.test/xzxk/content_287.html" in crawled and not any("#entry-" in u for u in crawled)
    # a row whose onclick names the page outright is a link too
    direct = _extract("""<html><body><table class="list">
      <tr onclick="window.open('/lm/202405/t20240509_3.html')"><td>某某县关于公布2024年第一批行政许可事项的通知</td>
      <td>2024-05-09</td></tr>
      <tr onclick="window.open('/lm/202404/t20240411_2.html')"><td>某某县关于调整部分行政许可办理时限的通知</td>
      <td>2024-04-11</td></tr></table></body></html>""")
    assert [(i.url, i.date, i.openable) for i in direct.items] == [
        ("http://xian.test/lm/202405/t20240509_3.html", "2024-05-09", True),
        ("http://xian.test/lm/202404/t20240411_2.html", "2024-04-11", True)]
    # the row opens what its inner javascript:; link does not
    row = _extract("""<html><body><ul class="list">
      <li onclick="location.href='/lm/202405/t20240509_3.html'"><a href="javascript:;">某某县关于公布2024年第一批行政许可事项的通知</a>
      <span>2024-05-09</span></li>
      <li onclick="location.href='/lm/202404/t20240411_2.html'"><a href="javascript:;">某某县关于调整部分行政许可办理时限的通知</a>
      <span>2024-04-11</span></li></ul></body></html>""")
    assert [(i.url, i.openable) for i in row.items] == [("http://xian.test/lm/202405/t20240509_3.html", True),
                                                       ("http://xian.test/lm/202404/t20240411_2.html", True)]


# -- the date a person reads on an article ---------------------------------------------------

def test_shown_date_of_a_republished_article_differs_from_pubdate():
    rec = _extract("""<html><head><meta name="PubDate" content="2023-05-12 23:20"></head><body>
      <div class="top">今天是2024年2月22日 星期四</div><h1>某某局开展安全检查</h1>
      <div class="info">发布时间：2009-09-30 10:53 来源：某某局</div><div class="content"><p>正文。</p></div>
      </body></html>""", url="http://xian.test/a/200909/t20090930_1.html")
    assert rec.page_date == "2023-05-12"  # the meta stays the page's PubDate
    assert rec.text_facts["shown_date"] == "2009-09-30"


def test_unlabelled_date_beside_source_is_the_shown_date_and_a_clock_is_not():
    rec = _extract("""<html><body><div class="top">今天：2024年2月22日 星期四</div>
      <h1>某某市开展服务企业活动月</h1><div class="info">2020年09月15日 09时32分 来源：某某日报</div>
      <div class="content"><p>正文。</p></div></body></html>""", url="http://xian.test/zn/")
    assert rec.text_facts["shown_date"] == "2020-09-15"
    clock_only = _extract("""<html><body><div class="top">今天：2024年2月22日 星期四</div>
      <h1>机构职能</h1><div class="content"><p>某某局负责全县的有关工作。</p></div></body></html>""")
    assert "shown_date" not in clock_only.text_facts


def test_record_date_is_read_when_no_publication_date_is_shown_and_page_times_never_are():
    # a 政府信息公开 info table giving only 生成日期, on a page whose PubDate meta is the time it
    # was last rendered (页面生成时间): a person reads the 生成日期 as the document's date
    rec = _extract("""<html><head><meta name="PubDate" content="2023-09-20 08:00:00"></head><body>
      <dl class="meta"><dd>索 引 号：000000000A/2023-0000001</dd><dd>生成日期：2023-06-02</dd>
      <dd>公开方式：主动公开</dd></dl><h1>某某县2022年统计公报</h1>
      <div class="rel"><ul><li><a href="/a/1.html">图解：某某县2022年统计公报</a><span>2023-07-01</span></li></ul></div>
      <div class="content"><p>正文。</p></div><div class="foot">页面生成日期：2023-09-20</div></body></html>""",
                   url="http://xian.test/tjxx/")
    assert rec.page_date == "2023-09-20" and rec.text_facts["shown_date"] == "2023-06-02"
    # a publication date shown beside it wins over the record date
    both = _extract("""<html><body><table><tr><td>生成日期：</td><td>2024-05-30</td></tr></table>
      <h1>某某部关于开展活动的通知</h1><div>发布日期：2024-06-10 来源：某某部</div></body></html>""")
    assert both.page_date == "2024-06-10"
    # dates of the page or of the visit are never the document's date
    visit = _extract("""<html><body><h1>某某县人民政府机构职能</h1>
      <div class="tool">打印日期：2024-08-01 访问时间：2024-08-01 10:00 当前时间：2024-08-01</div>
      <div class="content"><p>某某县人民政府负责本县行政工作。</p></div></body></html>""")
    assert visit.page_date is None and "shown_date" not in visit.text_facts
    rendered = _extract("""<html><body><h1>机构职能</h1><p>某某局负责全县的有关工作。</p>
      <div class="foot">页面生成日期：2024-08-01</div></body></html>""")
    assert rendered.page_date is None


# -- the site model -------------------------------------------------------------------------

def _article(path: str, title: str, pub: str, crumbs: list[str], **facts) -> PageRecord:
    return PageRecord(url=BASE + path, status=200, title=title, meta={"ArticleTitle": title}, page_date=pub,
                      breadcrumb=["首页", *crumbs], text_facts={"content_length": 600, **facts})


def test_menu_entry_opening_an_article_is_a_single_article_column_dated_by_what_is_shown():
    menu = page("/zwgk/", ["政务公开"], [("x", "2021-11-01")],
                nav=[("机构职能", "/news/202103/t20210301_9.html"), ("某某县召开全县安全生产工作会议", "/news/202112/t1.html")])
    jgzn = _article("/news/202103/t20210301_9.html", "某某县人民政府机构职能", "2021-06-01", ["新闻中心"],
                    shown_date="2021-03-01")
    headline = _article("/news/202112/t1.html", "某某县召开全县安全生产工作会议", "2021-12-01", ["新闻中心"])
    m = site(menu, jgzn, headline)
    cols = {c.path[-1]: c for c in m.columns}
    col = cols.get("机构职能")
    assert col is not None and col.content_page and not col.empty
    assert col.newest == date(2021, 3, 1)  # the date the page shows, not its PubDate meta
    assert "某某县召开全县安全生产工作会议" not in cols  # a headline in a menu is no column


def test_column_page_showing_an_article_is_dated_by_it():
    zn = page("/zwgk/zn/", ["政务公开", "政府信息公开指南"], [], page_date=None,
              text_facts={"content_length": 800, "shown_date": "2022-03-01"})
    m = site(zn)
    col = m.column_at(("政务公开", "政府信息公开指南"))
    assert col.content_page and col.newest == date(2022, 3, 1)
    bare = page("/zwgk/lxfs/", ["政务公开", "联系方式"], [], text_facts={"content_length": 400})
    assert site(bare).column_at(("政务公开", "联系方式")).newest is None  # no date shown: none invented


def test_dead_entries_count_and_list_date_wins_over_pubdate_with_the_disagreement_noted():
    lst = PageRecord(url=BASE + "/czxx/", status=200, breadcrumb=["首页", "财政信息"], items=[
        ListItem(BASE + "/czxx/202304/t20230412_5.html", "某某县2023年部门预算公开", "2023-04-10"),
        ListItem(BASE + "/czxx/#entry-1", "某某县2022年部门预算公开", "2022-04-08", openable=False),
        ListItem(BASE + "/czxx/#entry-2", "某某县2021年部门预算公开", "2021-04-09", openable=False)])
    art = _article("/czxx/202304/t20230412_5.html", "某某县2023年部门预算公开", "2023-04-12", ["财政信息"])
    m = site(lst, art, as_of=date(2023, 12, 31))
    col = m.column_at(("财政信息",))
    assert col.items == 3 and col.not_openable == 2
    assert col.newest == date(2023, 4, 10) and col.date_disagreements == 1
    assert canonical_url(BASE + "/czxx/") + "#entry-1" in col.item_urls
    (noted,) = [i for i in m.items if i.article_date is not None]  # the disagreement, for the report
    assert (noted.date, noted.article_date) == (date(2023, 4, 10), date(2023, 4, 12))


def test_rules_asking_for_openable_content_report_dead_entries():
    lst = PageRecord(url=BASE + "/czxx/", status=200, breadcrumb=["首页", "财政信息"], items=[
        ListItem(BASE + "/czxx/#entry-1", "某某县2023年部门预算公开", "2023-04-10", openable=False),
        ListItem(BASE + "/czxx/t2.html", "某某县2023年部门决算公开", "2023-08-10")])
    m = site(lst, as_of=date(2023, 12, 31))
    spec = REGISTRY["content_published"]

    def run(**params):
        return spec(m, build_params(spec, params), CheckContext(date(2023, 12, 31), default_synonyms()))

    assert run(keywords=["部门预算"]).status == "pass"  # a person reads it in the list
    o = run(keywords=["部门预算"], openable=True)  # the rule asks for content a person can open
    assert o.status == "fail" and "无法打开" in o.message
    assert o.details["dead_entries"] == [{"title": "某某县2023年部门预算公开", "page": BASE + "/czxx/"}]
    assert run(keywords=["部门决算"], openable=True).status == "pass"
