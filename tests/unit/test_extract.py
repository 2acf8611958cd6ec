"""extract_page on fixture pages and on the page styles real 政务 sites use (offline)."""
from __future__ import annotations

import json
import os
import random

import pytest
from scrapy.http import Headers

from crawler.extract.page import (
    detect_challenge,
    extract_page,
    is_html,
    link_kind,
    normalize_headers,
)
from crawler.model.page import LINK_KINDS, PageRecord
from tests.support import FIXTURES

PAGES = FIXTURES / "pages"
BASE = "http://www.example.gov.cn"
HTML = {"Content-Type": "text/html"}


def fixture(path: str, url: str | None = None, headers: dict[str, str] | None = None) -> PageRecord:
    body = (PAGES / path).read_bytes().replace(b"__PORT__", b"8080")
    return extract_page(url or f"{BASE}/{path}", 200, headers or HTML, body)


def page(body: str, url: str = f"{BASE}/zwgk/zcjd/index.html", status: int = 200,
         headers: dict[str, str] | None = None) -> PageRecord:
    return extract_page(url, status, headers or {"Content-Type": "text/html; charset=utf-8"},
                        f"<html><body>{body}</body></html>".encode())


def urls(rec: PageRecord, **where: str) -> list[str]:
    return [lk.url for lk in rec.links if all(getattr(lk, k) == v for k, v in where.items())]


# -- fixture pages ----------------------------------------------------------------------------
def test_trs_list_page() -> None:
    rec = fixture("zwgk/zcjd/index.html")
    assert rec.title == "政策解读_示例区人民政府"
    assert rec.meta == {"ColumnName": "政策解读", "ColumnType": "政策解读"}
    assert rec.breadcrumb == ["首页", "政务公开", "政策解读"]
    assert [(i.url.rsplit("/", 2)[-2:], i.date) for i in rec.items] == [
        (["202206", "t20220629_101.html"], "2022-06-29"),
        (["202206", "t20220615_100.html"], "2022-06-15"),
        (["202205", "t20220520_99.html"], "2022-05-20"),  # "[05-20]" + year from the URL
    ]
    assert rec.items[0].title == "示例区召开2022年政务公开工作推进会"
    # createPageHTML('page_div', countPage, 0, 'index', 'html', 7) with var countPage = 3
    assert rec.pagination == [f"{BASE}/zwgk/zcjd/index_1.html", f"{BASE}/zwgk/zcjd/index_2.html"]
    assert urls(rec, region="breadcrumb") == [f"{BASE}/", f"{BASE}/zwgk/index.html", f"{BASE}/zwgk/zcjd/"]
    assert set(urls(rec, region="list")) == {i.url for i in rec.items}
    assert {"dzjg", "error_report", "site_id_code", "icp", "police_record"} <= set(rec.text_facts)


def test_trs_pagination_from_a_later_page() -> None:
    rec = fixture("zwgk/zcjd/index_1.html")
    assert rec.pagination == [f"{BASE}/zwgk/zcjd/index.html", f"{BASE}/zwgk/zcjd/index_2.html"]


def test_article_page_facts() -> None:
    rec = fixture("zwgk/zcjd/202206/t20220629_101.html")
    assert rec.title == "示例区召开2022年政务公开工作推进会"  # ArticleTitle beats <title>
    assert rec.meta["PubDate"] == "2022-06-29 09:30"
    assert rec.page_date == "2022-06-29"
    assert rec.written_date == "2022-06-20"
    assert rec.items == []
    f = rec.text_facts
    assert f["validity"] == "有效"
    assert f["site_id_code"] == "5001030001"
    assert f["icp"] == "渝ICP备05003300号-1"
    assert f["police_record"] == "渝公网安备 50010302000123号"
    assert f["dzjg"] is True and f["error_report"] is True
    assert "023-63899022" in f["phones"] and "12345" in f["phones"]
    assert f["url_date"] == "2022-06-29"
    kinds = {lk.url.rsplit("/", 1)[-1]: (lk.kind, lk.region) for lk in rec.links}
    assert kinds["P020220629.pdf"] == ("attachment", "content")
    assert kinds["W020220629.jpg"] == ("image", "content")
    assert kinds["jd.mp4"] == ("video", "content")
    assert kinds["jd.jpg"][0] == "image"  # the video's poster


