"""How `build_site_model` scales with the size of a site: time and peak memory per page at
N = 50,000 pages against a baseline of N = 5,000 measured in the same process.

The pages are synthesised straight into a SQLite crawl store (no network), shaped like a
TRS district portal: top columns → sub-columns → leaf columns with paginated lists (20
dated items a page), articles with breadcrumbs, content links, images and attachments,
the site-wide menu and footer on every page, ColumnName metas on some columns,
breadcrumbs on about half the list pages, half the sub-column landing pages showing
their children as blocks rather than a menu (so only the URL says whose child they are), aliases (column URLs requested without the
trailing slash, /art/ URLs redirected to t2021…html) and about 1 % of 404s. The model is
built the way `crawler.runner.audit.load_site` builds it: streamed from the store.

    python benchmarks/model_scale.py [--base 5000] [--large 50000] [--repeat 2] [--crumbs 0.5] [--keep DIR] [--profile]
    python benchmarks/model_scale.py --evaluate [--sizes 5000,10000,50000] [--keep DIR] [--profile]

Prints, for each N: seconds to read the store alone, seconds to build the model (best of
--repeat), ms/page, peak traced memory and bytes/page, and then the ratios of the large
run to the baseline. Targets: per-page time ratio ≤ 1.5; memory per page about constant.

--evaluate measures what `govaudit evaluate` does with a stored crawl, each size in a fresh
process (so its peak RSS is its own): build the model from the store, evaluate every rule
file of rules/, write findings.json, the HTML report (with the units' pages) and the
CSV/XLSX exports. The stores also hold link verification results (the content images and
attachments, 2 % broken). Prints seconds per phase, ms/page, peak RSS, and the per-page
time ratio of each size to the first. Targets (issue 14): 50,000 pages under 30 s and
under 300 MB peak RSS; per-page time about flat.
"""
from __future__ import annotations

import argparse
import gc
import itertools
import json
import math
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.model.build import build_site_model
from crawler.model.page import Link, ListItem, PageRecord
from crawler.store.crawls import CrawlStore

SITE = "https://www.shancheng.gov.cn/"
SITE_NAME = "重庆市山城区人民政府"
AS_OF = date(2021, 12, 31)
TOPS = [("zwgk", "政务公开"), ("xwdt", "新闻动态"), ("zwfw", "政务服务"), ("hdjl", "互动交流"),
        ("zjsc", "走进山城"), ("ztzl", "专题专栏"), ("sjkf", "数据开放"), ("zcwj", "政策文件")]
LEAF_NAMES = ["通知公告", "政策解读", "部门动态", "镇街动态", "财政预决算", "人事信息", "规划计划", "统计信息",
              "建议提案办理", "重大项目", "政府会议", "行政执法", "双随机一公开", "应急管理", "公共资源配置",
              "社会救助", "教育信息", "医疗卫生", "环境保护", "食品药品", "安全生产", "价格收费", "征地信息",
              "公示公告", "政府采购", "招标投标", "民生实事", "审计信息", "图片新闻", "视频新闻"]
MID_NAMES = ["政府信息公开目录", "重点领域信息公开", "法定主动公开内容", "部门信息公开", "基层政务公开",
             "工作动态", "专项工作", "综合信息"]
FOOTER = [("网站地图", "/wzdt/"), ("联系我们", "/lxwm/"), ("关于本站", "/gybz/"), ("隐私声明", "/yssm/"),
          ("使用帮助", "/syzn/"), ("无障碍浏览", "/wza/"), ("网站纠错", "/wzjc/"), ("政务邮箱", "/zwyx/")]
ITEMS_PER_PAGE = 20


class Column:
    def __init__(self, path: tuple[str, ...], url: str, kind: str) -> None:
        self.path, self.url, self.kind = path, url, kind  # kind: top | mid | leaf
        self.children: list[Column] = []
        self.parent: Column | None = None
        self.articles = 0
        self.crumbs = False
        self.meta_name = False


