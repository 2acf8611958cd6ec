"""Scheduled inspection: `govaudit schedule sites.yaml` (see docs/SCHEDULE.md).

One long-running foreground process (logs to stdout) that

- runs each site's audit on its `schedule:` (APScheduler cron or interval trigger), each
  audit in a subprocess (`python -m crawler.cli audit … --run-id N`: a Twisted reactor
  cannot restart in one process), or, with `--distributed`, as a Celery task
  (`govaudit.scheduled_audit`, run by `govaudit worker`);
- probes each homepage every `probe_interval:` and records the probe as `govaudit probe`
  does (crawler.collect.probes; the audits read the same probe store);
- after each run sends the notices of the site's `notify:` targets (crawler.notify;
  `--dry-run` prints them instead).

Runs on record (crawler.store.results.ResultsStore):

  1. the scheduler takes the lock "site:<slug>" (holder: a token of this scheduling), so no
     run of a site overlaps the previous one, across processes and machines; a lock whose
     holder died expires after its TTL (renewed every TTL/3 while a run executes);
  2. records the run as queued (start_run(state="queued"));
  3. the executor (this process, or a worker) takes "run:<id>" (one executor per run: a
     task redelivered after a worker was killed takes over only once the dead worker's
     lock expired), runs the audit subprocess, which marks the run running, then finished
     or failed;
  4. if the subprocess ended without recording the end (killed, SIGTERM), the executor
     marks the run failed with the reason, then releases both locks. A run found queued or
     running while its site's lock is free (the process that owned it died) is marked
     failed before the site's next run.

Missed runs (the scheduler was not running at a scheduled time), per site `misfire:`:
  run_once (default)  run once at start-up when a scheduled time passed since the site's
                      last run (a site never run before is not "missed": it waits for its
                      schedule)
  skip                wait for the next scheduled time

SIGTERM/SIGINT: no new runs start; running audits get SIGINT (the crawl stops, what was
crawled stays in the crawl store and the next run resumes it) and GRACE seconds to end,
then SIGKILL; each interrupted run is marked failed ("已中断"), its locks released.
"""
from __future__ import annotations

import ctypes
import dataclasses
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.ruleset.sites import SiteSpec, interval_seconds, parse_schedule

ROOT = Path(__file__).resolve().parents[2]
log = logging.getLogger("govaudit.schedule")
Log = Callable[[str], None]
BUSY = "运行正由另一进程执行"


@dataclass
class ScheduleOptions:
    out_dir: Path
    history: str  # results store: file or SQLAlchemy URL
    probe_store: str  # where probe records go (read by the audits)
    rules: list[str] = field(default_factory=list)  # default rule paths
    dry_run: bool = False  # notices printed, not sent
    report_url: str | None = None  # base URL of OUT on a web server (links in notices)
    distributed: bool = False
    lock_ttl: float = 600.0  # seconds; the executor renews its locks every lock_ttl / 3
    queue_ttl: float = 21600.0  # site lock of a run waiting on the Celery queue
    grace: float = 30.0  # seconds an interrupted audit gets before SIGKILL
    probe_timeout: float = 15.0
    extra_args: list[str] = field(default_factory=list)  # passed to every audit (e.g. --no-verify-links)


# -- one run -----------------------------------------------------------------------------------
def make_job(site: SiteSpec, run_id: int, site_holder: str, opts: ScheduleOptions) -> dict[str, Any]:
    """Everything an executor needs for one run (JSON-serialisable: also a Celery task arg)."""
    out = opts.out_dir / site.slug
    return {
        "slug": site.slug, "name": site.name, "unit": site.unit, "urls": list(site.urls), "run_id": run_id,
        "site_holder": site_holder, "history": opts.history, "out_dir": str(out),
        "store": str(out / "crawl.db"), "probe_store": opts.probe_store,
        "rules": list(site.rules or opts.rules), "extra_hosts": list(site.extra_hosts),
        "max_pages": site.max_pages, "delay": site.delay, "exclude": list(site.exclude), "waivers": site.waivers,
        "profile": site.profile, "region": site.region, "notify": [dataclasses.asdict(t) for t in site.notify],
        "dry_run": opts.dry_run, "report_url": opts.report_url, "lock_ttl": opts.lock_ttl,
        "grace": opts.grace, "extra_args": list(opts.extra_args),
    }


