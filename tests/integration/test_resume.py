"""An interrupted audit resumes from the crawl store to the same findings.

A generated local site of about 150 pages, each answered slowly, is audited with the
real CLI. The audit is interrupted once some pages are stored — by SIGINT (Scrapy's
graceful shutdown: the CLI says in Chinese that rerunning resumes, exit 130) and by
SIGKILL (no chance to clean up) — and the same command is run again. The rerun must not
fetch any stored URL again (server hits are counted per URL), must store no URL twice,
and must end with the findings of an uninterrupted audit (timestamps and crawl
statistics aside).
"""
from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from crawler.net.http import (
    USER_AGENT as CRAWL_UA,  # the collectors name their purpose after the product token
)
from tests.support.faultserver import (
    ROOT,
    GeneratedSite,
    cli_env,
    run_cli,
    write_rules,
)
from tests.support.mockserver import MockServer

pytestmark = pytest.mark.slow  # long: deselect with -m "not slow"

AS_OF = "2021-12-31"
PAGES = 150
COLUMNS = 5
DELAY = 0.02  # seconds per response (plus the crawler's own time): long enough to interrupt
INTERRUPT_AT = 50  # stored pages (the store writes in batches of 50)
RULES = [
    {"id": "gen-col3", "title": "设置栏目3", "check": "column_exists", "path": "栏目3"},
    {"id": "gen-col4", "title": "设置栏目4", "check": "column_exists", "path": "栏目4"},
    {"id": "gen-missing", "title": "设置栏目42", "check": "column_exists", "path": "栏目42"},
    {"id": "gen-content", "title": "发布栏目5文章1", "check": "content_published",
     "params": {"keywords": ["栏目5文章1"]}},
    {"id": "gen-fresh", "title": "栏目1及时更新", "check": "column_freshness",
     "params": {"path": "栏目1", "max_days": 30}},
    {"id": "gen-blank", "title": "无空白栏目", "check": "blank_columns"},
]


def _args(url: str, tmp: Path) -> list[str]:
    rules = write_rules(str(tmp / "rules.yaml"), RULES)
    return ["audit", url, "--rules", rules, "--out", str(tmp / "out"), "--as-of", AS_OF,
            "--max-pages", "1000", "--timeout", "10", "--delay", "0"]


def _stored(db: Path) -> list[str]:
    if not db.exists():
        return []
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return [u for (u,) in con.execute("SELECT url FROM pages ORDER BY id")]
        finally:
            con.close()
    except sqlite3.Error:
        return []


def _crawl_states(db: Path) -> list[str]:
    con = sqlite3.connect(str(db))
    try:
        return [s for (s,) in con.execute("SELECT state FROM crawls ORDER BY id")]
    finally:
        con.close()


def _comparable(doc: dict[str, Any], origin: str) -> Any:
    """findings.json without timestamps, crawl statistics and run history (run ids, finding keys
    hashed with the site's host:port), the server's address (each run has its own port)
    replaced, lists in a stable order."""
    d = {k: v for k, v in doc.items() if k not in ("crawl", "generated_at", "history")}

    def canon(v: Any) -> Any:
        if isinstance(v, dict):
            # timings (the link check's "seconds" among the site facts) differ from run to run
            return {k: canon(x) for k, x in v.items()
                    if k not in ("fetched_at", "checked_at", "elapsed", "key", "seconds")}
        if isinstance(v, list):
            items = [canon(x) for x in v]
            return sorted(items, key=lambda x: json.dumps(x, sort_keys=True, ensure_ascii=False))
        if isinstance(v, str):
            return v.replace(origin, "http://site.test/")
        return v

    return canon(d)


