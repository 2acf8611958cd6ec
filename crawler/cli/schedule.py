"""`govaudit schedule`, `worker` and `status`: scheduled inspection (docs/SCHEDULE.md)."""
from __future__ import annotations

import argparse
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.cli.common import EXIT_OK, InputError


def _log_line(msg: str) -> None:
    print(f"{datetime.now().strftime('%Y-%m-%d %H:%M:%S')} {msg}", flush=True)


def cmd_schedule(args: argparse.Namespace) -> int:
    from crawler.cli.common import load_rules
    from crawler.notify import check_notify_env
    from crawler.ruleset.sites import SitesFileError, load_sites
    from crawler.runner.history import HISTORY_FILE, open_results
    from crawler.runner.schedule import ScheduleOptions, Scheduler
    from crawler.runner.sites import bundled_rules

    try:
        sites, file_rules = load_sites(args.sites)
    except SitesFileError as e:
        raise InputError(str(e)) from None
    for s in sites:  # every rule file valid before the first run
        load_rules(list(s.rules or file_rules or args.rules or bundled_rules()))
    if not any(s.schedule or s.probe_interval for s in sites):
        raise InputError(f"{args.sites}: 没有任何网站设置 schedule 或 probe_interval（如 schedule: \"0 2 * * 1\"），无事可做")
    out_dir = Path(args.out).resolve()  # absolute: workers and audit subprocesses run elsewhere
    history = args.history or str(out_dir / HISTORY_FILE)
    if "://" not in history:
        history = str(Path(history).resolve())
    open_results(history).close()  # reachable and migrated (one line, exit 2 otherwise)
    if not args.dry_run:
        missing = sorted({v for s in sites for v in check_notify_env(s.notify)})
        if missing:
            _log_line(f"注意：通知所需的环境变量未设置：{'、'.join(missing)}（相应通知将发送失败）")
    if args.distributed:
        dist = _distributed()
        online = dist.workers_online()
        _log_line(f"分布式：任务发往 {dist.redact_url(dist.BROKER)} 队列 {dist.QUEUE}；"
                  f"在线 worker：{'、'.join(online) or '无（任务将排队等待）'}")
    opts = ScheduleOptions(
        out_dir=out_dir, history=history, probe_store=_abs(args.probe_store or str(out_dir / "probes.db")),
        rules=[_abs(r) for r in (file_rules or args.rules or bundled_rules())], dry_run=args.dry_run, report_url=args.report_url,
        distributed=args.distributed, lock_ttl=args.lock_ttl, grace=args.grace,
        extra_args=(["--no-verify-links"] if args.no_verify_links else []) + (["--fresh"] if args.fresh else []))
    out_dir.mkdir(parents=True, exist_ok=True)
    Scheduler(sites, opts, out=_log_line).serve(duration=args.duration)
    return EXIT_OK


def _abs(spec: str) -> str:
    return spec if "://" in spec else str(Path(spec).resolve())


def _distributed() -> Any:
    try:
        from crawler.runner import distributed
    except ImportError:
        raise InputError("分布式运行需要 Celery 和 Redis 客户端：pip install 'govaudit[distributed]'") from None
    return distributed


