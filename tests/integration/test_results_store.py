"""The results database (crawler.store.results): the same history from SQLite and
PostgreSQL, schema upgrades that keep history, race-free creation, locks."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from crawler.store.crawls import CrawlStore
from crawler.store.results import ResultsStore, finding_key, results_revision, upgrade_results_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pg_schema(pg_url: str):
    """A fresh PostgreSQL schema (dropped afterwards): a URL whose search_path is that schema."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    eng = create_engine(pg_url)
    with eng.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    sep = "&" if "?" in pg_url else "?"
    yield f"{pg_url}{sep}options=-csearch_path%3D{name}"
    with eng.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    eng.dispose()


def doc(statuses: dict[str, str], broken: list[str] = (), *, verdict: str = "合格", score: float = 90.0,
        reachable: bool = True) -> dict[str, Any]:
    checks = {"links": "broken_links"}
    return {
        "site": {"reachable": reachable},
        "summary": {"fail": sum(1 for s in statuses.values() if s == "fail")},
        "verdict": {"verdict": verdict, "score": score},
        "findings": [{"rule_id": rid, "check": checks.get(rid, "column_exists"), "status": st,
                      "subject": f"栏目：政务公开>{rid}", "title": f"规则 {rid}", "severity": "major",
                      "responsible_units": ["县政府办公室"],
                      "broken_items": [{"url": u} for u in broken] if rid == "links" else []}
                     for rid, st in statuses.items()],
    }


SEQUENCE = [  # (as_of, statuses, broken links, verdict)
    ("2021-12-01", {"a": "fail", "b": "fail", "c": "pass", "links": "fail", "w": "waived"}, ["http://x/1", "http://x/2"],
     "不合格"),
    ("2021-12-08", {"a": "fail", "b": "pass", "c": "fail", "links": "fail", "w": "waived"}, ["http://x/2", "http://x/3"],
     "不合格"),
    ("2021-12-15", {"a": "fail", "b": "fail", "c": "pass", "links": "pass", "w": "pass"}, [], "合格"),
    ("2021-12-22", {"a": "pass", "b": "fail", "c": "pass", "links": "fail", "w": "pass"}, ["http://x/1"], "合格"),
]


def play(spec: str) -> list[Any]:
    """Record SEQUENCE; everything a reader sees, without timestamps."""
    seen: list[Any] = []
    with ResultsStore(spec) as rs:
        ids = []
        for as_of, st, broken, verdict in SEQUENCE:
            rid = rs.start_run("山水县", kind="audit", rules=[("rules.yaml", "0" * 64)], as_of=as_of,
                               crawl_store="crawl.db", crawl_id=len(ids) + 1, urls=["http://x/"])
            d = doc(st, broken, verdict=verdict)
            h = rs.finish_run(rid, d)
            ids.append(rid)
            seen.append(h)
            seen.append([(f["rule_id"], f["change"], f["first_seen"], f["open_runs"], f.get("item_changes"))
                         for f in d["findings"]])
        for r in rs.runs("山水县"):
            seen.append({k: v for k, v in r.to_dict().items() if k not in ("started_at", "finished_at")})
        for rid in ids:
            seen.append([{k: v for k, v in f.items()} for f in rs.findings(rid)])
        seen.append(rs.diff(ids[0], ids[-1]))
        seen.append(rs.diff(ids[1], ids[2]))
    return _untimed(json.loads(json.dumps(seen, default=str)))


def _untimed(v: Any) -> Any:
    """Without the wall-clock fields (two stores are written seconds apart)."""
    if isinstance(v, dict):
        return {k: _untimed(x) for k, x in v.items() if k not in ("started_at", "finished_at")}
    if isinstance(v, list):
        return [_untimed(x) for x in v]
    return v


def test_change_tracking_over_four_runs(tmp_path: Path) -> None:
    out = play(str(tmp_path / "history.db"))
    changes = [{r: c for r, c, *_ in out[i]} for i in (1, 3, 5, 7)]
    assert changes[0] == {"a": None, "b": None, "c": None, "links": None, "w": None}  # no previous run
    assert changes[1] == {"a": "open", "b": "fixed", "c": "new", "links": "open", "w": "waived"}
    assert changes[2] == {"a": "open", "b": "regressed", "c": "fixed", "links": "fixed", "w": None}
    assert changes[3] == {"a": "fixed", "b": "open", "c": None, "links": "regressed", "w": None}
    run3 = {r: (fs, n) for r, _, fs, n, _ in out[5]}
    assert run3["a"] == ("2021-12-01", 3) and run3["b"] == ("2021-12-15", 1)
    items = {r: ic for r, _, _, _, ic in out[3]}["links"]
    assert items == {"new": ["http://x/3"], "open": ["http://x/2"], "fixed": ["http://x/1"], "regressed": []}
    items4 = {r: ic for r, _, _, _, ic in out[7]}["links"]
    assert items4["regressed"] == ["http://x/1"]  # broken, fixed, broken again
    h2 = out[2]
    assert h2["previous_run"]["date"] == "2021-12-01" and h2["changes"] == {
        "new": 1, "fixed": 1, "regressed": 0, "open": 2, "waived": 1}
    assert out[4]["verdict_changed"] is True and out[4]["trend"][-1]["fail"] == 2
    assert [t["date"] for t in out[6]["trend"]] == [s[0] for s in SEQUENCE]