def audit_argv(job: dict[str, Any], python: str = sys.executable) -> list[str]:
    """The audit subprocess of a job: records into run `run_id` of the results store."""
    out = job["out_dir"]
    cmd = [python, "-m", "crawler.cli", "audit", *job["urls"], "--site", job["slug"], "--run-id", str(job["run_id"]),
           "--history", job["history"], "--out", out, "--runs-dir", out, "--store", job["store"],
           "--probe-store", job["probe_store"]]
    if job.get("name"):
        cmd += ["--site-name", job["name"]]
    if job.get("unit"):
        cmd += ["--unit", job["unit"]]
    for r in job["rules"]:
        cmd += ["--rules", r]
    for h in job["extra_hosts"]:
        cmd += ["--extra-host", h]
    if job.get("max_pages"):
        cmd += ["--max-pages", str(job["max_pages"])]
    if job.get("delay") is not None:
        cmd += ["--delay", str(job["delay"])]
    for x in job.get("exclude") or []:
        cmd += ["--exclude", x]
    if job.get("waivers"):
        cmd += ["--waivers", job["waivers"]]
    if job.get("profile"):
        cmd += ["--profile", job["profile"]]
    if job.get("region"):
        cmd += ["--region", job["region"]]
    return cmd + list(job.get("extra_args") or [])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the audit is killed when the thread that started it dies (a worker killed with
    SIGKILL leaves no orphan crawling on: its run is taken over by another worker)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def execute_run(job: dict[str, Any], *, executor: str, stop: threading.Event | None = None,
                out: Log = print) -> dict[str, Any]:
    """Execute one queued run (in the scheduler, or in a worker). Idempotent: a run already
    finished or failed, or executed by a live executor elsewhere, is left alone.
    Returns {run_id, state, exit_code, reason, skipped, notices}."""
    from crawler.store.results import ResultsStore

    run_id, slug = int(job["run_id"]), job["slug"]
    ttl = float(job.get("lock_ttl") or 600)
    res: dict[str, Any] = {"run_id": run_id, "slug": slug, "state": None, "exit_code": None, "reason": "",
                           "skipped": "", "notices": 0}
    results = ResultsStore(job["history"])
    try:
        run = results.run(run_id)
        if run is None or run.state in ("finished", "failed"):
            res.update(state=run.state if run else None, skipped="运行已结束")
            return res
        if not results.acquire_lock(f"run:{run_id}", executor, ttl):
            res.update(state=run.state, skipped=BUSY)
            return res
        if not results.acquire_lock(f"site:{slug}", job["site_holder"], ttl):
            results.fail_run(run_id, "同一网站的另一次检查正在进行，本次未执行")
            results.release_lock(f"run:{run_id}", executor)
            res.update(state="failed", reason="同一网站的另一次检查正在进行")
            return res
        out(f"[{slug}] 开始检查，运行 {run_id}")  # in the log of the worker that runs it, from the start
        done = threading.Event()

        def heartbeat() -> None:  # keep both locks while the audit runs
            while not done.wait(max(ttl / 3, 0.5)):
                try:
                    results.acquire_lock(f"run:{run_id}", executor, ttl)
                    results.acquire_lock(f"site:{slug}", job["site_holder"], ttl)
                except Exception as e:
                    out(f"[{slug}] 续期锁失败：{type(e).__name__}: {e}")

        beat = threading.Thread(target=heartbeat, name=f"lock-{slug}", daemon=True)
        beat.start()
        try:
            code, interrupted = _run_audit(job, stop, out)
        finally:
            done.set()
            beat.join(timeout=5)
        res["exit_code"] = code
        run = results.run(run_id)
        if run is not None and run.state in ("queued", "running"):  # ended without recording its end
            reason = ("已中断（调度程序停止）：已抓取的页面保存在抓取库中，下次检查继续抓取" if interrupted
                      else f"检查进程异常退出（退出码 {code}）")
            results.fail_run(run_id, reason)
            run = results.run(run_id)
        results.release_lock(f"site:{slug}", job["site_holder"])
        results.release_lock(f"run:{run_id}", executor)
        assert run is not None
        res.update(state=run.state, reason=run.reason)
        if run.state == "finished":
            out(f"[{slug}] 运行 {run_id} 已完成：{run.verdict or ''}"
                f"{'（网站无法访问）' if run.site_down else ''} → {run.out_dir}")
            res["notices"] = _notify(job, run.out_dir, out)
        else:
            out(f"[{slug}] 运行 {run_id} 失败：{run.reason}")
        return res
    finally:
        results.close()


