"""A local link-health test site: working and broken links, real media bytes, WAF challenge
responses and flapping servers, served on 127.0.0.1 or ::1 (tests only, no internet).

    with LinkServer(link_site_routes()) as srv:
        srv.url                                   # "http://127.0.0.1:PORT/"
        srv.method_hits()[("GET", "/flap.html")]  # HEAD counted too

Each route is a function (handler state) → (status, headers, body); a route may keep its
own counters (flapping: 503 twice, then 200). `crawl_records(srv)` gives the PageRecords
a crawl of the site would have stored (what the crawler saw), for tests that fill a
store directly.
"""
from __future__ import annotations

import io
import socket
import struct
import time
import zlib
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crawler.model.page import Link, PageRecord
from tests.support.mockserver import App, Handler, MockServer

Route = Callable[[str, str, dict[str, str]], tuple[int, dict[str, Any], bytes]]
# (method, path with query, request headers) → (status, headers, body)


# -- media bytes ---------------------------------------------------------------------------
def png_bytes(w: int = 2, h: int = 2) -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def jpeg_bytes() -> bytes:
    try:
        from PIL import Image

        buf = io.BytesIO()
        Image.new("RGB", (4, 4), (200, 30, 30)).save(buf, "JPEG")
        return buf.getvalue()
    except ImportError:  # a minimal baseline JFIF header + EOI (decodable header)
        return bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffdb004300") + bytes(64) + b"\xff\xd9"


def mp4_bytes(size: int = 64 * 1024) -> bytes:
    ftyp = struct.pack(">I", 24) + b"ftyp" + b"isom" + struct.pack(">I", 0x200) + b"isom" + b"mp41"
    free = struct.pack(">I", 8) + b"free"
    mdat_payload = bytes((i * 7) % 256 for i in range(size))
    mdat = struct.pack(">I", 8 + len(mdat_payload)) + b"mdat" + mdat_payload
    return ftyp + free + mdat


def pdf_bytes() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
            b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def docx_bytes() -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def make_id(body17: str) -> str:
    """A resident ID number with a correct GB 11643 check character."""
    w = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body17 + "10X98765432"[sum(int(c) * x for c, x in zip(body17, w)) % 11]


VALID_ID = make_id("50010119850315123")  # checksum right
INVALID_ID = VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1")  # checksum wrong
VALID_ID_TXT = make_id("11010519770704002")  # the one in the .txt attachment
MOBILE = "13912345678"


def html(title: str, body: str = "", *, extra_head: str = "") -> bytes:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>{extra_head}</head>"
            f"<body>{body}</body></html>").encode()


# -- the server ------------------------------------------------------------------------------
def route_app(route: Route) -> App:
    """A route written as (method, path, headers) → (status, headers, body), as a route of
    the test server. Pseudo-headers: X-Reset (drop the connection), X-Delay (seconds before
    answering), X-Ranges (honour a Range request); Set-Cookie may be a list."""

    def app(h: Handler) -> None:
        status, headers, body = route(h.command, h.path, dict(h.headers))
        headers = dict(headers)
        if headers.get("X-Reset"):
            h.connection.shutdown(socket.SHUT_RDWR)
            h.close_connection = True
            return
        delay = float(headers.pop("X-Delay", 0) or 0)
        if delay:
            time.sleep(delay)
        status, body = _ranged(h, status, headers, body)
        h.send_response(status)
        cookies: Any = headers.pop("Set-Cookie", [])
        for c in cookies if isinstance(cookies, list) else [cookies]:
            h.send_header("Set-Cookie", c)
        for k, v in headers.items():
            h.send_header(k, str(v))
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if h.command != "HEAD":
            try:
                h.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return app


def _not_found(method: str, path: str, headers: dict[str, str]) -> tuple[int, dict[str, Any], bytes]:
    return 404, {"Content-Type": "text/html; charset=utf-8"}, html("404 Not Found")


