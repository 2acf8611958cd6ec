"""Link and media verification against a real local site (tests/linksite.py).

Broken pages, images, videos and attachments are found with the page they were on;
challenged (403, WAF 412/521/202, wzws, CAPTCHA) and transient (flapping 503, 429) links
are never called broken; URLs the crawl fetched are not fetched again; media is read only
in its first bytes; ID numbers in a text attachment are stored masked only.
"""
from __future__ import annotations

import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from crawler.collect import links as linkcheck
from crawler.collect.links import detect_challenge, media_check, verify_crawl_links
from crawler.model.page import Link, PageRecord
from crawler.net.soft404 import soft_404
from crawler.store.crawls import CrawlStore
from tests.support import ROOT
from tests.support.linksite import (
    EXPECTED,
    MOBILE,
    VALID_ID,
    VALID_ID_TXT,
    LinkServer,
    closed_port,
    crawl_records,
    jpeg_bytes,
    link_site_routes,
    mp4_bytes,
    pdf_bytes,
    png_bytes,
    rate_limited,
)

FAST = {"delay": 0, "external_delay": 0, "backoff": 0.2, "timeout": 5.0}


@pytest.fixture(scope="module")
def verified(tmp_path_factory):
    """The link site, crawled (records stored directly) and verified once."""
    db = tmp_path_factory.mktemp("lc") / "crawl.db"
    with LinkServer(link_site_routes()) as srv:
        store = CrawlStore(db)
        cid = store.start_crawl([srv.url], ["127.0.0.1"], resume=False)
        refused = f"http://127.0.0.1:{closed_port()}/x.html"
        store.add_pages(cid, crawl_records(srv.url, refused_url=refused))
        t0 = time.monotonic()
        stats = verify_crawl_links(store, cid, **FAST)
        elapsed = time.monotonic() - t0
        results = {r["url"]: r for r in store.iter_link_results(cid)}
        hits = dict(srv.method_hits())
        requests = [(r.method, r.path, r.headers) for r in srv.requests]
        facts = store.get_facts(cid)
        store.close()
    return {"srv_url": srv.url, "stats": stats, "results": results, "hits": hits, "requests": requests,
            "db": db, "refused": refused, "elapsed": elapsed, "facts": facts}


def _r(v, path):
    return v["results"][v["srv_url"].rstrip("/") + path]


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_every_case_gets_its_state(verified, path):
    state, kind = EXPECTED[path]
    r = _r(verified, path)
    assert (r["state"], r["kind"]) == (state, kind), r
    assert r["homepage"] is True and r["external"] is False
    assert r["found_on"] and r["found_on"][0]["page"] == verified["srv_url"]


def test_broken_items_carry_pages_and_anchor_text(verified):
    r = _r(verified, "/missing.html")
    pages = {(f["page"], f["text"]) for f in r["found_on"]}
    base = verified["srv_url"]
    assert (base, "链接/missing.html") in pages and (base + "a.html", "二级页面上的坏链") in pages
    assert r["status"] == 404 and "404" in r["reason"]
    fake = _r(verified, "/img/fake.png")
    assert fake["media_ok"] is False and "网页" in fake["media_reason"]
    assert {f["page"] for f in fake["found_on"]} == {base, base + "a.html"}


def test_blocked_and_transient_never_broken(verified):
    for path in ("/forbidden.html", "/waf412.html", "/waf521.html", "/wzws.html", "/waf202.html", "/captcha.html"):
        assert _r(verified, path)["state"] == "blocked", path
    assert _r(verified, "/waf521.html")["challenge"] == "jsluid"
    assert _r(verified, "/waf412.html")["challenge"].startswith("412")
    assert _r(verified, "/wzws.html")["challenge"] == "wzws"
    # the flapping server recovered, the rate-limited one was retried after Retry-After
    assert _r(verified, "/flap.html")["state"] == "ok"
    assert _r(verified, "/ratelimit.html")["state"] == "ok"
    r = _r(verified, "/always503.html")
    assert r["state"] == "transient" and r["status"] == 503 and r["attempts"] == 3
    assert verified["hits"][("GET", "/always503.html")] == 3  # retries bounded