def test_pii_is_masked_and_checksummed() -> None:
    rec = fixture("zwgk/zcjd/202206/t20220629_101.html")
    assert {(p["kind"], p["masked"]) for p in rec.text_facts["pii"]} == {
        ("id", "110105********002X"), ("mobile", "138****5678")}
    dumped = json.dumps(rec.to_dict(), ensure_ascii=False)
    assert "11010519491231002X" not in dumped and "13812345678" not in dumped
    # a wrong check digit is not an ID number
    rec = page("<p>编号：110105194912310021</p>")
    assert "pii" not in rec.text_facts


def test_gbk_page_without_http_charset() -> None:
    rec = fixture("gbk/index.html")
    assert rec.encoding == "gb18030"
    assert rec.title == "通知公告_示例区人民政府"
    assert rec.breadcrumb == ["首页", "政务公开", "通知公告"]
    assert next(i.title for i in rec.items) == "关于开展2022年度政府信息公开工作考核的通知"
    assert [i.date for i in rec.items] == ["2022-06-20", "2022-05-11", "2022-04-02"]
    nometa = fixture("gbk/nometa.html")
    assert (nometa.encoding, nometa.title) == ("gb18030", "机构概况_示例区人民政府")
    wrong = fixture("wrong-charset.html", headers={"Content-Type": "text/html; charset=utf-8"})
    assert (wrong.encoding, wrong.title) == ("gb18030", "联系我们_示例区人民政府")


def test_meta_refresh_stub() -> None:
    rec = fixture("stub/index.html")
    assert rec.refresh_to == f"{BASE}/zwgk/zcjd/index.html"


def test_homepage_regions_and_facts() -> None:
    rec = fixture("index.html", url=f"{BASE}/")
    nav = urls(rec, region="nav", kind="page")
    assert f"{BASE}/zwgk/index.html" in nav and f"{BASE}/stub/index.html" in nav
    assert "http://localhost:8080/offsite.html" in nav  # the <select onchange> site group
    assert f"{BASE}/images/dzjg.png" in urls(rec, region="footer", kind="image")
    assert rec.text_facts["has_search"] is True
    assert rec.text_facts["skipped_links"] == {"javascript": 1, "mailto": 1}
    assert set(LINK_KINDS) >= {lk.kind for lk in rec.links}
    assert all(lk.url.startswith("http") and "#" not in lk.url for lk in rec.links)


# -- breadcrumbs ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<div>当前位置：首页 &gt; 政务公开 &gt; 政策解读</div>", ["首页", "政务公开", "政策解读"]),
        (('<div class="bread">您当前所在位置：<a href="/">首页</a> » <a href="/zwgk/">政务公开</a> » '
         '<a href="./">政策解读</a></div>'), ["首页", "政务公开", "政策解读"]),
        (('<div class="nav2"><span>您现在的位置：</span><a href="/">首页</a><span>&gt;</span>'
         '<a href="/zwgk/">政务公开</a><span>&gt;</span><a href="./">预算/决算</a></div>'),
         ["首页", "政务公开", "预算/决算"]),
        (('<ol class="breadcrumb"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>'
         '<li class="active">政策解读</li></ol>'), ["首页", "政务公开", "政策解读"]),
        ('<div class="location">当前位置: 首页 / 政务公开 / 政策解读</div>', ["首页", "政务公开", "政策解读"]),
        ("<table><tr><td>所在位置：首页-政务公开-政策解读</td></tr></table>", ["首页", "政务公开", "政策解读"]),
        ('<div id="dqwz">当前位置:<a href="/">首页</a>→<a href="/zwgk/">政务公开</a>→<a href="./">政策解读</a></div>',
         ["首页", "政务公开", "政策解读"]),
        ('<div class="wz"><a href="/">首页</a><img src="/arrow.gif"><a href="/zwgk/">政务公开</a></div>',
         ["首页", "政务公开"]),
        (('<td><a href="../../" class="CurrChnlCls">首页</a>&nbsp;&gt;&nbsp;<a href="../" class="CurrChnlCls">'
         '政务公开</a></td>'), ["首页", "政务公开"]),
        ('<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 正文</div>',
         ["首页", "政务公开", "正文"]),
    ],
)
def test_breadcrumb_styles(html: str, expected: list[str]) -> None:
    assert page(html + "<p>正文内容</p>").breadcrumb == expected


def test_no_breadcrumb_from_unrelated_position_class() -> None:
    rec = page('<div class="position">' + "这是一段很长的正文，" * 60 + "</div>")
    assert rec.breadcrumb == []