def site_plan(n_pages: int, rng: random.Random, crumbs: float = 0.5) -> tuple[list[Column], list[Column]]:
    """Columns for about `n_pages` pages: (all columns, leaves)."""
    mean_articles = 50
    # 15 % more than needed: `generate` stops at n_pages (like a page budget)
    n_leaves = max(len(TOPS), math.ceil(1.15 * n_pages / (mean_articles + math.ceil(mean_articles / ITEMS_PER_PAGE))))
    per_top = math.ceil(n_leaves / len(TOPS))
    mids_per_top = max(1, round(math.sqrt(per_top)))
    cols: list[Column] = []
    leaves: list[Column] = []
    for ts, tn in TOPS:
        top = Column((tn,), f"{SITE}{ts}/", "top")
        cols.append(top)
        for m in range(mids_per_top):
            mname = MID_NAMES[m % len(MID_NAMES)] + (str(m // len(MID_NAMES) + 1) if m >= len(MID_NAMES) else "")
            mid = Column((tn, mname), f"{top.url}m{m}/", "mid")
            mid.parent = top
            top.children.append(mid)
            cols.append(mid)
        for k in range(per_top):
            if len(leaves) >= n_leaves:
                break
            mid = top.children[k % mids_per_top]
            j = len(mid.children)
            lname = LEAF_NAMES[j % len(LEAF_NAMES)] + (str(j // len(LEAF_NAMES) + 1) if j >= len(LEAF_NAMES) else "")
            leaf = Column((*mid.path, lname), f"{mid.url}c{j}/", "leaf")
            leaf.parent = mid
            leaf.articles = rng.randint(5, 2 * mean_articles - 5)
            leaf.crumbs = rng.random() < crumbs
            leaf.meta_name = rng.random() < 0.3
            mid.children.append(leaf)
            cols.append(leaf)
            leaves.append(leaf)
    return cols, leaves


def _nav() -> list[Link]:
    return [Link(f"{SITE}{s}/", n, "page", "nav") for s, n in TOPS]


def _footer() -> list[Link]:
    return [Link(SITE.rstrip("/") + u, t, "page", "footer") for t, u in FOOTER] + [
        Link("http://bszs.conac.cn/sitename?method=show&id=5A1B2C3D", "党政机关", "external", "footer"),
        Link("https://www.gov.cn/", "中国政府网", "external", "footer"),
        Link("https://www.cq.gov.cn/", "重庆市人民政府", "external", "footer")]


def _crumb_links(col: Column) -> list[Link]:
    out = [Link(SITE, "首页", "page", "breadcrumb")]
    chain: list[Column] = []
    c: Column | None = col
    while c is not None:
        chain.append(c)
        c = c.parent
    out += [Link(x.url, x.path[-1], "page", "breadcrumb") for x in reversed(chain)]
    return out


def _article_url(col: Column, i: int, day: date) -> str:
    return f"{col.url}{day:%Y%m}/t{day:%Y%m%d}_{zlib.crc32(f'{col.url}{i}'.encode()) % 10_000_000:07d}.html"


def generate(n_pages: int, seed: int = 2021, crumbs: float = 0.5) -> Iterator[PageRecord]:
    """About `n_pages` page records of one synthetic site, in crawl order; `crumbs`: the
    share of leaf columns whose list pages show a breadcrumb (articles: 0.7 × as often)."""
    rng = random.Random(seed)
    cols, leaves = site_plan(n_pages, rng, crumbs)
    nav, footer = _nav(), _footer()
    meta = {"SiteName": SITE_NAME, "SiteDomain": "www.shancheng.gov.cn", "SiteIDCode": "5001030001"}
    newest: list[ListItem] = []
    dated: dict[str, list[ListItem]] = {}
    for leaf in leaves:  # the items of every leaf column, newest first
        day = AS_OF - timedelta(days=rng.randint(0, 30))
        items = []
        for i in range(leaf.articles):
            items.append(ListItem(_article_url(leaf, i, day), f"{leaf.path[-1]}第{i + 1}条信息标题示例", day.isoformat()))
            day -= timedelta(days=rng.randint(0, 9))
        dated[leaf.url] = items
        newest.extend(items[:1])
    home_items = sorted(newest, key=lambda x: x.date or "", reverse=True)[:30]
    yield PageRecord(url=SITE, status=200, depth=0, title=SITE_NAME, meta=meta, content_type="text/html",
                     links=nav + [Link(i.url, i.title, "page", "list") for i in home_items] + footer
                     + [Link(f"{SITE}images/banner{k}.jpg", "", "image", "") for k in range(6)],
                     items=home_items, text_facts={"content_length": 300})
    for col in cols:
        if col.kind != "leaf":  # a landing page: its children as a menu, or as blocks ("更多"), a few items
            region = "nav" if col.kind == "top" or zlib.crc32(col.url.encode()) % 2 else ""
            sub = [Link(c.url, c.path[-1], "page", region) for c in col.children]
            items = [i for c in col.children[:3] for i in dated.get(c.url, [])[:3]]
            yield PageRecord(url=col.url, requested_url=col.url, status=200, depth=len(col.path),
                             title=f"{col.path[-1]}_{SITE_NAME}", meta=meta, links=nav + sub + footer
                             + [Link(i.url, i.title, "page", "list") for i in items], items=items)
            continue
        items = dated[col.url]
        pages = max(1, math.ceil(len(items) / ITEMS_PER_PAGE))
        page_urls = [col.url] + [f"{col.url}index_{k}.html" for k in range(1, pages)]
        siblings = [Link(c.url, c.path[-1], "page", "nav") for c in (col.parent.children if col.parent else [])][:12]
        col_meta = {**meta, "ColumnName": col.path[-1]} if col.meta_name else meta
        for k, pu in enumerate(page_urls):
            chunk = items[k * ITEMS_PER_PAGE:(k + 1) * ITEMS_PER_PAGE]
            pag = [u for u in page_urls if u != pu][:6]
            requested = col.url.rstrip("/") if (k == 0 and rng.random() < 0.5) else pu
            yield PageRecord(
                url=pu, requested_url=requested, redirects=[requested] if requested != pu else [],
                status=200, depth=len(col.path), title=f"{col.path[-1]}_{SITE_NAME}", meta=col_meta,
                breadcrumb=["首页", *col.path] if col.crumbs else [],
                links=nav + siblings + (_crumb_links(col) if col.crumbs else [])
                + [Link(i.url, i.title, "page", "list") for i in chunk]
                + [Link(u, str(n + 2), "page", "") for n, u in enumerate(pag)] + footer,
                items=chunk, pagination=pag, text_facts={"content_length": 40})
        for i, it in enumerate(items):
            if rng.random() < 0.01:
                yield PageRecord(url=it.url, status=404, depth=len(col.path) + 1, title="404 Not Found")
                continue
            requested = f"{SITE}art/2021/{zlib.crc32(it.url.encode()) % 10**6}.html" if rng.random() < 0.03 else it.url
            content = []
            if "解读" in col.path[-1] or rng.random() < 0.1:
                other = items[(i + 1) % len(items)]
                content.append(Link(other.url, f"《{other.title}》", "page", "content"))
            if rng.random() < 0.3:
                content.append(Link(f"{col.url}W0{i}.jpg", "", "image", "content"))
            if rng.random() < 0.2:
                content.append(Link(f"{col.url}P0{i}.pdf", f"附件{i}.pdf", "attachment", "content"))
            yield PageRecord(
                url=it.url, requested_url=requested, redirects=[requested] if requested != it.url else [],
                status=200, depth=len(col.path) + 1, title=f"{it.title}_{SITE_NAME}",
                meta={**meta, "ArticleTitle": it.title, "PubDate": f"{it.date} 09:00"},
                breadcrumb=["首页", *col.path, "正文"] if rng.random() < 1.4 * crumbs else [],
                links=nav + _crumb_links(col) + content + footer, page_date=it.date,
                text_facts={"content_length": rng.randint(300, 3000)})


def fill_store(path: Path, n_pages: int, crumbs: float = 0.5, with_links: bool = False
               ) -> tuple[CrawlStore, int, int]:
    store = CrawlStore(path)
    cid = store.start_crawl([SITE], ["www.shancheng.gov.cn"], {"synthetic": n_pages})
    batch: list[PageRecord] = []
    total = 0
    links: list[dict[str, Any]] = []
    for rec in itertools.islice(generate(n_pages, crumbs=crumbs), n_pages):
        batch.append(rec)
        if with_links:
            links.extend(_link_results(rec))
        if len(batch) >= 1000:
            total += store.add_pages(cid, batch)
            batch = []
    total += store.add_pages(cid, batch)
    for k in range(0, len(links), 2000):
        store.add_link_results(cid, links[k:k + 2000])
    store.finish_crawl(cid, {"pages": total})
    return store, cid, total


def _link_results(rec: PageRecord) -> list[dict[str, Any]]:
    """Verification results for a page's content images and attachments (2 % broken)."""
    out = []
    for lk in rec.links:
        if lk.region != "content" or lk.kind not in ("image", "attachment"):
            continue
        broken = zlib.crc32(lk.url.encode()) % 50 == 0
        out.append({"url": lk.url, "state": "broken" if broken else "ok", "status": 404 if broken else 200,
                    "reason": "页面不存在（HTTP 404）" if broken else "", "kind": lk.kind, "external": False,
                    "homepage": False, "content_type": "image/jpeg" if lk.kind == "image" else "application/pdf",
                    "found_on": [{"page": rec.url, "text": lk.text}]})
    return out


def measure(store: CrawlStore, cid: int, repeat: int) -> dict[str, float]:
    t_read = min(_timed(lambda: sum(1 for _ in store.iter_pages(cid))) for _ in range(repeat))
    t_build = min(_timed(lambda: build_site_model(store.iter_pages(cid), site_url=SITE, as_of=AS_OF))
                  for _ in range(repeat))
    gc.collect()
    tracemalloc.start()
    model = build_site_model(store.iter_pages(cid), site_url=SITE, as_of=AS_OF)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"read": t_read, "build": t_build, "peak": peak, "kept": current,
            "columns": len(model.columns), "items": len(model.items), "articles": len(model.articles)}


def _timed(fn) -> float:
    gc.collect()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def evaluate_child(db: Path, out_dir: Path, profile: bool = False) -> dict[str, Any]:
    """In this (fresh) process: what `govaudit evaluate` does with the store at `db`."""
    from crawler.judge.evaluate import evaluate, findings_document
    from crawler.ruleset.loader import load_rules
    from crawler.runner.audit import load_site, write_outputs
    from rules import RULES_DIR

    rules = load_rules([RULES_DIR])
    store = CrawlStore(db)
    cid = store.list_crawls()[-1].id
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    c0, t0 = time.process_time(), time.perf_counter()
    site = load_site(store, cid, AS_OF)
    c1, t1 = time.process_time(), time.perf_counter()
    findings = evaluate(rules, site, AS_OF)
    c2, t2 = time.process_time(), time.perf_counter()
    doc = findings_document(site, findings, AS_OF, crawl={"id": cid})
    c3, t3 = time.process_time(), time.perf_counter()
    write_outputs(doc, out_dir)
    c4, t4 = time.process_time(), time.perf_counter()
    if prof is not None:
        import pstats

        prof.disable()
        pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    return {"pages": site.pages_total, "rules": len(rules), "build": t1 - t0, "evaluate": t2 - t1,
            "document": t3 - t2, "render": t4 - t3, "total": t4 - t0, "cpu": c4 - c0,
            "cpu_phases": [round(c1 - c0, 2), round(c2 - c1, 2), round(c3 - c2, 2), round(c4 - c3, 2)],
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "summary": doc["summary"], "articles": len(site.articles)}


def evaluate_sizes(sizes: list[int], tmp: Path, crumbs: float, profile: bool) -> int:
    rows: list[dict[str, Any]] = []
    for n in sizes:
        db = tmp / f"eval_{n}.db"
        if not db.exists():
            t0 = time.perf_counter()
            store, _cid, total = fill_store(db, n, crumbs, with_links=True)
            store.close()
            print(f"{total} pages synthesised into {db.name} in {time.perf_counter() - t0:.1f} s", flush=True)
        out_dir = tmp / f"report_{n}"
        cmd = [sys.executable, __file__, "--eval-child", str(db), "--eval-out", str(out_dir)]
        if profile and n == sizes[-1]:
            cmd.append("--profile")
        r = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if r.returncode != 0:
            print(r.stdout, r.stderr, file=sys.stderr)
            return 1
        if profile and n == sizes[-1]:
            print(r.stderr[-6000:])
        row = json.loads(r.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(f"{row['pages']:>6} pages ({row['articles']} articles, {row['rules']} rules): "
              f"build {row['build']:.2f} s, evaluate {row['evaluate']:.2f} s, document {row['document']:.2f} s, "
              f"report {row['render']:.2f} s = {row['total']:.2f} s wall; CPU {row['cpu']:.2f} s "
              f"({' + '.join(f'{c:.2f}' for c in row['cpu_phases'])}), "
              f"{1000 * row['cpu'] / row['pages']:.3f} CPU ms/page; "
              f"peak RSS {row['rss_mb']:.0f} MB; {row['summary']}", flush=True)
    b = rows[0]
    print("\nper-page evaluation cost (build + evaluate + report; CPU time, which other work on the machine"
          " disturbs less than wall time), ratio to the first size:")
    for row in rows:
        ratio = (row["cpu"] / row["pages"]) / (b["cpu"] / b["pages"])
        ev_ratio = (row["evaluate"] / row["pages"]) / max(b["evaluate"] / b["pages"], 1e-9)
        print(f"  {row['pages']:>6} pages: {1000 * row['cpu'] / row['pages']:.3f} CPU ms/page, ratio {ratio:.2f} "
              f"(evaluate alone, wall: {ev_ratio:.2f}); total {row['total']:.1f} s wall "
              f"{'OK' if row['total'] < 30 else 'OVER 30 s'}; peak RSS {row['rss_mb']:.0f} MB "
              f"{'OK' if row['rss_mb'] < 300 else 'OVER 300 MB'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", type=int, default=5000)
    ap.add_argument("--large", type=int, default=50000)
    ap.add_argument("--repeat", type=int, default=2, help="timed runs per size (the best counts)")
    ap.add_argument("--keep", help="keep the stores in this folder (default: a temporary one)")
    ap.add_argument("--profile", action="store_true", help="also profile the large build (top functions)")
    ap.add_argument("--crumbs", type=float, default=0.5,
                    help="share of leaf columns with a breadcrumb (0: the model must place columns by menus and URLs)")
    ap.add_argument("--evaluate", action="store_true",
                    help="measure build + evaluate (all of rules/) + report per size, each in a fresh process")
    ap.add_argument("--sizes", default="5000,10000,50000", help="page counts for --evaluate")
    ap.add_argument("--eval-child", help=argparse.SUPPRESS)
    ap.add_argument("--eval-out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.eval_child:
        print(json.dumps(evaluate_child(Path(args.eval_child), Path(args.eval_out), args.profile), ensure_ascii=False))
        return 0
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="govaudit-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    if args.evaluate:
        try:
            return evaluate_sizes([int(x) for x in args.sizes.split(",")], tmp, args.crumbs, args.profile)
        finally:
            if not args.keep:
                import shutil

                shutil.rmtree(tmp, ignore_errors=True)
    rows = {}
    for label, n in (("baseline", args.base), ("large", args.large)):
        db = tmp / f"model_{n}.db"
        if db.exists():
            db.unlink()
        t0 = time.perf_counter()
        store, cid, total = fill_store(db, n, args.crumbs)
        print(f"{label}: {total} pages synthesised into {db.name} in {time.perf_counter() - t0:.1f} s "
              f"({db.stat().st_size / 1e6:.0f} MB)", flush=True)
        r = measure(store, cid, args.repeat)
        r["pages"] = total
        rows[label] = r
        print(f"  read store {r['read']:.2f} s; build_site_model {r['build']:.2f} s = {1000 * r['build'] / total:.3f} ms/page"
              f" (model alone ≈ {1000 * (r['build'] - r['read']) / total:.3f} ms/page); peak {r['peak'] / 1e6:.1f} MB"
              f" = {r['peak'] / total:,.0f} bytes/page, kept {r['kept'] / 1e6:.1f} MB; "
              f"{r['columns']} columns, {r['items']} items, {r['articles']} articles", flush=True)
        if args.profile and label == "large":
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
            build_site_model(store.iter_pages(cid), site_url=SITE, as_of=AS_OF)
            prof.disable()
            pstats.Stats(prof).sort_stats("tottime").print_stats(12)
        store.close()
    b, lg = rows["baseline"], rows["large"]
    per_page = (lg["build"] / lg["pages"]) / (b["build"] / b["pages"])
    model_only = ((lg["build"] - lg["read"]) / lg["pages"]) / ((b["build"] - b["read"]) / b["pages"])
    mem = (lg["peak"] / lg["pages"]) / (b["peak"] / b["pages"])
    print(f"\nper-page time ratio (large/baseline): {per_page:.2f}  (target ≤ 1.5) "
          f"{'OK' if per_page <= 1.5 else 'OVER TARGET'}")
    print(f"per-page time ratio, model only (store reading subtracted): {model_only:.2f}")
    print(f"peak memory: {b['peak'] / b['pages']:,.0f} → {lg['peak'] / lg['pages']:,.0f} bytes/page, "
          f"per-page ratio {mem:.2f} (total ×{lg['peak'] / b['peak']:.1f} for ×{lg['pages'] / b['pages']:.1f} pages)")
    if not args.keep:
        for f in tmp.glob("model_*.db*"):
            f.unlink()
        tmp.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
