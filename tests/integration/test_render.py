"""JavaScript-built navigation (`--render auto`).

A local site whose homepage menu and whose notice list exist only after script runs:
without --render the column is missing; with --render auto the crawler notices the empty
menu, fetches just those pages again with the system Chromium (scrapy-playwright, never a
browser download) and finds the column and its documents.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from crawler.crawl.render import chromium_path, needs_render
from crawler.model.page import Link, ListItem, PageRecord
from tests.support.faultserver import StaticSite, gov_page, run_cli, write_rules
from tests.support.mockserver import MockServer

pytestmark = pytest.mark.slow  # long: deselect with -m "not slow"

AS_OF = "2021-12-31"

NAV_SCRIPT = """
<script>
(function () {
  var menu = [["政务公开", "/zwgk/"], ["新闻动态", "/xwdt/"]];
  var html = '<ul><li><a href="/">首页</a></li>';
  for (var i = 0; i < menu.length; i++) {
    html += '<li><a href="' + menu[i][1] + '">' + menu[i][0] + '</a></li>';
  }
  document.getElementById("nav").innerHTML = html + "</ul>";
})();
</script>
"""

LIST_SCRIPT = """
<script>
fetch("/api/tzgg.json").then(function (r) { return r.json(); }).then(function (rows) {
  var ul = document.getElementById("list");
  rows.forEach(function (row) {
    var li = document.createElement("li");
    li.innerHTML = '<a href="' + row.url + '" title="' + row.title + '">' + row.title + '</a>' +
                   '<span class="date">' + row.date + '</span>';
    ul.appendChild(li);
  });
});
</script>
"""

HOME = f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>脚本生成菜单的区政府网站</title>
<meta name="SiteName" content="脚本区人民政府"></head><body>
<div class="header">脚本区人民政府</div>
<div class="nav" id="nav"></div>
<div class="main"><p>欢迎访问。</p></div>
{NAV_SCRIPT}
</body></html>"""

TZGG = f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>通知公告_脚本区人民政府</title>
</head><body>
<div class="position">当前位置：<a href="/">首页</a> - <a href="/zwgk/">政务公开</a> - <a href="/zwgk/tzgg/">通知公告</a></div>
<div class="list-box"><ul class="list" id="list"></ul></div>
{LIST_SCRIPT}
</body></html>"""

ROWS = [{"url": f"/zwgk/tzgg/202112/t202112{10 + i:02d}_{i}.html", "title": f"动态生成的通知第{i}号",
         "date": f"2021-12-{10 + i:02d}"} for i in range(4)]


def _site() -> StaticSite:
    pages: dict[str, Any] = {
        "/": HOME,
        "/zwgk/": gov_page("政务公开_脚本区人民政府", nav=[("政务公开", "/zwgk/"), ("新闻动态", "/xwdt/")],
                           crumbs=[("首页", "/"), ("政务公开", "/zwgk/")],
                           side=[("通知公告", "/zwgk/tzgg/"), ("政策文件", "/zwgk/zcwj/")], column="政务公开"),
        "/zwgk/zcwj/": gov_page("政策文件_脚本区人民政府", nav=[("政务公开", "/zwgk/")],
                                crumbs=[("首页", "/"), ("政务公开", "/zwgk/"), ("政策文件", "/zwgk/zcwj/")],
                                items=[("/zwgk/zcwj/202111/t20211101_1.html", "关于印发某某办法的通知", "2021-11-01")],
                                column="政策文件"),
        "/xwdt/": gov_page("新闻动态_脚本区人民政府", nav=[("政务公开", "/zwgk/")],
                           crumbs=[("首页", "/"), ("新闻动态", "/xwdt/")], column="新闻动态"),
        "/zwgk/tzgg/": TZGG,
        "/api/tzgg.json": ("application/json", json.dumps(ROWS, ensure_ascii=False).encode("utf-8")),
        "/robots.txt": ("text/plain", b"User-agent: *\nAllow: /\n"),
    }
    for _i, row in enumerate(ROWS):
        pages[row["url"]] = gov_page(row["title"], crumbs=[("首页", "/"), ("政务公开", "/zwgk/"), ("通知公告", "/zwgk/tzgg/")],
                                     body=f"<h1>{row['title']}</h1><p>发布时间：{row['date']}</p>")
    return StaticSite(pages)


RULES = [
    {"id": "render-zwgk", "title": "设置政务公开栏目", "check": "column_exists", "path": "政务公开"},
    {"id": "render-tzgg", "title": "设置通知公告栏目", "check": "column_exists", "path": "政务公开>通知公告"},
    {"id": "render-items", "title": "发布动态生成的通知", "check": "content_published",
     "params": {"keywords": ["动态生成的通知"], "min_items": 3}},
]


# --------------------------------------------------------------------------- detection (no browser)
def test_needs_render_empty_menu_container() -> None:
    assert needs_render(HOME, PageRecord(url="http://x/", status=200)) is not None
    assert needs_render(TZGG) is not None


def test_needs_render_static_page_is_left_alone() -> None:
    static = gov_page("政务公开", nav=[("政务公开", "/zwgk/")], crumbs=[("首页", "/")],
                      items=[("/a.html", "一条信息标题", "2021-12-01")],
                      head='<script src="/js/common.js"></script><script>showDate();</script>')
    rec = PageRecord(url="http://x/zwgk/", status=200, links=[Link("http://x/zwgk/", "政务公开", "page", "nav")],
                     items=[ListItem("http://x/a.html", "一条信息标题", "2021-12-01")])
    assert needs_render(static, rec) is None
    assert needs_render("<html><body><p>没有脚本</p><div id='nav'></div></body></html>") is None
    assert needs_render("") is None
    needs_render("<script>" * 10000)  # never raises
    needs_render("<div id='nav'>" * 5000 + "<script>x.innerHTML=1</script>")


def test_needs_render_script_built_page_without_container() -> None:
    page = ("<html><head><title>应用</title></head><body><div id='root'></div>"
            "<script>document.write('<a href=/zwgk/>政务公开</a>')</script></body></html>")
    assert needs_render(page, PageRecord(url="http://x/", status=200)) == "script-built"


def test_browser_requests_obey_the_address_rule() -> None:
    """What a rendered page's script asks the browser for passes the same guard."""
    import asyncio
    from types import SimpleNamespace

    from crawler.crawl.render import browser_request_filter

    public = browser_request_filter(["http://203.0.113.9/"])
    local = browser_request_filter(["http://127.0.0.1:8000/"])

    def aborted(f: Any, url: str, kind: str = "fetch") -> bool:
        return bool(asyncio.run(f(SimpleNamespace(url=url, resource_type=kind))))

    assert aborted(public, "http://169.254.169.254/latest/meta-data/")
    assert aborted(public, "http://10.0.0.1/admin")
    assert aborted(public, "http://127.0.0.1:6379/", "xhr")
    assert aborted(public, "http://203.0.113.9/logo.png", "image")
    assert aborted(public, "file:///etc/passwd", "document")
    assert not aborted(public, "http://203.0.113.9/js/nav.js", "script")
    assert not aborted(public, "data:text/plain,hello")
    assert not aborted(local, "http://127.0.0.1:8000/api/nav.json")
    assert aborted(local, "http://169.254.169.254/")
    assert aborted(local, "http://192.168.1.1/")


