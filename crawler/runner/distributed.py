"""Scale-out: one Celery task per site, on workers that share one crawl store.

    # on each worker machine (same code and rule files):
    GOVAUDIT_BROKER=redis://broker:6379/0 celery -A crawler.runner.distributed worker --concurrency 4
    # on the machine that runs the audit:
    GOVAUDIT_BROKER=redis://broker:6379/0 govaudit audit --sites sites.yaml --distributed \\
        --store postgresql+psycopg://audit@db/govaudit --out out/

The coordinator (`run_distributed`, behind ``--distributed``) enqueues one
`audit_site` task per site, waits for the results (``--wait`` seconds at most) and writes
out/<slug>/ reports and out/index.html exactly as a one-machine ``--sites`` run does.

A task crawls its site in a subprocess (``python -m crawler.cli audit URL… --store S``):
Twisted's reactor cannot be restarted, so a long-lived worker never crawls in its own
process. The crawl, the link checks and the site properties go to the shared store (a
PostgreSQL URL, or any SQLAlchemy URL; without one, a SQLite file under the task's
out_dir on the worker), so any machine can evaluate a crawl again later
(``govaudit evaluate --store URL --crawl ID``). The task returns the findings document
with its summary and verdict; one failed site is an ``error`` in its result, never a lost
run.

Configuration (environment, read when this module is imported):
  GOVAUDIT_BROKER           broker URL (default redis://127.0.0.1:6379/0)
  GOVAUDIT_RESULT_BACKEND   results backend (default: the broker URL)
  GOVAUDIT_QUEUE            queue name (default "govaudit")
  GOVAUDIT_TASK_TIME_LIMIT  seconds one site may take (default 21600); also bounds the
                            broker's redelivery of unacknowledged tasks
  GOVAUDIT_VISIBILITY_TIMEOUT  seconds after which Redis redelivers a task whose worker
                            died without acknowledging it (default: the time limit + 1 h)
  GOVAUDIT_RESTORE_INTERVAL seconds between the workers' sweeps for such tasks (default:
                            kombu's, about 100 s; tests use 1)

`govaudit schedule --distributed` enqueues `scheduled_audit` (one queued run of the
results database each); `govaudit worker` runs them (crawler.runner.schedule.execute_run).

Rule and waiver files are named by path: they must be readable on the workers at the same
path (a shared folder), or be bundled rules (rules/*.yaml, found by file name).
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from celery import Celery

ROOT = Path(__file__).resolve().parents[2]

BROKER = os.environ.get("GOVAUDIT_BROKER", "redis://127.0.0.1:6379/0")
BACKEND = os.environ.get("GOVAUDIT_RESULT_BACKEND", BROKER)
QUEUE = os.environ.get("GOVAUDIT_QUEUE", "govaudit")
TASK_TIME_LIMIT = float(os.environ.get("GOVAUDIT_TASK_TIME_LIMIT", "21600"))
VISIBILITY_TIMEOUT = int(float(os.environ.get("GOVAUDIT_VISIBILITY_TIMEOUT") or TASK_TIME_LIMIT + 3600))
_transport: dict[str, Any] = {"visibility_timeout": VISIBILITY_TIMEOUT}
if os.environ.get("GOVAUDIT_RESTORE_INTERVAL"):
    _transport.update(unacked_restore_interval=float(os.environ["GOVAUDIT_RESTORE_INTERVAL"]),
                      unacked_restore_throttle=1)

app = Celery("govaudit", broker=BROKER, backend=BACKEND)
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_default_queue=QUEUE,
    task_acks_late=True,  # a worker lost mid-crawl: the task runs again and resumes the crawl
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,  # crawls are long: no worker hoards queued sites
    task_track_started=True,
    result_expires=7 * 24 * 3600,
    broker_connection_retry_on_startup=True,
    # Redis redelivers a task not acknowledged within the visibility timeout: it must
    # outlast the longest crawl, or a second worker would crawl the same site.
    broker_transport_options=_transport,
    result_backend_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
)

# Crawl options a task passes on to `govaudit audit` (values) and switches (flags).
_VALUE_OPTIONS = {"max_pages": "--max-pages", "max_depth": "--max-depth", "timeout": "--timeout",
                  "delay": "--delay", "render": "--render", "probe_store": "--probe-store",
                  "max_links": "--max-links", "link_budget": "--link-budget"}
_SWITCH_OPTIONS = {"ignore_robots": "--ignore-robots", "fresh": "--fresh",
                   "no_verify_links": "--no-verify-links", "verbose": "--verbose"}
_OTHER_OPTIONS = {"waivers", "task_timeout"}


def redact_url(url: str) -> str:
    """A store or broker URL without its password (for messages and results)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _worker_rule_path(entry: str) -> str:
    """A rule file or folder named by the coordinator, as found on this worker: the same
    path, else the bundled rule of that name."""
    from rules import RULES_DIR

    p = Path(entry)
    if p.exists():
        return str(p)
    if p.name == RULES_DIR.name:
        return str(RULES_DIR)
    if (RULES_DIR / p.name).exists():
        return str(RULES_DIR / p.name)
    raise FileNotFoundError(f"规则文件 “{entry}” 在 worker {socket.gethostname()} 上不存在"
                            "（请把规则文件放在各 worker 可访问的同一路径，或使用内置规则）")


