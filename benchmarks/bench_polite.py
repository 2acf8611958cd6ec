"""Polite defaults, measured (issue 14, item 6): govaudit at its DEFAULT politeness (one
request at a time per host, DOWNLOAD_DELAY 0.5 s ±50 %, AutoThrottle, robots.txt, link
verification on) against servers that answer every request in 100–300 ms.

    python benchmarks/bench_polite.py                       # 1 site, then 4 sites at once
    python benchmarks/bench_polite.py --pages 120 --sites 3 # shorter

Each site is the synthetic portal of bench_crawl.py (paginated lists, articles, GBK pages,
media, 20 planted broken links), `--pages` pages, served from memory by a threaded Python
server on its own loopback address (127.0.0.2, 127.0.0.3 …: Scrapy's per-host slot is the
host name, so sites on one address would share one slot). Every response is delayed by a
seeded random 100–300 ms (the same URL always gets the same delay).

Runs, each as a child process (`python -m crawler.cli audit …` with no --delay, timed with
os.wait4):
  1. one site:   `audit URL --rules R --out … --as-of 2021-12-31`
  2. K sites:    `audit --sites sites.yaml --out …` (K = --sites), one process, crawled at once

Printed: pages crawled, the crawl phase (from each store's stats), the whole audit's wall
time, pages per minute (crawl phase and whole audit), links verified, and the arithmetic
for an inspector: how long a 5,000-page site takes at this pace and how many such sites
one worker (one process) audits in an 8-hour night, one at a time and K at once.
"""
from __future__ import annotations

import argparse
import json
import mimetypes
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# the sibling script (benchmarks/ is sys.path[0] when this file is run)
from bench_crawl import ROOT, generate_site, run_child

NIGHT_H = 8.0
SITE_PAGES = 5000