@pytest.mark.services
def test_same_history_from_sqlite_and_postgresql(tmp_path: Path, pg_schema: str) -> None:
    lite = play(str(tmp_path / "history.db"))
    pg = play(pg_schema)
    assert lite == pg
    assert lite[-2]["counts"]["fixed"] >= 1


def test_rule_gone_is_not_fixed(tmp_path: Path) -> None:
    with ResultsStore(tmp_path / "h.db") as rs:
        r1 = rs.start_run("s", as_of="2021-12-01")
        rs.finish_run(r1, doc({"a": "fail", "b": "fail"}))
        r2 = rs.start_run("s", as_of="2021-12-02")
        d = doc({"a": "fail"})
        h = rs.finish_run(r2, d)
        assert h["changes"]["fixed"] == 0 and d["findings"][0]["change"] == "open"
        diff = rs.diff(r1, r2)
        assert [e["rule_id"] for e in diff["removed"]] == ["b"] and not diff["fixed"]


def test_site_down_and_failed_runs(tmp_path: Path) -> None:
    with ResultsStore(tmp_path / "h.db") as rs:
        r1 = rs.start_run("s", as_of="2021-12-01")
        rs.finish_run(r1, doc({"a": "fail"}))
        r2 = rs.start_run("s", as_of="2021-12-02")
        rs.fail_run(r2, "已中断")
        r3 = rs.start_run("s", as_of="2021-12-03")
        d = doc({"a": "unknown"}, reachable=False, verdict="无法判断")
        h = rs.finish_run(r3, d)
        assert h["site_down"] is True and h["previous_run"]["id"] == r1 and h["verdict_changed"] is True
        assert d["findings"][0]["change"] is None  # unknown: nothing to report
        r4 = rs.start_run("s", as_of="2021-12-04")
        d4 = doc({"a": "fail"})
        rs.finish_run(r4, d4)
        assert (d4["findings"][0]["change"], d4["findings"][0]["first_seen"]) == ("open", "2021-12-01")
        states = [(r.id, r.state, r.reason) for r in rs.runs("s")]
        assert states[1] == (r2, "failed", "已中断")
        q = rs.start_run("s", as_of="2021-12-05", state="queued")
        assert rs.run(q).state == "queued"
        rs.set_state(q, "running")
        assert [r.id for r in rs.runs(state="running")] == [q]


# -- migrations -----------------------------------------------------------------------------------
REV1_RUN = ("INSERT INTO runs (site, kind, state, as_of, started_at, finished_at, crawl_store, crawl_id, urls, rules,"
            " verdict, score, summary, changes, reason) VALUES ('山水县', 'audit', 'finished', '2021-11-01',"
            " '2021-11-01T02:00:00+00:00', '2021-11-01T02:10:00+00:00', 'crawl.db', 1, '[\"http://x/\"]', '[]',"
            " '不合格', 80.0, '{\"fail\": 1}', '{}', '')")


