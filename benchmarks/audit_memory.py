"""Where a govaudit audit's memory and CPU go, phase by phase (issue 14, item 5).

    PYTHONPATH=$PWD python benchmarks/audit_memory.py --pages 50000
    PYTHONPATH=$PWD python benchmarks/audit_memory.py --pages 5000 --no-verify-links

Generates bench_crawl's synthetic portal (`generate_site`), serves it with nginx, runs one
`python -m crawler.cli audit` on it (as bench_crawl does) and samples, every 0.25 s, the
resident set summed over the audit's process tree (the audit and the crawl's own child
process) and their CPU time, with the audit's phase lines (抓取 / 站点属性 / 链接核验 / 评估)
in between. Prints a line whenever the sum moved by 5 MB or more, then per phase: the peak
of the sum and CPU seconds, and at the end the peak of the sum and of the largest single
process. Target: the peak under 300 MB at 50,000 pages with link verification.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_crawl import Nginx, free_port, generate_site, process_tree, rss_kb

PHASES = ("抓取", "站点属性", "链接核验", "评估")


def tree(pid: int, cpu_seen: dict[int, float]) -> tuple[int, int, float]:
    """(sum of VmRSS KB, largest VmRSS KB, CPU seconds) over `pid` and its descendants; CPU
    of every process seen so far (`cpu_seen`: a child that ended keeps its last reading)."""
    tick = os.sysconf("SC_CLK_TCK")
    sizes = []
    for q in process_tree(pid):
        sizes.append(rss_kb(q))
        try:
            with open(f"/proc/{q}/stat") as f:
                st = f.read().rsplit(")", 1)[1].split()
            cpu_seen[q] = (int(st[11]) + int(st[12])) / tick
        except (OSError, ValueError, IndexError):
            continue
    return sum(sizes), max(sizes, default=0), sum(cpu_seen.values())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=50000)
    ap.add_argument("--rules", default="rules/national-rubric-2019.yaml")
    ap.add_argument("--no-verify-links", action="store_true")
    ap.add_argument("--keep", help="keep the site and the audit's output in this directory")
    args = ap.parse_args(argv)

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="audit-memory-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"generating {args.pages} pages in {work} …", flush=True)
    generate_site(work / "site", args.pages)
    port = free_port()
    nginx = Nginx(work, {port: work / "site"})
    nginx.start()
    cmd = [sys.executable, "-m", "crawler.cli", "audit", f"http://127.0.0.1:{port}/", "--rules", args.rules,
           "--out", str(work / "out"), "--delay", "0", "--max-pages", str(2 * args.pages + 100),
           "--max-depth", "20", "--as-of", "2021-12-31", "--fresh", "--no-history"]
    if args.no_verify_links:
        cmd.append("--no-verify-links")
    env = {**os.environ, "GOVAUDIT_PROGRESS_INTERVAL": "5"}
    t0 = time.time()
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                cwd=str(ROOT))
        phase = ["start"]
        per: dict[str, list[float]] = {}  # phase → [peak MB, cpu at start, cpu at end]
        last_cpu = [0.0]

        def read() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                line = line.rstrip()
                for name in PHASES:
                    if line.startswith(f"[{name}]") and ("开始" in line or "结束" in line):
                        if "开始" in line:
                            phase[0] = name
                            per.setdefault(name, [0.0, last_cpu[0], last_cpu[0]])
                        print(f"{time.time() - t0:8.1f} s  {line[:100]}", flush=True)

        threading.Thread(target=read, daemon=True).start()
        peak = largest_peak = shown = 0
        cpu_seen: dict[int, float] = {}
        while proc.poll() is None:
            total, largest, cpu = tree(proc.pid, cpu_seen)
            last_cpu[0] = cpu
            peak, largest_peak = max(peak, total), max(largest_peak, largest)
            p = per.get(phase[0])
            if p is not None:
                p[0] = max(p[0], total / 1024)
                p[2] = last_cpu[0]
            if abs(total - shown) >= 5 * 1024:
                print(f"{time.time() - t0:8.1f} s  {total / 1024:6.0f} MB  (largest process {largest / 1024:.0f} MB)",
                      flush=True)
                shown = total
            time.sleep(0.25)
    finally:
        nginx.stop()
    print(f"\nexit code {proc.returncode}, {time.time() - t0:.0f} s")
    for name in PHASES:
        if name in per:
            pk, c0, c1 = per[name]
            print(f"  {name:6s} peak {pk:6.0f} MB   CPU ≈ {c1 - c0:7.1f} s (sampled)")
    print(f"peak RSS summed over the process tree: {peak / 1024:.0f} MB (target < 300); "
          f"largest single process: {largest_peak / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
