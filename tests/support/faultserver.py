"""The misbehaving sites of the tests, each a route table (`Routes`) of the one test server
(`tests/support/mockserver.py`), plus helpers to run the CLI against them.

Real 政务 portals reset connections, stall half-way through a page, answer 502 one
minute and 200 the next, loop redirects, serve ZIP files as text/html, lie about their
charset and publish calendars that link to next month forever. `FaultSite` does all of
that, one route per fault, next to a small well-formed site, so a test can audit it with
the real CLI and check that the faults are reported with their reason while the rest of
the site is audited normally. The server bounds it: at most `max_conns` connections at
once, every stall ends after `stall_max` seconds or when the server closes, and large
bodies are generated while streaming. Nothing here ever connects anywhere: redirects to
private addresses or to hosts under ``.invalid`` only name them in a Location header.

Usage::

    with FaultServer(robots="500") as srv:   # MockServer(FaultSite(robots="500"))
        srv.url            # "http://127.0.0.1:PORT/"
        srv.hits["/"]      # how often a path (with query) was requested

    with MockServer(GeneratedSite(pages=30)) as srv: ...   # HostileSite(), StaticSite(pages) likewise
"""
from __future__ import annotations

import gzip
import hashlib
import html
import io
import os
import random
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

from tests.support import ROOT as REPO_ROOT
from tests.support.mockserver import App, Handler, MockServer, Routes

__all__ = [
    "FAULTS",
    "HOSTILE_STRINGS",
    "FaultServer",
    "FaultSite",
    "GeneratedSite",
    "HostileSite",
    "StaticSite",
    "cli_env",
    "gov_page",
    "run_cli",
    "write_rules",
]


def _e(s: str) -> str:
    return html.escape(s, quote=True)


def gov_page(title: str, *, crumbs: Iterable[tuple[str, str]] = (), nav: Iterable[tuple[str, str]] = (),
             side: Iterable[tuple[str, str]] = (), items: Iterable[tuple[str, str, str]] = (),
             body: str = "", head: str = "", column: str = "", site_name: str = "测试区人民政府",
             site_id: str = "5001990001", escape: bool = True) -> str:
    """A TRS-style 政务 page: top menu (`nav`), breadcrumb (`crumbs`), side menu (`side`),
    a document list (`items`: href, title, date) and free `body` HTML. With escape=False
    the given strings are inserted raw (hostile pages)."""
    q = _e if escape else (lambda s: s)
    nav_html = "".join(f'<li><a href="{q(h)}">{q(t)}</a></li>' for t, h in nav)
    crumb_list = list(crumbs)
    crumb_html = " - ".join(f'<a href="{q(h)}">{q(t)}</a>' for t, h in crumb_list)
    side_html = "".join(f'<li><a href="{q(h)}">{q(t)}</a></li>' for t, h in side)
    item_list = list(items)
    items_html = "".join(
        f'<li><a href="{q(h)}" target="_blank" title="{q(t)}">{q(t)}</a><span class="date">{q(d)}</span></li>'
        for h, t, d in item_list
    )
    parts = [
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n",
        f"<title>{q(title)}</title>\n",
        f'<meta name="SiteName" content="{_e(site_name)}">\n<meta name="SiteIDCode" content="{_e(site_id)}">\n',
        f'<meta name="ColumnName" content="{q(column)}">\n' if column else "",
        head,
        "</head>\n<body>\n",
        f'<div class="header"><span class="site-name">{_e(site_name)}</span></div>\n',
        f'<div class="nav"><ul class="w1200"><li><a href="/">首页</a></li>{nav_html}</ul></div>\n',
        '<div class="main w1200">\n',
        f'<div class="position">当前位置：{crumb_html}</div>\n' if crumb_list else "",
        f'<div class="side"><ul class="side-menu">{side_html}</ul></div>\n' if side_html else "",
        f'<div class="right"><div class="list-box"><ul class="list">{items_html}</ul></div></div>\n' if item_list else "",
        body,
        "\n</div>\n",
        f'<div class="footer"><p>主办：{_e(site_name)}办公室　网站标识码：{_e(site_id)}</p></div>\n',
        "</body>\n</html>\n",
    ]
    return "".join(parts)


