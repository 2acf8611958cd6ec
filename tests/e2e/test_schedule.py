"""`govaudit schedule` for real: three local sites on second-level cron schedules, homepage
probes, a site taken down between runs (a "site down" notice reaches a local webhook and a
probe records it), no run of a site overlapping the previous one, SIGTERM leaving the
history consistent; and `--distributed` runs on two `govaudit worker` processes (real
Redis), one killed with SIGKILL mid-audit, leaving exactly one completed run."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from crawler.store.crawls import CrawlStore
from crawler.store.results import ResultsStore
from tests.support import ROOT
from tests.support.changingsite import ChangingSite
from tests.support.mockserver import MockServer, serve_static

RULES = """\
schema: govaudit.rules/1
document: 调度测试规则
year: 2021
rules:
  - {id: s-tzgg, title: 通知公告栏目, check: column_exists, path: 政务公开>通知公告}
  - {id: s-ghxx, title: 规划信息栏目, check: column_exists, path: 政务公开>规划信息}
"""


def _receiver() -> MockServer:
    """A local JSON webhook receiver: govaudit.notice/1 bodies POSTed to /hook (`_notices`)."""
    return MockServer({"/hook": lambda h: h.send(200, b"", "")})


def _notices(hook: MockServer) -> list[dict[str, Any]]:
    return [json.loads(b) for b in hook.bodies("/hook")]


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), **extra}


def _wait(cond: Any, timeout: float, what: str, proc: subprocess.Popen | None = None, log: Path | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.3)
    tail = log.read_text(encoding="utf-8", errors="replace")[-4000:] if log and log.exists() else ""
    pytest.fail(f"timed out waiting for {what}\n{tail}")


def _runs(history: Path, site: str | None = None) -> list[Any]:
    if not history.exists():
        return []
    with ResultsStore(history) as rs:
        return rs.runs(site)


def _ts(s: str) -> datetime:
    return datetime.fromisoformat(s)


def test_schedule_three_sites_site_down_and_sigterm(tmp_path: Path):
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    servers = [serve_static(ChangingSite(tmp_path / f"site{i}").root) for i in range(3)]
    hook = _receiver()
    out = tmp_path / "out"
    history = out / "history.db"
    (tmp_path / "sites.yaml").write_text(f"""\
rules: [rules.yaml]
schedule: "*/10 * * * * *"          # every 10 seconds (6 fields: seconds first)
notify: [{{kind: webhook, url_env: GA_TEST_HOOK, "on": [down]}}]
sites:
  - {{name: 甲县, urls: [{servers[0].url}], slug: a, unit: 甲县办公室, max_pages: 40, delay: 0}}
  - {{name: 乙县, urls: [{servers[1].url}], slug: b, unit: 乙县办公室, max_pages: 40, delay: 0,
     exclude: ['/xwdt/']}}
  - {{name: 丙县, urls: [{servers[2].url}], slug: c, unit: 丙县办公室, max_pages: 40, delay: 0,
     probe_interval: 2s, schedule: "every 12s"}}
""", encoding="utf-8")
    log = tmp_path / "schedule.log"
    with log.open("w", encoding="utf-8") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "schedule", str(tmp_path / "sites.yaml"), "--out", str(out),
             "--no-verify-links", "--lock-ttl", "6", "--grace", "20"],
            cwd=ROOT, env=_env(GA_TEST_HOOK=hook.url + "hook"), stdout=fh, stderr=subprocess.STDOUT)
    down_at = 0.0
    try:
        # every site audited once while up
        _wait(lambda: all(any(r.state == "finished" for r in _runs(history, s)) for s in "abc"), 60,
              "a finished run of each site", proc, log)
        assert not any(r.site_down for r in _runs(history))
        servers[2].close()  # site c goes down between runs
        down_at = time.time()
        _wait(lambda: any(r.state == "finished" and r.site_down for r in _runs(history, "c")), 50,
              "a finished run of c recording the site down", proc, log)
        _wait(lambda: _notices(hook), 10, "the site-down notice at the webhook", proc, log)
        # SIGTERM while a run is (probably) in progress: wait for one to be queued/running
        _wait(lambda: any(r.state in ("queued", "running") for r in _runs(history)), 15, "a run in progress",
              proc, log)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=40) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for s in servers[:2]:
            s.close()
        hook.close()
    text = log.read_text(encoding="utf-8")
    assert "调度已停止" in text, text[-3000:]

    # the notice: site c down, to the site's own unit, via the webhook
    downs = [b for b in _notices(hook) if b["site"]["down"]]
    assert downs and all(b["site"]["url"].startswith(servers[2].url.rstrip("/")) for b in downs), \
        [(b["site"], b.get("run_id"), b.get("triggers")) for b in _notices(hook)]
    assert {b["unit"] for b in downs} == {"丙县办公室"}
    assert "down" in downs[0]["triggers"]
    # the probes of c recorded it down (and up before)
    probes = CrawlStore(str(out / "probes.db"))
    try:
        states = [(p["state"], p["at"]) for p in probes.iter_probes(servers[2].url)]
    finally:
        probes.close()
    assert "up" in {s for s, _ in states} and "down" in {s for s, _ in states}, states
    # exclude honoured: b's crawl never asked for /xwdt/ pages; a's did
    assert not [r for r in servers[1].requests if "/xwdt/" in r.path]
    assert [r for r in servers[0].requests if "/xwdt/" in r.path]

    # the history is consistent: nothing left queued/running, no lock held
    runs = _runs(history)
    assert runs and all(r.state in ("finished", "failed") for r in runs), [(r.id, r.state) for r in runs]
    assert all(r.finished_at for r in runs)
    with ResultsStore(history) as rs:
        assert all(rs.lock_holder(f"site:{s}") is None for s in "abc")
    for r in runs:
        if r.state == "failed":
            assert "已中断" in r.reason or "已停止" in r.reason, r.reason  # the scheduler or the audit itself
    # never twice at once, and on time (cron: at seconds 0,10,20…; interval: 12 s apart)
    for s in "abc":
        mine = [r for r in runs if r.site == s]
        assert len(mine) >= 2, (s, [(r.id, r.state) for r in mine])
        for prev, nxt in pairwise(mine):
            assert _ts(nxt.started_at) >= _ts(prev.finished_at), (s, prev, nxt)
        if s != "c":
            for r in mine:
                assert _ts(r.started_at).second % 10 <= 3, (s, r.started_at)
    assert down_at


@pytest.mark.services
def test_worker_killed_mid_audit_leaves_one_completed_run(tmp_path: Path, redis_url: str):
    import redis

    queue = f"govaudit-sched-{uuid.uuid4().hex[:8]}"
    env = _env(GOVAUDIT_BROKER=redis_url, GOVAUDIT_RESULT_BACKEND=redis_url, GOVAUDIT_QUEUE=queue,
               GOVAUDIT_VISIBILITY_TIMEOUT="6", GOVAUDIT_RESTORE_INTERVAL="1")
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    site = ChangingSite(tmp_path / "site", notices=30)
    server = serve_static(site.root)
    out = tmp_path / "out"
    history = out / "history.db"
    (tmp_path / "sites.yaml").write_text(f"""\