def audit_command(site: dict[str, Any], rules: list[str], as_of: str, store: str, out_dir: str,
                  options: dict[str, Any]) -> list[str]:
    """The `govaudit audit` command line that crawls and evaluates one site."""
    unknown = set(options) - set(_VALUE_OPTIONS) - set(_SWITCH_OPTIONS) - _OTHER_OPTIONS
    if unknown:
        raise ValueError(f"未知的抓取选项：{', '.join(sorted(unknown))}")
    urls = site.get("urls") or []
    if isinstance(urls, str):
        urls = [urls]
    if not urls:
        raise ValueError(f"网站 “{site.get('name', '')}” 没有起始网址")
    # the coordinator records the run in its results database (crawler.cli.sites): the worker does not
    cmd = [sys.executable, "-m", "crawler.cli", "audit", *urls, "--store", store, "--out", out_dir, "--no-history"]
    if as_of:
        cmd += ["--as-of", as_of]
    for r in rules:
        cmd += ["--rules", _worker_rule_path(r)]
    for h in site.get("extra_hosts") or []:
        cmd += ["--extra-host", h]
    for key in ("profile", "region"):  # the sites entry's (or the coordinator's --profile/--region)
        if site.get(key):
            cmd += [f"--{key}", str(site[key])]
    for key, flag in _VALUE_OPTIONS.items():
        if options.get(key) not in (None, ""):
            cmd += [flag, str(options[key])]
    for key, flag in _SWITCH_OPTIONS.items():
        if options.get(key):
            cmd.append(flag)
    return cmd


def run_site_audit(site: dict[str, Any], rules: list[str], as_of: str, store_url: str, out_dir: str,
                   options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Crawl and evaluate one site (the body of the `audit_site` task; usable without Celery).

    `site`: name, urls, unit, slug, extra_hosts (a sites.yaml entry); `rules`: rule file or
    folder paths; `store_url`: the shared store ("" → out_dir/crawl.db on this machine);
    `options`: crawl options (max_pages, max_depth, delay, timeout, render, ignore_robots,
    fresh, no_verify_links, probe_store, waivers, task_timeout). Returns the result dict:
    slug, name, crawl_id, summary, verdict, document, outputs, error ("" when audited)."""
    opts = dict(options or {})
    t0 = time.monotonic()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    store = store_url or str(out / "crawl.db")
    info: dict[str, Any] = {k: site[k] for k in ("name", "unit", "slug", "urls", "profile", "region") if k in site}
    result: dict[str, Any] = {"slug": site.get("slug", ""), "name": site.get("name", ""), "crawl_id": None,
                              "store": redact_url(store), "worker": socket.gethostname(), "exit_code": None,
                              "summary": {}, "verdict": {}, "document": None, "outputs": {}, "error": ""}
    try:
        cmd = audit_command(site, rules, as_of, store, str(out), opts)
    except (ValueError, FileNotFoundError) as e:
        return {**result, "error": str(e)}
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "GOVAUDIT_PROGRESS": "0"}  # the stderr tail reports errors, not progress lines
    limit = float(opts.get("task_timeout") or TASK_TIME_LIMIT)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=limit, check=False)
    except subprocess.TimeoutExpired:
        return {**result, "error": f"抓取超时（{limit:g} 秒）：已抓取的页面保存在抓取库中，重新运行将继续抓取",
                "elapsed": round(time.monotonic() - t0, 1)}
    result["exit_code"] = proc.returncode
    result["elapsed"] = round(time.monotonic() - t0, 1)
    findings = out / "findings.json"
    if proc.returncode not in (0, 1) or not findings.is_file():
        tail = [ln for ln in (proc.stderr or "").splitlines() if ln.strip()]
        why = tail[-1] if tail else f"退出码 {proc.returncode}"
        return {**result, "error": f"检查失败：{why}", "stderr": "\n".join(tail[-20:])}
    doc = json.loads(findings.read_text(encoding="utf-8"))
    result["crawl_id"] = (doc.get("crawl") or {}).get("id")
    try:
        doc, outputs = _finish(doc, info, rules, as_of, store, str(out), opts)
    except Exception as e:
        return {**result, "error": f"评估出错：{type(e).__name__}: {e}"}
    result.update(summary=doc.get("summary") or {}, verdict=doc.get("verdict") or {}, document=doc,
                  outputs={k: str(v) for k, v in outputs.items()}, elapsed=round(time.monotonic() - t0, 1))
    return result


def _finish(doc: dict[str, Any], info: dict[str, Any], rules: list[str], as_of: str, store: str,
            out_dir: str, opts: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Path]]:
    """The site's own name, unit and slug in the document (as a one-machine --sites run
    has them). With waivers, the stored crawl is evaluated again here, so that waivers
    naming the site by its name apply."""
    from crawler.runner.audit import write_outputs

    if not opts.get("waivers"):
        doc["site"].update({k: v for k, v in info.items() if (k != "name" or v) and k not in ("profile", "region")})
        return doc, write_outputs(doc, Path(out_dir))
    from datetime import date

    from crawler.ruleset.loader import load_rules
    from crawler.ruleset.waivers import load_waivers
    from crawler.runner.audit import evaluate_store
    from crawler.store.crawls import CrawlStore

    waivers = load_waivers(opts["waivers"])
    crawl = CrawlStore(store)
    probes = CrawlStore(opts["probe_store"]) if opts.get("probe_store") else None
    try:
        res = evaluate_store(crawl, int(doc["crawl"]["id"]), load_rules([_worker_rule_path(r) for r in rules]),
                             date.fromisoformat(as_of), Path(out_dir), waivers=waivers, site_info=info,
                             probe_store=probes)
    finally:
        crawl.close()
        if probes is not None:
            probes.close()
    return res.document, res.outputs


@app.task(name="govaudit.audit_site")
def audit_site(site: dict[str, Any], rules: list[str], as_of: str, store_url: str, out_dir: str,
               options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Crawl one site into the shared store and evaluate it; see `run_site_audit`."""
    return run_site_audit(site, rules, as_of, store_url, out_dir, options)


