"""Site properties measured against local sites: identifiers, mobile, 找错 entry, a search
that really finds a crawled article, HTTPS, IPv6 (on ::1), the message board; and a site
that cannot be reached never fails the measurement."""
from __future__ import annotations

import httpx
import pytest

from crawler.collect.properties import measure_site, message_rows
from crawler.extract.page import extract_page
from crawler.model.page import PageRecord
from crawler.store.crawls import CrawlStore
from tests.support.linksite import (
    GFX_NO_TITLE,
    POLICY_TITLE,
    LinkServer,
    _page,
    closed_port,
    gov_site_routes,
    html,
    ipv6_loopback_available,
    static,
)

ARTICLES = ["zwgk/zcwj/t20220601_1.html", "zwgk/gfxwj/t20220302_4.html"]


def _records(base: str, paths: list[str]) -> list[PageRecord]:
    """What the crawler would store: each page fetched and run through the real extractor."""
    out = []
    with httpx.Client() as c:
        for p in paths:
            r = c.get(base + p)
            out.append(extract_page(str(r.url), r.status_code, dict(r.headers), r.content))
    return out


def _measure(tmp_path, base: str, paths: list[str], hosts: list[str] | None = None) -> dict:
    store = CrawlStore(tmp_path / "c.db")
    cid = store.start_crawl([base], hosts or ["127.0.0.1"], resume=False)
    store.add_pages(cid, _records(base, paths) if paths else [])
    facts = measure_site(store, cid, timeout=3.0)
    assert store.get_facts(cid).keys() == facts.keys()
    store.close()
    return facts


@pytest.fixture(scope="module")
def gov_facts(tmp_path_factory):
    with LinkServer(gov_site_routes()) as srv:
        facts = _measure(tmp_path_factory.mktemp("sp"), srv.url, ["", *ARTICLES, "hdjl/"])
        return facts, srv.url


def test_identifiers(gov_facts):
    ids = gov_facts[0]["identifiers"]
    assert ids["网站标识码"] == "5001030099"
    assert ids["ICP备案号"] == "渝ICP备12345678号-1"
    assert ids["公安机关备案号"].replace(" ", "") == "渝公网安备50010302000123号"
    assert ids["党政机关网站标识"]


def test_mobile_error_report(gov_facts):
    facts, base = gov_facts
    assert facts["mobile"]["ok"] and facts["mobile"]["viewport"].startswith("width=device-width")
    assert facts["mobile"]["mobile_link"] == base + "m/"
    assert facts["error_report"]["present"] is True


def test_search_finds_a_crawled_title(gov_facts):
    facts, base = gov_facts
    s = facts["search"]
    assert s["status"] == "verified" and s["verified"] is True
    assert s["query"] in (POLICY_TITLE, GFX_NO_TITLE) and s["action"] == base + "search"


def test_https_and_ipv6_on_ipv4_only_http_site(gov_facts):
    facts, _base = gov_facts
    assert facts["https"]["ok"] is False and facts["https"]["homepage_https"] is False
    v6 = facts["ipv6"]
    assert v6["ok"] is False and v6["aaaa"] == [] and v6["source"] == "literal"


def test_interaction_message_board(gov_facts):
    ia = gov_facts[0]["interaction"]
    assert ia["present"] and any(c["text"] == "互动交流" for c in ia["channels"])
    assert ia["messages_listed"] and ia["messages"] == 2
    assert [r["unanswered"] for r in ia["rows"]] == [False, True]


def test_search_that_finds_nothing_fails(tmp_path):
    routes = gov_site_routes()
    routes["/search"] = static(200, _page("搜索结果", "<p>共找到 0 条结果</p>"))
    with LinkServer(routes) as srv:
        s = _measure(tmp_path, srv.url, ["", *ARTICLES])["search"]
    assert s["status"] == "not_found" and s["verified"] is False and "未检索到" in s["reason"]