# -- lists ---------------------------------------------------------------------------------
NAV = '<div class="menu"><ul>' + "".join(f'<li><a href="/c{i}/">栏目名称{i}</a></li>' for i in range(12)) + "</ul></div>"
SIDEBAR = ('<div class="side"><h3>热点信息</h3><ul>'
           + "".join(f'<li><a href="/hot/t2023010{i}_1.html">热点新闻标题第{i}条很长的标题</a><span>2023-01-0{i}</span></li>'
                     for i in range(1, 4)) + "</ul></div>")


@pytest.mark.parametrize(
    ("html", "dates"),
    [
        ('<ul class="list">' + "".join(f'<li><span>[06-1{i}]</span><a href="./x{i}.html">关于某某事项的第{i}个通知公告</a></li>'
                                       for i in range(3)) + "</ul>", ["--06-10", "--06-11", "--06-12"]),
        ("<table>" + "".join(f'<tr><td>11500-{i}</td><td><a href="./202206/t2022060{i}_{i}.html">示例区人民政府关于印发'
                             f'第{i}号文件的通知</a></td><td>2022-05-0{i}</td><td>2022-06-0{i}</td></tr>' for i in range(1, 4))
         + "</table>", ["2022-06-01", "2022-06-02", "2022-06-03"]),  # the latest of 成文/发布
        ("<td>" + "".join(f'<a href="./a{i}.html">示例区第{i}季度财政预算执行情况公开</a> 2022-0{i}-15<br>'
                          for i in range(1, 4)) + "</td>", ["2022-01-15", "2022-02-15", "2022-03-15"]),
        ("<ul>" + "".join(f'<li><a href="./d{i}.html"><span>示例区第{i}批政府信息主动公开目录</span>'
                          f'<span>2022-0{i}-20</span></a></li>' for i in range(1, 4)) + "</ul>",
         ["2022-01-20", "2022-02-20", "2022-03-20"]),
        ('<div class="news">' + "".join(f'<div class="item"><h3><a href="./n{i}.html">示例区召开第{i}次常务会议研究'
                                        f'部署工作</a></h3><p>摘要</p><span>2022年0{i}月1{i}日</span></div>'
                                        for i in range(1, 4)) + "</div>", ["2022-01-11", "2022-02-12", "2022-03-13"]),
        ("<ul>" + "".join(f'<li><a href="./u{i}.html">示例区关于做好第{i}阶段政务公开工作的实施方案</a></li>'
                          for i in range(1, 4)) + "</ul>", [None, None, None]),
        ('<div><ul class="l">' + "".join(f'<li><a href="./s{i}.html">分组列表第{i}条信息的完整标题</a><span>2022-06-0{i}</span></li>'
                                         for i in (1, 2)) + '</ul><div class="line"></div><ul class="l">'
         + "".join(f'<li><a href="./s{i}.html">分组列表第{i}条信息的完整标题</a><span>2022-05-0{i}</span></li>'
                   for i in (3, 4)) + "</ul></div>", ["2022-06-01", "2022-06-02", "2022-05-03", "2022-05-04"]),
    ],
    ids=["month-day", "xxgk-table", "bare-links", "date-in-anchor", "div-items", "undated", "split-blocks"],
)
def test_list_styles(html: str, dates: list[str | None]) -> None:
    rec = page(NAV + html)
    assert [i.date for i in rec.items] == dates
    assert all(len(i.title) >= 10 and "2022-" not in i.title for i in rec.items)


def test_column_list_beats_sidebar() -> None:
    rec = page(NAV + SIDEBAR + '<ul class="list"><li><a href="./202206/t20220629_1.html">示例区2021年政府信息公开工作'
               '年度报告</a><span>2022-01-20</span></li></ul>')
    assert [(i.title, i.date) for i in rec.items] == [("示例区2021年政府信息公开工作年度报告", "2022-01-20")]


def test_menu_is_not_a_list() -> None:
    assert page(NAV + "<p>正文</p>").items == []


def test_truncated_title_uses_title_attribute() -> None:
    rec = page('<ul>' + "".join(f'<li><a href="./t{i}.html" title="《重庆市示例区关于进一步优化营商环境的若干措施》第{i}部分解读">'
                                f'《重庆市示例区关于进一步优化...</a><span>2022-06-2{i}</span></li>' for i in range(3)) + "</ul>")
    assert rec.items[0].title == "《重庆市示例区关于进一步优化营商环境的若干措施》第0部分解读"