def _path(url: str, srv: MockServer) -> str:
    return url.split(srv.netloc, 1)[1]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An uninterrupted audit of the same site."""
    tmp = tmp_path_factory.mktemp("resume-baseline")
    with MockServer(GeneratedSite(PAGES, COLUMNS, delay=0)) as srv:
        r, _secs = run_cli(_args(srv.url, tmp), timeout=240)
        assert r.returncode in (0, 1), r.stderr[-3000:]
        doc = json.loads((tmp / "out" / "findings.json").read_text(encoding="utf-8"))
        paths = sorted(_path(u, srv) for u in _stored(tmp / "out" / "crawl.db"))
        comparable = _comparable(doc, srv.url)
    assert len(paths) == len(GeneratedSite(PAGES, COLUMNS).all_paths()), len(paths)
    return {"doc": doc, "paths": paths, "comparable": comparable}


def _interrupt_and_resume(tmp: Path, sig: int) -> tuple[subprocess.CompletedProcess[str], Any, Any, MockServer]:
    site = GeneratedSite(PAGES, COLUMNS, delay=DELAY)
    srv = MockServer(site)
    args = _args(srv.url, tmp)
    db = tmp / "out" / "crawl.db"
    proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", *args], cwd=ROOT, env=cli_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while len(_stored(db)) < INTERRUPT_AT:
            assert proc.poll() is None, f"audit ended before it could be interrupted: {proc.communicate()}"
            assert time.monotonic() < deadline, "no pages stored in time"
            time.sleep(0.1)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    first = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    stored_first = _stored(db)
    srv.reset_counts()
    second, _secs = run_cli(args, timeout=240)
    return first, stored_first, second, srv


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_interrupted_audit_resumes_to_the_same_findings(tmp_path: Path, baseline: dict[str, Any],
                                                        sig: int) -> None:
    first, stored_first, second, srv = _interrupt_and_resume(tmp_path, sig)
    try:
        if sig == signal.SIGINT:
            assert first.returncode == 130, (first.returncode, first.stderr[-2000:])
            assert "Traceback" not in first.stderr, first.stderr[-3000:]
            assert "重新运行" in first.stderr and "继续" in first.stderr, first.stderr[-1000:]
        else:
            assert first.returncode == -signal.SIGKILL
        assert INTERRUPT_AT <= len(stored_first) < PAGES, len(stored_first)
        assert "Traceback" not in second.stderr, second.stderr[-3000:]
        assert second.returncode in (0, 1), (second.returncode, second.stderr[-3000:])

        # nothing stored by the first run was fetched again by the crawler (the link check and
        # the site measurements after the crawl have user agents of their own)
        crawler_hits = srv.hits_by(CRAWL_UA)
        refetched = {p: n for p in (_path(u, srv) for u in stored_first) if (n := crawler_hits.get(p, 0))}
        assert not refetched, f"{len(refetched)} stored URLs fetched again, e.g. {sorted(refetched)[:5]}"
        # every URL stored once, and the crawl is the whole site
        final = _stored(tmp_path / "out" / "crawl.db")
        assert len(final) == len(set(final)), "a URL was stored twice"
        assert sorted(_path(u, srv) for u in final) == baseline["paths"]
        states = _crawl_states(tmp_path / "out" / "crawl.db")
        assert states == ["finished"], states  # the same crawl was continued, not a new one

        doc = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
        assert doc["crawl"]["stats"].get("resumed_from", len(stored_first)) >= len(stored_first)
        assert _comparable(doc, srv.url) == baseline["comparable"]
    finally:
        srv.close()


def test_fresh_ignores_the_unfinished_crawl(tmp_path: Path) -> None:
    """--fresh starts a new crawl instead of continuing (the interrupted one stays)."""
    site = GeneratedSite(30, columns=3, delay=0)
    with MockServer(site) as srv:
        args = _args(srv.url, tmp_path)
        r1, _ = run_cli(args, timeout=120)
        assert r1.returncode in (0, 1), r1.stderr[-2000:]
        srv.reset_counts()
        r2, _ = run_cli([*args, "--fresh"], timeout=120)
        assert r2.returncode in (0, 1), r2.stderr[-2000:]
        assert srv.hits_by(CRAWL_UA).get("/", 0) == 1  # fetched again: a new crawl
        r3, _ = run_cli(args, timeout=120)  # a finished crawl is not resumed either
        assert r3.returncode in (0, 1)
        assert srv.hits_by(CRAWL_UA).get("/", 0) == 2
    assert _crawl_states(tmp_path / "out" / "crawl.db") == ["finished"] * 3