# --------------------------------------------------------------------------- with a real browser
def _browser_or_skip() -> None:
    if not os.path.exists("/usr/bin/chromium") and chromium_path() is None:
        pytest.skip("Debian chromium is not installed (/usr/bin/chromium): apt-get install chromium")
    try:
        import scrapy_playwright  # noqa: F401
    except ImportError:
        pytest.skip("scrapy-playwright is not installed (pip install -e '.[test]')")


def _audit(tmp: Path, url: str, *extra: str) -> tuple[dict[str, Any], Any]:
    rules = write_rules(str(tmp / "rules.yaml"), RULES)
    out = tmp / "out"
    r, _secs = run_cli(["audit", url, "--rules", rules, "--out", str(out), "--as-of", AS_OF, "--timeout", "10",
                       "--delay", "0", "--no-verify-links", *extra], timeout=180)
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    assert r.returncode in (0, 1), (r.returncode, r.stdout[-2000:], r.stderr[-3000:])
    return json.loads((out / "findings.json").read_text(encoding="utf-8")), r


@pytest.mark.browser
def test_script_built_menu_found_only_with_render(tmp_path: Path) -> None:
    _browser_or_skip()
    with MockServer(_site()) as srv:
        plain, _ = _audit(tmp_path / "plain", srv.url)
        status = {f["rule_id"]: f["status"] for f in plain["findings"]}
        assert status["render-zwgk"] == "fail", status  # the menu needs script: nothing found
        assert status["render-tzgg"] == "fail", status
        plain_hits = dict(srv.hits)
        srv.reset_counts()

        rendered, _ = _audit(tmp_path / "render", srv.url, "--render", "auto")
        hits = dict(srv.hits)
    status = {f["rule_id"]: f["status"] for f in rendered["findings"]}
    assert status == {"render-zwgk": "pass", "render-tzgg": "pass", "render-items": "pass"}, status
    cols = {">".join(c["path"]) for c in rendered["columns"]}
    assert "政务公开>通知公告" in cols
    # only the pages that needed it were fetched again by the browser: "/" and the list
    # (the homepage is also probed once by the site measurements, in both runs)
    assert hits.get("/") == plain_hits.get("/", 0) + 1, (hits, plain_hits)
    assert hits.get("/zwgk/tzgg/") == 2, hits
    assert hits.get("/zwgk/") == 1, hits
    assert hits.get("/zwgk/zcwj/") == 1, hits
    assert hits.get("/api/tzgg.json") == 1, hits  # the browser ran the list's script


def test_render_option_rejects_unknown_mode(tmp_path: Path) -> None:
    r, _ = run_cli(["audit", "http://127.0.0.1:9/", "--render", "always", "--out", str(tmp_path / "o")], timeout=60)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