def test_hanweb_datastore_list() -> None:
    records = "".join(f'<record><![CDATA[<li><a href="/art/2022/6/{i}/art_123_{i}.html" title="大汉列表第{i}条信息标题">'
                      f"大汉列表第{i}条信息标题</a><span>2022-06-0{i}</span></li>]]></record>" for i in range(1, 4))
    rec = page(f'<div id="col"><script type="text/xml"><datastore><recordset>{records}</recordset></datastore>'
               "<totalrecord>86</totalrecord></script></div>", url=f"{BASE}/col/col123/index.html")
    assert [(i.url, i.date) for i in rec.items] == [
        (f"{BASE}/art/2022/6/{i}/art_123_{i}.html", f"2022-06-0{i}") for i in range(1, 4)]
    assert rec.text_facts["list_total"] == 86
    assert set(urls(rec, region="list")) == {i.url for i in rec.items}


# -- pagination ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<script>createPageHTML(5, 0, "index", "html");</script>', ["index_2.html", "index_3.html", "index_4.html"]),
        ("<script>createPageHTML('page_div',5,1,'index','html',66);</script>",
         ["index.html", "index_2.html", "index_3.html", "index_4.html"]),
        ('<script>var m_nRecordCount = 66; var m_nPageSize = 20;createPageHTML(m_nPageCount, 0, "index", "shtml");</script>',
         ["index_1.shtml", "index_2.shtml", "index_3.shtml"]),
        ("<script>function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}</script>", []),
        (('<div class="pagination"><a href="index.html">首页</a><a href="index_2.html">3</a><a href="index_2.html">下一页</a>'
         '<a href="index_9.html">尾页</a></div>'), ["index.html", "index_2.html", "index_9.html"]),
        ('<p><a href="list.jsp?page=2">下一页</a></p>', ["list.jsp?page=2"]),
        ('<div id="page">' + "".join(f'<a href="/c{i}/">{i}</a>' for i in range(60)) + "</div>", []),  # a page-wide wrapper
    ],
)
def test_pagination(html: str, expected: list[str]) -> None:
    rec = page(html, url=f"{BASE}/zwgk/zcjd/index_1.html")  # the page itself is never listed
    assert rec.pagination == [f"{BASE}/zwgk/zcjd/{u}" for u in expected]


# -- links ---------------------------------------------------------------------------------
def test_links_kinds_and_resolution() -> None:
    rec = page('<a href="a.html#top">基础</a><a href="#">空</a><a href="javascript:;" onclick="window.open(\'/pop.html\')">弹窗</a>'
               '<a href="tel:023">电话</a><a href="download.jsp?filename=规划.pdf">下载</a><a href=" //cdn.example.gov.cn/a.docx ">附件</a>'
               '<a href="/中文/路径.html">中文</a><audio src="a.mp3"></audio><video><source src="v.flv"></video>'
               '<embed src="player.swf"><iframe src="/frame.html"></iframe><img data-original="/lazy.jpg" src="data:x">'
               '<a href="a.WPS">WPS</a><a href="b.ofd">OFD</a><a href="http://other.gov.cn/x.html">外站</a>',
               url=f"{BASE}/dir/page.html")
    got = {lk.url: lk.kind for lk in rec.links}
    assert got == {
        f"{BASE}/dir/a.html": "page",
        f"{BASE}/pop.html": "page",
        f"{BASE}/dir/download.jsp?filename=%E8%A7%84%E5%88%92.pdf": "attachment",
        "http://cdn.example.gov.cn/a.docx": "attachment",
        f"{BASE}/%E4%B8%AD%E6%96%87/%E8%B7%AF%E5%BE%84.html": "page",
        f"{BASE}/dir/a.mp3": "audio",
        f"{BASE}/dir/v.flv": "video",
        f"{BASE}/dir/player.swf": "video",
        f"{BASE}/frame.html": "page",
        f"{BASE}/lazy.jpg": "image",
        f"{BASE}/dir/a.WPS": "attachment",
        f"{BASE}/dir/b.ofd": "attachment",
        "http://other.gov.cn/x.html": "page",  # external: kind by content, host decides downstream
    }
    assert rec.text_facts["skipped_links"] == {"fragment": 1, "javascript": 1, "tel": 1}


def test_script_links_to_pages() -> None:
    rec = page('<a href="javascript:openWin(\'/zwgk/win.html\')">弹窗</a><a href="javascript:void(0)">无</a>'
               '<a href="#" onclick="location.href=\'/a.jsp?id=1\'">跳转</a>', url=f"{BASE}/x/index.html")
    assert urls(rec) == [f"{BASE}/zwgk/win.html", f"{BASE}/a.jsp?id=1"]
    assert rec.text_facts["skipped_links"] == {"javascript": 2, "fragment": 1}