def test_search_absent_and_post_form(tmp_path):
    routes = {"/": static(200, html("首页", "<a href='/a.html'>文章</a><div class='footer'>网站标识码：5001030001</div>",
                                    extra_head="<meta name='SiteIDCode' content='5001030001'>"))}
    with LinkServer(routes) as srv:
        facts = _measure(tmp_path / "a", srv.url, [""])
    assert facts["search"]["status"] == "absent" and facts["search"]["present"] is False
    assert facts["identifiers"]["网站标识码"] == "5001030001" and not facts["identifiers"]["ICP备案号"]
    assert facts["mobile"]["ok"] is False and facts["error_report"]["present"] is False
    routes["/"] = static(200, html("首页", "<form action='/search.do' method='post'><input name='keyword'>"
                                           "<input type='submit' value='搜索'></form>"))
    with LinkServer(routes) as srv:
        s = _measure(tmp_path / "b", srv.url, [""])["search"]
    assert s["present"] and s["status"] == "unverified" and "POST" in s["reason"]


@pytest.mark.skipif(not ipv6_loopback_available(), reason="::1 is not available on this machine (no IPv6 loopback)")
def test_ipv6_served_on_loopback(tmp_path):
    with LinkServer(gov_site_routes(), host="::1") as srv:
        assert srv.url.startswith("http://[::1]:")
        facts = _measure(tmp_path, srv.url, [""], hosts=["::1"])
    v6 = facts["ipv6"]
    assert v6["ok"] is True and v6["served"] is True and v6["aaaa"] == ["::1"] and v6["status"] == 200
    assert facts["identifiers"]["网站标识码"] == "5001030099"


@pytest.mark.skipif(not ipv6_loopback_available(), reason="::1 is not available on this machine (no IPv6 loopback)")
def test_ipv6_address_that_does_not_serve(tmp_path):
    """An AAAA address that answers nothing is not IPv6 support."""
    port = closed_port()
    store = CrawlStore(tmp_path / "c.db")
    cid = store.start_crawl([f"http://[::1]:{port}/"], ["::1"], resume=False)
    facts = measure_site(store, cid, timeout=2.0)
    assert facts["ipv6"]["aaaa"] == ["::1"] and facts["ipv6"]["served"] is False and facts["ipv6"]["ok"] is False


def test_unreachable_site_never_fails(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/"
    store = CrawlStore(tmp_path / "c.db")
    cid = store.start_crawl([url], ["127.0.0.1"], resume=False)
    store.add_page(cid, PageRecord(url=url, status=0, error="refused"))
    facts = measure_site(store, cid, timeout=2.0)
    assert facts["homepage_fetch"]["ok"] is False
    for key in ("identifiers", "mobile", "search", "error_report", "interaction"):
        assert "error" in facts[key], key
    assert facts["https"]["ok"] is False and facts["ipv6"]["ok"] is False
    assert set(store.get_facts(cid)) == set(facts)


def test_message_rows():
    rows = message_rows("<table><tr><td><a href='1'>咨询一 13912345678</a></td><td>2022-01-05</td><td>已回复</td>"
                        "<td>2022-01-08</td></tr><tr><td>投诉二</td><td>2022年3月1日</td><td>待回复</td></tr></table>")
    assert [(r["asked"], r["replied"], r["unanswered"]) for r in rows] == [
        ("2022-01-05", "2022-01-08", False), ("2022-03-01", None, True)]
    assert "13912345678" not in repr(rows)


def test_homepage_is_not_fetched_again_when_the_crawl_stored_its_facts(tmp_path):
    """The crawl's homepage record carries what site properties need (issue 9: the homepage
    was fetched three times); an older record without those facts is fetched once."""
    with LinkServer(gov_site_routes()) as srv:
        records = _records(srv.url, ["", *ARTICLES, "hdjl/"])
        assert "homepage_html" in records[0].text_facts
        before = srv.method_hits()[("GET", "/")]
        store = CrawlStore(tmp_path / "a.db")
        cid = store.start_crawl([srv.url], ["127.0.0.1"], resume=False)
        store.add_pages(cid, records)
        reused = measure_site(store, cid, timeout=3.0)
        assert srv.method_hits()[("GET", "/")] == before
        records[0].text_facts.pop("homepage_html")
        store2 = CrawlStore(tmp_path / "b.db")
        cid2 = store2.start_crawl([srv.url], ["127.0.0.1"], resume=False)
        store2.add_pages(cid2, records)
        fetched = measure_site(store2, cid2, timeout=3.0)
        assert srv.method_hits()[("GET", "/")] == before + 1
    for key in ("identifiers", "mobile", "error_report", "search", "interaction"):
        assert reused[key] == fetched[key], key
