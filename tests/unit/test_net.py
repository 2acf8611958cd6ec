"""crawler.net: challenge detection, file kinds, hosts and URLs, failure codes and their
Chinese labels, Retry-After, the client factory's identity and address guard."""
from __future__ import annotations

import socket
import ssl
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from scrapy.http import Headers as ScrapyHeaders
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from crawler.extract.page import extract_page
from crawler.model.build import build_site_model
from crawler.model.probes import failure_share, is_down
from crawler.net import http
from crawler.net.challenge import challenge_label, cookie_names, detect_challenge
from crawler.net.failures import (
    FAILURE_CN,
    certificate_problem,
    classify,
    classify_failure,
    describe,
    failure_label,
)
from crawler.net.guard import AddressRefused, NetGuard
from crawler.net.kinds import infer_kind, link_kind
from crawler.net.retry import retry_after, retry_after_seconds
from crawler.net.urls import BadURL, check_url, endpoint, host_key
from crawler.text.identifiers import ICP_RE, SITE_ID_RE

CAPTCHA_HOME = ("<html><head><title>安全验证</title></head><body><p>请输入验证码后继续访问</p>"
                "<img src='/captcha.jpg'><form><input name='code'></form></body></html>").encode()
NAV = "".join(f"<li><a href='/c{i}/'>栏目{i}</a></li>" for i in range(20))


# -- challenges ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("status", "headers", "body", "expected"), [
    (521, {"Set-Cookie": "__jsluid_h=1; path=/"}, b"<script>document.cookie='x'</script>", "jsluid"),
    (521, {}, b"", None),  # a bare 521 is a server error
    (200, {}, b"<html><script>var wzwschallenge='x'</script></html>", "wzws"),
    (200, {"set-cookie": "wzws_cid=1"}, b"<html>ok</html>", "wzws"),
    (200, {"set-cookie": "wzws_cid=1"}, b"", "wzws"),  # a HEAD answer carries no body
    (200, {"set-cookie": "wzws_cid=1"}, f"<html><body><ul>{NAV}</ul>{'正文' * 1500}</body></html>".encode(), None),
    (412, {}, b"<script>$_ts=1</script>", "412-js"),
    (412, {}, b"", "412"),
    (412, {}, f"<html><body><h1>Precondition Failed</h1><p>{'说明文字' * 100}</p></body></html>".encode(), None),
    (202, {}, b"<html><script>eval(x)</script></html>", "202-js"),
    (200, {}, b"<html><head><script>$_ts=window['$_ts'];</script></head><body></body></html>", "200-js"),
    (468, {}, b"<html>blocked</html>", "waf-468"),
    (200, {}, CAPTCHA_HOME, "captcha"),
    (403, {}, CAPTCHA_HOME, "captcha"),
    (200, {}, "<html><title>提示</title><body>网站防火墙：您的访问被拦截</body></html>".encode(), "waf-page"),
    (200, {}, b"<html><title>x</title><p>normal page</p></html>", None),
])
def test_detect_challenge(status, headers, body, expected):
    assert detect_challenge(status, headers, body, "text/html; charset=utf-8") == expected


def test_an_article_about_security_checks_is_content():
    body = (f"<html><head><title>关于开展网络安全检查的通知</title></head><body><ul>{NAV}</ul>"
            f"<div class='content'>{'各单位要做好安全检查。' * 50}</div></body></html>").encode()
    assert detect_challenge(200, {}, body) is None


def test_a_captcha_homepage_is_challenged_to_the_model_too():
    rec = extract_page("http://www.x.gov.cn/", 200, {"Content-Type": "text/html; charset=utf-8"}, CAPTCHA_HOME)
    assert rec.challenge == "captcha" and rec.links == []
    waf = extract_page("http://www.x.gov.cn/", 468, {"Content-Type": "text/html"}, b"<html>blocked</html>")
    assert waf.challenge == "waf-468"
    site = build_site_model([rec], site_url="http://www.x.gov.cn/", as_of=date(2022, 12, 31))
    assert site.challenged == "captcha" and "防护验证" in site.unreachable_reason