@app.task(name="govaudit.scheduled_audit", bind=True, max_retries=None)
def scheduled_audit(self: Any, job: dict[str, Any]) -> dict[str, Any]:
    """Execute one run queued by `govaudit schedule --distributed` (idempotent: a task
    redelivered after its worker died takes the run over; a run already ended is left).
    While another live executor holds the run (a redelivery that came early), the task
    waits for it (retried after one lock period): it ends when the run has ended, or takes
    the run over once the other executor's lock expired."""
    from crawler.runner.schedule import BUSY, execute_run

    res = execute_run(job, executor=f"{socket.gethostname()}:{os.getpid()}", stop=None,
                      out=lambda s: print(s, flush=True))
    if res.get("skipped") == BUSY:
        raise self.retry(countdown=float(job.get("lock_ttl") or 600))
    return res


# -- the coordinator -------------------------------------------------------------------------
def workers_online(timeout: float = 2.0) -> list[str]:
    """Names of the workers that answer a ping (any queue)."""
    try:
        replies = app.control.ping(timeout=timeout) or []
    except Exception:
        return []
    return sorted(name for r in replies for name in r)


def run_distributed(jobs: list[dict[str, Any]], *, wait: float,
                    poll: float = 0.5, report: Callable[[dict[str, Any]], None] | None = None,
                    ) -> dict[str, dict[str, Any]]:
    """Enqueue one `audit_site` per job and wait (at most `wait` seconds) for all of them.

    Each job: {site, rules, as_of, store_url, out_dir, options}. Returns slug → result
    (`run_site_audit`'s dict; a site whose task failed, or did not finish in time, has
    ``error`` set). `report` is called with each result as it arrives."""
    pending: dict[str, Any] = {}
    for j in jobs:
        slug = j["site"]["slug"]
        pending[slug] = audit_site.apply_async(
            args=[j["site"], j["rules"], j["as_of"], j["store_url"], j["out_dir"]],
            kwargs={"options": j.get("options") or {}},
            retry=True, retry_policy={"max_retries": 3, "interval_start": 0.5, "interval_step": 1.0},
        )
    results: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + wait
    while pending:
        for slug, ar in list(pending.items()):
            if not ar.ready():
                continue
            del pending[slug]
            value = ar.get(propagate=False)
            if ar.successful() and isinstance(value, dict):
                results[slug] = value
            else:
                results[slug] = {"slug": slug, "error": f"任务出错：{type(value).__name__}: {value}"}
            ar.forget()
            if report:
                report(results[slug])
        if not pending:
            break
        if time.monotonic() >= deadline:
            for slug, ar in pending.items():
                ar.revoke()  # still queued: not started; already running: finishes into the store
                results[slug] = {"slug": slug, "error": f"等待超时（{wait:g} 秒）：任务仍在排队或运行"}
                if report:
                    report(results[slug])
            break
        time.sleep(poll)
    return results