# =========================================================================== the fault site
# path → what goes wrong there, and whether a careful crawler must report it as failed
# (None: neither — recorded as what it is, e.g. a redirect to another host, not followed).
FAULTS: dict[str, tuple[str, bool | None]] = {
    "/fault/reset": ("connection reset before any byte", True),
    "/fault/stall-headers": ("accepts, never answers", True),
    "/fault/stall-body": ("headers and half a page, then nothing", True),
    "/fault/slow": ("slow first byte, but within the timeout", False),
    "/fault/too-slow": ("first byte after the timeout", True),
    "/fault/trickle": ("a byte every 0.2 s, never ending", True),
    "/fault/flap": ("503 on the first request, then 200", False),
    "/fault/always-500": ("500 every time", True),
    "/fault/loop-a": ("redirect loop a → b → a", True),
    "/fault/chain/0": ("a chain of 40 redirects", True),
    "/fault/short-chain/0": ("3 redirects, then a page", False),
    "/fault/offsite": ("redirect to another host", None),
    "/fault/private": ("redirect to http://10.0.0.1/", True),
    "/fault/metadata": ("redirect to http://169.254.169.254/", True),
    "/fault/private6": ("redirect to http://[fe80::1]/", True),
    "/fault/bomb": ("gzip bomb: ~100 KB compressed, 100 MB decompressed", True),
    "/fault/huge": ("a 50 MB page", True),
    "/fault/binary": ("random bytes as text/html", False),
    "/fault/charset-wrong": ("GBK page declared as UTF-8", False),
    "/fault/charset-missing": ("GBK page, no charset anywhere", False),
    "/fault/malformed": ("malformed HTML", False),
    "/fault/blocked": ("403 for robots (WAF), the page exists", True),
    "/fault/bad-gzip": ("Content-Encoding: gzip, body is not gzip", True),
    "/fault/short-body": ("Content-Length 20000, 300 bytes, then the connection closes", True),
    "/fault/garbage": ("no HTTP status line at all", True),
}

_BOMB_LOCK = threading.Lock()
_BOMB: bytes | None = None


def gzip_bomb(decompressed: int = 100 * 1024 * 1024) -> bytes:
    """gzip of `decompressed` zero bytes (~1/1000 of it), built once per process."""
    global _BOMB
    with _BOMB_LOCK:
        if _BOMB is None:
            buf = io.BytesIO()
            with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0) as gz:
                head = b"<html><head><title>bomb</title></head><body>"
                gz.write(head)
                chunk = b"\0" * (1 << 20)
                for _ in range(max(1, (decompressed - len(head)) >> 20)):
                    gz.write(chunk)
            _BOMB = buf.getvalue()
        return _BOMB