def test_cookie_names_from_every_header_shape():
    want = ["a", "wzws_cid"]
    assert cookie_names(httpx.Headers([("set-cookie", "a=1"), ("set-cookie", "wzws_cid=2; path=/")])) == want
    assert cookie_names({"Set-Cookie": ["a=1", "wzws_cid=2"]}) == want
    assert cookie_names({"set-cookie": "a=1\nwzws_cid=2"}) == want
    assert cookie_names(ScrapyHeaders({"Set-Cookie": ["a=1", "wzws_cid=2"]})) == want
    assert challenge_label("captcha") == "验证码页面" and challenge_label("new-kind") == "防护验证"


# -- kinds ---------------------------------------------------------------------------------------
def test_link_kind_and_infer_kind_share_one_table():
    assert link_kind("http://x/a.PDF") == "attachment"
    assert link_kind("http://x/down.aspx?file=a.xlsx") == "attachment"
    assert link_kind("http://x/v.m3u8") == "video" and link_kind("http://x/a.opus") == "audio"
    assert link_kind("http://x/p.avif") == "image" and link_kind("http://x/index.shtml") == "page"
    assert link_kind("http://x/list.xml") == "page"  # list pages are served as XML
    assert infer_kind("http://x/list.xml", "page") == "attachment"  # … and verified as data files
    assert infer_kind("http://x/a.mp4", "page") == "video"
    assert infer_kind("http://x/a.jpg", "page") == "page" and infer_kind("http://x/a.jpg", "external") == "image"
    assert infer_kind("http://x/a.html", "image") == "image"


# -- hosts and URLs ------------------------------------------------------------------------------
def test_host_key_one_rule_for_ports_case_and_www():
    for given in ("WWW.X.gov.cn.", "http://www.x.gov.cn:8080/a", "x.gov.cn:443", "https://X.gov.cn/"):
        assert host_key(given) == "x.gov.cn"
    assert host_key("[::1]:8080") == "::1" and host_key("::1") == "::1"
    assert endpoint("https://x.gov.cn/a") == "x.gov.cn:443" and endpoint("http://x.gov.cn:81/") == "x.gov.cn:81"


def test_check_url():
    assert check_url(" http://x.gov.cn ") == "http://x.gov.cn/"
    for bad in ("x.gov.cn", "ftp://x.gov.cn/", "http://", "http://[::1/"):
        with pytest.raises(BadURL, match="应以 http:// 或 https:// 开头"):
            check_url(bad)


