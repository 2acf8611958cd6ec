"""Crawl benchmark (issue 14): govaudit against a plain Scrapy spider and LinkChecker on a
synthetic district portal served by nginx, in one invocation, alternating and repeated.

    python benchmarks/bench_crawl.py                      # N = 10,000 and 50,000, --repeat 3
    python benchmarks/bench_crawl.py --pages 1000 --repeat 1
    python benchmarks/bench_crawl.py --pages 3000 --pages 10000 --tools govaudit,scrapy
    python benchmarks/bench_crawl.py --pages 2000 --repeat 0 --profile   # only a py-spy profile

The site (see `generate_site`) is shaped like a TRS district portal: a homepage, 8 top
columns, leaf columns with paginated lists (`index.html`, `index_1.html` … 20 items a
page, `createPageHTML` plus plain 上一页/下一页 links), articles with breadcrumbs, PubDate
metas and prev/next links, about 10 % of the leaf columns GBK/GB2312-encoded with the
charset only in a `<meta>` (nginx sends no charset), images and PDF/DOC/XLS/DOCX
attachments (stubs with real file signatures) on a few percent of the articles, and 20
planted broken links of different kinds (page 404 and 410, image 404, attachment 404; on
the homepage, on list pages, deep in articles, on GBK pages). The planted URLs are kept in
planted.json and each tool is scored against them.

Tools, each run as a child process (wall time; CPU = the child's user+sys from os.wait4,
its own child processes included; peak RSS = the larger of ru_maxrss and the sampled sum
over the child's process tree):

  govaudit          `python -m crawler.cli audit URL --rules R --delay 0 --max-pages … --as-of …`
                    (links verified); whichever checkout PYTHONPATH points at is measured
  govaudit-noverify the same with `--no-verify-links`
  scrapy            a minimal Scrapy spider (in this file): 1 request per host, DOWNLOAD_DELAY 0,
                    robots.txt obeyed, follows on-site <a href> links, parses each page once
                    with parsel; broken = on-site responses with status >= 400
  linkchecker       LinkChecker from its own venv (default /tmp/lcvenv, installed with pip when
                    absent; skipped with a note when it cannot be); rate limit lifted
                    (maxrequestspersecond, allowed by the `LinkChecker` response header nginx
                    sends); broken = invalid rows of its CSV output

Pages = HTML pages the tool fetched with status 200 (govaudit: its crawl store). Printed:
per tool and N, min / median of wall time, pages/s, CPU ms/page, peak RSS, broken links
found of those planted, GBK pages decoded right; then the ratios the issue's targets need.
The machine's load matters: compare figures from one run only.

nginx comes from Debian (`apt-get install -y nginx-light` is run when /usr/sbin/nginx is
missing and we are root); it runs as a non-daemon child on 127.0.0.1 with a generated
config and is stopped at the end.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

SITE_NAME = "重庆市山城区人民政府"
TITLE_MARK = "山城区人民政府"  # every page's <title> ends with it: a mis-decoded GBK page loses it
TOPS = [("zwgk", "政务公开"), ("xwdt", "新闻动态"), ("zwfw", "政务服务"), ("hdjl", "互动交流"),
        ("zjsc", "走进山城"), ("ztzl", "专题专栏"), ("sjkf", "数据开放"), ("zcwj", "政策文件")]
LEAF_NAMES = ["通知公告", "政策解读", "部门动态", "镇街动态", "财政预决算", "人事信息", "规划计划", "统计信息",
              "建议提案办理", "重大项目", "政府会议", "行政执法", "双随机一公开", "应急管理", "公共资源配置",
              "社会救助", "教育信息", "医疗卫生", "环境保护", "食品药品", "安全生产", "价格收费", "征地信息",
              "公示公告", "政府采购", "招标投标", "民生实事", "审计信息", "图片新闻", "视频新闻"]
FOOTER = [("网站地图", "/wzdt/index.html"), ("联系我们", "/lxwm/index.html"), ("关于本站", "/gybz/index.html")]
PARAGRAPHS = [
    ("为深入贯彻落实党中央、国务院关于全面推进政务公开工作的决策部署，进一步提升政务公开质量和实效，"
    "现将有关事项通知如下，请各镇街、各部门结合实际认真抓好落实。"),
    "各单位要严格落实信息发布审查制度，加强对公开内容的保密审查和个人信息保护，确保发布信息准确、及时、完整。",
    ("围绕优化营商环境、保障和改善民生等重点领域，持续做好政策文件及解读材料的发布工作，"
    "及时回应社会关切，增强政策透明度和可预期性。"),
    "区政府办公室将对各单位政务公开工作开展情况进行检查，检查结果纳入年度目标考核，对工作不力的单位予以通报。",
    "联系人：区政府办公室政务公开科，联系电话：023-12345678，地址：山城区人民路一号。",
]
ITEMS_PER_PAGE = 20
GBK_EVERY = 10  # every 10th leaf column is GBK-encoded
IMAGE_EVERY = 40  # one article in 40 has its own image
ATTACH_EVERY = 80  # one article in 80 has an attachment

# tiny files with real signatures
GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
       b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504  # .doc / .xls (OLE2 compound file header)
ZIP = b"PK\x03\x04" + b"\x00" * 60  # .docx
ATTACH_KINDS = [("pdf", PDF), ("doc", OLE), ("xls", OLE), ("docx", ZIP)]
# what every TRS page carries inline besides its content: styles and a statistics script
HEAD_EXTRA = ("<style>" + "".join(f".m{i} li a{{color:#1a5fb4;font-size:{12 + i % 4}px;padding:0 {i % 9}px}}"
                                   for i in range(40)) + "</style>"
              "<script>var _maq=_maq||[];_maq.push(['_setAccount','5001990001']);(function(){var ma="
              "document.createElement('script');ma.type='text/javascript';ma.async=true;ma.src="
              "'/js/ma.js';var s=document.getElementsByTagName('script')[0];s.parentNode.insertBefore(ma,s);"
              "})();function search(f){if(!f.q.value){alert('请输入关键字');return false}return true}</script>")


# ---------------------------------------------------------------------------------------
# the synthetic site
# ---------------------------------------------------------------------------------------

@dataclass
class Leaf:
    top: str
    top_name: str
    slug: str
    name: str
    gbk: bool
    articles: list[tuple[str, str, date]] = field(default_factory=list)  # (url path, title, date)

    @property
    def base(self) -> str:
        return f"/{self.top}/{self.slug}/"

    def list_path(self, page: int) -> str:
        return self.base + ("index.html" if page == 0 else f"index_{page}.html")

    @property
    def n_list_pages(self) -> int:
        return max(1, math.ceil(len(self.articles) / ITEMS_PER_PAGE))


@dataclass
class Site:
    root: Path
    pages: int = 0
    gbk_pages: dict[str, str] = field(default_factory=dict)  # URL path → a word its title must contain
    planted: list[dict[str, str]] = field(default_factory=list)
    media: int = 0


def _menu(leaves: list[Leaf]) -> str:
    """The site-wide menu: each top column with a drop-down of up to 6 of its leaf columns."""
    out = []
    for slug, name in TOPS:
        subs = "".join(f'<li><a href="{leaf.list_path(0)}">{leaf.name}</a></li>'
                       for leaf in [lf for lf in leaves if lf.top == slug][:6])
        out.append(f'<li><a href="/{slug}/index.html">{name}</a><ul class="sub">{subs}</ul></li>')
    return "".join(out)


def _footer() -> str:
    links = " | ".join(f'<a href="{href}">{name}</a>' for name, href in FOOTER)
    return (f'<div class="footer">{links}<p>主办：{SITE_NAME}办公室 网站标识码：5001990001 '
            f'渝ICP备12345678号 渝公网安备50019902000001号</p></div>')


def _page(title: str, body: str, *, menu: str, charset: str = "utf-8", metas: dict[str, str] | None = None,
          crumbs: list[tuple[str, str]] | None = None) -> str:
    meta_html = "".join(f'<meta name="{k}" content="{v}">' for k, v in (metas or {}).items())
    head_charset = (f'<meta charset="{charset}">' if charset == "utf-8" else
                    f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">')
    crumb = ""
    if crumbs:
        crumb = ('<div class="crumb">当前位置：' +
                 " &gt; ".join(f'<a href="{h}">{n}</a>' for n, h in crumbs) + "</div>")
    return (f"<!DOCTYPE html><html><head>{head_charset}<title>{title}_{SITE_NAME}</title>"
            f'<meta name="SiteName" content="{SITE_NAME}"><meta name="SiteIDCode" content="5001990001">'
            f'{meta_html}<link rel="stylesheet" href="/css/main.css">{HEAD_EXTRA}</head><body>'
            f'<div class="header"><img src="/images/logo.png" alt="{SITE_NAME}"><div class="search">'
            f'<form action="/search/"><input name="q"></form></div></div>'
            f'<ul class="nav"><li><a href="/index.html">首页</a></li>{menu}</ul>{crumb}'
            f'<div class="main">{body}</div>{_footer()}</body></html>')


def generate_site(root: Path, n_pages: int, seed: int = 14) -> Site:
    """Write about `n_pages` HTML pages under `root`; return the counts and planted links."""
    rnd = random.Random(seed)
    site = Site(root)
    fixed = 1 + len(TOPS) + len(FOOTER)  # homepage, top columns, footer pages
    n_leaves = max(len(TOPS), round(n_pages / 250))
    n_articles = max(n_leaves, int((n_pages - fixed - n_leaves) * ITEMS_PER_PAGE / (ITEMS_PER_PAGE + 1)))
    leaves: list[Leaf] = []
    for i in range(n_leaves):
        top, top_name = TOPS[i % len(TOPS)]
        name = LEAF_NAMES[i % len(LEAF_NAMES)] + ("" if i < len(LEAF_NAMES) else str(i // len(LEAF_NAMES) + 1))
        leaves.append(Leaf(top, top_name, f"c{i:04d}", name, gbk=(i % GBK_EVERY == 3)))
    day0 = date(2021, 12, 20)
    for k in range(n_articles):
        leaf = leaves[k % n_leaves]
        d = day0 - timedelta(days=(k // n_leaves) % 1400)
        aid = 100000 + k
        path = f"{leaf.base}{d:%Y%m}/t{d:%Y%m%d}_{aid}.html"
        leaf.articles.append((path, f"{leaf.name}关于做好第{k + 1}项工作的通知", d))

    menu = _menu(leaves)
    made: set[Path] = set()

    def write(path: str, data: bytes) -> None:
        f = root / path.lstrip("/")
        if f.parent not in made:
            f.parent.mkdir(parents=True, exist_ok=True)
            made.add(f.parent)
        f.write_bytes(data)

    def page(title: str, body: str, **kw: Any) -> str:
        return _page(title, body, menu=menu, **kw)

    def put(path: str, text: str, gbk: str = "") -> None:
        write(path, text.encode("gbk" if gbk else "utf-8"))
        if path.endswith(".html"):
            site.pages += 1
            if gbk:
                site.gbk_pages[path] = gbk

    # planted broken links: (host page path) -> list of html snippets; recorded in site.planted
    extra: dict[str, list[str]] = {}

    def plant(host: str, url: str, kind: str, what: str) -> None:
        if kind == "image":
            snippet = f'<p><img src="{url}" alt="图片"></p>'
        else:
            snippet = f'<p><a href="{url}">{what}</a></p>'
        extra.setdefault(host, []).append(snippet)
        site.planted.append({"url": url, "kind": kind, "on": host, "what": what})

    all_articles = [a for leaf in leaves for a in leaf.articles]
    gbk_leaves = [leaf for leaf in leaves if leaf.gbk] or leaves[:1]
    deep = [leaf.articles[-1][0] for leaf in leaves[-6:]]  # last (deepest) articles of the last leaves
    mid = [a[0] for a in all_articles[len(all_articles) // 2: len(all_articles) // 2 + 6]]
    gl = gbk_leaves[len(gbk_leaves) // 2]
    last_leaf = leaves[-1]
    plant("/index.html", "/lsgd/index.html", "page", "历史归档")
    plant("/index.html", "/images/banner_2019.jpg", "image", "")
    plant("/index.html", "/uploads/gzbg2019.pdf", "attachment", "2019年政府工作报告.pdf")
    plant("/index.html", "/removed/notice.html", "page", "已撤稿的公告")  # 410
    plant(f"/{TOPS[1][0]}/index.html", f"/{TOPS[1][0]}/zt2018/index.html", "page", "2018专题")
    plant(leaves[2].list_path(0), f"{leaves[2].base}201901/t20190101_99001.html", "page", "已删除的文章")
    plant(last_leaf.list_path(last_leaf.n_list_pages - 1), f"{last_leaf.base}201801/t20180102_99002.html",
          "page", "已删除的文章")
    plant(deep[0], "../../201901/t20190105_99003.html", "page", "相关文章")
    plant(deep[1], "/images/2019/pic_99004.jpg", "image", "")
    plant(deep[2], "/images/2019/pic_99005.png", "image", "")
    plant(deep[3], "/uploads/2019/fj_99006.doc", "attachment", "附件：申请表.doc")
    plant(mid[0], "/uploads/2019/fj_99007.pdf", "attachment", "附件：实施方案.pdf")
    plant(mid[1], "/uploads/2019/fj_99008.xls", "attachment", "附件：统计表.xls")
    plant(mid[2], "/images/2019/pic_99009.gif", "image", "")
    plant(mid[3], f"{leaves[5].base}202001/t20200110_99010.html", "page", "上一篇解读")
    plant(gl.articles[len(gl.articles) // 2][0], f"{gl.base}201912/t20191201_99011.html", "page", "原文链接")
    plant(gl.articles[len(gl.articles) // 3][0], "/uploads/2019/fj_99012.pdf", "attachment", "附件：政策原文.pdf")
    plant(gl.list_path(0), "/images/2019/pic_99013.jpg", "image", "")
    plant("/wzdt/index.html", "/zfxxgk/old/index.html", "page", "原政府信息公开目录")
    plant(deep[4], "/uploads/2019/fj_99014.docx", "attachment", "附件：解读材料.docx")

    def resolve(host: str, url: str) -> str:
        from urllib.parse import urljoin
        return urljoin("http://h" + host, url)[len("http://h"):]

    for p in site.planted:
        p["path"] = resolve(p["on"], p["url"])

    # homepage
    latest = "".join(f'<li><a href="{a[0]}">{a[1]}</a><span>{a[2]}</span></li>' for a in all_articles[:20])
    tops = "".join(f'<div class="col"><h3><a href="/{s}/index.html">{n}</a></h3></div>' for s, n in TOPS)
    put("/index.html", page("首页", f'<div class="news"><ul>{latest}</ul></div>{tops}'
                             + "".join(extra.get("/index.html", []))))
    # top columns
    for slug, name in TOPS:
        mine = [leaf for leaf in leaves if leaf.top == slug]
        body = "".join(f'<li><a href="{leaf.list_path(0)}">{leaf.name}</a></li>' for leaf in mine)
        body += "".join(f'<li><a href="{a[0]}">{a[1]}</a></li>' for leaf in mine[:5] for a in leaf.articles[:2])
        host = f"/{slug}/index.html"
        put(host, page(name, f"<ul>{body}</ul>" + "".join(extra.get(host, [])),
                        crumbs=[("首页", "/index.html"), (name, host)], metas={"ColumnName": name}))
    # footer pages; the site map lists every leaf
    for name, href in FOOTER:
        body = f"<h1>{name}</h1><p>{PARAGRAPHS[4]}</p>"
        if href.startswith("/wzdt/"):
            body += "<ul>" + "".join(f'<li><a href="{leaf.list_path(0)}">{leaf.top_name}-{leaf.name}</a></li>'
                                     for leaf in leaves) + "</ul>"
        put(href, page(name, body + "".join(extra.get(href, [])), crumbs=[("首页", "/index.html"), (name, href)]))
    # leaves: paginated lists and articles
    n_img = n_att = 0
    for leaf in leaves:
        charset = rnd.choice(["gbk", "gb2312"]) if leaf.gbk else "utf-8"
        crumbs = [("首页", "/index.html"), (leaf.top_name, f"/{leaf.top}/index.html"), (leaf.name, leaf.list_path(0))]
        npages = leaf.n_list_pages
        for pg in range(npages):
            chunk = leaf.articles[pg * ITEMS_PER_PAGE:(pg + 1) * ITEMS_PER_PAGE]
            # TRS lists link their articles relative to the column folder
            items = "".join(f'<li><a href="./{a[0][len(leaf.base):]}" target="_blank">{a[1]}</a>'
                            f"<span>{a[2]:%Y-%m-%d}</span></li>" for a in chunk)
            pager = (f'<div class="page"><script>createPageHTML({npages}, {pg}, "index", "html");</script>'
                     f'<a href="index.html">首页</a>')
            if pg > 0:
                pager += f'<a href="{"index.html" if pg == 1 else f"index_{pg - 1}.html"}">上一页</a>'
            if pg < npages - 1:
                pager += f'<a href="index_{pg + 1}.html">下一页</a>'
            pager += f'<a href="{"index.html" if npages == 1 else f"index_{npages - 1}.html"}">尾页</a></div>'
            host = leaf.list_path(pg)
            put(host, page(leaf.name, f'<ul class="list">{items}</ul>{pager}' + "".join(extra.get(host, [])),
                            charset=charset, crumbs=crumbs, metas={"ColumnName": leaf.name}),
                gbk=leaf.name if leaf.gbk else "")
        for i, (path, title, d) in enumerate(leaf.articles):
            k = int(path.rsplit("_", 1)[1].split(".")[0]) - 100000
            paras = "".join(f"<p>{PARAGRAPHS[(k + j) % 4]}</p>" for j in range(3))
            media = ""
            if k % IMAGE_EVERY == 7:
                img = f"/images/{d:%Y%m}/pic_{k + 100000}.png"
                write(img, PNG)
                media += f'<p><img src="{img}" alt="{title}"></p>'
                n_img += 1
            if k % ATTACH_EVERY == 11:
                ext, data = ATTACH_KINDS[(k // ATTACH_EVERY) % len(ATTACH_KINDS)]
                att = f"/uploads/{d:%Y%m}/fj_{k + 100000}.{ext}"
                write(att, data)
                media += f'<p>附件：<a href="{att}">{title}.{ext}</a></p>'
                n_att += 1
            nav = ""
            if i > 0:
                nav += f'<a href="../{leaf.articles[i - 1][0][len(leaf.base):]}">上一篇</a>'
            if i < len(leaf.articles) - 1:
                nav += f'<a href="../{leaf.articles[i + 1][0][len(leaf.base):]}">下一篇</a>'
            body = (f'<h1 class="title">{title}</h1><div class="info">发布日期：{d:%Y-%m-%d} 来源：{leaf.name}</div>'
                    f'<div class="content">{paras}{media}{"".join(extra.get(path, []))}</div>'
                    f'<div class="prevnext">{nav}</div>')
            put(path, page(title, body, charset=charset, crumbs=crumbs,
                            metas={"ArticleTitle": title, "PubDate": f"{d:%Y-%m-%d} 09:00",
                                   "ColumnName": leaf.name, "ContentSource": leaf.name}),
                gbk=leaf.name if leaf.gbk else "")
    write("/images/logo.png", PNG)
    write("/css/main.css", b"body{font-family:sans-serif}\n")
    write("/robots.txt", b"User-agent: *\nDisallow: /search/\n")
    site.media = n_img + n_att
    for p in site.planted:  # none of them may exist by accident
        assert not (root / p["path"].lstrip("/")).exists(), p
    (root / "planted.json").write_text(json.dumps(site.planted, ensure_ascii=False, indent=1), encoding="utf-8")
    return site


# ---------------------------------------------------------------------------------------
# nginx
# ---------------------------------------------------------------------------------------

NGINX = "/usr/sbin/nginx"


def ensure_nginx() -> str:
    if os.path.exists(NGINX):
        return NGINX
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("nginx missing: apt-get install -y nginx-light …", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        r = subprocess.run(["apt-get", "install", "-y", "-qq", "nginx-light"], check=False)
        if r.returncode != 0:
            subprocess.run(["apt-get", "install", "-y", "-qq", "nginx"], check=False)
    if not os.path.exists(NGINX):
        sys.exit("nginx is needed: apt-get install -y nginx-light (Debian)")
    return NGINX


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Nginx:
    """nginx as a non-daemon child serving one document root per port."""

    def __init__(self, work: Path, roots: dict[int, Path]) -> None:
        self.work = work
        self.roots = roots
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        servers = "".join(
            f"""
    server {{
        listen 127.0.0.1:{port} backlog=1024;
        root {root};
        index index.html;
        location = /removed/notice.html {{ return 410; }}
        location = /planted.json {{ return 404; }}
    }}""" for port, root in self.roots.items())
        conf = f"""daemon off;