def cmd_worker(args: argparse.Namespace) -> int:
    dist = _distributed()
    QUEUE, app = dist.QUEUE, dist.app

    argv = ["worker", "--loglevel", args.loglevel, "-Q", args.queue or QUEUE, "--concurrency", str(args.concurrency),
            "--prefetch-multiplier", "1", "-O", "fair"]
    if args.name:
        argv += ["-n", args.name]
    app.worker_main(argv=argv)
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from crawler.runner.history import HISTORY_FILE, open_results
    from crawler.store.results import RUN_STATES, STATE_CN

    spec = args.history or str(Path(args.out) / HISTORY_FILE)
    if "://" not in spec and not Path(spec).is_file():
        raise InputError(f"结果库 “{spec}” 不存在（用 --history 指定 govaudit schedule 所用的结果库）")
    results = open_results(spec)
    try:
        runs = results.runs(args.site)
        holders = {s: results.lock_holder(f"site:{s}") for s in {r.site for r in runs}}
    finally:
        results.close()
    if args.state:
        runs = [r for r in runs if r.state == args.state]
    if not runs:
        print("没有运行记录")
        return EXIT_OK
    counts = {s: sum(1 for r in runs if r.state == s) for s in RUN_STATES}
    print("　".join(f"{STATE_CN[s]} {n}" for s, n in counts.items()))
    order = {"running": 0, "queued": 1, "failed": 2, "finished": 3}
    shown = sorted(runs, key=lambda r: (order.get(r.state, 9), -r.id))[: args.limit]
    print(f"{'编号':>6}  {'网站':<24} {'状态':<6} {'开始时间':<19} {'结束时间':<19} 结论/原因")
    for r in shown:
        tail = r.reason if r.state == "failed" else (r.verdict or "")
        if r.site_down:
            tail += "（网站无法访问）"
        if r.state in ("queued", "running") and holders.get(r.site) is None:
            tail += "（无进程持有该网站的锁：可能已中断）"
        print(f"{r.id:>6}  {r.site:<24} {r.state_cn:<6} {r.started_at[:19].replace('T', ' '):<19} "
              f"{(r.finished_at or '')[:19].replace('T', ' '):<19} {tail}")
    return EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser("schedule", help="按 sites.yaml 中的计划定时检查各网站、探测首页并发送通知（常驻前台运行）")
    p.add_argument("sites", help="站点清单 sites.yaml（schedule、probe_interval、notify 等见 docs/SCHEDULE.md）")
    p.add_argument("--out", default="out", help="输出目录（各网站的运行目录、history.db、probes.db）")
    p.add_argument("--history", help="结果库（默认 OUT/history.db；多台机器共用时用 postgresql+psycopg:// 地址）")
    p.add_argument("--probe-store", help="可用性探测库（默认 OUT/probes.db；检查时也从这里读取探测记录）")
    p.add_argument("--rules", action="append", help="未在站点清单中写 rules 的网站所用规则（默认内置 rules/）")
    p.add_argument("--distributed", action="store_true",
                   help="每次检查作为 Celery 任务分发给 govaudit worker（GOVAUDIT_BROKER，默认本机 Redis）")
    p.add_argument("--dry-run", action="store_true", help="通知只打印不发送")
    p.add_argument("--report-url", help="OUT 目录在网站服务器上的地址（通知中的报告链接），如 https://audit.example.gov.cn/out/")
    p.add_argument("--lock-ttl", type=float, default=600.0,
                   help="网站锁的有效期秒数（进行中每 1/3 有效期续期；进程消失后锁在此时间后失效，默认 600）")
    p.add_argument("--grace", type=float, default=30.0, help="停止时给进行中的检查的收尾秒数，超时强制结束（默认 30）")
    p.add_argument("--no-verify-links", action="store_true", help="检查时不核验链接")
    p.add_argument("--fresh", action="store_true", help="每次检查重新抓取（默认续抓上次未完成的抓取）")
    p.add_argument("--duration", type=float, help=argparse.SUPPRESS)  # tests: stop after N seconds
    p.set_defaults(func=cmd_schedule)

    p = sub.add_parser("worker", help="启动 Celery worker，执行分发的检查任务（govaudit schedule --distributed）")
    p.add_argument("--queue", help="队列名（默认 GOVAUDIT_QUEUE 或 govaudit）")
    p.add_argument("--concurrency", type=int, default=1, help="同时执行的检查数（默认 1；每个检查是一个子进程）")
    p.add_argument("--name", help="worker 名称（默认 celery@主机名）")
    p.add_argument("--loglevel", default="INFO", help="日志级别（默认 INFO）")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("status", help="列出排队中、运行中、已完成和失败的检查运行")
    p.add_argument("--history", help="结果库（默认 OUT/history.db）")
    p.add_argument("--out", default="out", help="输出目录（结果库默认在其中）")
    p.add_argument("--site", help="只列出这个网站")
    p.add_argument("--state", choices=["queued", "running", "finished", "failed"], help="只列出这种状态")
    p.add_argument("--limit", type=int, default=50, help="最多列出的运行数（默认 50）")
    p.set_defaults(func=cmd_status)


logging.getLogger("apscheduler").setLevel(logging.ERROR)  # skipped runs: logged in Chinese