def test_session_ids_are_dropped_from_links() -> None:
    rec = page('<a href="/col/col1/index.html;jsessionid=A1B2C3?uid=1">栏目</a><a href="/a.jsp;JSESSIONID=xyz">页</a>'
               '<a href="/b.jsp?id=2&jsessionid=F00&x=1">乙</a><a href="/c.php?PHPSESSID=1">丙</a>')
    assert urls(rec) == [f"{BASE}/col/col1/index.html?uid=1", f"{BASE}/a.jsp", f"{BASE}/b.jsp?id=2&x=1", f"{BASE}/c.php"]


def test_base_href_and_frames() -> None:
    rec = extract_page(f"{BASE}/a/b.html", 200, HTML,
                       b'<html><head><base href="/base/"></head><frameset><frame src="left.html">'
                       b'<frame src="main.html"></frameset></html>')
    assert urls(rec) == [f"{BASE}/base/left.html", f"{BASE}/base/main.html"]


def test_regions() -> None:
    rec = page('<nav><a href="/n1/">导航一</a></nav><div class="header"><a href="/h/">头部</a></div>'
               '<div id="leftMenu"><a href="/l/">左侧栏目</a></div><div class="footer"><a href="/f/">网站地图</a></div>'
               '<div class="copyright"><a href="/c/">版权</a></div><div class="TRS_Editor"><a href="/t/">正文链接</a></div>'
               '<div><a href="/u/">未知区域</a></div>'
               '<select onchange="location=this.value"><option value="/sg/">站群</option></select>')
    assert {lk.url.removeprefix(BASE): lk.region for lk in rec.links} == {
        "/n1/": "nav", "/h/": "nav", "/l/": "nav", "/f/": "footer", "/c/": "footer", "/t/": "content",
        "/u/": "", "/sg/": "nav"}


def test_link_kind() -> None:
    assert link_kind("http://x/a.PDF") == "attachment"
    assert link_kind("http://x/a.jpeg?x=1") == "image"
    assert link_kind("http://x/v.m3u8") == "video"
    assert link_kind("http://x/a.wma") == "audio"
    assert link_kind("http://x/index.shtml") == "page"
    assert link_kind("http://x/down.aspx?file=a.xlsx") == "attachment"


# -- forwards, dates, facts ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<meta http-equiv="refresh" content="0; URL=\'/new/\'">', f"{BASE}/new/"),
        ('<meta http-equiv="Refresh" content="3;url=http://xxgk.example.gov.cn/">', "http://xxgk.example.gov.cn/"),
        ('<meta http-equiv="refresh" content="300">', None),
        ('<script>window.location.href="/zwgk/index.html";</script>', f"{BASE}/zwgk/index.html"),
        ('<script>location.replace("http://xxgk.example.gov.cn/")</script>', "http://xxgk.example.gov.cn/"),
    ],
)
def test_forwards(head: str, expected: str | None) -> None:
    rec = extract_page(f"{BASE}/zwgk/", 200, HTML, f"<html><head>{head}</head><body></body></html>".encode())
    assert rec.refresh_to == expected


def test_js_forward_ignored_on_real_pages() -> None:
    rec = page("<p>很长的正文内容</p>" * 80 + '<script>if(mobile){location.href="/m/"}</script>')
    assert rec.refresh_to is None


def test_page_date_sources() -> None:
    assert page("<h1>标题</h1><p>发布时间：2022年06月29日 来源：区政府办</p>").page_date == "2022-06-29"
    assert page("<p>成文日期：2022-05-01</p><p>日期：2022-06-01</p>").page_date == "2022-06-01"
    assert page("<p>成文日期：2022-05-01</p>").page_date is None
    rec = page("<table><tr><td>成文日期</td><td>2022年5月1日</td><td>时效性：</td><td>已废止</td></tr></table>")
    assert (rec.written_date, rec.text_facts["validity"]) == ("2022-05-01", "废止")


def test_text_facts_footer() -> None:
    rec = page('<div class="foot">网站标识码：bm10000001 京ICP备 05070218号 京公网安备11010202000001号 '
               '<span id="_ideConac"></span> 电话：（010）12345678 热线 12345</div>')
    f = rec.text_facts
    assert f["site_id_code"] == "bm10000001"
    assert f["icp"] == "京ICP备05070218号"
    assert f["police_record"] == "京公网安备11010202000001号"
    assert f["dzjg"] is True
    assert f["phones"] == ["010-12345678", "12345"]
    assert f["has_search"] is False and f["error_report"] is False