master_process on;
worker_processes 1;
user root;
pid {self.work}/nginx.pid;
error_log {self.work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    charset off;
    access_log off;
    sendfile on;
    keepalive_requests 100000;
    add_header LinkChecker yes;
    client_body_temp_path {self.work}/tmp_body;
    proxy_temp_path {self.work}/tmp_proxy;
    fastcgi_temp_path {self.work}/tmp_fastcgi;
    uwsgi_temp_path {self.work}/tmp_uwsgi;
    scgi_temp_path {self.work}/tmp_scgi;
{servers}
}}
"""
        cfg = self.work / "nginx.conf"
        cfg.write_text(conf)
        self.proc = subprocess.Popen([ensure_nginx(), "-p", str(self.work), "-c", str(cfg)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 10
        for port in self.roots:
            while True:
                if self.proc.poll() is not None:
                    err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                    sys.exit(f"nginx did not start: {err}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.time() > deadline:
                        self.stop()
                        sys.exit("nginx did not start listening")
                    time.sleep(0.05)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


# ---------------------------------------------------------------------------------------
# the plain Scrapy spider (runs in a child: `bench_crawl.py --plain-spider URL OUT.json`)
# ---------------------------------------------------------------------------------------

def plain_spider_main(start_url: str, out_json: str) -> None:
    from urllib.parse import urlsplit

    import scrapy
    from scrapy.crawler import CrawlerProcess
    from scrapy.linkextractors import IGNORED_EXTENSIONS  # noqa: F401 - scrapy is importable

    host = urlsplit(start_url).netloc
    result: dict[str, Any] = {"pages": 0, "responses": 0, "broken": [], "title_misread": []}

    settings = {
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,  # as govaudit: one request at a time per host
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "ROBOTSTXT_OBEY": True,
        "HTTPERROR_ALLOW_ALL": True,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "DEPTH_PRIORITY": 0,
        "USER_AGENT": "plain-bench-spider/1.0",
    }

    class PlainSpider(scrapy.Spider):
        name = "plain"

        async def start(self):  # type: ignore[override]
            yield scrapy.Request(start_url, callback=self.parse)

        def parse(self, response):  # type: ignore[override]
            result["responses"] += 1
            if response.status >= 400:
                result["broken"].append(response.url)
                return
            ctype = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
            if not isinstance(response, scrapy.http.TextResponse) or "html" not in ctype:
                return
            result["pages"] += 1
            sel = response.selector  # one lxml parse, decoded by header / meta charset
            title = sel.xpath("//title/text()").get() or ""
            if TITLE_MARK not in title:
                result["title_misread"].append(response.url)
            for href in sel.xpath("//a/@href").getall():
                url = response.urljoin(href.strip())
                if url.startswith("http") and urlsplit(url).netloc == host:
                    yield scrapy.Request(url.split("#", 1)[0], callback=self.parse)

    process = CrawlerProcess(settings)
    process.crawl(PlainSpider)
    process.start()
    Path(out_json).write_text(json.dumps(result), encoding="utf-8")


# ---------------------------------------------------------------------------------------
# running and measuring the tools
# ---------------------------------------------------------------------------------------

@dataclass
class RunResult:
    tool: str
    n: int
    wall: float
    cpu: float
    rss_mb: float
    pages: int = 0
    crawl_s: float | None = None  # govaudit: crawl phase from its store
    broken_found: int | None = None
    gbk_ok: int | None = None
    error: str = ""


def run_child(cmd: list[str], *, env: dict[str, str] | None, timeout: float, log: Path,
              cwd: str | None = None) -> tuple[float, float, float, int, str]:
    """Run one child; return wall s, CPU s (user+sys), peak RSS MB, exit code, error text.

    The child runs in its own session (its whole group is stopped on timeout or Ctrl-C) and
    is reaped with os.wait4, which gives exactly its own rusage, its reaped descendants'
    included (govaudit crawls in a child process of its own). Peak RSS is the larger of the
    kernel's figure (the largest one process of the tree reached) and the sum over the whole
    process tree sampled every 0.2 s: what the tool held at once."""
    err = ""
    tree_peak = 0
    with log.open("wb") as fh:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                start_new_session=True)
        try:
            n = 0
            while True:
                pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() > t0 + timeout:
                    err = f"timeout after {timeout:.0f} s"
                    status, ru = _stop_group(proc.pid)
                    break
                if n % 4 == 0:
                    tree_peak = max(tree_peak, tree_rss_kb(proc.pid))
                n += 1
                time.sleep(0.05)
        except BaseException:
            _stop_group(proc.pid)
            raise
        wall = time.perf_counter() - t0
    code = -1 if err else os.waitstatus_to_exitcode(status)
    proc.returncode = code
    return wall, ru.ru_utime + ru.ru_stime, max(ru.ru_maxrss, tree_peak) / 1024, code, err


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants (Linux /proc), parents first."""
    pids, i = [pid], 0
    while i < len(pids):
        q = pids[i]
        i += 1
        try:
            for t in os.listdir(f"/proc/{q}/task"):
                with open(f"/proc/{q}/task/{t}/children") as f:
                    pids.extend(int(x) for x in f.read().split())
        except (OSError, ValueError):
            continue
    return pids