# -- failures ------------------------------------------------------------------------------------
def _wrapped(inner: BaseException, outer: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as e:
            raise outer from e
    except BaseException as e:  # noqa: BLE001
        return e


def test_classify_by_type_through_causes():
    assert classify(_wrapped(socket.gaierror(socket.EAI_NONAME, "x"), httpx.ConnectError("boom"))) == "dns"
    assert classify(_wrapped(socket.gaierror(socket.EAI_AGAIN, "x"), httpx.ConnectError("boom"))) == "dns-temp"
    assert classify(_wrapped(ConnectionRefusedError(), httpx.ConnectError("boom"))) == "refused"
    assert classify(httpx.ReadTimeout("slow")) == "timeout"
    assert classify(httpx.TooManyRedirects("loop")) == "redirect-loop"
    group = OSError("All connection attempts failed")
    group.__cause__ = ExceptionGroup("x", [ConnectionRefusedError()])
    assert classify(group) == "refused"
    # a name that merely contains "dns" or "refused" is not a failure of that kind
    assert classify(type("DnsRefusedTimeoutSSLThing", (Exception,), {})("x")) == "other"


def test_classify_failure_for_the_crawl():
    from scrapy.exceptions import DownloadFailedError
    from twisted.web._newclient import ResponseNeverReceived

    assert classify_failure(Failure(DNSLookupError("x"))) == "dns"
    tls = ResponseNeverReceived([Failure(ssl.SSLError(1, "wrong version number"))])
    assert classify_failure(Failure(_wrapped(tls, DownloadFailedError("x")))) == "tls"
    assert classify_failure(Failure(AddressRefused("http://10.0.0.1/"))) == "refused-private-address"


def test_failure_labels_are_chinese_and_one_table():
    assert failure_label("dns") == "域名无法解析" and failure_label("refused") == "连接被拒绝"
    assert failure_label("tls") == "证书或加密连接错误" and failure_label("whatever") == "网络错误"
    assert failure_label(None) == ""
    assert all(not any("a" <= ch <= "z" for ch in label.replace("robots.txt", "")) for label in FAILURE_CN.values())
    assert describe(httpx.ReadTimeout("x")) == ("timeout", "请求超时")


def test_certificate_problem_names_the_reason():
    err = ssl.SSLCertVerificationError(1, "certificate verify failed")
    err.verify_code, err.verify_message = 10, "certificate has expired"
    assert certificate_problem(_wrapped(err, httpx.ConnectError("x"))) == "证书无效：已过期"
    assert describe(_wrapped(err, httpx.ConnectError("x"))) == ("tls", "证书无效：已过期")
    err.verify_code = 62
    assert certificate_problem(err) == "证书无效：与域名不符"
    assert certificate_problem(httpx.ConnectError("x")) is None


# -- Retry-After ---------------------------------------------------------------------------------
def test_retry_after():
    now = datetime(2024, 1, 1, tzinfo=UTC)
    assert retry_after_seconds("120") == 120.0 and retry_after_seconds(b"1.5") == 1.5
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=30)), now=now) == 30.0
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=30)), now=now) == 0.0
    assert retry_after_seconds("-5") == 0.0
    for bad in (None, "", "soon", "nan"):
        assert retry_after_seconds(bad) is None
    assert retry_after(httpx.Headers({"Retry-After": "3600"}), cap=10.0) == 10.0
    assert retry_after({"retry-after": "2"}, cap=10.0) == 2.0 and retry_after({}, cap=10.0) is None


# -- the client factory --------------------------------------------------------------------------
def test_one_identity_for_crawl_and_collectors():
    from crawler.crawl import settings

    assert settings.USER_AGENT == http.USER_AGENT and http.USER_AGENT.isascii()
    ua = http.user_agent("link-check")
    assert ua.startswith(http.PRODUCT) and "link-check" in ua and not ua.startswith(http.USER_AGENT[:-1])
    with http.client("site-properties", timeout=3) as c:
        assert c.headers["User-Agent"] == http.user_agent("site-properties")


def test_client_guard_refuses_before_connecting():
    guard = NetGuard(["http://www.x.gov.cn/"], resolver=lambda h: ["169.254.169.254"])
    with http.client("probe", timeout=2, guard=guard) as c, pytest.raises(AddressRefused) as e:
        c.get("http://metadata.x.gov.cn/latest/")
    assert describe(e.value)[0] == "refused-private-address"


# -- probes and identifiers ----------------------------------------------------------------------
def test_failure_share_one_way():
    probes = [{"state": "up", "elapsed": 20.0}, {"state": "down"}, {"state": "challenged"}, {"state": "slow"}]
    assert failure_share(probes) == {"total": 4, "down": 1, "challenged": 1, "observed": 3, "share": 1 / 3}
    assert failure_share(probes, timeout=15)["down"] == 2 and is_down(probes[0], 15) and not is_down(probes[0])
    assert failure_share([{"state": "challenged"}])["share"] is None


def test_site_identifier_is_ten_digits_or_a_prefixed_eight():
    assert SITE_ID_RE.search("网站标识码：5001030001").group(1) == "5001030001"
    assert SITE_ID_RE.search("网站标识码 bm01000001").group(1) == "bm01000001"
    assert SITE_ID_RE.search("网站标识码：500103000123") is None  # 12 digits: not an identifier
    assert ICP_RE.search("渝ICP备12345678号－1").group(1) == "渝ICP备12345678号－1"
