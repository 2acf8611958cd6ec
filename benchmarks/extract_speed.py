"""How fast `extract_page` is, against parsing the same bytes with lxml alone (the
baseline, measured in the same process, interleaved round by round).

Every HTML page of the bundled sample site (or of --dir folders) is run through
`extract_page` with the headers the sample server sends (GBK pages without a charset),
--rounds times; the same bytes are parsed by `lxml.html.document_fromstring` as often.
Only the best round of each counts (the least disturbed by other work on the machine).

    python benchmarks/extract_speed.py [--rounds 20] [--dir DIR ...] [--slowest 5]

Prints pages, bytes/page, ms/page for both, the ratio extract/parse, and the pages with
the highest ratio.
"""
from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

from lxml import html as lhtml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.demo.server import SITE_DIR, content_type_for
from crawler.extract.page import extract_page

BASE = "http://www.shancheng.gov.cn/"


def load_pages(dirs: list[Path]) -> list[tuple[str, dict[str, str], bytes]]:
    """(url, headers, body) for every .html/.htm/.shtml file below `dirs`."""
    out = []
    for d in dirs:
        for p in sorted(d.rglob("*")):
            if p.suffix.lower() not in (".html", ".htm", ".shtml") or not p.is_file():
                continue
            rel = p.relative_to(d).as_posix()
            if rel == "index.html" or rel.endswith("/index.html"):
                rel = rel[: -len("index.html")]
            body = p.read_bytes()
            out.append((BASE + rel, {"Content-Type": content_type_for(p, body)}, body))
    return out


def _round(fn, pages) -> list[float]:
    times = []
    for url, headers, body in pages:
        t0 = time.perf_counter()
        fn(url, headers, body)
        times.append(time.perf_counter() - t0)
    return times


def _extract(url: str, headers: dict[str, str], body: bytes) -> None:
    extract_page(url, 200, headers, body)


def _parse(_url: str, _headers: dict[str, str], body: bytes) -> None:
    lhtml.document_fromstring(body)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--dir", action="append", help="folders of saved pages (default: the sample site)")
    ap.add_argument("--slowest", type=int, default=5, help="list the pages with the highest ratio")
    args = ap.parse_args(argv)
    dirs = [Path(d) for d in args.dir] if args.dir else [SITE_DIR]
    pages = load_pages(dirs)
    if not pages:
        print("no HTML pages found", file=sys.stderr)
        return 2
    _round(_extract, pages)  # warm up (imports, regex compilation, caches)
    _round(_parse, pages)
    best_x: list[float] = [float("inf")] * len(pages)
    best_p: list[float] = [float("inf")] * len(pages)
    tot_x = tot_p = float("inf")
    gc.collect()
    for _ in range(args.rounds):
        tp = _round(_parse, pages)
        tx = _round(_extract, pages)
        tot_p, tot_x = min(tot_p, sum(tp)), min(tot_x, sum(tx))
        best_p = [min(a, b) for a, b in zip(best_p, tp, strict=True)]
        best_x = [min(a, b) for a, b in zip(best_x, tx, strict=True)]
    n = len(pages)
    size = sum(len(b) for _, _, b in pages)
    print(f"{n} pages, {size / n / 1024:.1f} KiB/page on average, {args.rounds} rounds (best round counts)")
    print(f"  lxml parse alone (baseline): {1000 * tot_p / n:.3f} ms/page ({size / tot_p / 1e6:.1f} MB/s)")
    print(f"  extract_page:                {1000 * tot_x / n:.3f} ms/page ({size / tot_x / 1e6:.1f} MB/s)")
    print(f"  ratio extract/parse: {tot_x / tot_p:.2f}")
    if args.slowest:
        print("  highest ratios (page: extract ms / parse ms):")
        ranked = sorted(range(n), key=lambda i: best_x[i] / best_p[i], reverse=True)[: args.slowest]
        for i in ranked:
            print(f"    {pages[i][0][len(BASE) - 1:]}: {1000 * best_x[i]:.2f} / {1000 * best_p[i]:.3f} "
                  f"= {best_x[i] / best_p[i]:.1f}× ({len(pages[i][2]) / 1024:.1f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