def rss_kb(pid: int) -> int:
    """VmRSS of one process in KB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return next((int(line.split()[1]) for line in f if line.startswith("VmRSS")), 0)
    except (OSError, ValueError):
        return 0


def tree_rss_kb(pid: int) -> int:
    """The resident set of a process and all its descendants, in KB."""
    return sum(rss_kb(q) for q in process_tree(pid))


def _stop_group(pid: int) -> tuple[int, Any]:
    """SIGTERM the child's process group, SIGKILL it after 10 s; reap the child → (status, rusage)."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    for _ in range(100):
        done, status, ru = os.wait4(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.1)
    else:
        os.killpg(pid, signal.SIGKILL)
        _done, status, ru = os.wait4(pid, 0)
    try:
        os.killpg(pid, signal.SIGKILL)  # anything the child left behind in its group
    except ProcessLookupError:
        pass
    return status, ru


def _iso(s: str) -> datetime:
    return datetime.fromisoformat(s)


def score_govaudit(out: Path, planted: set[str], gbk: dict[str, str]) -> tuple[int, float | None, int | None, int]:
    """→ pages fetched (200), crawl seconds (its stats, else the store's timestamps), GBK pages whose
    stored title holds their column's name (decoded right), planted broken links found."""
    pages, crawl_s, gbk_ok, found = 0, None, None, 0
    db = out / "crawl.db"
    if db.exists():
        con = sqlite3.connect(db)
        try:
            pages = con.execute("SELECT COUNT(*) FROM pages WHERE status = 200").fetchone()[0]
            row = con.execute("SELECT started_at, finished_at, stats FROM crawls ORDER BY id DESC LIMIT 1").fetchone()
            if row:
                elapsed = json.loads(row[2] or "{}").get("elapsed")
                if isinstance(elapsed, (int, float)):
                    crawl_s = float(elapsed)
                elif row[0] and row[1]:
                    crawl_s = (_iso(row[1]) - _iso(row[0])).total_seconds()
            gbk_ok = 0
            for url, data in con.execute("SELECT url, data FROM pages WHERE status = 200"):
                if url in gbk and gbk[url] in (json.loads(data).get("title") or ""):
                    gbk_ok += 1
        except sqlite3.Error as e:
            print(f"  (could not read {db}: {e})")
        finally:
            con.close()
    fj = out / "findings.json"
    if fj.exists():
        links = json.loads(fj.read_text(encoding="utf-8")).get("links") or {}
        seen = {r.get("url") for r in links.get("broken") or []}
        found = len(planted & seen)
    return pages, crawl_s, gbk_ok, found