rules: [rules.yaml]
sites:
  - {{name: 甲县, urls: [{server.url}], slug: a, max_pages: 60, delay: 0.4, schedule: "0 2 * * 1"}}
""", encoding="utf-8")
    workers: list[tuple[subprocess.Popen, Path]] = []
    try:
        for n in (1, 2):
            wlog = tmp_path / f"worker{n}.log"
            with wlog.open("w", encoding="utf-8") as fh:
                p = subprocess.Popen([sys.executable, "-m", "crawler.cli", "worker", "--queue", queue,
                                      "--name", f"w{n}-{queue}@%h", "--concurrency", "1"],
                                     cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
            workers.append((p, wlog))
        for p, wlog in workers:
            _wait(lambda wlog=wlog: "ready." in wlog.read_text(encoding="utf-8", errors="replace"), 40,
                  "worker ready", p, wlog)
        # enqueue one run as `govaudit schedule --distributed` does at a fire time
        script = (
            "import sys; from pathlib import Path\n"
            "from crawler.ruleset.sites import load_sites\n"
            "from crawler.runner.schedule import ScheduleOptions, Scheduler\n"
            f"sites, rules = load_sites({str(tmp_path / 'sites.yaml')!r})\n"
            f"o = ScheduleOptions(out_dir=Path({str(out)!r}), history={str(history)!r}, "
            f"probe_store={str(out / 'probes.db')!r}, rules=rules, distributed=True, lock_ttl=4, "
            "extra_args=['--no-verify-links'])\n"
            "s = Scheduler(sites, o); print(s.audit_now('a')); s.results.close()\n")
        subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=60)
        runs = _runs(history, "a")
        assert len(runs) == 1
        run_id = runs[0].id

        # the worker that took it: kill it (and its audit) with SIGKILL once the crawl is under way
        def busy() -> tuple[subprocess.Popen, Path] | None:
            for p, wlog in workers:
                if "[a]" in wlog.read_text(encoding="utf-8", errors="replace"):
                    return p, wlog
            return None

        victim, vlog = _wait(busy, 40, "a worker running the audit")
        _wait(lambda: sum(1 for r in server.requests if r.method == "GET") >= 5, 30, "the crawl under way",
              victim, vlog)
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        pages_before = len(server.requests)
        survivor, slog = next(w for w in workers if w[0] is not victim)
        _wait(lambda: any(r.state == "finished" for r in _runs(history, "a")), 120,
              "the other worker finishing the run", survivor, slog)
        time.sleep(2)  # a late duplicate delivery, if any, must not record anything
    finally:
        for p, _ in workers:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p, _ in workers:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        server.close()
        r = redis.Redis.from_url(redis_url)
        for key in [queue, *r.scan_iter(f"*{queue}*")]:
            r.delete(key)
        r.close()
    runs = _runs(history, "a")
    assert [(r.id, r.state) for r in runs] == [(run_id, "finished")], [(r.id, r.state, r.reason) for r in runs]
    assert "[a]" in slog.read_text(encoding="utf-8")
    assert pages_before > 0
    with ResultsStore(history) as rs:
        assert rs.lock_holder("site:a") is None and rs.lock_holder(f"run:{run_id}") is None
    assert (Path(runs[0].out_dir) / "findings.json").is_file()