def test_error_report_and_search_variants() -> None:
    assert page('<a href="https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=1">我为政府网站找错</a>').text_facts[
        "error_report"] is True
    assert page('<input type="text" placeholder="请输入关键字">').text_facts["has_search"] is True
    assert page('<input type="text" name="username">').text_facts["has_search"] is False


# -- non-pages and challenges ------------------------------------------------------------------
def test_non_pages_are_not_parsed() -> None:
    pdf = extract_page(f"{BASE}/a.pdf", 200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 ...")
    assert (pdf.content_type, pdf.size, pdf.encoding, pdf.links) == ("application/pdf", 12, "", [])
    lying = extract_page(f"{BASE}/a.html", 200, HTML, b"%PDF-1.4 <a href='/x'>x</a>")
    assert lying.links == [] and lying.encoding == ""
    binary = extract_page(f"{BASE}/b", 200, HTML, b"\x00\x01<html><a href='/x'>x</a>")
    assert binary.links == []
    zipped = extract_page(f"{BASE}/z", 200, HTML, b"PK\x03\x04" + bytes(range(256)) * 4)
    assert zipped.encoding == ""
    # a stray NUL in a broken HTML page does not make it binary
    broken = extract_page(f"{BASE}/m", 200, HTML, "<html><head><title>格式错误</title></head><body>x\x00\x01<a href='/y'>乙</a>".encode())
    assert (broken.title, urls(broken)) == ("格式错误", [f"{BASE}/y"])
    sniffed = extract_page(f"{BASE}/c", 200, {"Content-Type": "application/octet-stream"},
                           b"<!DOCTYPE html><html><head><title>sniffed</title></head></html>")
    assert sniffed.title == "sniffed"
    empty = extract_page(f"{BASE}/d", 204, {}, b"")
    assert (empty.status, empty.title, empty.links) == (204, "", [])
    assert is_html("text/html; charset=gbk", b"<html></html>")
    assert not is_html("image/png", b"<html></html>")


def test_not_found_page_is_recorded_with_status() -> None:
    rec = page("<title>404</title><p>页面不存在</p>", status=404)
    assert rec.status == 404 and not rec.ok


RUISHU = (b'<html><head><meta id="x"><script type="text/javascript" r="m">$_ts=window[\'$_ts\'];$_ts.cd="'
          + b"q" * 3000 + b'";</script><script src="/abc.js"></script></head><body></body></html>')


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected"),
    [
        (412, HTML, RUISHU, "412-js"),
        (202, HTML, RUISHU, "202-js"),
        (200, HTML, RUISHU, "200-js"),
        (521, {"Set-Cookie": "__jsluid_h=abc; path=/"}, b"<script>document.cookie='__jsl_clearance=1'</script>", "jsluid"),
        (200, {"Set-Cookie": ["JSESSIONID=1", "wzws_cid=abc; path=/"]}, b"<html><script>x()</script></html>", "wzws"),
        (200, HTML, b"<html><script>var wzwschallenge='x';</script></html>", "wzws"),
        (412, HTML, b"<html><body><h1>Precondition Failed</h1><p>" + "说明文字".encode() * 100 + b"</p></body></html>",
         None),
        (200, {"Set-Cookie": "wzws_cid=abc"}, b"<html><body>" + "<p><a href='/a'>正文标题链接</a>内容</p>".encode() * 300
         + b"</body></html>", None),
    ],
)
def test_challenges(status: int, headers: dict, body: bytes, expected: str | None) -> None:
    rec = extract_page(f"{BASE}/", status, headers, body)
    assert rec.challenge == expected
    if expected:
        assert rec.links == [] and rec.title == "" and rec.status == status


def test_detect_challenge_direct() -> None:
    assert detect_challenge(200, {}, b"<html><body>ok</body></html>") is None


def test_scrapy_headers_accepted() -> None:
    h = Headers({"Content-Type": "text/html; charset=gbk", "Set-Cookie": ["a=1", "wzws_cid=2"]})
    assert normalize_headers(h) == {"content-type": "text/html; charset=gbk", "set-cookie": "a=1\nwzws_cid=2"}
    rec = extract_page(f"{BASE}/", 200, Headers({"Content-Type": "text/html; charset=gbk"}),
                       "<title>标题</title>".encode("gbk"))
    assert (rec.title, rec.encoding) == ("标题", "gb18030")