def ensure_linkchecker(path: str) -> str | None:
    if os.path.exists(path):
        return path
    venv = Path(path).parents[1]
    print(f"LinkChecker missing: python -m venv {venv} && pip install linkchecker …", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "linkchecker"], check=True,
                       capture_output=True, timeout=600)
    except (subprocess.SubprocessError, OSError) as e:
        print(f"NOTE: LinkChecker could not be installed ({e}); it is skipped.")
        return None
    return path if os.path.exists(path) else None


def run_tool(tool: str, n: int, base_url: str, work: Path, planted_urls: set[str], gbk_urls: dict[str, str],
             args: argparse.Namespace, rep: int) -> RunResult:
    out = work / f"{tool}-{n}-{rep}"
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o777)  # LinkChecker drops root privileges to nobody
    env = dict(os.environ)
    timeout = args.timeout or (300 + n * 0.12)
    log = out / "log.txt"
    if tool in ("govaudit", "govaudit-noverify"):
        cmd = govaudit_cmd(base_url, out, n, args, verify=(tool == "govaudit"))
        wall, cpu, rss, code, err = run_child(cmd, env=env, timeout=timeout, log=log, cwd=str(ROOT))
        if code not in (0, 1) and not err:
            err = f"exit {code}: " + _tail(log)
        pages, crawl_s, gbk_ok, found = score_govaudit(out, planted_urls, gbk_urls)
        return RunResult(tool, n, wall, cpu, rss, pages, crawl_s, found if tool == "govaudit" else None,
                         gbk_ok, err)
    if tool == "scrapy":
        res_json = out / "result.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--plain-spider", base_url, str(res_json)]
        wall, cpu, rss, code, err = run_child(cmd, env=env, timeout=timeout, log=log)
        if code != 0 and not err:
            err = f"exit {code}: " + _tail(log)
        r = RunResult(tool, n, wall, cpu, rss, error=err)
        if res_json.exists():
            data = json.loads(res_json.read_text())
            r.pages = data["pages"]
            r.broken_found = len(planted_urls & set(data["broken"]))
            r.gbk_ok = len(set(gbk_urls) - set(data["title_misread"]))
        return r
    if tool == "linkchecker":
        lc = ensure_linkchecker(args.linkchecker)
        if lc is None:
            return RunResult(tool, n, 0, 0, 0, error="not installed")
        cfg = out / "linkcheckerrc"
        cfg.write_text("[checking]\nmaxrequestspersecond=1000\nthreads=10\ntimeout=30\n"
                       "[output]\nstatus=0\n[csv]\nencoding=utf-8\n", encoding="utf-8")
        os.chmod(cfg, 0o644)
        csv_out = out / "linkchecker.csv"
        cmd = [lc, "-f", str(cfg), "-v", "--no-status", "--no-warnings", "-o", "none",
               "-F", f"csv/utf-8/{csv_out}", base_url]
        wall, cpu, rss, code, err = run_child(cmd, env=None, timeout=timeout, log=log)
        if code not in (0, 1) and not err:
            err = f"exit {code}: " + _tail(log)
        r = RunResult(tool, n, wall, cpu, rss, error=err)
        broken: set[str] = set()
        lc_pages: set[str] = set()
        text = csv_out.read_text(encoding="utf-8", errors="replace") if csv_out.exists() else ""
        if not text and not err:
            r.error = "no CSV written: " + _tail(log)
        lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
        for row in csv.DictReader(io.StringIO("\n".join(lines)), delimiter=";"):
            url = row.get("url") or ""
            valid = (row.get("valid") or "").strip().lower() in ("true", "1")
            if not valid:
                broken.add(url)
            elif url.endswith((".html", "/")):
                lc_pages.add(url)
        r.pages = len(lc_pages)
        r.broken_found = len(planted_urls & broken)
        return r
    raise ValueError(tool)