def _ranged(h: Handler, status: int, headers: dict[str, Any], body: bytes) -> tuple[int, bytes]:
    rng = h.headers.get("Range")
    if rng and status == 200 and headers.pop("X-Ranges", False) and rng.startswith("bytes="):
        a, _, b = rng[6:].partition("-")
        start, end = int(a or 0), min(int(b) if b else len(body) - 1, len(body) - 1)
        if start >= len(body):
            headers["Content-Range"] = f"bytes */{len(body)}"
            return 416, b""
        headers["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
        return 206, body[start:end + 1]
    headers.pop("X-Ranges", None)
    return status, body


class LinkServer(MockServer):
    """The test server with one route per entry of `routes` (a "*" entry answers the rest,
    else a plain 404 page). `method_hits()` counts (method, path), HEAD included."""

    def __init__(self, routes: dict[str, Route], host: str = "127.0.0.1") -> None:
        table = {path: route_app(route) for path, route in routes.items()}
        table.setdefault("*", route_app(_not_found))
        super().__init__(table, host=host)


def ipv6_loopback_available() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- routes ----------------------------------------------------------------------------------
def static(status: int, body: bytes, ctype: str = "text/html; charset=utf-8", **headers: Any) -> Route:
    def route(method: str, path: str, h: dict[str, str]) -> tuple[int, dict[str, Any], bytes]:
        return status, {"Content-Type": ctype, **headers}, body
    return route


def flapping(fail_times: int, status: int = 503, then: Route | None = None) -> Route:
    """Answers `status` to the first `fail_times` requests (any method), then recovers."""
    n = [0]
    ok = then or static(200, html("恢复正常的页面", "<p>内容</p>"))

    def route(method: str, path: str, h: dict[str, str]) -> tuple[int, dict[str, Any], bytes]:
        n[0] += 1
        if n[0] <= fail_times:
            return status, {"Content-Type": "text/html"}, html("503 Service Unavailable")
        return ok(method, path, h)
    return route


def rate_limited(times: int, retry_after: str = "1") -> Route:
    n = [0]

    def route(method: str, path: str, h: dict[str, str]) -> tuple[int, dict[str, Any], bytes]:
        n[0] += 1
        if n[0] <= times:
            return 429, {"Content-Type": "text/html", "Retry-After": retry_after}, html("Too Many Requests")
        return 200, {"Content-Type": "text/html; charset=utf-8"}, html("限流后正常", "<p>ok</p>")
    return route


def no_head(body: bytes, ctype: str = "text/html; charset=utf-8") -> Route:
    def route(method: str, path: str, h: dict[str, str]) -> tuple[int, dict[str, Any], bytes]:
        if method == "HEAD":
            return 405, {"Content-Type": "text/html", "Allow": "GET"}, b""
        return 200, {"Content-Type": ctype}, body
    return route


def head_404(body: bytes) -> Route:
    """A server that mishandles HEAD (404) but serves GET."""
    def route(method: str, path: str, h: dict[str, str]) -> tuple[int, dict[str, Any], bytes]:
        if method == "HEAD":
            return 404, {"Content-Type": "text/html"}, b""
        return 200, {"Content-Type": "text/html; charset=utf-8"}, body
    return route


WAF_412 = (b"<html><head><meta charset='utf-8'><script>var $_ts=window['$_ts'];if(!$_ts)$_ts={};"
           b"$_ts.nsd=84756;$_ts.cd='qEPprAAlqGlkqqqqqqqq';eval(function(p,a,c,k,e,d){return p}('0',1,1,'x'))"
           b"</script><script src='/4QbVtADbnLVIc/c.FxJzG50F.dfe1675.js' r='m'></script></head><body></body></html>")
WAF_521 = (b"<html><body><script>document.cookie=('_')+('_')+('jsl_clearance_s')+('=')+(+!+[]+'1666')"
           b"+';max-age=3600;path=/';location.href=location.pathname+location.search</script></body></html>")
WAF_202 = b"<html><script>var _0x1a2b=['\\x63\\x6f\\x6f\\x6b\\x69\\x65'];eval(atob('ZG9jdW1lbnQ='));</script></html>"
CAPTCHA = html("安全验证", "<p>请输入验证码后继续访问</p><img src='/captcha.jpg'><input name='code'>")


def link_site_routes() -> dict[str, Route]:
    """The link site. Its homepage links to every case; /a.html links to some again."""
    mp4 = mp4_bytes()
    txt = (f"姓名,身份证号,电话\n张三,{VALID_ID_TXT},{MOBILE}\n李四,{INVALID_ID},0238888888\n"
           f"随机数字,123456789012345678,\n").encode("gb18030")
    return {
        "/": static(200, b""),  # filled by crawl_records' HTML below (served for search/probe tests)
        "/a.html": static(200, html("正常页面A", "<p>正文</p>")),
        "/b.html": static(200, html("正常页面B", "<p>正文</p>")),
        "/missing.html": static(404, html("404 Not Found")),
        "/gone.html": static(410, html("Gone")),
        "/soft404.html": static(200, html("页面不存在", "<h1>抱歉，您访问的页面不存在或已被删除！</h1>")),
        "/uncrawled-soft.html": static(200, html("提示信息", "<div>抱歉，您访问的页面不存在</div>")),
        "/img/ok.png": static(200, png_bytes(), "image/png"),
        "/img/ok.jpg": static(200, jpeg_bytes(), "image/jpeg"),
        "/img/fake.png": static(200, html("出错了", "<p>系统繁忙</p>"), "text/html; charset=utf-8"),
        "/img/corrupt.jpg": static(200, b"\x00\x01garbage-not-a-jpeg" * 10, "image/jpeg"),
        "/video/ok.mp4": static(200, mp4, "video/mp4", **{"X-Ranges": True, "Accept-Ranges": "bytes"}),
        "/video/corrupt.mp4": static(200, b"this is not a video at all" * 40, "video/mp4",
                                     **{"X-Ranges": True}),
        "/video/html.mp4": static(200, html("视频不存在", "<p>视频已下线</p>"), "text/html"),
        "/doc/ok.pdf": static(200, pdf_bytes(), "application/pdf"),
        "/doc/ok.docx": static(200, docx_bytes(),
                               "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        "/doc/empty.pdf": static(200, b"", "application/pdf"),
        "/doc/missing.pdf": static(404, html("404 Not Found")),
        "/doc/people.txt": static(200, txt, "text/plain"),
        "/forbidden.html": static(403, html("403 Forbidden")),
        "/waf412.html": static(412, WAF_412, "text/html"),
        "/waf521.html": static(521, WAF_521, "text/html", **{"Set-Cookie": ["__jsluid_h=8f2b1c3d4e5f; max-age=31536000; path=/; HttpOnly"]}),
        "/wzws.html": static(200, html("请稍候", "<script>wzwschallenge='x'</script>"), "text/html",
                             **{"Set-Cookie": ["wzws_cid=abcdef0123456789; path=/; HttpOnly"]}),
        "/waf202.html": static(202, WAF_202, "text/html"),
        "/captcha.html": static(200, CAPTCHA),
        "/flap.html": flapping(2),
        "/ratelimit.html": rate_limited(1, "1"),
        "/nohead.html": no_head(html("不支持HEAD的页面", "<p>正文</p>")),
        "/headbug.html": head_404(html("HEAD处理错误的页面", "<p>正文</p>")),
        "/always503.html": flapping(10_000),
        "/loop": lambda m, p, h: (302, {"Location": "/loop"}, b""),
        "/redir-ok": lambda m, p, h: (301, {"Location": "/b.html"}, b""),
        "/crawl404.html": static(404, html("404")),  # the crawl saw this 404: must not be refetched
        "/crawlok.html": static(200, html("抓取过的页面")),
    }


# What each linked URL must come out as: path → (state, kind, on homepage)
EXPECTED: dict[str, tuple[str, str]] = {
    "/a.html": ("ok", "page"),
    "/b.html": ("ok", "page"),
    "/missing.html": ("broken", "page"),
    "/gone.html": ("broken", "page"),
    "/soft404.html": ("broken", "page"),
    "/uncrawled-soft.html": ("broken", "page"),
    "/img/ok.png": ("ok", "image"),
    "/img/ok.jpg": ("ok", "image"),
    "/img/fake.png": ("broken", "image"),
    "/img/corrupt.jpg": ("broken", "image"),
    "/video/ok.mp4": ("ok", "video"),
    "/video/corrupt.mp4": ("broken", "video"),
    "/video/html.mp4": ("broken", "video"),
    "/doc/ok.pdf": ("ok", "attachment"),
    "/doc/ok.docx": ("ok", "attachment"),
    "/doc/empty.pdf": ("broken", "attachment"),
    "/doc/missing.pdf": ("broken", "attachment"),
    "/doc/people.txt": ("ok", "attachment"),
    "/forbidden.html": ("blocked", "page"),
    "/waf412.html": ("blocked", "page"),
    "/waf521.html": ("blocked", "page"),
    "/wzws.html": ("blocked", "page"),
    "/waf202.html": ("blocked", "page"),
    "/captcha.html": ("blocked", "page"),
    "/flap.html": ("ok", "page"),
    "/ratelimit.html": ("ok", "page"),
    "/nohead.html": ("ok", "page"),
    "/headbug.html": ("ok", "page"),
    "/always503.html": ("transient", "page"),
    "/loop": ("broken", "page"),
    "/redir-ok": ("ok", "page"),
    "/crawl404.html": ("broken", "page"),
    "/crawlok.html": ("ok", "page"),
}

_IMG = {"/img/ok.png", "/img/ok.jpg", "/img/fake.png", "/img/corrupt.jpg"}


def crawl_records(base: str, *, refused_url: str | None = None) -> list[PageRecord]:
    """PageRecords as a crawl of the link site would store them.

    The crawl fetched /, /a.html, /b.html, /soft404.html (200 with its title), /crawl404.html
    (404) and /crawlok.html; everything else is only linked."""
    def lk(path: str, text: str, kind: str = "page", region: str = "content") -> Link:
        return Link(base.rstrip("/") + path, text, kind, region)

    home_links = []
    for path, (_state, kind) in EXPECTED.items():
        home_links.append(lk(path, f"链接{path}", kind))
    home_links.append(Link("http://broken-host.invalid/page.html", "外部坏链", "page", "footer"))
    if refused_url:
        home_links.append(Link(refused_url, "拒绝连接", "page", "footer"))
    home_links += [Link("mailto:someone@example.gov.cn", "邮件", "page"), Link("javascript:void(0)", "脚本", "page"),
                   Link(base + "#top", "顶部", "page")]
    home = PageRecord(url=base, requested_url=base, status=200, title="测试首页", content_type="text/html",
                      links=home_links, text_facts={"pii": [{"kind": "id", "masked": VALID_ID[:6] + "********"
                                                              + VALID_ID[-4:]}]})
    a = PageRecord(url=base + "a.html", status=200, title="正常页面A", content_type="text/html",
                   page_date="2022-06-01",
                   links=[lk("/missing.html", "二级页面上的坏链"), lk("/img/fake.png", "假图片", "image"),
                          lk("/b.html", "B")])
    b = PageRecord(url=base + "b.html", status=200, title="正常页面B", content_type="text/html",
                   redirects=[base + "redir-ok"])
    soft = PageRecord(url=base + "soft404.html", status=200, title="页面不存在", content_type="text/html")
    c404 = PageRecord(url=base + "crawl404.html", status=404, title="404", content_type="text/html")
    cok = PageRecord(url=base + "crawlok.html", status=200, title="抓取过的页面", content_type="text/html")
    return [home, a, b, soft, c404, cok]


def query(path: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(path).query)


# -- a small government site in real HTML (for crawl-based end-to-end tests) ------------------
POLICY_TITLE = "关于印发测试区促进就业若干措施的通知"
INTERP_TITLE = "《测试区促进就业若干措施》政策解读"
GFX_OK_TITLE = "测试区行政规范性文件管理办法"
GFX_NO_TITLE = "测试区城市道路管理规定"
PII_TITLE = "2022年测试区困难群众救助名单公示"


def _page(title: str, body: str, crumbs: list[tuple[str, str]] | None = None, *, head: str = "") -> bytes:
    crumb = ""
    if crumbs:
        crumb = "<div class='position'>当前位置：" + " &gt; ".join(
            f"<a href='{u}'>{t}</a>" for t, u in [("首页", "/"), *crumbs]) + "</div>"
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}_测试区人民政府</title>{head}</head>"
            f"<body><div class='nav'><a href='/'>首页</a> <a href='/zwgk/'>政务公开</a> <a href='/hdjl/'>互动交流</a></div>"
            f"{crumb}<div class='content'>{body}</div>"
            f"<div class='footer'>网站标识码：5001030099 渝ICP备12345678号-1 渝公网安备 50010302000123号</div>"
            f"</body></html>").encode()


