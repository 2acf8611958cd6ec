"""The bundled sample site (crawler/demo/site/) agrees with its manifest, and the server
serves it the way real 政务 portals are served (GBK pages without an HTTP charset, …).

Everything goes through `serve_sample_site` on 127.0.0.1; nothing touches the internet.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections import deque
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from bs4 import BeautifulSoup

from crawler.demo.server import SITE_DIR, SampleServer, serve_sample_site
from tests.support import ROOT

MANIFEST: dict[str, Any] = json.loads((SITE_DIR / "manifest.json").read_text(encoding="utf-8"))
AS_OF = date.fromisoformat(MANIFEST["as_of"])
COLUMNS: list[dict[str, Any]] = MANIFEST["columns"]
LIST_COLUMNS = [c for c in COLUMNS if c["kind"] in ("list", "empty")]
HTML_FILES = sorted("/" + p.relative_to(SITE_DIR).as_posix() for p in SITE_DIR.rglob("*.html"))
STUB = MANIFEST["meta_refresh"]["from"] + "index.html"


def col_id(c: dict[str, Any]) -> str:
    return ">".join(c["path"])


# --------------------------------------------------------------------------- fixtures, helpers
@pytest.fixture(scope="module")
def server() -> Any:
    with serve_sample_site() as srv:
        yield srv


@pytest.fixture(scope="module")
def client(server: SampleServer) -> Any:
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=10) as c:
        yield c


def decode(resp: httpx.Response) -> str:
    """What a careful client does: trust an HTTP charset, else assume the GB family."""
    ctype = resp.headers.get("content-type", "")
    if "charset=utf-8" in ctype.lower():
        return resp.content.decode("utf-8")
    return resp.content.decode("gb18030")


def soup_of(client: httpx.Client, path: str) -> BeautifulSoup:
    resp = client.get(path)
    assert resp.status_code == 200, path
    return BeautifulSoup(decode(resp), "html.parser")


_DATE_RES = [
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), lambda m: date(int(m[1]), int(m[2]), int(m[3]))),
    (
        re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
        lambda m: date(int(m[1]), int(m[2]), int(m[3])),
    ),
    (re.compile(r"\[(\d{2})-(\d{2})\]"), lambda m: _year_implied(int(m[1]), int(m[2]))),
]


def _year_implied(month: int, day: int) -> date:
    d = date(AS_OF.year, month, day)
    return d if d <= AS_OF else d.replace(year=AS_OF.year - 1)


def entry_date(text: str) -> date:
    for rx, make in _DATE_RES:
        m = rx.search(text)
        if m:
            return make(m)
    raise AssertionError(f"no date in list entry {text!r}")


def metas(soup: BeautifulSoup) -> dict[str, str]:
    """<meta name=… content=…> pairs (SiteIDCode, ColumnName, PubDate …)."""
    return {
        str(m.get("name")): str(m.get("content", ""))
        for m in soup.find_all("meta")
        if m.get("name")
    }


def breadcrumb_names(soup: BeautifulSoup) -> list[str]:
    div = soup.select_one("div.position")
    assert div is not None
    text = div.get_text()
    text = re.sub(r"^[^：]*：", "", text)  # drop "当前位置：" / "您当前所在位置："
    return [p.strip() for p in re.split(r"\s[>»/\-]\s", text) if p.strip()]


# --------------------------------------------------------------------------- manifest and files
def test_manifest_ground_truth() -> None:
    m = MANIFEST
    assert m["as_of"] == "2021-12-31"
    assert m["site_id_code"] == "5001030001"
    assert m["site_name"] == "重庆市山城区人民政府"
    assert ["政务公开", "政府信息公开目录", "市场准入负面清单"] in m["missing"]
    assert ["政务公开", "政策解读", "视频"] in m["missing"]
    paths = {tuple(c["path"]) for c in COLUMNS}
    for need in [
        ("政务公开", "政府信息公开目录", "法定主动公开内容", "规划信息", "国民经济和社会发展规划"),
        ("政务公开", "政府信息公开目录", "法定主动公开内容", "规划信息", "专项规划"),
        ("政务公开", "政府信息公开目录", "政府信息公开指南"),
        ("政务公开", "政府信息公开目录", "政府信息公开制度"),
        ("政务公开", "政府信息公开目录", "政府信息公开年报"),
        ("政务公开", "政府信息公开目录", "法定主动公开内容", "财政预决算"),
        ("政务公开", "政府信息公开目录", "地方政府债务"),
        ("政务公开", "政府信息公开目录", "建设高标准市场体系"),
        ("政务公开", "政府信息公开目录", "法治政府建设"),
        ("政务公开", "政策文件", "规范性文件"),
        ("政务公开", "政策解读", "文字解读"),
        ("政务公开", "政策解读", "图解"),
        ("新闻动态", "政务要闻"),
        ("新闻动态", "部门动态"),
        ("政务公开", "通知公告"),
    ]:
        assert need in paths, need
    for missing in m["missing"]:
        assert tuple(missing) not in paths
    by_path = {tuple(c["path"]): c for c in COLUMNS}
    assert by_path[("新闻动态", "政务要闻")]["newest"] == "2021-12-28"
    assert by_path[("新闻动态", "部门动态")]["newest"] == "2021-05-10"
    for c in COLUMNS:
        assert c["empty"] == (c["kind"] == "empty"), col_id(c)
        assert c["empty"] == (c["items"] == 0 and c["kind"] in ("list", "empty")), col_id(c)
    titles = {a["title"]: a["date"] for a in m["articles"]}
    assert titles["山城区人民政府2020年政府信息公开工作年度报告"] == "2021-01-28"
    assert titles["山城区2020年法治政府建设年度报告"] == "2021-03-25"
    assert "2021年度税费政策优惠指南" in titles
    assert "山城区2021年部门预算公开" in titles
    assert any("第十四个五年规划和二〇三五年远景目标纲要" in t for t in titles)


def test_site_is_small() -> None:
    files = [p for p in SITE_DIR.rglob("*") if p.is_file()]
    assert 60 <= len(files) <= 120
    assert sum(p.stat().st_size for p in files) < 1_000_000


def test_missing_names_appear_nowhere() -> None:
    for p in HTML_FILES:
        raw = (SITE_DIR / p.lstrip("/")).read_bytes()
        text = raw.decode("utf-8") if _is_utf8(raw) else raw.decode("gb18030")
        assert "市场准入负面清单" not in text, p
        assert "视频" not in text, p


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# --------------------------------------------------------------------------- server behaviour
def test_server_basics(server: SampleServer, client: httpx.Client) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", server.url)
    home = client.get("/")
    assert home.status_code == 200
    assert home.headers["content-type"] == "text/html; charset=utf-8"
    redirect = client.get("/zwgk")
    assert redirect.status_code == 301 and redirect.headers["location"] == "/zwgk/"
    assert client.get("/no/such/page.html").status_code == 404
    assert client.get("/manifest.json").status_code == 404  # ground truth is not part of the site
    head = client.head("/xwdt/zwyw/")
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) > 1000
    robots = client.get("/robots.txt")
    assert robots.status_code == 200 and "Disallow:" in robots.text
    assert "Disallow: /" not in robots.text


def test_server_refuses_path_traversal(server: SampleServer) -> None:
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(b"GET /../pyproject.toml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := sock.recv(4096):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 404")


def test_content_types(client: httpx.Client) -> None:
    for path in MANIFEST["images"]:
        resp = client.get(path)
        assert resp.status_code == 200, path
        if path.endswith(".png"):
            assert resp.headers["content-type"] == "image/png"
            assert resp.content.startswith(b"\x89PNG\r\n\x1a\n")
        else:
            assert resp.headers["content-type"] == "image/jpeg"
            assert resp.content.startswith(b"\xff\xd8") and resp.content.endswith(b"\xff\xd9")
    for path in MANIFEST["attachments"]:
        resp = client.get(path)
        assert resp.headers["content-type"] == "application/pdf"
        assert resp.content.startswith(b"%PDF-")


def test_pdf_attachment_is_valid() -> None:
    import io

    from pypdf import PdfReader

    for path in MANIFEST["attachments"]:
        reader = PdfReader(io.BytesIO((SITE_DIR / path.lstrip("/")).read_bytes()))
        assert len(reader.pages) == 1
        assert "Five-Year Plan" in reader.pages[0].extract_text()


def test_gbk_pages_served_without_charset(client: httpx.Client) -> None:
    gbk = MANIFEST["gbk_pages"]
    assert len([p for p in gbk if p.endswith("/index.html")]) >= 2  # at least two column pages
    declared = MANIFEST["gbk_declared_charset"]
    assert None in declared.values() and "gb2312" in declared.values()
    for path in gbk:
        resp = client.get(path)
        assert resp.status_code == 200
        assert resp.headers["content-type"] == "text/html", path  # no charset on the wire
        with pytest.raises(UnicodeDecodeError):
            resp.content.decode("utf-8")
        text = resp.content.decode("gb18030")
        title = MANIFEST["gbk_page_titles"][path]
        assert f"<title>{title}</title>" in text
        assert re.search(r"[\u4e00-\u9fff]{2,}", title)
        head = text.split("</head>", 1)[0].lower()
        if declared[path] is None:
            assert "charset" not in head, path
        else:
            assert "gb2312" in head, path
    # and every page not listed is UTF-8, sent with charset=utf-8
    for path in HTML_FILES:
        if path not in gbk:
            resp = client.get(path)
            assert resp.headers["content-type"] == "text/html; charset=utf-8", path


def test_gbk_column_pages_are_columns() -> None:
    """The GBK column pages are real columns of the manifest (so a wrong decode shows)."""
    col_pages = {p for c in COLUMNS for p in c["pages"]}
    gbk_columns = [p for p in MANIFEST["gbk_pages"] if p in col_pages]
    assert len(gbk_columns) >= 2
    for c in COLUMNS:
        if any(p in MANIFEST["gbk_pages"] for p in c["pages"]):
            assert c["encoding"] == "gbk"


# --------------------------------------------------------------------------- columns
@pytest.mark.parametrize("col", COLUMNS, ids=col_id)
def test_column_answers_200_with_meta_and_breadcrumb(
    client: httpx.Client, col: dict[str, Any]
) -> None:
    resp = client.get(col["url_path"])
    assert resp.status_code == 200
    soup = BeautifulSoup(decode(resp), "html.parser")
    meta = metas(soup)
    assert meta["ColumnName"] == col["path"][-1]
    assert meta["SiteIDCode"] == "5001030001"
    assert meta["SiteName"] == MANIFEST["site_name"]
    assert {"SiteDomain", "ColumnType"} <= set(meta)
    crumbs = breadcrumb_names(soup)
    assert crumbs[0] == "首页"
    assert crumbs[1:] == col["path"]


@pytest.mark.parametrize("col", LIST_COLUMNS, ids=col_id)
def test_item_counts_and_newest_match_files(client: httpx.Client, col: dict[str, Any]) -> None:
    entries: list[Any] = []
    for page in col["pages"]:
        soup = soup_of(client, page)
        found = soup.select(col["list_selector"])
        if col["empty"]:
            assert found == []
            assert "暂无信息" in soup.get_text()
        else:
            assert found, page
        entries += found
    assert len(entries) == col["items"]
    dates = [entry_date(li.get_text(" ")) for li in entries]
    newest = max(dates).isoformat() if dates else None
    assert newest == col["newest"]
    for li in entries:
        assert li.find("a", href=True) is not None


def test_list_markup_varies() -> None:
    selectors = {c["list_selector"] for c in LIST_COLUMNS}
    assert {"ul.list > li", "ul.news_list > li", "ul.xxgk_list > li"} <= selectors
    assert any(s.startswith("table.") for s in selectors)
    formats = {c["date_format"] for c in LIST_COLUMNS}
    assert len(formats) >= 3


def test_homepage_news(client: httpx.Client) -> None:
    soup = soup_of(client, "/")
    hp = MANIFEST["homepage"]
    items = soup.select(hp["list_selector"])
    assert len(items) == sum(x["items"] for x in hp["lists"])
    dates = [entry_date(li.get_text(" ")) for li in items]
    assert max(dates).isoformat() == hp["newest"] == "2021-12-28"
    assert any(re.search(r"\[\d{2}-\d{2}\]", li.get_text()) for li in items)
    nav = [a.get_text(strip=True) for a in soup.select("div.nav a")]
    assert nav == ["首页", "政务公开", "新闻动态", "政务服务", "互动交流"]


def test_breadcrumb_styles(client: httpx.Client) -> None:
    zcjd = client.get("/zwgk/zcjd/").text
    assert "当前位置：" in zcjd and "首页</a> &gt; <a" in zcjd
    zwyw = client.get("/xwdt/zwyw/").text
    assert "您当前所在位置：" in zwyw and " » " in zwyw
    slash = client.get("/hdjl/qzxx/").text
    assert re.search(r"首页</a> / 互动交流 / 区长信箱", slash)
    text_only = client.get("/zwgk/xxgkml/dfzfzw/").text
    assert "您的位置：首页 &gt; 政务公开" in text_only


# --------------------------------------------------------------------------- pagination, stub
def test_trs_script_pagination(client: httpx.Client) -> None:
    trs = MANIFEST["trs_pagination"]
    pages = trs["pages"]
    assert pages == ["/xwdt/zwyw/index.html", "/xwdt/zwyw/index_1.html", "/xwdt/zwyw/index_2.html"]
    for i, page in enumerate(pages):
        resp = client.get(page)
        assert resp.status_code == 200
        assert f'createPageHTML({len(pages)}, {i}, "index", "html");' in resp.text
        assert not re.search(r'href="[^"]*index(_\d+)?\.html"', resp.text)  # no plain page links
    first = soup_of(client, pages[0]).select("ul.news_list > li")
    assert "置顶" in first[0].get_text()
    assert entry_date(first[0].get_text()).isoformat() == trs["pinned_first"]["date"]
    assert entry_date(first[1].get_text()).isoformat() == "2021-12-28"
    assert max(entry_date(li.get_text()) for li in first) > entry_date(first[0].get_text())


def test_plain_pagination(client: httpx.Client) -> None:
    pages = MANIFEST["plain_pagination"]["pages"]
    assert len(pages) == 2
    first = client.get(pages[0]).text
    assert '<a href="index_1.html">下一页</a>' in first
    assert "下一页" in client.get(pages[1]).text


def test_meta_refresh_stub(client: httpx.Client) -> None:
    stub = MANIFEST["meta_refresh"]
    resp = client.get(stub["from"])
    assert resp.status_code == 200
    assert f'<meta http-equiv="refresh" content="0;url={stub["to"]}">' in resp.text
    assert "<a " not in resp.text
    target = client.get(stub["to"])
    assert target.status_code == 200
    assert '<meta name="ColumnName" content="基层政务公开">' in target.text


# --------------------------------------------------------------------------- articles, links
@pytest.mark.parametrize("art", MANIFEST["all_articles"], ids=lambda a: a["url_path"])
def test_article_meta(client: httpx.Client, art: dict[str, Any]) -> None:
    soup = soup_of(client, art["url_path"])
    meta = metas(soup)
    assert meta["ArticleTitle"] == art["title"]
    assert meta["PubDate"].startswith(art["date"])
    assert meta["ContentSource"]
    assert meta["ColumnName"] == art["column"][-1]
    assert re.fullmatch(r".*/\d{6}/t\d{8}_\d{7}\.html", art["url_path"])
    assert breadcrumb_names(soup)[1:] == art["column"]


def test_interpretation_linked_both_ways(client: httpx.Client) -> None:
    for pair in MANIFEST["interpretations"]:
        jd = client.get(pair["interpretation"]).text
        doc = client.get(pair["document"]).text
        assert f'href="{pair["document"]}"' in jd
        assert f'href="{pair["interpretation"]}"' in doc
    validity = soup_of(client, "/zwgk/zcwj/gfxwj/").select("span.yxx")
    assert {v.get_text() for v in validity} >= {"现行有效", "已废止"}


def test_footer_identifiers_on_every_page(client: httpx.Client) -> None:
    ids = MANIFEST["identifiers"]
    for path in HTML_FILES:
        if path == STUB:
            continue
        text = decode(client.get(path))
        assert "网站标识码：5001030001" in text, path
        assert ids["ICP备案号"] in text and ids["公安机关备案号"] in text, path
        assert "bszs.conac.cn" in text and "我为政府网站找错" in text, path
        assert ids["联系电话"] in text, path
        assert 'action="/search/"' in text, path


def _links(path: str, html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    out: list[str] = []
    for tag, attr in (("a", "href"), ("img", "src"), ("link", "href"), ("script", "src")):
        for el in soup.find_all(tag):
            value = el.get(attr)
            if isinstance(value, str) and value:
                out.append(value)
    refresh = soup.find("meta", attrs={"http-equiv": "refresh"})
    if refresh:
        out.append(str(refresh.get("content", "")).split("url=", 1)[1])
    for count in re.findall(r'createPageHTML\((\d+), \d+, "index", "html"\)', html):
        out += ["index.html" if i == 0 else f"index_{i}.html" for i in range(int(count))]
    return out


def test_internal_links_resolve_and_everything_is_reachable(
    server: SampleServer, client: httpx.Client
) -> None:
    """Walk the site from the homepage like a crawler: every internal link answers 200
    except the one intentional broken link, and every page is reachable."""
    base = server.url
    seen: set[str] = set()
    broken: list[dict[str, str]] = []
    external: set[str] = set()
    queue = deque(["/"])
    status: dict[str, int] = {}
    while queue:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        resp = client.get(path)
        status[path] = resp.status_code
        ctype = resp.headers.get("content-type", "")
        if resp.status_code != 200 or not ctype.startswith("text/html"):
            continue
        for href in _links(path, decode(resp)):
            if href.startswith(("javascript:", "mailto:", "#")):
                continue
            absolute = urljoin(base + path.lstrip("/"), href)
            parts = urlsplit(absolute)
            if f"{parts.scheme}://{parts.netloc}/" != base:
                external.add(absolute)
                continue
            target = parts.path
            if target not in seen:
                head = client.head(target)
                if head.status_code == 404:
                    broken.append({"on": path, "url": target})
                    seen.add(target)
                    continue
                assert head.status_code == 200, (path, href, head.status_code)
                queue.append(target)
    assert broken == MANIFEST["broken_links"]
    assert external == set(MANIFEST["external_links"])
    reached = {p + "index.html" if p.endswith("/") else p for p, s in status.items() if s == 200}
    unreachable = set(HTML_FILES) - reached - {"/search/index.html"}  # search: a form target only
    assert not unreachable
    for path in MANIFEST["images"] + MANIFEST["attachments"]:
        assert path in reached


def test_module_entry_point_serves_until_stopped() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.demo.server", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert m, line
        resp = httpx.get(m.group(0) + "zwgk/", timeout=10)
        assert resp.status_code == 200 and "政务公开" in resp.text
    finally:
        proc.terminate()
        proc.wait(timeout=10)