def govaudit_cmd(base_url: str, out: Path, n: int, args: argparse.Namespace, *, verify: bool) -> list[str]:
    cmd = [sys.executable, "-m", args.govaudit_module, "audit", base_url, "--rules", args.rules, "--out", str(out),
           "--delay", "0", "--max-pages", str(n * 2 + 100), "--max-depth", "20", "--as-of", "2021-12-31",
           "--fresh"]
    if not verify:
        cmd.append("--no-verify-links")
    return cmd


def _tail(log: Path, n: int = 400) -> str:
    try:
        return log.read_text(encoding="utf-8", errors="replace")[-n:].replace("\n", " | ")
    except OSError:
        return ""


def _short(fn: str) -> str:
    fn = fn.replace(str(ROOT) + "/", "")
    for marker in ("site-packages/", "lib/python3.", "lib/python3"):
        if marker in fn:
            fn = fn.split(marker, 1)[1]
            break
    return fn


def _ours(frame: str) -> bool:
    return "(crawler/" in frame or "(reports/" in frame


def _print_profile(own: dict[str, float], incl: dict[str, float], total: float, label: str, top: int,
                   wrappers: set[str] | None = None) -> None:
    print(f"  top functions by own time (share of {total:,.0f} {label}):")
    for k, v in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        print(f"    {100 * v / total:5.1f} %  {k}")
    print("  govaudit's functions (crawler/, reports/) by inclusive time:")
    for k, v in sorted(((k, v) for k, v in incl.items() if _ours(k)), key=lambda kv: -kv[1])[:top]:
        print(f"    {100 * v / total:5.1f} %  {k}")
    if wrappers is not None:
        print("  other functions by inclusive time (the event loop, Scrapy's plumbing and anything that calls "
              "govaudit's code left out):")
        rest = [(k, v) for k, v in incl.items() if not _ours(k) and k not in wrappers]
        for k, v in sorted(rest, key=lambda kv: -kv[1])[:top]:
            print(f"    {100 * v / total:5.1f} %  {k}")