# -- robustness ------------------------------------------------------------------------------
def test_hostile_inputs_never_raise() -> None:
    rnd = random.Random(11)
    base = (PAGES / "zwgk/zcjd/index.html").read_bytes() + (PAGES / "index.html").read_bytes()
    frags = [b"<a href='", b"'>", b"</a>", b"<li>", b"\xff\xfe", b"\x00", b"<script>", b"createPageHTML(", b"[06-29]",
             b"<meta http-equiv=refresh content='0;url=", b"<![CDATA[", b"<base href='javascript:x'>", b"http://[",
             b"<option value='http://", b"<frame src='", b"\xd5\xfe"]
    for _ in range(300):
        b = bytearray(base)
        for _ in range(rnd.randint(1, 20)):
            pos = rnd.randrange(len(b))
            r = rnd.random()
            if r < 0.5:
                b[pos:pos] = rnd.choice(frags)
            elif r < 0.8:
                del b[pos:pos + rnd.randint(1, 40)]
            else:
                b[pos:pos] = os.urandom(rnd.randint(1, 10))
        rec = extract_page(f"{BASE}/x/index.html", rnd.choice([200, 404, 412]), HTML, bytes(b))
        json.dumps(rec.to_dict(), ensure_ascii=False)
        assert all(lk.kind in LINK_KINDS for lk in rec.links)


def test_caps_on_huge_pages() -> None:
    rows = "".join(f'<li><a href="/a/t2022010{i % 9 + 1}_{i}.html">关于第{i}项工作的通知公告标题</a>'
                   f"<span>2022-01-0{i % 9 + 1}</span></li>" for i in range(4000))
    rec = page(f"<ul>{rows}</ul>")
    assert len(rec.items) == 500
    assert len(rec.links) <= 3000


# -- script pagers and tree menus (tests/fixtures/sites: xxgk platform) -------------------------
_GOTO = ('<div class="page">共5条 第1/3页 <span>1</span> <a href="javascript:;" onclick="gotoPage(2)">2</a> '
         '<a href="javascript:;" onclick="gotoPage(3)">3</a> <a href="javascript:;" onclick="gotoPage(2)">下一页</a></div>')


def test_script_pager_pages_come_from_the_pages_own_function() -> None:
    js = ('<script>function gotoPage(n){ if(n==1){ window.location.href="index.html"; }'
          ' else { window.location.href="index_"+(n-1)+".html"; } }</script>')
    rec = page(_GOTO + js, url=f"{BASE}/fdzdgknr/zcwj/index.html")
    assert rec.pagination == [f"{BASE}/fdzdgknr/zcwj/index_1.html", f"{BASE}/fdzdgknr/zcwj/index_2.html"]
    # on page 2, page 1 is the function's literal URL (n-1 == 0)
    back = '<div class="page"><a href="javascript:;" onclick="gotoPage(1)">上一页</a></div>'
    rec = page(back + js, url=f"{BASE}/fdzdgknr/zcwj/index_1.html")
    assert rec.pagination == [f"{BASE}/fdzdgknr/zcwj/index.html"]
    # a query-string pager defined as a function expression
    js2 = "<script>var goPage = function(p){ location.href = 'list.jsp?cat=12&page=' + p; };</script>"
    rec = page(_GOTO.replace("gotoPage", "goPage") + js2, url=f"{BASE}/xxgk/list.jsp?cat=12")
    assert rec.pagination == [f"{BASE}/xxgk/list.jsp?cat=12&page=2", f"{BASE}/xxgk/list.jsp?cat=12&page=3"]


def test_script_pager_without_a_readable_function_gives_no_pages() -> None:
    assert page(_GOTO, url=f"{BASE}/a/index.html").pagination == []  # defined in an external .js
    form = "<script>function gotoPage(n){ document.getElementById('pageNo').value=n; document.forms[0].submit(); }</script>"
    assert page(_GOTO + form, url=f"{BASE}/a/index.html").pagination == []