def test_head_fallback(verified):
    assert verified["hits"][("HEAD", "/nohead.html")] == 1 and verified["hits"][("GET", "/nohead.html")] == 1
    assert _r(verified, "/nohead.html")["method"] == "GET"
    assert _r(verified, "/headbug.html")["state"] == "ok"


def test_crawl_results_are_not_fetched_again(verified):
    for path in ("/crawl404.html", "/crawlok.html", "/a.html", "/b.html", "/soft404.html", "/redir-ok"):
        assert verified["hits"].get(("GET", path), 0) == 0 and verified["hits"].get(("HEAD", path), 0) == 0, path
        assert _r(verified, path)["source"] == "crawl"


def test_media_read_only_in_first_bytes(verified):
    ranges = [h.get("Range") for m, p, h in verified["requests"] if p == "/video/ok.mp4" and m == "GET"]
    assert ranges == ["bytes=0-1023"]
    v = _r(verified, "/video/ok.mp4")
    assert v["status"] == 206 and v["media_ok"] is True and v["format"] == "mp4"
    assert _r(verified, "/video/corrupt.mp4")["media_ok"] is False
    assert _r(verified, "/doc/ok.pdf")["format"] == "pdf" and _r(verified, "/doc/ok.docx")["format"] == "zip"
    assert "空文件" in _r(verified, "/doc/empty.pdf")["reason"]
    uas = {h.get("User-Agent") for _m, _p, h in verified["requests"]}
    assert uas == {linkcheck.USER_AGENT} and "govaudit" in linkcheck.USER_AGENT


def test_network_failures(verified):
    refused = verified["results"][verified["refused"]]
    assert refused["state"] == "broken" and "拒绝" in refused["reason"]
    ext = verified["results"]["http://broken-host.invalid/page.html"]
    assert ext["state"] == "broken" and ext["external"] is True and "域名" in ext["reason"]
    assert _r(verified, "/loop")["state"] == "broken" and "重定向" in _r(verified, "/loop")["reason"]


def test_text_attachment_scanned_and_masked(verified):
    r = _r(verified, "/doc/people.txt")
    assert r["pii"] == [{"kind": "id", "masked": VALID_ID_TXT[:6] + "********" + VALID_ID_TXT[-4:]},
                        {"kind": "mobile", "masked": "139****5678"}]
    raw = b"".join(p.read_bytes() for p in Path(verified["db"]).parent.glob("crawl.db*"))
    for secret in (VALID_ID_TXT, VALID_ID, MOBILE):
        assert secret.encode() not in raw


def test_stats_and_fact(verified):
    s = verified["stats"]
    assert s["links"] == len(verified["results"])
    assert s["broken"] == sum(1 for r in verified["results"].values() if r["state"] == "broken")
    assert s["from_crawl"] == 6 and s["external"] == 1 and s["external_broken"] == 1
    assert s["pii_attachments"] == 1 and s["media_bad"] >= 5
    assert verified["facts"]["link_check"]["links"] == s["links"]
    assert verified["elapsed"] < 60


def _one_link_store(tmp_path, base: str, links: list[Link]) -> tuple[CrawlStore, int]:
    store = CrawlStore(tmp_path / "c.db")
    cid = store.start_crawl([base], ["127.0.0.1"], resume=False)
    store.add_pages(cid, [PageRecord(url=base, status=200, title="首页", links=links)])
    return store, cid


def test_retry_after_is_capped(tmp_path):
    routes = {"/": link_site_routes()["/a.html"], "/slowdown": rate_limited(100, "3600")}
    with LinkServer(routes) as srv:
        store, cid = _one_link_store(tmp_path, srv.url, [Link(srv.url + "slowdown", "限流")])
        t0 = time.monotonic()
        verify_crawl_links(store, cid, **{**FAST, "max_retry_after": 0.3}, retries=2)
        assert time.monotonic() - t0 < 5
        (r,) = store.iter_link_results(cid)
    assert r["state"] == "transient" and r["status"] == 429