def profile_govaudit(base_url: str, n: int, work: Path, args: argparse.Namespace, verify: bool) -> None:
    """One govaudit audit under py-spy (sampling from outside: no per-call overhead) or,
    when py-spy is absent or cannot attach, pyinstrument; print where the time goes."""
    out = work / f"profile-{n}-{'verify' if verify else 'noverify'}"
    out.mkdir(parents=True, exist_ok=True)
    cmd = govaudit_cmd(base_url, out, n, args, verify=verify)
    timeout = args.timeout or (600 + n * 0.3)
    what = f"govaudit audit{'' if verify else ' --no-verify-links'} at N={n}"
    spy = shutil.which("py-spy") if args.profiler in ("auto", "py-spy") else None
    if spy:
        raw = out / "py-spy.txt"
        pcmd = [spy, "record", "--function", "--rate", "200", "--format", "raw", "--output", str(raw), "--", *cmd]
        wall, cpu, _rss, _code, err = run_child(pcmd, env=dict(os.environ), timeout=timeout,
                                                log=out / "log.txt", cwd=str(ROOT))
        print(f"\nprofile (py-spy, CPU samples) of {what}: wall {wall:.1f} s, CPU {cpu:.1f} s {err}")
        if raw.exists() and raw.stat().st_size:
            own: dict[str, float] = {}
            incl: dict[str, float] = {}
            wrappers: set[str] = set()  # frames seen below (calling) govaudit's code
            total = 0.0
            for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
                stack, _, count = line.rpartition(" ")
                if not stack or not count.isdigit():
                    continue
                c = float(count)
                total += c
                frames = []
                for fr in stack.split(";"):
                    if fr.startswith(("process ", "thread ")):
                        continue
                    name, _, loc = fr.partition(" (")
                    frames.append(f"{name} ({_short(loc.rstrip(')'))})")
                if frames:
                    own[frames[-1]] = own.get(frames[-1], 0.0) + c
                    for f in set(frames):
                        incl[f] = incl.get(f, 0.0) + c
                    last_ours = max((i for i, f in enumerate(frames) if _ours(f)), default=-1)
                    wrappers.update(frames[:last_ours])
            _print_profile(own, incl, total or 1.0, "samples at 200 Hz", args.profile_top, wrappers)
            return
        print("  py-spy wrote nothing (no ptrace permission?): " + _tail(out / "log.txt") + "; trying pyinstrument")
    try:
        import pyinstrument  # noqa: F401
    except ImportError:
        print("NOTE: --profile needs py-spy or pyinstrument (pip install py-spy pyinstrument); skipped.")
        return
    import pstats

    prof = out / "profile.pstats"
    pcmd = [cmd[0], "-m", "pyinstrument", "-i", "0.002", "-r", "pstats", "-o", str(prof), "-m", *cmd[2:]]
    wall, cpu, _rss, _code, err = run_child(pcmd, env=dict(os.environ), timeout=timeout,
                                            log=out / "log.txt", cwd=str(ROOT))
    print(f"\nprofile (pyinstrument: its per-call hook inflates call-heavy code) of {what}: "
          f"wall {wall:.1f} s, CPU {cpu:.1f} s {err}")
    if not prof.exists():
        print("  no profile written: " + _tail(out / "log.txt"))
        return
    st = pstats.Stats(str(prof))
    stats: dict[Any, Any] = st.stats  # type: ignore[attr-defined]
    own2: dict[str, float] = {}
    incl2: dict[str, float] = {}
    for (fn, _line, fname), v in stats.items():
        key = f"{fname} ({_short(fn)})"
        own2[key] = own2.get(key, 0.0) + v[2]
        incl2[key] = max(incl2.get(key, 0.0), v[3])
    _print_profile(own2, incl2, st.total_tt or 1.0, "s sampled", args.profile_top)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------