def make_server(root: Path, host: str, lo: float, hi: float, seed: int) -> ThreadingHTTPServer:
    files: dict[str, bytes] = {}
    for f in root.rglob("*"):
        if f.is_file() and f.name != "planted.json":
            files["/" + f.relative_to(root).as_posix()] = f.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_HEAD(self) -> None:
            self._answer(head=True)

        def do_GET(self) -> None:
            self._answer(head=False)

        def _answer(self, head: bool) -> None:
            path = self.path.split("?", 1)[0].split("#", 1)[0]
            time.sleep(random.Random(f"{seed}:{host}:{path}").uniform(lo, hi))
            if path.endswith("/"):
                path += "index.html"
            status, body = 200, files.get(path)
            if path == "/removed/notice.html":
                status, body = 410, b"<html><body>gone</body></html>"
            elif body is None:
                status, body = 404, b"<html><body>404 Not Found</body></html>"
            ctype = mimetypes.guess_type(path)[0] or "application/octet-stream"
            if status != 200:
                ctype = "text/html"
            self.send_response(status)
            self.send_header("Content-Type", ctype)  # no charset: pages declare theirs in <meta>
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)

    srv = ThreadingHTTPServer((host, 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def crawl_stats(out: Path) -> tuple[int, float | None, int]:
    """→ pages fetched with status 200, crawl seconds (store stats), links verified."""
    pages, elapsed, links = 0, None, 0
    db = out / "crawl.db"
    if db.exists():
        con = sqlite3.connect(db)
        try:
            pages = con.execute("SELECT COUNT(*) FROM pages WHERE status = 200").fetchone()[0]
            row = con.execute("SELECT stats FROM crawls ORDER BY id DESC LIMIT 1").fetchone()
            if row:
                e = json.loads(row[0] or "{}").get("elapsed")
                elapsed = float(e) if isinstance(e, (int, float)) else None
        finally:
            con.close()
    fj = out / "findings.json"
    if fj.exists():
        summary = (json.loads(fj.read_text(encoding="utf-8")).get("links") or {}).get("summary") or {}
        links = int(summary.get("total") or 0)
    return pages, elapsed, links


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=200, help="pages per site (default 200)")
    ap.add_argument("--sites", type=int, default=4, help="sites crawled at once in the second run (default 4)")
    ap.add_argument("--latency", default="0.1-0.3", help="server answer time range in seconds (default 0.1-0.3)")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--govaudit-module", default="crawler.cli",
                    help="module run as `python -m MODULE audit …` (default crawler.cli)")
    ap.add_argument("--rules", default=str(ROOT / "rules" / "national-rubric-2019.yaml"))
    ap.add_argument("--timeout", type=float, default=None, help="seconds per run (default 60 + 3 s × pages)")
    ap.add_argument("--keep", default=None, help="keep sites and outputs in this folder")
    args = ap.parse_args(argv)
    lo, hi = (float(x) for x in args.latency.split("-"))
    work = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="bench_polite_"))
    work.mkdir(parents=True, exist_ok=True)
    root = work / "site"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    site = generate_site(root, args.pages)
    hosts = [f"127.0.0.{i + 2}" for i in range(max(1, args.sites))]
    servers = [make_server(root, h, lo, hi, args.seed) for h in hosts]
    urls = [f"http://{h}:{s.server_address[1]}/" for h, s in zip(hosts, servers, strict=True)]
    print(f"{len(servers)} servers ({site.pages} HTML pages, {site.media} images and attachments, "
          f"{len(site.planted)} planted broken links each), answering in {lo * 1000:.0f}–{hi * 1000:.0f} ms; "
          f"govaudit at its default politeness; PYTHONPATH={os.environ.get('PYTHONPATH', '')}", flush=True)
    timeout = args.timeout or (60 + 3.0 * args.pages)
    env = dict(os.environ)
    base = [sys.executable, "-m", args.govaudit_module, "audit", "--rules", args.rules, "--as-of", "2021-12-31",
            "--max-pages", str(args.pages * 2 + 100), "--fresh"]
    try:
        # 1. one site
        out1 = work / "one"
        wall1, cpu1, rss1, code1, err1 = run_child(base + [urls[0], "--out", str(out1)], env=env,
                                                   timeout=timeout, log=work / "one.log", cwd=str(ROOT))
        p1, e1, l1 = crawl_stats(out1)
        print(f"\none site: {p1} pages, crawl {e1 or 0:.0f} s, audit wall {wall1:.0f} s (CPU {cpu1:.1f} s, "
              f"peak RSS {rss1:.0f} MB, exit {code1}{', ' + err1 if err1 else ''}), {l1} links verified", flush=True)
        # 2. K sites in one process
        k = len(urls)
        sites_file = work / "sites.yaml"
        lines = ["schema: govaudit.sites/1", f"rules: [{args.rules}]", "sites:"]
        for i, u in enumerate(urls):
            lines += [f"  - name: 山城区测试站点{i + 1}", f"    urls: [{u}]", f"    slug: site{i + 1}"]
        sites_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        outk = work / "many"
        cmd = [*base, "--sites", str(sites_file), "--out", str(outk)]
        wallk, cpuk, rssk, codek, errk = run_child(cmd, env=env, timeout=timeout * 2, log=work / "many.log",
                                                   cwd=str(ROOT))
        per = [crawl_stats(outk / f"site{i + 1}") for i in range(k)]
        pk = sum(p for p, _e, _l in per)
        ek = max((e or 0.0) for _p, e, _l in per)
        lk = sum(n for _p, _e, n in per)
        print(f"{k} sites at once: {pk} pages, crawl {ek:.0f} s (slowest site), audit wall {wallk:.0f} s "
              f"(CPU {cpuk:.1f} s, peak RSS {rssk:.0f} MB, exit {codek}{', ' + errk if errk else ''}), "
              f"{lk} links verified", flush=True)
    finally:
        for s in servers:
            s.shutdown()
            s.server_close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    def rate(pages: int, secs: float | None) -> float:
        return 60.0 * pages / secs if secs else 0.0

    r1c, r1w = rate(p1, e1), rate(p1, wall1)
    rkc, rkw = rate(pk, ek), rate(pk, wallk)
    print("\npages per minute            crawl phase   whole audit (wall, incl. start, link checks, report)")
    print(f"  one site                  {r1c:10.0f}   {r1w:10.0f}")
    print(f"  {k} sites at once (total)   {rkc:10.0f}   {rkw:10.0f}")
    print(f"  {k} sites at once (per site){rkc / k:9.0f}   {rkw / k:10.0f}")
    if r1w:
        t_site = SITE_PAGES / r1w  # minutes, at the whole-audit pace of this site
        t_crawl = SITE_PAGES / r1c if r1c else 0.0
        night = NIGHT_H * 60
        print(f"\nfor an inspector (server answering in {lo * 1000:.0f}–{hi * 1000:.0f} ms, default politeness):")
        print(f"  a {SITE_PAGES:,}-page site: crawl about {t_crawl:.0f} min; whole audit about {t_site:.0f} min "
              f"({t_site / 60:.1f} h) at the pace measured on this site ({l1} links verified for {p1} pages; "
              f"sites with many more links per page take longer to verify)")
        print(f"  one worker, one site at a time: {night / t_site:.1f} such sites per {NIGHT_H:.0f}-hour night")
        if rkw:
            t_k = SITE_PAGES / (rkw / k)
            print(f"  one worker, {k} sites at once (one process): each about {t_k:.0f} min, "
                  f"{k * night / t_k:.1f} sites per night (per-host politeness is kept per site, so sites "
                  f"at once add up until CPU or CONCURRENT_REQUESTS (16) binds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