def test_nested_menus_record_each_entrys_parent() -> None:
    tree = ('<div class="xxgk_left"><ul class="tree"><li><a href="/zfxxgkzn/">政府信息公开指南</a></li>'
            '<li><a href="/fdzdgknr/">法定主动公开内容</a><ul class="sub"><li><a href="/tjxx/">统计信息</a></li>'
            '<li><a href="/fdzdgknr/zcwj/">政策文件</a><div><ul><li><a href="/fdzdgknr/zcwj/gfxwj/">规范性文件</a></li>'
            '</ul></div></li></ul></li></ul>'
            '<dl><dt><a href="/hdjl/">互动交流</a></dt><dd><a href="/hdjl/yjzj/">意见征集</a></dd></dl>'
            '<ul><li><span>分组</span><ul><li><a href="/x/">无父链接</a></li></ul></li></ul></div>')
    rec = page(tree, url=f"{BASE}/")
    assert sorted(rec.text_facts["nav_tree"]) == sorted([
        [f"{BASE}/tjxx/", f"{BASE}/fdzdgknr/"], [f"{BASE}/fdzdgknr/zcwj/", f"{BASE}/fdzdgknr/"],
        [f"{BASE}/fdzdgknr/zcwj/gfxwj/", f"{BASE}/fdzdgknr/zcwj/"], [f"{BASE}/hdjl/yjzj/", f"{BASE}/hdjl/"]])
    assert "nav_tree" not in page('<ul class="menu"><li><a href="/a/">甲栏目</a></li></ul>').text_facts


def test_a_list_shown_in_a_same_host_iframe_is_the_pages_frame() -> None:
    body = ('<div class="left"><a href="/zfxxgknb/">政府信息公开年报</a></div>'
            '<iframe src="list.html" width="100%"></iframe><iframe src="http://map.example.com/m.html"></iframe>')
    rec = page(body, url=f"{BASE}/zfxxgknb/index.html")
    assert rec.text_facts["frame"] == f"{BASE}/zfxxgknb/list.html"
    assert "frame" not in page('<div class="nav"><iframe src="/weather.html"></iframe></div>').text_facts


# -- a column's own list against a box of other columns' items (热点信息, 最新动态) -------------
def _box(prefix: str, n: int = 5) -> str:
    return ('<div class="hot-box"><div class="hot-title">热点信息</div><ul>' + "".join(
        f'<li><a href="{prefix}{i}.html">青溪县重点工作推进情况通报第{i}期</a><span>2022-07-0{i}</span></li>'
        for i in range(1, n + 1)) + "</ul></div>")


def _datastore(colid: str, records: list[tuple[str, str, str]]) -> str:
    recs = "".join(f'<record><![CDATA[<li><a href="{u}" title="{t}">{t}</a><span>{d}</span></li>]]></record>'
                   for u, t, d in records)
    return (f'<div id="4512011"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/'
            f'dataproxy.jsp?page=1&webid=1&columnid={colid}&unitid=4512011"></a>]]></nextgroup>'
            f"<recordset>{recs}</recordset></datastore></script></div>")


def test_hanweb_datastore_naming_the_page_column_is_its_list_even_if_short_or_empty() -> None:
    url = f"{BASE}/col/col1229012/index.html"
    two = [("/art/2022/5/20/art_1229012_1.html", "县市场监管局开展食品安全宣传周活动", "2022-05-20"),
           ("/art/2022/3/15/art_1229012_2.html", "县农业农村局部署春耕备耕工作", "2022-03-15")]
    rec = page(_box("/art/2022/7/1/art_1229011_") + _datastore("1229012", two), url=url)
    assert [i.date for i in rec.items] == ["2022-05-20", "2022-03-15"]
    rec = page(_box("/art/2022/7/1/art_1229011_") + _datastore("1229012", []), url=url)
    assert rec.items == []
    # a datastore of another column (a sidebar unit) is not authoritative
    rec = page(_box("/art/2022/7/1/art_1229011_") + _datastore("1229099", two[:1]), url=url)
    assert len(rec.items) == 5


def test_empty_list_marker_with_only_a_box_of_other_columns_items() -> None:
    rec = page(_box("/xwdt/zwyw/202207/t2022070") + '<ul class="list"></ul><div class="no_info">暂无信息</div>',
               url=f"{BASE}/zwgk/xxgkml/dfzfzw/index.html")
    assert rec.items == []
    # without the marker the box is all there is
    rec = page(_box("/xwdt/zwyw/202207/t2022070"), url=f"{BASE}/zwgk/xxgkml/dfzfzw/index.html")
    assert len(rec.items) == 5


def test_short_own_list_beats_a_longer_box_of_other_columns_items() -> None:
    own = ('<ul class="newslist"><li><span>[01-26]</span><a href="/xxgk/nb/1055.html">桃源镇2021年政府信息公开工作年度报告</a></li>'
           "</ul>")
    rec = page(own + _box("/gzdt/10"), url=f"{BASE}/xxgk/nb/index.html")
    assert [i.url for i in rec.items] == [f"{BASE}/xxgk/nb/1055.html"]