def _at_revision_1(spec: str) -> None:
    """A database as the previous release left it: schema at revision 0001, with a run."""
    from crawler.store.results import results_url

    eng = create_engine(results_url(spec))
    upgrade_results_db(eng, "0001")
    assert results_revision(eng) == "0001"
    key = finding_key("山水县", "a", "栏目：政务公开>a")
    with eng.begin() as conn:
        conn.execute(text(REV1_RUN))
        conn.execute(text(
            "INSERT INTO findings (run_id, key, parent, rule_id, subject, \"check\", status, change, first_seen,"
            " open_runs, title, severity, message, units) VALUES (1, :k, NULL, 'a', '栏目：政务公开>a',"
            " 'column_exists', 'fail', NULL, '2021-11-01', 1, '规则 a', 'major', '未找到栏目', '[]')"), {"k": key})
    eng.dispose()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def test_database_from_revision_1_upgrades_without_losing_history(backend: str, tmp_path: Path,
                                                                  request: pytest.FixtureRequest) -> None:
    spec = str(tmp_path / "old.db") if backend == "sqlite" else request.getfixturevalue("pg_schema")
    _at_revision_1(spec)
    with ResultsStore(spec) as rs:  # opening upgrades
        assert results_revision(rs.engine) == "0002"
        old = rs.runs("山水县")
        assert [(r.id, r.as_of, r.verdict, r.score, r.out_dir, r.site_down) for r in old] == [
            (1, "2021-11-01", "不合格", 80.0, "", False)]
        assert [f["first_seen"] for f in rs.findings(1)] == ["2021-11-01"]
        r2 = rs.start_run("山水县", as_of="2021-12-01", out_dir="out/山水县/2021-12-01-2")
        d = doc({"a": "fail"})
        h = rs.finish_run(r2, d)
        assert h["previous_run"] == {"id": 1, "date": "2021-11-01", "verdict": "不合格", "score": 80.0,
                                     "kind": "audit"}
        assert (d["findings"][0]["change"], d["findings"][0]["first_seen"], d["findings"][0]["open_runs"]) == \
            ("open", "2021-11-01", 2)
        assert rs.run(r2).out_dir == "out/山水县/2021-12-01-2"


# -- locks ----------------------------------------------------------------------------------------
def test_locks_expire_and_are_taken_over(tmp_path: Path) -> None:
    with ResultsStore(tmp_path / "h.db") as rs:
        assert rs.acquire_lock("site:a", "w1", 60)
        assert not rs.acquire_lock("site:a", "w2", 60)
        assert rs.lock_holder("site:a")[0] == "w1"
        assert rs.acquire_lock("site:a", "w1", 60)  # ours: extended
        assert not rs.release_lock("site:a", "w2")
        assert rs.release_lock("site:a", "w1")
        assert rs.acquire_lock("site:a", "w2", 0.05)
        time.sleep(0.1)
        assert rs.lock_holder("site:a") is None
        assert rs.acquire_lock("site:a", "w3", 60)  # expired: taken over
        assert not rs.acquire_lock("site:a", "w2", 60)


RACE = r"""
import sys, time
from sqlalchemy import create_engine, text
from crawler.store.crawls import CrawlStore, create_tables, metadata
from crawler.store.results import ResultsStore, results_url, upgrade_results_db
spec, start, holder, mode = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
eng = create_engine(results_url(spec))
with eng.connect() as conn:  # connected before the start line: the schema work itself races
    conn.execute(text("SELECT 1"))
while time.time() < start:
    pass
if mode == "naive":  # what the crawl store did before: plain create_all
    try:
        metadata.create_all(eng)
        print("OK")
    except Exception as e:
        print("ERR " + type(e).__name__)
    sys.exit(0)
create_tables(eng)  # what CrawlStore() runs on open
upgrade_results_db(eng)  # what ResultsStore() runs on open
c = CrawlStore(spec)
r = ResultsStore(spec)
got = r.acquire_lock("site:race", holder, 60)
c.start_crawl(["http://x/"], ["x"], {}, resume=False)
r.close(); c.close()
print("LOCK" if got else "NOLOCK")
"""


def _race(spec: str, n: int = 3, mode: str = "stores") -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    start = time.time() + 3.0  # every interpreter is up, connected and spinning by then
    procs = [subprocess.Popen([sys.executable, "-c", RACE, spec, str(start), f"w{i}", mode], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(n)]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err[-2000:]
        outs.append(out.strip())
    return outs


@pytest.mark.services
def test_the_race_is_real_with_plain_create_all(pg_schema: str) -> None:
    """The harness reproduces the reported failure (UniqueViolation … pg_type) with plain
    create_all, so the next test's passing means something."""
    outs = _race(pg_schema, n=4, mode="naive")
    assert "OK" in outs and any(o.startswith("ERR IntegrityError") for o in outs), outs


@pytest.mark.services
def test_workers_opening_an_empty_postgresql_database_at_once(pg_schema: str) -> None:
    """Several processes create both schemas on an empty database at the same moment: none
    fails (no UniqueViolation on pg_type), exactly one gets the lock."""
    outs = _race(pg_schema)
    assert sorted(outs) == ["LOCK", "NOLOCK", "NOLOCK"]
    store = CrawlStore(pg_schema)
    try:
        assert len(store.list_crawls()) == 3
    finally:
        store.close()
    with ResultsStore(pg_schema) as rs:
        assert results_revision(rs.engine) == "0002"


def test_workers_opening_an_empty_sqlite_database_at_once(tmp_path: Path) -> None:
    outs = _race(str(tmp_path / "shared.db"))
    assert sorted(outs) == ["LOCK", "NOLOCK", "NOLOCK"]
