"""Real crawls of the fixture site on 127.0.0.1 (no internet).

Each crawl runs in a subprocess (`python -c "from crawler.crawl.run import run_crawl; …"`),
since Twisted's reactor cannot be restarted within one process. The server logs every
request, so the tests can tell what was (not) fetched.
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from twisted.python.failure import Failure

from crawler.crawl.spider import (
    SiteSpider,
    classify_failure,
    host_key,
    normalize_start_url,
    split_arg,
)
from crawler.model.page import PageRecord
from crawler.store.crawls import CrawlStore
from tests.support import FIXTURES, ROOT
from tests.support.mockserver import App, Handler, MockServer

PAGES = FIXTURES / "pages"

# fast but still one request at a time per host
FAST = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "RETRY_TIMES": 1, "DOWNLOAD_TIMEOUT": 10}

RUISHU_412 = (b'<html><head><meta id="x" content="a"><script type="text/javascript" r="m">'
              b"$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=81734;</script>"
              b'<script type="text/javascript" src="/4QbVtADbnLVIc/c.FxJzG50F.dfe1675.js"></script></head><body></body></html>')


def _fixture_page(h: Handler) -> None:
    """A file under tests/fixtures/pages, "__PORT__" replaced by the server's port; HTML sent
    as bare text/html (no charset: the crawler works the encoding out)."""
    path = h.url_path
    f = PAGES / path.lstrip("/")
    if path.endswith("/"):
        f = f / "index.html"
    if not f.is_file() or ".." in path:
        return h.send(404, "<html><head><title>404 页面不存在</title></head><body>页面不存在</body></html>")
    body = f.read_bytes().replace(b"__PORT__", str(h.server.server_address[1]).encode())
    ctype = {".txt": "text/plain", ".pdf": "application/pdf"}.get(f.suffix, "text/html")  # no charset
    if path == "/wrong-charset.html":
        ctype = "text/html; charset=utf-8"  # the body is GBK
    h.send(200, body, ctype)


def _busy(h: Handler) -> None:
    """503 + Retry-After: 1 once, then the page."""
    if h.hit_count() == 1:
        return h.send(503, b"busy", "text/plain", {"Retry-After": "1"})
    h.send(200, "<html><head><title>稍后可用</title></head></html>".encode(), "text/html")


SITE_ROUTES: dict[str, App] = {
    "/redirect.html": lambda h: h.send(302, b"", "", {"Location": "/moved/index.html"}),
    # into a page the crawl fetches anyway
    "/redirect-dup.html": lambda h: h.send(301, b"", "", {"Location": "/zwgk/index.html"}),
    "/waf.html": lambda h: h.send(412, RUISHU_412, "text/html"),
    "/busy.html": _busy,
    "/big.html": lambda h: h.send(200, b"<html><body>" + b"x" * 300_000 + b"</body></html>", "text/html"),
    # asks for an hour: not waited for
    "/overloaded.html": lambda h: h.send(503, b"overloaded", "text/plain", {"Retry-After": "3600"}),
}


@pytest.fixture
def site() -> Iterator[MockServer]:
    """The fixture pages and the special cases above; `site.hits_by(host=…)` tells what was fetched."""
    with MockServer(SITE_ROUTES, mounts={"/": _fixture_page}) as srv:
        yield srv


def crawl(store: Path, urls: list[str], **kw: Any) -> int:
    kw.setdefault("settings", {})
    kw["settings"] = {**FAST, **kw["settings"]}
    code = ("import json, sys\n"
            "from crawler.crawl.run import run_crawl\n"
            "a = json.loads(sys.argv[1])\n"
            "print('CRAWL_ID', run_crawl(a['urls'], a['store'], **a['kw']))\n")
    proc = subprocess.run([sys.executable, "-c", code, json.dumps({"urls": urls, "store": str(store), "kw": kw})],
                          cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("CRAWL_ID")][-1]
    return int(line.split()[1])


def stored(store: Path, crawl_id: int) -> dict[str, PageRecord]:
    s = CrawlStore(store)
    try:
        return {r.url: r for r in s.iter_pages(crawl_id)}
    finally:
        s.close()


def test_crawl_fixture_site(site: MockServer, tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    cid = crawl(db, [site.url], max_pages=200)
    pages = stored(db, cid)
    base = site.url.rstrip("/")
    got = {u.removeprefix(base): r for u, r in pages.items()}

    home = got["/"]
    assert home.ok and home.depth == 0 and home.fetched_at and home.requested_url == site.url
    assert home.text_facts["site_id_code"] == "5001030001"

    # GBK without HTTP charset (meta / no declaration) and GBK behind a lying header
    assert (got["/gbk/index.html"].encoding, got["/gbk/index.html"].title) == ("gb18030", "通知公告_示例区人民政府")
    assert got["/gbk/nometa.html"].title == "机构概况_示例区人民政府"
    assert got["/wrong-charset.html"].title == "联系我们_示例区人民政府"
    assert got["/gbk/detail_1.html"].title == "关于开展2022年度政府信息公开工作考核的通知"

    # TRS pagination followed, and the articles of the last list page reached
    for p in ("/zwgk/zcjd/index.html", "/zwgk/zcjd/index_1.html", "/zwgk/zcjd/index_2.html",
              "/zwgk/zcjd/202111/t20211101_95.html"):
        assert got[p].ok, p
    # pagination adds no level (the list is reachable as /zwgk/zcjd/ and /zwgk/zcjd/index.html)
    assert got["/zwgk/zcjd/index_2.html"].depth <= max(got["/zwgk/zcjd/index.html"].depth, got["/zwgk/zcjd/"].depth)
    assert got["/zwgk/zcjd/index_2.html"].depth <= 2

    # meta-refresh stub recorded with its target, and the target crawled
    assert got["/stub/index.html"].refresh_to == f"{base}/zwgk/zcjd/index.html"

    # redirects: followed and recorded; into an already-fetched page: recorded, not refetched
    moved = got["/moved/index.html"]
    assert moved.redirects == [f"{base}/redirect.html"] and moved.requested_url == f"{base}/redirect.html"

    # failures are records: 404, WAF challenge, robots.txt
    assert got["/missing.html"].status == 404
    waf = got["/waf.html"]
    assert (waf.status, waf.challenge, waf.links) == (412, "412-js", [])
    assert got["/private/secret.html"].error == "robots"

    # not followed: off-host links, attachments, media
    assert not any("localhost" in u for u in pages)
    assert site.hits_by(host="localhost") == Counter()
    requested = site.hits_by(host="127.0.0.1")
    assert "/zwgk/zcjd/202206/files/P020220629.pdf" not in requested
    assert "/private/secret.html" not in requested
    assert not any(p.endswith((".jpg", ".png", ".mp4")) for p in requested)

    # one request per URL
    assert max(requested.values()) == 1, requested.most_common(3)

    info = CrawlStore(db).crawl_info(cid)
    assert info is not None and info.state == "finished"
    assert info.stats["pages_total"] == len(pages) and info.stats["challenges"] == 1
    assert info.hosts == ["127.0.0.1"]
    # the queue was on disk (crawler.crawl.queues), none of it left behind in memory
    assert info.stats["queue"]["disk"] > len(pages) // 2 and info.stats["queue"]["memory"] == 0


def test_redirect_into_fetched_page_is_recorded(site: MockServer, tmp_path: Path) -> None:
    # /redirect-dup.html → /zwgk/index.html, which the crawl has fetched already
    db = tmp_path / "crawl.db"
    cid = crawl(db, [site.url + "zwgk/index.html", site.url + "redirect-dup.html"], max_pages=3, max_depth=0)
    got = stored(db, cid)
    dup = got[site.url + "redirect-dup.html"]
    assert (dup.status, dup.refresh_to, dup.error) == (301, site.url + "zwgk/index.html", None)
    assert site.hits_by(host="127.0.0.1")["/zwgk/index.html"] == 1


def test_page_limit(site: MockServer, tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    cid = crawl(db, [site.url], max_pages=5)
    pages = stored(db, cid)
    assert 1 <= len(pages) <= 5
    assert sum(n for p, n in site.hits_by(host="127.0.0.1").items() if p != "/robots.txt") <= 5
    info = CrawlStore(db).crawl_info(cid)
    assert info is not None and info.stats["truncated"] > 0


def test_depth_limit(site: MockServer, tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    cid = crawl(db, [site.url], max_depth=1)
    pages = stored(db, cid)
    assert max(r.depth for r in pages.values()) == 1
    assert site.url + "gbk/detail_1.html" not in pages  # depth 2


def test_extra_host_is_followed(site: MockServer, tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    cid = crawl(db, [site.url], extra_hosts=["localhost"], max_depth=1)
    pages = stored(db, cid)
    port = site.port
    assert f"http://localhost:{port}/offsite.html" in pages
    assert site.hits_by(host="localhost")["/offsite.html"] == 1


def test_resume_does_not_refetch(site: MockServer, tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    # an interrupted run: the CLOSESPIDER limit stops it early, the crawl stays open
    first = crawl(db, [site.url], settings={"CLOSESPIDER_ITEMCOUNT": 6})
    partial = stored(db, first)
    assert 6 <= len(partial) < 20
    info = CrawlStore(db).crawl_info(first)
    assert info is not None and info.state == "running"
    before = site.hits_by(host="127.0.0.1")

    second = crawl(db, [site.url])
    assert second == first
    pages = stored(db, first)
    assert set(partial) < set(pages)
    after = site.hits_by(host="127.0.0.1") - before
    # nothing stored by the first run was requested again
    refetched = {u for u in partial if u.startswith(site.url) and "/" + u.removeprefix(site.url) in after}
    assert refetched == set()
    # (a URL in flight when the first run stopped was not stored, and is fetched again)
    # and the crawl is complete: same pages as a fresh crawl of the site
    fresh = crawl(tmp_path / "fresh.db", [site.url], resume=False)
    assert set(pages) == set(stored(tmp_path / "fresh.db", fresh))
    info = CrawlStore(db).crawl_info(first)
    assert info is not None and info.state == "finished" and info.stats["resumed_from"] == len(partial)


def test_retry_after(site: MockServer, tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    cid = crawl(db, [site.url + "busy.html", site.url + "overloaded.html"], max_depth=0,
                settings={"RETRY_TIMES": 2, "ROBOTSTXT_OBEY": False})
    got = stored(db, cid)
    assert (got[site.url + "busy.html"].status, got[site.url + "busy.html"].title) == (200, "稍后可用")
    assert got[site.url + "overloaded.html"].status == 503
    assert site.hits_by(host="127.0.0.1")["/busy.html"] == 2 and site.hits_by(host="127.0.0.1")["/overloaded.html"] == 1


def test_too_large_response_is_a_failure_record(site: MockServer, tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    cid = crawl(db, [site.url + "big.html"], max_depth=0, settings={"DOWNLOAD_MAXSIZE": 100_000, "DOWNLOAD_WARNSIZE": 0})
    (rec,) = stored(db, cid).values()
    assert (rec.status, rec.error) == (0, "too-large")


def test_run_crawls_two_sites_at_once(site: MockServer, tmp_path: Path) -> None:
    port = site.port
    code = ("import json, sys\n"
            "from crawler.crawl.run import run_crawls\n"
            "print('IDS', json.dumps(run_crawls(json.loads(sys.argv[1]))))\n")
    jobs = [{"start_urls": [site.url], "store": str(tmp_path / "a.db"), "max_depth": 1, "settings": FAST},
            {"start_urls": [f"http://localhost:{port}/offsite.html"], "store": str(tmp_path / "a.db"), "settings": FAST}]
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(jobs)], cwd=ROOT, capture_output=True,
                          text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ids = json.loads([ln for ln in proc.stdout.splitlines() if ln.startswith("IDS")][-1][4:])
    assert len(set(ids)) == 2
    first, second = stored(tmp_path / "a.db", ids[0]), stored(tmp_path / "a.db", ids[1])
    assert site.url in first and not any("localhost" in u for u in first)
    assert set(second) == {f"http://localhost:{port}/offsite.html", f"http://localhost:{port}/offsite2.html"}
    assert second[f"http://localhost:{port}/offsite2.html"].status == 404


def test_unreachable_site_is_recorded(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = tmp_path / "crawl.db"
    cid = crawl(db, [f"http://127.0.0.1:{port}/"], settings={"RETRY_TIMES": 0, "ROBOTSTXT_OBEY": False})
    (rec,) = stored(db, cid).values()
    assert (rec.status, rec.error, rec.ok) == (0, "refused", False)
    assert rec.url == rec.requested_url == f"http://127.0.0.1:{port}/"


# -- offline pieces ----------------------------------------------------------------------------
def test_spider_options_are_settings() -> None:
    from scrapy.crawler import Crawler

    from crawler.crawl.run import crawl_settings

    settings = crawl_settings(extra_hosts=["xxgk.example.gov.cn"], max_pages=7, max_depth=3)
    sp = SiteSpider.from_crawler(Crawler(SiteSpider, settings),
                                 start_urls="www.example.gov.cn, http://www.example.gov.cn/zwgk/")
    assert sp.start_urls == ["http://www.example.gov.cn/", "http://www.example.gov.cn/zwgk/"]
    assert sp.audited_hosts == ["www.example.gov.cn", "xxgk.example.gov.cn"]
    assert (sp.crawl_options["max_pages"], sp.max_depth) == (7, 3)
    assert sp.host_allowed("https://example.gov.cn/a.html")  # www. and scheme do not matter
    assert sp.host_allowed("http://XXGK.example.gov.cn:8080/")
    assert not sp.host_allowed("http://www.other.gov.cn/")
    assert not sp.host_allowed("http://other.example.gov.cn/")  # another office's subdomain
    assert not sp.host_allowed("ftp://www.example.gov.cn/")
    with pytest.raises(ValueError):
        SiteSpider(start_urls="")


def test_helpers() -> None:
    assert split_arg("a, b\nc") == ["a", "b", "c"]
    assert split_arg(["a", " "]) == ["a"]
    assert normalize_start_url("www.x.gov.cn") == "http://www.x.gov.cn/"
    assert host_key("WWW.X.gov.cn.") == "x.gov.cn"
    assert host_key("http://www.x.gov.cn:8080/a") == "x.gov.cn"

    from scrapy.exceptions import (
        CannotResolveHostError,
        DownloadConnectionRefusedError,
        DownloadTimeoutError,
        IgnoreRequest,
    )

    assert classify_failure(Failure(CannotResolveHostError("x"))) == "dns"
    assert classify_failure(Failure(DownloadConnectionRefusedError("x"))) == "refused"
    assert classify_failure(Failure(DownloadTimeoutError("x"))) == "timeout"
    assert classify_failure(Failure(IgnoreRequest("Forbidden by robots.txt"))) == "robots"
    assert classify_failure(Failure(Exception("Cancelling download: expected size larger than download max size"))) \
        == "too-large"


def test_sibling_disclosure_platform_is_adopted_only_when_named_as_such():
    from crawler.crawl.spider import SiteSpider, parent_domain
    from crawler.model.page import Link, PageRecord

    assert parent_domain("xxgk.example.gov.cn") == "example.gov.cn"
    assert parent_domain("example.gov.cn") == "example.gov.cn"
    assert parent_domain("127.0.0.1") == "127.0.0.1"
    spider = SiteSpider(start_urls="http://www.example.gov.cn/")
    home = PageRecord(url="http://www.example.gov.cn/", status=200, links=[
        Link("http://xxgk.example.gov.cn/", "政府信息公开", "page", "nav"),
        Link("http://fgw.example.gov.cn/", "区发展改革委", "page", "nav"),  # another office: not adopted
        Link("http://xxgk.other.gov.cn/", "信息公开", "page", "nav"),  # another domain: not adopted
    ])
    assert spider.adopt_sibling_platform(home) == ["xxgk.example.gov.cn"]
    assert spider.host_allowed("http://xxgk.example.gov.cn/fdzdgknr/")
    assert not spider.host_allowed("http://fgw.example.gov.cn/")
    assert not spider.host_allowed("http://xxgk.other.gov.cn/")


def test_crawl_prints_no_warning_and_opens_no_port(site: MockServer, tmp_path: Path) -> None:
    """A normal crawl prints no (deprecation) warning, and no telnet console or remote
    control server (Scrapy 2.19 runs Python sent to it) is started."""
    from crawler.crawl.run import crawl_settings

    s = crawl_settings()
    assert s.getbool("TELNETCONSOLE_ENABLED") is False and s.getbool("REMOTE_CONTROL_ENABLED") is False
    code = ("import sys\nfrom crawler.crawl.run import run_crawl\n"
            "run_crawl([sys.argv[1]], sys.argv[2], max_depth=1, settings={'DOWNLOAD_DELAY': 0, 'LOG_LEVEL': 'INFO'})\n")
    proc = subprocess.run([sys.executable, "-W", "default", "-c", code, site.url, str(tmp_path / "c.db")],
                          cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Warning" not in proc.stderr, proc.stderr[-3000:]
    assert "Telnet console listening" not in proc.stderr and "remote control" not in proc.stderr.lower()
    assert "Spider closed (finished)" in proc.stderr  # the log was there to be read


def test_page_budget_counts_the_pages_of_the_interrupted_run(site: MockServer, tmp_path: Path) -> None:
    """CLOSESPIDER_PAGECOUNT bounds the whole crawl: pages stored by an interrupted first run
    count against it when the crawl is continued."""
    db = tmp_path / "crawl.db"
    first = crawl(db, [site.url], max_pages=9, settings={"CLOSESPIDER_ITEMCOUNT": 4, "CONCURRENT_REQUESTS": 1})
    partial = stored(db, first)
    assert 4 <= len(partial) < 9
    second = crawl(db, [site.url], max_pages=9)
    assert second == first
    pages = stored(db, first)
    assert len(pages) == 9 and set(partial) < set(pages)
    info = CrawlStore(db).crawl_info(first)
    assert info is not None and info.state == "finished" and info.stats["truncated"] > 0