def _run_audit(job: dict[str, Any], stop: threading.Event | None, out: Log) -> tuple[int, bool]:
    """Run the audit subprocess, its output prefixed into our log; on `stop`, SIGINT then
    (after the grace period) SIGKILL. Returns (exit code, interrupted)."""
    if stop is not None and stop.is_set():  # stopping: a queued run is not started
        return -1, True
    Path(job["out_dir"]).mkdir(parents=True, exist_ok=True)
    ps = job.get("probe_store") or ""
    if ps and "://" not in ps and not Path(ps).exists():  # no probe yet: an empty store
        from crawler.store.crawls import CrawlStore

        Path(ps).parent.mkdir(parents=True, exist_ok=True)
        CrawlStore(ps).close()
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(audit_argv(job), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env,  # the child only calls prctl before exec
                            preexec_fn=_die_with_parent if sys.platform == "linux" else None)
    slug = job["slug"]

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip():
                out(f"[{slug}] {line.rstrip()}")

    reader = threading.Thread(target=pump, name=f"out-{slug}", daemon=True)
    reader.start()
    interrupted = False
    while proc.poll() is None:
        if stop is not None and stop.wait(0.5):
            interrupted = True
            out(f"[{slug}] 正在停止检查（已抓取的页面会保留）…")
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=float(job.get("grace") or 30))
            except subprocess.TimeoutExpired:
                proc.kill()
            break
        if stop is None:
            try:
                proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
    code = proc.wait()
    reader.join(timeout=5)
    return code, interrupted


def _target_fields(t: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in t.items()}


def _notify(job: dict[str, Any], run_dir: str, out: Log) -> int:
    """The notices of a finished run (its findings.json) to the site's targets."""
    if not job.get("notify"):
        return 0
    from crawler.notify import NotifyTarget, notify_after_run

    path = Path(run_dir) / "findings.json"
    if not path.is_file():
        out(f"[{job['slug']}] 未找到 {path}，无法发送通知")
        return 0
    doc = json.loads(path.read_text(encoding="utf-8"))
    targets = [NotifyTarget(**_target_fields(t)) for t in job["notify"]]
    base = job.get("report_url")
    if base:
        base = base.rstrip("/") + f"/{job['slug']}/"
    try:
        sent = notify_after_run(doc, targets, report_base_url=base, dry_run=bool(job.get("dry_run")),
                                out=lambda s: out(f"[{job['slug']}] {s}"))
    except Exception as e:
        out(f"[{job['slug']}] 发送通知出错：{type(e).__name__}: {e}")
        return 0
    return len(sent)


# -- probes ------------------------------------------------------------------------------------
def probe_site(site: SiteSpec, store_spec: str, timeout: float, out: Log) -> dict[str, Any]:
    """Probe the homepage once and record it, as `govaudit probe` does."""
    from crawler.collect.probes import STATE_CN, probe_once
    from crawler.store.crawls import CrawlStore

    url = site.urls[0]
    r = probe_once(url, timeout)
    store = CrawlStore(store_spec)
    try:
        store.add_probe(url, r["state"], status=int(r.get("status") or 0), elapsed=float(r.get("elapsed") or 0.0),
                        detail=str(r.get("detail") or "")[:500], at=r["at"])
    finally:
        store.close()
    out(f"[{site.slug}] 探测 {url}：{STATE_CN[r['state']]}（{r.get('detail', '')}）")
    return r


# -- the scheduler -----------------------------------------------------------------------------
def _parse_ts(s: str) -> datetime | None:
    try:
        d = datetime.fromisoformat(s)
    except (TypeError, ValueError):
        return None
    return d if d.tzinfo else d.astimezone()