def _mm(xs: list[float], fmt: str = "{:.1f}", best: Any = min) -> str:
    """best / median (best = min for times and sizes, max for throughput)."""
    if not xs:
        return "-"
    return f"{fmt.format(best(xs))} / {fmt.format(statistics.median(xs))}"


def report(results: list[RunResult], sizes: list[int], sites: dict[int, Site]) -> None:
    print("\n" + "=" * 100)
    print("best / median over the repeats (min for times, CPU and RSS; max for pages/s); "
          "pages = HTML pages fetched with status 200")
    hdr = (f"{'tool':<18}{'N':>7}{'runs':>5}{'wall s':>16}{'crawl s':>16}{'pages/s':>16}"
           f"{'CPU ms/page':>15}{'peak RSS MB':>15}{'pages':>8}{'broken':>9}{'GBK ok':>12}")
    print(hdr)
    for n in sizes:
        site = sites[n]
        for tool in TOOLS:
            rs = [r for r in results if r.tool == tool and r.n == n and not r.error]
            errs = [r for r in results if r.tool == tool and r.n == n and r.error]
            if not rs and not errs:
                continue
            for r in errs:
                print(f"{tool:<18}{n:>7}  ERROR: {r.error[:300]}")
            if not rs:
                continue
            pages = [r.pages for r in rs]
            broken = [r.broken_found for r in rs if r.broken_found is not None]
            gbk = [r.gbk_ok for r in rs if r.gbk_ok is not None]
            crawl = [r.crawl_s for r in rs if r.crawl_s is not None]
            print(f"{tool:<18}{n:>7}{len(rs):>5}"
                  f"{_mm([r.wall for r in rs]):>16}"
                  f"{_mm(crawl):>16}"
                  f"{_mm([r.pages / r.wall for r in rs if r.wall], best=max):>16}"
                  f"{_mm([1000 * r.cpu / r.pages for r in rs if r.pages], '{:.2f}'):>15}"
                  f"{_mm([r.rss_mb for r in rs], '{:.0f}'):>15}"
                  f"{min(pages):>8}"
                  f"{(f'{min(broken)}/{len(site.planted)}' if broken else '-'):>9}"
                  f"{(f'{min(gbk)}/{len(site.gbk_pages)}' if gbk else '-'):>12}")
    print("(site: HTML pages generated per N: " + ", ".join(f"{n}: {sites[n].pages}" for n in sizes)
          + "; 'crawl s' = govaudit's crawl phase from its store's timestamps)")

    def med(tool: str, n: int, f: Any) -> float | None:
        xs = [f(r) for r in results if r.tool == tool and r.n == n and not r.error and r.pages]
        xs = [x for x in xs if x is not None]
        return statistics.median(xs) if xs else None

    print("\nratios (medians)                                                        target")
    for n in sizes:
        plain = med("scrapy", n, lambda r: r.pages / r.wall)
        ga = med("govaudit-noverify", n, lambda r: r.pages / r.wall)
        ga_crawl = med("govaudit-noverify", n, lambda r: r.pages / r.crawl_s if r.crawl_s else None)
        if plain and ga:
            print(f"  N={n}: govaudit --no-verify-links audit throughput / plain spider   {ga / plain:6.2f}   ≥ 0.9")
        if plain and ga_crawl:
            print(f"  N={n}: govaudit crawl-phase throughput / plain spider             {ga_crawl / plain:6.2f}   ≥ 0.9")
        wv = med("govaudit", n, lambda r: r.wall)
        wn = med("govaudit-noverify", n, lambda r: r.wall)
        if wv and wn:
            print(f"  N={n}: audit with link verification / without (wall)              {wv / wn:6.2f}   ≤ 1.3")
        lc = med("linkchecker", n, lambda r: r.pages / r.wall)
        if plain and lc:
            print(f"  N={n}: LinkChecker throughput / plain spider                      {lc / plain:6.2f}")
    if len(sizes) >= 2:
        small, large = min(sizes), max(sizes)
        for tool in ("govaudit-noverify", "govaudit", "scrapy"):
            a = med(tool, small, lambda r: r.cpu / r.pages)
            b = med(tool, large, lambda r: r.cpu / r.pages)
            if a and b:
                print(f"  {tool}: CPU per page at N={large} / at N={small}{'':{max(0, 24 - len(tool))}}"
                      f"{b / a:6.2f}   ≤ 1.2")
        for tool in ("govaudit-noverify", "govaudit"):
            b = med(tool, large, lambda r: r.rss_mb)
            if b:
                print(f"  {tool}: peak RSS at N={large}: {b:.0f} MB{'':{max(0, 36 - len(tool))}}< 300 MB")