def test_external_excluded_and_max_links(tmp_path):
    with LinkServer(link_site_routes()) as srv:
        links = [Link(srv.url + "a.html", "A"), Link(srv.url + "b.html", "B"), Link(srv.url + "missing.html", "坏"),
                 Link("http://elsewhere.invalid/x", "外部")]
        store, cid = _one_link_store(tmp_path, srv.url, links)
        stats = verify_crawl_links(store, cid, include_external=False, max_links=2, **FAST)
        res = {r["url"]: r for r in store.iter_link_results(cid)}
    assert "http://elsewhere.invalid/x" not in res and stats["excluded_external"] == 1
    assert stats["skipped"] == 1 and sum(1 for r in res.values() if r["state"] == "skipped") == 1


def test_dns_failure_without_working_resolver_is_transient(tmp_path, monkeypatch):
    """When this machine cannot resolve anything, a DNS failure says nothing about the link."""
    real = socket.getaddrinfo

    def fake(host, *a, **k):
        if str(host).endswith("unresolvable.gov.cn"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *a, **k)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    url = "http://www.unresolvable.gov.cn/page.html"
    for resolver_ok, state in ((False, "transient"), (True, "broken")):
        monkeypatch.setattr(linkcheck, "dns_available", lambda ok=resolver_ok: ok)
        store, cid = _one_link_store(tmp_path / state, "http://127.0.0.1:9/", [Link(url, "外部")])
        verify_crawl_links(store, cid, **FAST, retries=0)
        (r,) = store.iter_link_results(cid)
        assert r["state"] == state, r
        store.close()