def _article(title: str, crumbs: list[tuple[str, str]], written: str | None, published: str, body: str,
             extra: str = "") -> bytes:
    w = f"<p>成文日期：{written}</p>" if written else ""
    return _page(title, f"<h1>{title}</h1><div class='info'>{w}<span>发布日期：{published}</span>{extra}</div>"
                        f"<div class='article'>{body}</div>", crumbs,
                 head=f"<meta name='ArticleTitle' content='{title}'><meta name='PubDate' content='{published}'>")


def gov_site_routes(external_base: str | None = None) -> dict[str, Route]:
    """Homepage, columns, articles (policy doc ↔ interpretation, 规范性文件 with and without
    有效性, a page with an ID number), search, a message board, and the link cases."""
    routes = link_site_routes()
    zwgk = [("政务公开", "/zwgk/")]
    policy = "/zwgk/zcwj/t20220601_1.html"
    interp = "/zwgk/zcjd/t20220605_2.html"
    gfx_ok = "/zwgk/gfxwj/t20220301_3.html"
    gfx_no = "/zwgk/gfxwj/t20220302_4.html"
    pii_page = "/zwgk/gsgg/t20220610_5.html"
    articles = {policy: POLICY_TITLE, interp: INTERP_TITLE, gfx_ok: GFX_OK_TITLE, gfx_no: GFX_NO_TITLE,
                pii_page: PII_TITLE}
    ext = f"<a href='{external_base}ok.html'>外部正常链接</a>" if external_base else ""
    home = _page("首页", f"""
<form action="/search" method="get" id="searchform"><input type="text" name="q" placeholder="请输入关键词">
<input type="submit" value="搜索"></form>
<ul class="list">
<li><a href="{policy}">{POLICY_TITLE}</a><span>2022-06-01</span></li>
<li><a href="{interp}">{INTERP_TITLE}</a><span>2022-06-05</span></li>
<li><a href="{gfx_ok}">{GFX_OK_TITLE}</a><span>2022-03-01</span></li>
<li><a href="{gfx_no}">{GFX_NO_TITLE}</a><span>2022-03-02</span></li>
<li><a href="{pii_page}">{PII_TITLE}</a><span>2022-06-10</span></li>
</ul>
<a href="/missing.html">首页上的坏链接</a> <a href="/a.html">二级页面</a> <a href="/soft404.html">软404页面</a>
<a href="/forbidden.html">禁止访问</a> <a href="/waf412.html">瑞数防护</a> <a href="/waf521.html">加速乐防护</a>
<a href="/flap.html">时好时坏</a> <a href="/ratelimit.html">限流页面</a> <a href="/nohead.html">不支持HEAD</a>
<a href="/always503.html">一直503</a>
<img src="/img/ok.png" alt="正常图片"><img src="/img/ok.jpg" alt="正常照片"><img src="/img/fake.png" alt="假图片">
<video src="/video/ok.mp4" controls></video><video src="/video/corrupt.mp4" controls></video>
<a href="/doc/ok.pdf">工作方案.pdf</a> <a href="/doc/missing.pdf">缺失的附件.pdf</a> <a href="/doc/people.txt">人员名单.txt</a>
<a href="http://www.broken-site.invalid/">已关闭的外部网站</a> {ext}
<a href="/m/">手机版</a> <a href="/jiucuo.html"><img src="/img/jiucuo.png" alt="我为政府网站找错"></a>
<a href="/conac.html"><img src="/img/dzjg.png" alt="党政机关"></a>
""", head="<meta name='viewport' content='width=device-width, initial-scale=1'><meta name='SiteName' content='测试区人民政府'>")
    routes["/"] = static(200, home)
    routes["/a.html"] = static(200, _page("二级页面", "<p>正文</p><a href='/missing.html'>二级页面上的坏链</a>"
                                                    "<img src='/img/fake.png' alt='二级页面假图片'>"))
    routes["/zwgk/"] = static(200, _page("政务公开", "<ul>" + "".join(
        f"<li><a href='{u}'>{t}</a></li>" for u, t in articles.items()) + "</ul>", zwgk))
    routes[policy] = static(200, _article(POLICY_TITLE, [*zwgk, ("政策文件", "/zwgk/zcwj/")], "2022-04-01",
                                          "2022-06-01", f"<p>各街道：现将措施印发给你们。</p>"
                                                        f"<p>相关解读：<a href='{interp}'>{INTERP_TITLE}</a></p>"))
    routes[interp] = static(200, _article(INTERP_TITLE, [*zwgk, ("政策解读", "/zwgk/zcjd/")], None, "2022-06-05",
                                          f"<p>原文链接：<a href='{policy}'>{POLICY_TITLE}</a></p>"
                                          f"<img src='/img/ok.png' alt='图解'>"))
    routes[gfx_ok] = static(200, _article(GFX_OK_TITLE, [*zwgk, ("行政规范性文件", "/zwgk/gfxwj/")], "2022-02-25",
                                          "2022-03-01", "<p>第一条 为了规范……</p>", "<span>有效性：现行有效</span>"))
    routes[gfx_no] = static(200, _article(GFX_NO_TITLE, [*zwgk, ("行政规范性文件", "/zwgk/gfxwj/")], "2022-02-28",
                                          "2022-03-02", "<p>第一条 为了加强……</p>"))
    routes[pii_page] = static(200, _article(PII_TITLE, [*zwgk, ("公示公告", "/zwgk/gsgg/")], None, "2022-06-10",
                                            f"<table><tr><td>王五</td><td>{VALID_ID}</td><td>{MOBILE}</td></tr>"
                                            f"<tr><td>赵六</td><td>{INVALID_ID}</td><td></td></tr></table>"))
    for col, name in (("/zwgk/zcwj/", "政策文件"), ("/zwgk/zcjd/", "政策解读"), ("/zwgk/gfxwj/", "行政规范性文件"),
                      ("/zwgk/gsgg/", "公示公告")):
        links = "".join(f"<li><a href='{u}'>{t}</a><span>2022-06-01</span></li>" for u, t in articles.items()
                        if u.startswith(col))
        routes[col] = static(200, _page(name, f"<ul class='list'>{links}</ul>", [*zwgk, (name, col)]))

    def search(method: str, path: str, h: dict[str, str]) -> tuple[int, dict[str, Any], bytes]:
        q = (query(path).get("q") or [""])[0].strip()
        hits = [(u, t) for u, t in articles.items() if q and (q in t or t in q)]
        body = f"<p>您搜索的“{q}”共找到 {len(hits)} 条结果</p><ul>" + "".join(
            f"<li><a href='{u}'>{t}</a></li>" for u, t in hits) + "</ul>"
        return 200, {"Content-Type": "text/html; charset=utf-8"}, _page("搜索结果", body)
    routes["/search"] = search
    routes["/hdjl/"] = static(200, _page("互动交流", """<a href='/hdjl/xx/'>区长信箱</a>
<table class='list'><tr><th>标题</th><th>留言时间</th><th>状态</th></tr>
<tr><td><a href='/hdjl/1.html'>关于道路维修的咨询</a></td><td>2022-01-05</td><td>已回复</td></tr>
<tr><td><a href='/hdjl/2.html'>关于噪音扰民的投诉</a></td><td>2022-03-01</td><td>未回复</td></tr></table>""",
                                         [("互动交流", "/hdjl/")]))
    routes["/hdjl/xx/"] = static(200, _page("区长信箱", "<p>写信须知</p>", [("互动交流", "/hdjl/"), ("区长信箱", "/hdjl/xx/")]))
    routes["/m/"] = static(200, _page("手机版", "<p>手机版首页</p>"))
    routes["/jiucuo.html"] = static(200, _page("我为政府网站找错", "<p>找错</p>"))
    routes["/conac.html"] = static(200, _page("党政机关网站标识", "<p>标识</p>"))
    routes["/img/jiucuo.png"] = static(200, png_bytes(), "image/png")
    routes["/img/dzjg.png"] = static(200, png_bytes(), "image/png")
    routes["/robots.txt"] = static(200, b"User-agent: *\nDisallow:\n", "text/plain")
    return routes