TOOLS = ["govaudit", "govaudit-noverify", "scrapy", "linkchecker"]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--plain-spider"]:
        plain_spider_main(argv[1], argv[2])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, action="append", help="site size N (repeatable; default 10000 and 50000)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tools", default=",".join(TOOLS), help=f"comma-separated subset of {','.join(TOOLS)}")
    ap.add_argument("--rules", default=None, help="rule file for govaudit (default: rules/national-rubric-2019.yaml)")
    ap.add_argument("--linkchecker", default="/tmp/lcvenv/bin/linkchecker")
    ap.add_argument("--govaudit-module", default="crawler.cli",
                    help="module run as `python -m MODULE audit …` (default crawler.cli)")
    ap.add_argument("--timeout", type=float, default=None, help="seconds per run (default 300 + 0.12 × N)")
    ap.add_argument("--keep", default=None, help="keep sites and outputs in this folder")
    ap.add_argument("--profile", action="store_true",
                    help="also run govaudit --no-verify-links once under py-spy (or pyinstrument) at the "
                         "smallest N and print the top functions")
    ap.add_argument("--profile-verify", action="store_true", help="profile the audit with link verification too")
    ap.add_argument("--profile-top", type=int, default=25)
    ap.add_argument("--profiler", choices=["auto", "py-spy", "pyinstrument"], default="auto",
                    help="auto: py-spy when installed (pip install py-spy), else pyinstrument")
    args = ap.parse_args(argv)
    sizes = sorted(set(args.pages or [10000, 50000]))
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    for t in tools:
        if t not in TOOLS:
            ap.error(f"unknown tool {t!r}; choose from {', '.join(TOOLS)}")
    if args.rules is None:
        cands = [ROOT / "rules" / "national-rubric-2019.yaml", *sorted((ROOT / "rules").glob("national-*.yaml"))]
        args.rules = str(next((c for c in cands if c.exists()), ROOT / "rules"))
    ensure_nginx()
    if "linkchecker" in tools and ensure_linkchecker(args.linkchecker) is None:
        tools.remove("linkchecker")

    work = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="bench_crawl_"))
    work.mkdir(parents=True, exist_ok=True)
    os.chmod(work, 0o755)
    sites: dict[int, Site] = {}
    roots: dict[int, Path] = {}
    ports: dict[int, int] = {}
    for n in sizes:
        root = work / f"site-{n}"
        if root.exists():
            shutil.rmtree(root)
        root.mkdir()
        t0 = time.perf_counter()
        sites[n] = generate_site(root, n)
        for d, _dirs, _files in os.walk(root):
            os.chmod(d, 0o755)
        ports[n] = free_port()
        roots[ports[n]] = root
        s = sites[n]
        print(f"N={n}: {s.pages} HTML pages ({len(s.gbk_pages)} GBK/GB2312), {s.media} images and attachments, "
              f"{len(s.planted)} planted broken links; generated in {time.perf_counter() - t0:.1f} s", flush=True)
    server = Nginx(work, roots)
    server.start()
    results: list[RunResult] = []
    print(f"nginx on 127.0.0.1 ports {', '.join(str(p) for p in ports.values())}; rules {args.rules}; "
          f"python {sys.executable}; PYTHONPATH={os.environ.get('PYTHONPATH', '')}", flush=True)
    try:
        for rep in range(args.repeat):
            order = tools[rep % len(tools):] + tools[:rep % len(tools)]  # rotate: no tool always first
            for n in sizes:
                base = f"http://127.0.0.1:{ports[n]}/"
                planted = {base + p["path"].lstrip("/") for p in sites[n].planted}
                gbk = {base + p.lstrip("/"): w for p, w in sites[n].gbk_pages.items()}
                for tool in order:
                    r = run_tool(tool, n, base, work, planted, gbk, args, rep)
                    results.append(r)
                    print(f"  run {rep + 1}/{args.repeat} N={n} {tool:<18} wall {r.wall:7.1f} s  "
                          f"CPU {r.cpu:6.1f} s  RSS {r.rss_mb:5.0f} MB  pages {r.pages:6d}  "
                          f"broken {r.broken_found if r.broken_found is not None else '-'}"
                          f"{'  ERROR ' + r.error[:300] if r.error else ''}", flush=True)
        if args.profile or args.profile_verify:
            n = sizes[0]
            if args.profile:
                profile_govaudit(f"http://127.0.0.1:{ports[n]}/", n, work, args, verify=False)
            if args.profile_verify:
                profile_govaudit(f"http://127.0.0.1:{ports[n]}/", n, work, args, verify=True)
    except KeyboardInterrupt:
        print("interrupted; figures so far:")
    finally:
        server.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    report(results, sizes, sites)
    return 0


if __name__ == "__main__":
    sys.exit(main())