# -- unit checks of the classifiers ---------------------------------------------------------------
def test_media_signatures():
    assert media_check("image", "/a.png", "image/png", png_bytes())[0]
    assert media_check("image", "/a.jpg", "image/jpeg", jpeg_bytes())[0]
    assert media_check("image", "/a.svg", "image/svg+xml", b"<?xml version='1.0'?><svg xmlns='x'/>")[0]
    assert media_check("image", "/a.gif", "image/gif", b"GIF89a\x01\x00\x01\x00")[0]
    assert not media_check("image", "/a.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 8 + b"JUNK")[0]
    assert not media_check("image", "/a.png", "text/html", b"<html><body>error</body></html>")[0]
    assert media_check("video", "/v.mp4", "video/mp4", mp4_bytes(2048)[:1024])[0]
    assert media_check("video", "/v.webm", "video/webm", b"\x1a\x45\xdf\xa3" + b"\x00" * 60)[0]
    assert media_check("video", "/v.flv", "application/octet-stream", b"FLV\x01\x05" + b"\x00" * 20)[0]
    assert media_check("video", "/v.ts", "video/mp2t", (b"\x47" + b"\x00" * 187) * 3)[0]
    assert not media_check("video", "/v.mp4", "video/mp4", b"\x00" * 1024)[0]
    assert not media_check("video", "/v.mp4", "text/html", b"<!DOCTYPE html><html></html>")[0]
    assert media_check("audio", "/a.mp3", "audio/mpeg", b"ID3\x03\x00" + b"\x00" * 20)[0]
    assert media_check("audio", "/a.ogg", "audio/ogg", b"OggS\x00" + b"\x00" * 20)[0]
    assert media_check("attachment", "/f.pdf", "application/pdf", pdf_bytes())[0]
    assert media_check("attachment", "/f.doc", "application/msword", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(50))[0]
    assert media_check("attachment", "/f.xls", "application/vnd.ms-excel", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")[0]
    assert media_check("attachment", "/f.xlsx", "application/octet-stream", b"PK\x03\x04" + bytes(30))[0]
    assert not media_check("attachment", "/f.pdf", "application/pdf", b"")[0]
    assert not media_check("attachment", "/f.docx", "text/html", b"<html><title>404</title></html>")[0]
    assert not media_check("attachment", "/f.pdf", "application/pdf", b"garbage bytes here")[0]


def test_challenge_detection():
    h = httpx.Headers([("set-cookie", "__jsluid_s=abc; path=/")])
    assert detect_challenge(521, h, b"<script>document.cookie='x'</script>") == "jsluid"
    assert detect_challenge(200, httpx.Headers([("set-cookie", "wzws_cid=1")]), b"<html>ok</html>") == "wzws"
    assert detect_challenge(412, httpx.Headers(), b"<script>$_ts=1</script>") == "412-js"
    assert detect_challenge(202, httpx.Headers(), b"<html><script>eval(x)</script></html>") == "202-js"
    assert detect_challenge(200, httpx.Headers(), b"<html><title>x</title><p>normal page</p></html>") is None
    assert detect_challenge(521, httpx.Headers(), b"") is None  # a plain 521 is a server error


def test_soft_404():
    assert soft_404(b"<title>404 Not Found</title>")
    assert soft_404(b"<html><body><h1>\xe6\x8a\xb1\xe6\xad\x89</h1>" + "您访问的页面不存在".encode() + b"</body></html>")
    assert soft_404(b"<title>ok</title>", final_url="http://x.gov.cn/404.html")
    long_article = "<title>关于群众反映找不到办事入口问题的回复</title>" + "<p>正文内容</p>" * 400
    assert soft_404(long_article.encode()) is None
    assert soft_404(b"", title="2021年第404号公告关于某某事项的通知全文发布") is None
    assert soft_404(b"", title="页面不存在", text_length=120)
    assert soft_404(b"", title="页面不存在", text_length=9000) is None


def test_hosts_compare_like_the_crawler():
    assert linkcheck.host_key("WWW.Example.gov.cn.") == "example.gov.cn"
    targets, _crawled, _home = linkcheck.collect(
        [PageRecord(url="http://www.x.gov.cn/", status=200,
                    links=[Link("http://x.gov.cn/a.html", "A"), Link("http://y.gov.cn/", "Y")])],
        {"x.gov.cn"}, {"http://www.x.gov.cn/"})
    assert targets["http://x.gov.cn/a.html"].external is False and targets["http://y.gov.cn/"].external is True
    assert urlsplit("http://y.gov.cn/").hostname == "y.gov.cn"


# -- end to end: the real crawl (subprocess), post_crawl, evaluation, outputs ---------------------
E2E_RULES = """schema: govaudit.rules/1
document: 链接与站点属性测试规则
file: null
issuer: 测试
year: 2022
rules:
""" + "".join(f"""  - id: t-{name.replace('_', '-')}
    title: {name}
    check: {name}
    params: {params}
    severity: major
    source: {{section: 测试, quote: 测试}}
""" for name, params in [
    ("broken_links", "{include_external: true}"), ("media_playable", "{}"), ("site_available", "{}"),
    ("ipv6_enabled", "{}"), ("https_enabled", "{}"), ("mobile_friendly", "{}"), ("site_search", "{}"),
    ("error_report_entry", "{}"), ("site_identifiers", "{}"), ("interpretation_links", "{}"),
    ("document_validity", "{}"), ("publish_delay", "{}"), ("personal_data", "{}"), ("interaction_channel", "{}")])


@pytest.mark.parametrize("during_crawl", [False, True], ids=["after-crawl", "during-crawl"])
def test_end_to_end_crawl_verify_report(tmp_path, during_crawl):
    """Crawl, verify, evaluate, report. With GOVAUDIT_VERIFY_LINKS the images, attachments
    and off-site links are verified by the crawl's own requests as they are found; the
    findings are the same."""
    import json
    import subprocess
    import sys
    import zipfile
    from datetime import date

    from crawler.ruleset.loader import load_rules
    from crawler.runner.audit import evaluate_store, post_crawl
    from tests.support.linksite import gov_site_routes

    out = tmp_path / "out"
    db = str(tmp_path / "crawl.db")
    (tmp_path / "rules.yaml").write_text(E2E_RULES, encoding="utf-8")
    rules = load_rules([str(tmp_path / "rules.yaml")])
    with LinkServer(gov_site_routes()) as srv:
        code = ("import sys; from crawler.crawl.run import run_crawl; "
                f"print(run_crawl([{srv.url!r}], {db!r}, max_pages=200, settings={{'DOWNLOAD_DELAY': 0, "
                f"'AUTOTHROTTLE_ENABLED': False, 'LOG_LEVEL': 'ERROR', 'GOVAUDIT_VERIFY_LINKS': {during_crawl}}}))")
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                           cwd=str(ROOT))
        assert r.returncode == 0, r.stderr[-3000:]
        cid = int(r.stdout.strip().splitlines()[-1])
        store = CrawlStore(db)
        queue = store.crawl_info(cid).stats["queue"]  # type: ignore[union-attr]
        assert queue["disk"] > 0 and queue["memory"] == 0, queue  # verification requests queued on disk too
        post_crawl(store, cid)
        result = evaluate_store(store, cid, rules, date(2022, 12, 31), out)
        store.close()
    base = srv.url
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    broken = {b["url"]: b for b in doc["links"]["broken"]}
    must_be_broken = {"missing.html": "首页上的坏链接", "soft404.html": "软404页面", "img/fake.png": "假图片",
                      "video/corrupt.mp4": "", "doc/missing.pdf": "缺失的附件.pdf"}
    for path, anchor in must_be_broken.items():
        b = broken[base + path]
        assert b["found_on"][0]["page"] == base and b["found_on"][0]["text"] == anchor, b
        assert b["homepage"] is True
    assert {f["page"] for f in broken[base + "missing.html"]["found_on"]} == {base, base + "a.html"}
    assert "http://www.broken-site.invalid/" in broken
    never_broken = ["forbidden.html", "waf412.html", "waf521.html", "flap.html", "ratelimit.html", "nohead.html",
                    "always503.html", "a.html", "img/ok.png", "img/ok.jpg", "video/ok.mp4", "doc/ok.pdf",
                    "doc/people.txt", "search"]
    for path in never_broken:
        assert base + path not in broken, path
    blocked = {b["url"] for b in doc["links"]["blocked"]}
    assert {base + "forbidden.html", base + "waf412.html", base + "waf521.html"} <= blocked
    st = {f["check"]: f["status"] for f in doc["findings"]}
    assert st == {"broken_links": "fail", "media_playable": "fail", "site_available": "unknown",
                  "ipv6_enabled": "fail", "https_enabled": "fail", "mobile_friendly": "pass", "site_search": "pass",
                  "error_report_entry": "pass", "site_identifiers": "pass", "interpretation_links": "pass",
                  "document_validity": "fail", "publish_delay": "fail", "personal_data": "fail",
                  "interaction_channel": "fail"}, st
    assert doc["site_facts"]["identifiers"]["网站标识码"] == "5001030099"
    assert {p["masked"] for p in doc["personal_data"]} >= {VALID_ID[:6] + "********" + VALID_ID[-4:],
                                                          VALID_ID_TXT[:6] + "********" + VALID_ID_TXT[-4:]}
    assert doc["relations"]["both_ways"] == 1 and doc["relations"]["late_count"] == 1
    # no unmasked number in any output: store, findings, report, unit pages, exports
    blobs = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".xlsx"]
    for x in tmp_path.rglob("*.xlsx"):
        with zipfile.ZipFile(x) as z:
            blobs += [z.read(n) for n in z.namelist()]
    for secret in (VALID_ID, VALID_ID_TXT, MOBILE):
        assert not any(secret.encode() in b for b in blobs), secret
    html_text = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="links"' in html_text and "假图片" in html_text and result.failed
    check = doc["site_facts"]["link_check"]
    if during_crawl:  # media, attachments, off-site links: all verified by the crawl
        assert check["during_crawl"] >= 8 and check["verified"] == check["during_crawl"], check
        assert stderr_warnings(r.stderr) == []
    else:
        assert check["during_crawl"] == 0 and check["verified"] >= 8, check


def stderr_warnings(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if "Warning" in ln or "WARNING" in ln]


def test_refusal_from_a_server_that_answered_is_a_flap(tmp_path):
    """The crawl got answers from this host:port; now it refuses connections: flapping, not gone."""
    with LinkServer(link_site_routes()) as srv:
        base = srv.url
    # the server is down now; the crawl (below) had pages from it
    store = CrawlStore(tmp_path / "c.db")
    cid = store.start_crawl([base], ["127.0.0.1"], resume=False)
    store.add_pages(cid, [PageRecord(url=base, status=200, title="首页", links=[Link(base + "later.html", "稍后")])])
    verify_crawl_links(store, cid, **FAST, retries=1)
    (r,) = store.iter_link_results(cid)
    assert r["state"] == "transient" and "时断时续" in r["reason"], r