def missed_run(site: SiteSpec, last_started: str | None, now: datetime) -> bool:
    """Whether a scheduled time of the site passed between its last run and `now`."""
    if not site.schedule or not last_started:
        return False
    last = _parse_ts(last_started)
    if last is None:
        return False
    trigger = parse_schedule(site.schedule, start_date=last)
    nxt = trigger.get_next_fire_time(None, last + timedelta(seconds=1))
    return nxt is not None and nxt <= now


class Scheduler:
    """The `govaudit schedule` process: APScheduler jobs for audits and probes."""

    def __init__(self, sites: list[SiteSpec], opts: ScheduleOptions, *, out: Log = print) -> None:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        from crawler.store.results import ResultsStore

        self.sites = {s.slug: s for s in sites}
        self.opts = opts
        self.out = out
        self.stop_event = threading.Event()
        self.ident = f"{socket.gethostname()}:{os.getpid()}"
        self.results = ResultsStore(opts.history)
        self.sched = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=max(4, 2 * len(sites) + 2))},
            # one instance of a job at a time in this process (the lock covers other processes);
            # a fire time missed by a busy process is run once, late (coalesce)
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
        self.runs_started: list[int] = []

    # -- jobs ------------------------------------------------------------------------------
    def audit_now(self, slug: str) -> int | None:
        """Queue (and, on one machine, execute) a run of the site unless one is in progress."""
        if self.stop_event.is_set():
            return None
        site = self.sites[slug]
        holder = f"{self.ident}:{uuid.uuid4().hex[:10]}"
        ttl = self.opts.queue_ttl if self.opts.distributed else self.opts.lock_ttl
        try:
            if not self.results.acquire_lock(f"site:{slug}", holder, ttl):
                cur = self.results.lock_holder(f"site:{slug}")
                self.out(f"[{slug}] 上一次检查仍在进行（{cur[0] if cur else ''}），本次跳过")
                return None
            self._reap(slug, "未完成：执行它的进程已停止（下一次检查前清理）")
            run_id = self.results.start_run(slug, state="queued", as_of=date.today(), urls=site.urls,
                                            crawl_store=str(self.opts.out_dir / slug / "crawl.db"))
        except Exception as e:
            self.out(f"[{slug}] 无法开始检查：{type(e).__name__}: {e}")
            return None
        self.runs_started.append(run_id)
        job = make_job(site, run_id, holder, self.opts)
        if self.opts.distributed:
            try:
                from crawler.runner.distributed import scheduled_audit

                scheduled_audit.apply_async(args=[job], retry=True,
                                            retry_policy={"max_retries": 3, "interval_start": 0.5})
            except Exception as e:
                self.results.fail_run(run_id, f"无法分发任务：{type(e).__name__}: {e}")
                self.results.release_lock(f"site:{slug}", holder)
                self.out(f"[{slug}] 运行 {run_id} 无法分发：{e}")
                return run_id
            self.out(f"[{slug}] 运行 {run_id} 已分发给 worker")
            return run_id
        try:
            execute_run(job, executor=f"{self.ident}:{threading.get_ident()}", stop=self.stop_event, out=self.out)
        except Exception as e:
            self.out(f"[{slug}] 检查出错：{type(e).__name__}: {e}")
            run = self.results.run(run_id)
            if run is not None and run.state in ("queued", "running"):
                self.results.fail_run(run_id, f"{type(e).__name__}: {e}")
            self.results.release_lock(f"site:{slug}", holder)
        return run_id

    def probe_now(self, slug: str) -> None:
        if self.stop_event.is_set():
            return
        try:
            probe_site(self.sites[slug], self.opts.probe_store, self.opts.probe_timeout, self.out)
        except Exception as e:
            self.out(f"[{slug}] 探测出错：{type(e).__name__}: {e}")

    def _reap(self, slug: str, reason: str) -> None:
        """Runs of the site left queued/running while nobody holds its lock: failed."""
        for r in self.results.runs(slug):
            if r.state in ("queued", "running") and self.results.lock_holder(f"run:{r.id}") is None:
                self.results.fail_run(r.id, reason)
                self.out(f"[{slug}] 运行 {r.id} 标记为失败：{reason}")

    # -- the process -----------------------------------------------------------------------
    def start(self) -> None:
        from apscheduler.triggers.interval import IntervalTrigger

        now = datetime.now().astimezone()
        for slug, site in self.sites.items():
            if self.results.lock_holder(f"site:{slug}") is None:  # nobody runs it: leftovers are stale
                self._reap(slug, "未完成：调度程序或 worker 在运行中停止")
            if site.schedule:
                trigger = parse_schedule(site.schedule)
                job = self.sched.add_job(self.audit_now, trigger, args=[slug], id=f"audit:{slug}",
                                         name=f"检查 {site.name}")
                done = [r for r in self.results.runs(slug) if r.state in ("finished", "failed")]
                last = done[-1].started_at if done else None
                if missed_run(site, last, now):
                    if site.misfire == "run_once":
                        self.out(f"[{slug}] 上次检查（{last}）后错过了预定时间：现在补跑一次")
                        self.sched.add_job(self.audit_now, "date", run_date=now, args=[slug],
                                           id=f"missed:{slug}", name=f"补跑 {site.name}")
                    else:
                        self.out(f"[{slug}] 上次检查（{last}）后错过了预定时间：按 misfire: skip 跳过")
                self.out(f"[{slug}] 检查计划 “{site.schedule}”，下次 {_fmt_time(trigger, now)}")
                del job
            if site.probe_interval:
                self.sched.add_job(self.probe_now, IntervalTrigger(seconds=site.probe_interval), args=[slug],
                                   id=f"probe:{slug}", name=f"探测 {site.name}", next_run_time=now)
                self.out(f"[{slug}] 每 {_fmt_secs(site.probe_interval)} 探测首页 {site.urls[0]}")
        from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED

        self.sched.add_listener(self._skipped, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED)
        self.sched.start()

    def _skipped(self, event: Any) -> None:
        """APScheduler skipped a fire time: the previous run of the job still runs (or the
        process was too busy): said in the log, in Chinese."""
        kind, _, slug = str(event.job_id).partition(":")
        times = getattr(event, "scheduled_run_times", None) or [getattr(event, "scheduled_run_time", None)]
        when = times[0]
        at = when.strftime("%H:%M:%S") if when else ""
        what = "探测" if kind == "probe" else "检查"
        self.out(f"[{slug}] {at} 的{what}跳过：上一次{what}仍在进行")

    def stop(self, wait: bool = True) -> None:
        """No new runs; running audits interrupted and recorded as such."""
        self.stop_event.set()
        try:
            self.sched.shutdown(wait=wait)
        finally:
            self.results.close()

    def serve(self, duration: float | None = None) -> None:
        """Run until SIGTERM/SIGINT (or `duration` seconds), then stop cleanly."""
        signalled: list[int] = []

        def on_signal(signum: int, _frame: Any) -> None:
            signalled.append(signum)
            self.stop_event.set()

        old = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        self.start()
        self.out(f"调度已启动：{len(self.sites)} 个网站，结果库 {self.opts.history}；按 Ctrl+C 或发送 SIGTERM 停止")
        deadline = time.monotonic() + duration if duration else None
        try:
            while not self.stop_event.wait(0.5):
                if deadline is not None and time.monotonic() >= deadline:
                    break
        finally:
            self.out("正在停止：不再开始新的检查，进行中的检查将中断并记录…")
            self.stop(wait=True)
            for s, h in old.items():
                signal.signal(s, h)
            self.out("调度已停止")


def _fmt_secs(s: float) -> str:
    if s % 3600 == 0:
        return f"{s / 3600:g} 小时"
    if s % 60 == 0:
        return f"{s / 60:g} 分钟"
    return f"{s:g} 秒"


def _fmt_time(trigger: Any, now: datetime) -> str:
    nxt = trigger.get_next_fire_time(None, now)
    return nxt.strftime("%Y-%m-%d %H:%M:%S") if nxt else "无"


def check_interval(value: Any) -> float:
    return interval_seconds(value)