def huge_page_chunks(total: int) -> Iterator[bytes]:
    """A valid-looking HTML page of exactly `total` bytes, generated piece by piece."""
    head = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>巨大页面</title></head><body>"
            "<ul class='list'>").encode()
    tail = b"</ul></body></html>"
    yield head
    left = total - len(head) - len(tail)
    row = "<li><a href='/huge/x.html'>重复的条目</a><span>2021-01-01</span></li>".encode()
    block = row * (65536 // len(row))
    while left > 0:
        piece = block[:left]
        yield piece
        left -= len(piece)
    yield tail


class FaultSite(Routes):
    """A small 政务 site whose homepage also links every fault, as a route table.

    Well-formed part (must be audited normally):
      / → 政务公开 /zwgk/ (通知公告 /zwgk/tzgg/, 政策文件 /zwgk/zcwj/), 新闻动态 /xwdt/ (/xwdt/zwyw/)
    Faults: see FAULTS, one route each; traps /cal/2021-01.html (next month forever) and
    /s/<sid>/index.html (a new session id on every link); `dns_host` (e.g.
    "xxgk.fault.invalid") is linked as a sibling host that does not resolve.
    """

    def __init__(self, *, robots: str = "ok", home: str = "ok", slow: float = 0.3, too_slow: float = 6.0,
                 dns_host: str = "xxgk.fault.invalid", offsite_host: str = "www.other-site.invalid",
                 huge_size: int = 50 * 1024 * 1024, bomb_size: int = 100 * 1024 * 1024,
                 extra_links: Iterable[tuple[str, str]] = ()) -> None:
        self.robots = robots  # ok | 500 | stall | reset | missing
        self.home_mode = home  # ok | trickle | stall | reset
        self.slow = slow
        self.too_slow = too_slow
        self.dns_host = dns_host
        self.offsite_host = offsite_host
        self.huge_size = huge_size
        self.bomb_size = bomb_size
        self.extra_links = list(extra_links)
        self._flap_lock = threading.Lock()
        self._flapped: set[str] = set()
        modes: dict[str, App] = {"ok": self.home, "trickle": Handler.trickle, "stall": Handler.stall,
                                 "reset": Handler.reset}
        homepage = modes[home]
        routes: dict[str, App] = {
            "/robots.txt": self.robots_txt, "/": homepage, "/index.html": homepage,
            "/zwgk/": lambda h: self.section(h, "政务公开", [("通知公告", "/zwgk/tzgg/"), ("政策文件", "/zwgk/zcwj/")]),
            "/xwdt/": lambda h: self.section(h, "新闻动态", [("政务要闻", "/xwdt/zwyw/")]),
            **dict.fromkeys(self.COLUMNS, self.column),
            **self.fault_routes(), "*": Handler.not_found,
        }
        for col, (_name, _parents, n) in self.COLUMNS.items():
            for i in range(n):
                routes[self._article(col, i)] = self._article_route(col, i)
        super().__init__(routes, mounts={"/fault/chain/": self.chain, "/fault/short-chain/": self.short_chain,
                                         "/cal/": self.calendar, "/s/": self.session})

    # -- the well-formed site -------------------------------------------------------------
    NAV = [("政务公开", "/zwgk/"), ("新闻动态", "/xwdt/")]
    COLUMNS = {
        "/zwgk/tzgg/": ("通知公告", [("政务公开", "/zwgk/")], 6),
        "/zwgk/zcwj/": ("政策文件", [("政务公开", "/zwgk/")], 4),
        "/xwdt/zwyw/": ("政务要闻", [("新闻动态", "/xwdt/")], 5),
    }

    def good_urls(self) -> list[str]:
        """Paths of the well-formed part (each must be fetched with status 200)."""
        out = ["/", "/zwgk/", "/xwdt/"]
        for path, (_name, _parents, n) in self.COLUMNS.items():
            out.append(path)
            out += [self._article(path, i) for i in range(n)]
        return out

    @staticmethod
    def _article(col: str, i: int) -> str:
        return f"{col}202112/t202112{10 + i:02d}_{1000 + i}.html"

    def _article_route(self, col: str, i: int) -> App:
        return lambda h: self.article(h, col, i)

    def home(self, h: Handler) -> None:
        faults = "".join(f'<li><a href="{p}">{_e(d)}</a></li>' for p, (d, _) in FAULTS.items())
        port = h.server.server_address[1]
        faults += (f'<li><a href="http://{self.dns_host}:{port}/index.html">信息公开平台</a></li>'
                   '<li><a href="/cal/2021-01.html">活动日历</a></li>'
                   '<li><a href="/s/0000/index.html">网上办事</a></li>')
        faults += "".join(f'<li><a href="{_e(u)}">{_e(t)}</a></li>' for t, u in self.extra_links)
        body = ('<div class="index-box"><div class="box-tit"><span>通知公告</span>'
                '<a href="/zwgk/tzgg/" class="more">更多</a></div><ul class="index_list">'
                + "".join(f'<li><a href="{self._article("/zwgk/tzgg/", i)}">通知{i}</a>'
                          f'<span class="date">[12-{10 + i:02d}]</span></li>' for i in range(3))
                + '</ul></div><div class="index-box"><div class="box-tit"><span>专题</span></div>'
                f'<ul class="links">{faults}</ul></div>')
        h.html(gov_page("测试区人民政府", nav=self.NAV, body=body, column="首页"))

    def section(self, h: Handler, name: str, children: list[tuple[str, str]]) -> None:
        h.html(gov_page(f"{name}_测试区人民政府", nav=self.NAV, crumbs=[("首页", "/"), (name, h.url_path)],
                        side=children, column=name))

    def column(self, h: Handler) -> None:
        name, parents, n = self.COLUMNS[h.url_path]
        items = [(self._article(h.url_path, i), f"{name}第{i}号", f"2021-12-{10 + i:02d}") for i in range(n)]
        crumbs = [("首页", "/"), *parents, (name, h.url_path)]
        h.html(gov_page(f"{name}_测试区人民政府", nav=self.NAV, crumbs=crumbs, items=items, column=name))

    def article(self, h: Handler, col: str, i: int) -> None:
        name, parents, _n = self.COLUMNS[col]
        crumbs = [("首页", "/"), *parents, (name, col)]
        body = (f'<div class="article"><h1>{name}第{i}号</h1><div class="info">发布时间：2021-12-{10 + i:02d}</div>'
                f'<div class="content"><p>正文内容。</p></div></div>')
        h.html(gov_page(f"{name}第{i}号_测试区人民政府", nav=self.NAV, crumbs=crumbs, body=body,
                        head=f'<meta name="PubDate" content="2021-12-{10 + i:02d} 09:00">'))

    def robots_txt(self, h: Handler) -> None:
        mode = self.robots
        if mode == "500":
            return h.send(500, "Internal Server Error", "text/plain")
        if mode == "stall":
            return h.stall(after_headers=False)
        if mode == "reset":
            return h.reset()
        if mode == "missing":
            return h.not_found()
        h.send(200, "User-agent: *\nDisallow: /private/\n", "text/plain")

    # -- the faults, one route each ---------------------------------------------------------
    def fault_routes(self) -> dict[str, App]:
        def port(h: Handler) -> int:
            return h.server.server_address[1]

        return {
            "/fault/reset": Handler.reset,
            "/fault/stall-headers": lambda h: h.stall(after_headers=False),
            "/fault/stall-body": lambda h: h.stall(partial=gov_page("半截页面").encode()[:300]),
            "/fault/trickle": Handler.trickle,
            "/fault/slow": self.slow_page,
            "/fault/too-slow": self.too_slow_page,
            "/fault/flap": self.flap,
            "/fault/always-500": lambda h: h.send(500, "<h1>500 Internal Server Error</h1>"),
            "/fault/loop-a": lambda h: h.redirect("/fault/loop-b"),
            "/fault/loop-b": lambda h: h.redirect("/fault/loop-a"),
            "/fault/offsite": lambda h: h.redirect(f"http://{self.offsite_host}:{port(h)}/landing.html"),
            "/fault/private": lambda h: h.redirect("http://10.0.0.1/admin/"),
            "/fault/metadata": lambda h: h.redirect("http://169.254.169.254/latest/meta-data/"),
            "/fault/private6": lambda h: h.redirect("http://[fe80::1]/"),
            "/fault/bomb": lambda h: h.send(200, gzip_bomb(self.bomb_size), "text/html; charset=utf-8",
                                            {"Content-Encoding": "gzip"}),
            "/fault/huge": lambda h: h.stream(huge_page_chunks(self.huge_size), total=self.huge_size),
            "/fault/binary": binary_page,
            "/fault/charset-wrong": self.charset_wrong,
            "/fault/charset-missing": self.charset_missing,
            "/fault/malformed": malformed_page,
            "/fault/bad-gzip": lambda h: h.send(200, b"\x1f\x8b\x08\x00" + bytes(range(256)) * 8,
                                                "text/html; charset=utf-8", {"Content-Encoding": "gzip"}),
            "/fault/short-body": short_body,
            "/fault/garbage": garbage,
            "/fault/blocked": lambda h: h.send(
                403, "<html><body><h1>403 Forbidden</h1><p>您的访问被拦截（WAF）。</p></body></html>"),
        }

    def slow_page(self, h: Handler) -> None:
        h.sleep(self.slow)
        h.html(gov_page("慢页面_测试区人民政府", nav=self.NAV, body="<p>慢，但能打开。</p>"))

    def too_slow_page(self, h: Handler) -> None:
        if not h.sleep(self.too_slow):
            return h.reset()
        h.html(gov_page("太慢的页面"))

    def flap(self, h: Handler) -> None:
        with self._flap_lock:
            first = h.url_path not in self._flapped
            self._flapped.add(h.url_path)
        if first:
            return h.send(503, "<h1>503 Service Temporarily Unavailable</h1>")
        h.html(gov_page("时好时坏_测试区人民政府", nav=self.NAV, body="<p>第二次就好了。</p>"))

    def chain(self, h: Handler) -> None:
        n = _int(h.url_path.rsplit("/", 1)[-1])
        return h.redirect(f"/fault/chain/{n + 1}") if n < 40 else h.html(gov_page("链尾"))

    def short_chain(self, h: Handler) -> None:
        n = _int(h.url_path.rsplit("/", 1)[-1])
        if n < 3:
            return h.redirect(f"/fault/short-chain/{n + 1}", 301)
        h.html(gov_page("跳转后的页面_测试区人民政府", nav=self.NAV, body="<p>三次跳转后到达。</p>"))

    def charset_wrong(self, h: Handler) -> None:
        page = gov_page("字符集错误_测试区人民政府", nav=self.NAV, body="<p>声明为UTF-8，实际是GBK。</p>")
        h.send(200, page.encode("gbk"), "text/html; charset=utf-8")

    def charset_missing(self, h: Handler) -> None:
        page = gov_page("没有字符集_测试区人民政府", nav=self.NAV, body="<p>没有声明字符集的GBK页面。</p>")
        page = page.replace('<meta charset="utf-8">\n', "")
        h.send(200, page.encode("gbk"), "text/html")

    def calendar(self, h: Handler) -> None:
        """/cal/YYYY-MM.html links to the next and previous month, forever."""
        stem = h.url_path.rsplit("/", 1)[-1].removesuffix(".html")
        try:
            y, m = (int(x) for x in stem.split("-"))
        except ValueError:
            return h.not_found()
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        py, pm = (y - 1, 12) if m == 1 else (y, m - 1)
        body = (f'<div class="calendar"><a href="/cal/{py:04d}-{pm:02d}.html">上月</a> '
                f'<a href="/cal/{ny:04d}-{nm:02d}.html">下月</a>'
                + "".join(f'<a href="/cal/{y:04d}-{m:02d}.html?day={d}">{d}</a>' for d in range(1, 4))
                + "</div>")
        h.html(gov_page(f"活动日历 {y}年{m}月", nav=self.NAV, body=body))

    def session(self, h: Handler) -> None:
        """/s/<sid>/index.html: every link carries a fresh session id."""
        sid = hashlib.sha1(f"{h.url_path}{h.hit_count()}{time.monotonic_ns()}".encode()).hexdigest()[:12]
        body = (f'<ul class="links"><li><a href="/s/{sid}/index.html">办事大厅</a></li>'
                f'<li><a href="/s/{sid}/index.html?jsessionid={sid}">在线申报</a></li></ul>')
        h.html(gov_page("网上办事_测试区人民政府", nav=self.NAV, body=body))


def binary_page(h: Handler) -> None:
    rnd = random.Random(7)
    h.send(200, b"PK\x03\x04" + bytes(rnd.getrandbits(8) for _ in range(64 * 1024)), "text/html")


def malformed_page(h: Handler) -> None:
    body = ('<div class="list"><ul><li><a href="/zwgk/tzgg/">通知公告<li><a href="/fault/slow">慢'
            '<table><tr><td><div></span></p><a href=">坏链接</a><a href="/xwdt/zwyw/" <b>要闻</a>'
            '<!-- unterminated comment <script>document.write("<a href=/x>")</scr' + "\x00\x01" + 'ipt>'
            '<![CDATA[ x ]]><a href="&#x6a;avascript:alert(1)">js</a>' + "<div>" * 3000)
    page = "<html><head><title>格式错误的页面</title><meta charset='utf-8'><body>" + body
    h.send(200, page.encode("utf-8"), "text/html; charset=utf-8")


def short_body(h: Handler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Content-Length", "20000")
    h.end_headers()
    h.wfile.write(gov_page("不完整的页面").encode()[:300])
    h.wfile.flush()
    h.reset()


def garbage(h: Handler) -> None:
    h.wfile.write(b"\x00\xffGARBAGE \x01\x02 not http at all\r\n\r\n" * 10)
    h.wfile.flush()
    h.reset()


def _int(s: str) -> int:
    try:
        return int(s)
    except ValueError:
        return 0


class FaultServer(MockServer):
    """The test server serving a `FaultSite` (keyword options go to the site)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, stall_max: float = 20.0,
                 max_conns: int = 64, **site_options: Any) -> None:
        self.site = FaultSite(**site_options)
        super().__init__(self.site, host=host, port=port, max_conns=max_conns, stall_max=stall_max)


# =========================================================================== generated site
class GeneratedSite(Routes):
    """A regular site of about `pages` pages (home, `columns` list pages, articles), each
    answered after `delay` seconds — big and slow enough to interrupt a crawl mid-way."""

    def __init__(self, pages: int = 300, columns: int = 10, delay: float = 0.05) -> None:
        self.columns = columns
        self.per_column = max(1, (pages - 1 - columns) // columns)
        self.delay = delay
        self.nav = [(f"栏目{c}", f"/col{c}/") for c in range(columns)]
        super().__init__({"/robots.txt": lambda h: h.send(200, "User-agent: *\nAllow: /\n", "text/plain"),
                          "/": self._slow(lambda h: h.html(gov_page("生成的站点", nav=self.nav, column="首页"))),
                          "*": self._slow(Handler.not_found)},
                         mounts={"/col": self._slow(self.page)})

    def _slow(self, app: App) -> App:
        def slow(h: Handler) -> None:
            if self.delay and not h.sleep(self.delay):
                return h.reset()
            app(h)
        return slow

    def all_paths(self) -> list[str]:
        out = ["/"]
        for c in range(self.columns):
            out.append(f"/col{c}/")
            out += [self.article(c, i) for i in range(self.per_column)]
        return out

    @staticmethod
    def article(c: int, i: int) -> str:
        return f"/col{c}/2021{1 + i % 12:02d}/t2021{1 + i % 12:02d}{1 + i % 28:02d}_{c * 1000 + i}.html"

    def page(self, h: Handler) -> None:
        """/colN/ (a list of its articles) and its articles."""
        p = h.url_path
        parts = p.strip("/").split("/")
        c = _int(parts[0][3:])
        if not 0 <= c < self.columns:
            return h.not_found()
        name = f"栏目{c}"
        crumbs = [("首页", "/"), (name, f"/col{c}/")]
        if len(parts) == 1:
            items = [(self.article(c, i), f"{name}文章{i}",
                      f"2021-{1 + i % 12:02d}-{1 + i % 28:02d}") for i in range(self.per_column)]
            return h.html(gov_page(f"{name}_生成的站点", nav=self.nav, crumbs=crumbs, items=items, column=name))
        for i in range(self.per_column):
            if p == self.article(c, i):
                d = f"2021-{1 + i % 12:02d}-{1 + i % 28:02d}"
                return h.html(gov_page(f"{name}文章{i}", nav=self.nav, crumbs=crumbs,
                                       head=f'<meta name="PubDate" content="{d}">',
                                       body=f"<h1>{name}文章{i}</h1><p>发布时间：{d}</p>"))
        return h.not_found()


# =========================================================================== hostile site
HOSTILE_STRINGS: list[str] = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</td></tr></table><script>alert(2)</script>",
    "{{7*7}}{% raw %}${7*7}",
    "=HYPERLINK(\"http://evil.invalid\",\"点我\")",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\tTab开头",
    "\u202e反向文本\u202c",
    "控制字符\x01\x02\x07\x1b[31m\x1f",
    "\ufeff零宽\u200b字符",
]


class HostileSite(Routes):
    """A site whose titles, anchors, breadcrumbs and URLs carry markup, formulas, control
    characters and 100 KB strings. Every page is otherwise a normal 政务 list page.

    Both ways a CMS gets it wrong: strings escaped correctly, so that the page's *text* is
    the hostile string (menu, lists, breadcrumbs), and raw markup pasted into the HTML (the
    homepage title and body, /raw/)."""

    LONG = "长" * 100_000

    def __init__(self) -> None:
        self.nav = [(s, f"/col{i}/") for i, s in enumerate(HOSTILE_STRINGS)]
        self.nav.append(("通知公告", "/tzgg/"))
        self.nav.append(("超长栏目" + self.LONG, "/long/"))
        super().__init__({"/robots.txt": lambda h: h.send(200, "User-agent: *\n", "text/plain"),
                          "/": self.home, "/raw/": self.raw, "/tzgg/": self.notices, "/long/": self.column,
                          "*": Handler.not_found},
                         mounts={"/tzgg/202112/": self.notice, "/col": self.column})

    def home(self, h: Handler) -> None:
        links = "".join(
            f'<li><a href="{u}">{t}</a></li>' for t, u in [
                ("javascript链接", "javascript:alert(document.cookie)"),
                ("<b>data</b>", "data:text/html,<script>alert(1)</script>"),
                ('"><script>alert("href")</script>', '/x"><script>alert(3)</script>.html'),
                ("vbscript", "vbscript:msgbox(1)"),
                ("空白", "   "),
                ("=1+1", "/=1+1.html"),
                ("超长网址", "/" + "a" * 100_000 + ".html"),
                ("换行网址", "/x\n/y\t.html"),
                ("坏网址", "http://[::1"),
                ("空格主机", "http://exa mple.invalid/"),
                ("协议相对", "//evil.invalid/x.html"),
                ("带口令", "http://user:pass@evil.invalid/"),
                ("<i>斜体</i>" * 2000, "/tzgg/"),
            ])
        raw_menu = "".join(f'<li><a href="/raw/">{t}</a></li>' for t in HOSTILE_STRINGS[:4])
        body = (f'<div class="index-box"><ul class="links">{links}</ul></div>'
                f'<div class="index-box"><ul class="links">{raw_menu}</ul></div>')
        page = gov_page("TITLE", nav=self.nav, body=body, column="首页")
        # raw (unescaped) markup in the title, as a broken CMS would emit
        title = HOSTILE_STRINGS[1] + HOSTILE_STRINGS[0] + self.LONG
        h.html(page.replace("<title>TITLE</title>", f"<title>{title}</title>"))

    def raw(self, h: Handler) -> None:
        crumbs = [("首页", "/"), (HOSTILE_STRINGS[1], "/raw/")]
        items = [(f"/raw/t20211201_{i}.html", s, "2021-12-01") for i, s in enumerate(HOSTILE_STRINGS)]
        h.html(gov_page(HOSTILE_STRINGS[0], nav=self.nav[:5], crumbs=crumbs, items=items,
                        escape=False, column=HOSTILE_STRINGS[1]))

    def notices(self, h: Handler) -> None:
        items = [(f"/tzgg/202112/t202112{10 + i:02d}_{i}.html", s, f"2021-12-{10 + i:02d}")
                 for i, s in enumerate(HOSTILE_STRINGS)]
        items.append(("/tzgg/202112/t20211230_99.html", "超长标题" + self.LONG, "2021-12-30"))
        crumbs = [("首页", "/"), ("通知公告", "/tzgg/")]
        h.html(gov_page("通知公告" + HOSTILE_STRINGS[0], nav=self.nav, crumbs=crumbs,
                        items=items, column="通知公告"))

    def notice(self, h: Handler) -> None:
        i = _int(h.url_path.rsplit("_", 1)[-1].removesuffix(".html"))
        title = HOSTILE_STRINGS[i] if i < len(HOSTILE_STRINGS) else "超长标题" + self.LONG
        h.html(gov_page(title, nav=self.nav, crumbs=[("首页", "/"), ("通知公告", "/tzgg/")],
                        body=f"<h1>{html.escape(title)}</h1><p>发布时间：2021-12-20</p>"))

    def column(self, h: Handler) -> None:
        p = h.url_path
        idx = _int(p.strip("/")[3:]) if p.startswith("/col") else -1
        name = HOSTILE_STRINGS[idx] if 0 <= idx < len(HOSTILE_STRINGS) else "超长栏目" + self.LONG
        crumbs = [("首页", "/"), (name, p)]
        items = [(f"{p}t20211201_{idx}.html", name, "2021-12-01")]
        h.html(gov_page(name, nav=self.nav, crumbs=crumbs, items=items, column=name))


# =========================================================================== static site
class StaticSite(Routes):
    """A dict of path → HTML (str) or (content type, bytes), one route per page."""

    def __init__(self, pages: dict[str, str | tuple[str, bytes]]) -> None:
        self.pages = pages
        super().__init__({path: self._page(v) for path, v in pages.items()} | {"*": Handler.not_found})

    @staticmethod
    def _page(v: str | tuple[str, bytes]) -> App:
        if isinstance(v, str):
            return lambda h: h.html(v)
        ctype, data = v
        return lambda h: h.send(200, data, ctype)


# =========================================================================== running the CLI
ROOT = str(REPO_ROOT)  # the checkout: cwd and PYTHONPATH of the CLI subprocesses


def cli_env() -> dict[str, str]:
    """The environment for a CLI subprocess: this checkout importable, no proxies."""
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(k, None)
    env["NO_PROXY"] = env["no_proxy"] = "*"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_cli(args: list[str], *, timeout: float, cwd: str | None = None) -> tuple[Any, float]:
    """Run `python -m crawler.cli ARGS` with a hard timeout; (CompletedProcess, seconds)."""
    import subprocess
    import sys

    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "crawler.cli", *args], capture_output=True, text=True,
                       timeout=timeout, env=cli_env(), cwd=cwd or ROOT)
    return r, time.monotonic() - t0


def write_rules(path: str, rules: list[dict[str, Any]], document: str = "测试规则") -> str:
    """A rule file with the given rules (id, title, check, params …; source filled in)."""
    import yaml

    full = []
    for r in rules:
        r = {"severity": "major", "source": {"section": "一", "quote": r.get("title", "")}, **r}
        full.append(r)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump({"schema": "govaudit.rules/1", "document": document, "year": 2021, "rules": full}, f,
                       allow_unicode=True, sort_keys=False)
    return path


def _selftest() -> None:  # pragma: no cover - manual check: python -m tests.support.faultserver
    import urllib.request

    with FaultServer(stall_max=2) as srv:
        print("serving", srv.url)
        for p in ("/", "/zwgk/tzgg/", "/fault/slow", "/fault/flap", "/fault/flap"):
            try:
                with urllib.request.urlopen(srv.url.rstrip("/") + p, timeout=3) as r:
                    print(p, r.status, len(r.read()))
            except Exception as e:
                print(p, "error", e)
        print(dict(srv.hits))


if __name__ == "__main__":  # pragma: no cover
    _selftest()
    os._exit(0)
