"""The results database: every audit run, its verdict and every finding with a stable identity.

SQLite by default (OUT/history.db beside the outputs), PostgreSQL by URL (`--history
postgresql+psycopg://…`). The schema is managed by Alembic (crawler/store/migrations/),
upgraded when a store is opened: an upgrade never loses history, and two processes
opening an empty database at once do not race (PostgreSQL: `pg_advisory_xact_lock`
around the upgrade; SQLite: an exclusive lock file beside the database).

Tables (head revision)
  runs      one row per run: site, kind (audit|recheck), state (queued|running|finished|failed),
            as-of date, crawl used, rule files with their sha256, verdict, score, summary,
            change counts, output folder, whether the site was down
  findings  one row per finding of a run, keyed by its identity (site + rule id + subject,
            see `finding_key`); item rows (one broken link …) carry their finding's key in `parent`
  locks     named locks with expiry (`acquire_lock`), e.g. "no two runs of one site at once"

Change of a finding against the site's history (`finish_run`):
  new        fails now; never failed before (or no earlier record)
  open       failed at its latest earlier record and fails now (first_seen, open_runs)
  fixed      failed at its latest earlier record and passes now
  regressed  passed at its latest earlier record after having failed before, fails now
  waived     waived now
  None       no earlier run, or nothing to report (pass stays pass, pending, unknown)
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Self

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

VERSION_TABLE = "govaudit_results_version"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_LOCK_KEY = 0x60A0D17  # pg_advisory_xact_lock key of results-schema upgrades
RUN_STATES = ("queued", "running", "finished", "failed")
RUN_KINDS = ("audit", "recheck")
CHANGES = ("new", "open", "fixed", "regressed", "waived")
CHANGE_CN = {"new": "新增", "open": "仍未整改", "fixed": "已整改", "regressed": "反复", "waived": "已豁免"}
STATE_CN = {"queued": "排队中", "running": "运行中", "finished": "已完成", "failed": "失败"}
KIND_CN = {"audit": "检查", "recheck": "复查"}
# findings whose check lists several items (each broken link is followed across runs on its own)
ITEM_LISTS = {"broken_links": "broken_items", "media_playable": "bad_items"}
_IN_CHUNK = 500

_meta = MetaData()  # the head schema, for queries only (created by the migrations)
runs_t = Table(
    "runs", _meta,
    Column("id", Integer, primary_key=True), Column("site", String(512)), Column("kind", String(16)),
    Column("state", String(16)), Column("as_of", String(10)), Column("started_at", String(32)),
    Column("finished_at", String(32)), Column("crawl_store", Text), Column("crawl_id", Integer),
    Column("urls", Text), Column("rules", Text), Column("base_run", Integer), Column("verdict", String(16)),
    Column("score", Float), Column("summary", Text), Column("changes", Text), Column("reason", Text),
    Column("out_dir", Text), Column("site_down", Boolean),
)
findings_t = Table(
    "findings", _meta,
    Column("id", Integer, primary_key=True), Column("run_id", Integer), Column("key", String(64)),
    Column("parent", String(64)), Column("rule_id", String(256)), Column("subject", Text),
    Column("check", String(64)), Column("status", String(16)), Column("change", String(16)),
    Column("first_seen", String(10)), Column("open_runs", Integer), Column("title", Text),
    Column("severity", String(16)), Column("message", Text), Column("units", Text),
)
locks_t = Table(
    "locks", _meta,
    Column("key", String(256), primary_key=True), Column("holder", String(256)),
    Column("expires_at", Float), Column("acquired_at", String(32)),
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def results_url(spec: str | Path) -> str:
    """A SQLAlchemy URL, or a file path (→ SQLite)."""
    s = str(spec)
    return s if "://" in s else f"sqlite:///{Path(s).resolve()}"


# -- identity ----------------------------------------------------------------------------------
def _fmt(v: Any, sep: str = ">") -> str:
    if isinstance(v, (list, tuple)):
        inner = "|" if sep == "、" else "、"
        return sep.join(_fmt(x, inner) for x in v)
    return str(v)


def rule_subject(check: str, params: Any) -> str:
    """What a rule's finding is about, stable across crawls: the column path, the document
    (keywords, year, column), the links of the site/homepage, or the site itself.

    Deliberately not a URL of this crawl: a site that moves a column to another URL
    still has the same problem."""
    p = asdict(params) if hasattr(params, "__dataclass_fields__") else dict(params or {})
    if check in ITEM_LISTS:
        return f"链接：{'首页' if p.get('scope') == 'homepage' else '全站'}"
    if p.get("path"):
        return f"栏目：{_fmt(p['path'])}"
    words = p.get("keywords") or p.get("text")
    if words:
        s = f"文档：{_fmt(words, '、')}"
        if p.get("year"):
            s += f"（{p['year']}年）"
        if p.get("column"):
            s += f" @ {_fmt(p['column'])}"
        return s
    if p.get("under"):
        return f"栏目：{_fmt(p['under'])}"
    if p.get("kind") and isinstance(p.get("kind"), str):
        return f"网站：{check}:{p['kind']}" + (f" @ {_fmt(p['column'])}" if p.get("column") else "")
    return f"网站：{check}"


def finding_key(site: str, rule_id: str, subject: str) -> str:
    """The stable identity of a finding: sha1 of site, rule id and subject."""
    return hashlib.sha1(f"{site}\x1f{rule_id}\x1f{subject}".encode("utf-8", "surrogatepass")).hexdigest()


def annotate_subjects(doc: dict[str, Any], rules: Iterable[Any]) -> None:
    """Give every finding of a findings document its "subject" (from its rule's params)."""
    by_id = {r.id: r for r in rules}
    for f in doc.get("findings") or []:
        r = by_id.get(f.get("rule_id"))
        if r is not None and "subject" not in f:
            f["subject"] = rule_subject(r.check, r.params)


def _items_of(f: dict[str, Any]) -> list[str]:
    name = ITEM_LISTS.get(str(f.get("check")))
    if not name:
        return []
    out = []
    for it in f.get(name) or []:
        url = it.get("url") if isinstance(it, dict) else None
        if url:
            out.append(f"链接：{url}")
    return list(dict.fromkeys(out))


def rules_fingerprint(rules: Iterable[Any]) -> list[tuple[str, str]]:
    """(path, sha256) of every rule file the rules came from."""
    out: dict[str, str] = {}
    for r in rules:
        f = str(getattr(r, "file", "") or "")
        if f:
            f = str(Path(f).resolve())  # absolute: `recheck` reads them again from any directory
        if f and f not in out:
            try:
                out[f] = hashlib.sha256(Path(f).read_bytes()).hexdigest()
            except OSError:
                out[f] = ""
    return sorted(out.items())


# -- rows --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunRow:
    id: int
    site: str
    kind: str
    state: str
    as_of: str
    started_at: str
    finished_at: str | None
    crawl_store: str
    crawl_id: int | None
    urls: list[str]
    rules: list[tuple[str, str]]
    base_run: int | None
    verdict: str | None
    score: float | None
    summary: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, int] = field(default_factory=dict)
    reason: str = ""
    out_dir: str = ""
    site_down: bool = False

    @property
    def state_cn(self) -> str:
        return STATE_CN.get(self.state, self.state)

    @property
    def kind_cn(self) -> str:
        return KIND_CN.get(self.kind, self.kind)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _run_row(r: Any) -> RunRow:
    return RunRow(
        id=int(r.id), site=r.site, kind=r.kind, state=r.state, as_of=r.as_of, started_at=r.started_at,
        finished_at=r.finished_at, crawl_store=r.crawl_store or "", crawl_id=r.crawl_id,
        urls=json.loads(r.urls or "[]"), rules=[tuple(x) for x in json.loads(r.rules or "[]")],  # type: ignore[misc]
        base_run=r.base_run, verdict=r.verdict, score=r.score, summary=json.loads(r.summary or "{}"),
        changes=json.loads(r.changes or "{}"), reason=r.reason or "", out_dir=r.out_dir or "",
        site_down=bool(r.site_down),
    )


def _finding_row(r: Any) -> dict[str, Any]:
    return {"key": r.key, "parent": r.parent, "rule_id": r.rule_id, "subject": r.subject, "check": r.check,
            "status": r.status, "change": r.change, "first_seen": r.first_seen, "open_runs": int(r.open_runs or 0),
            "title": r.title, "severity": r.severity, "message": r.message, "units": json.loads(r.units or "[]"),
            "run_id": int(r.run_id)}


# -- the store ---------------------------------------------------------------------------------
class ResultsStore:
    """Open (and upgrade) the results database at `spec`: a file path or a SQLAlchemy URL."""

    def __init__(self, spec: str | Path, *, echo: bool = False) -> None:
        self.url = results_url(spec)
        if self.url.startswith("sqlite:///"):
            Path(self.url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(self.url, echo=echo, future=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        upgrade_results_db(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- runs ----------------------------------------------------------------------------------
    def start_run(self, site: str, *, kind: str = "audit", rules: list[tuple[str, str]] | None = None,
                  as_of: date | str, crawl_store: str = "", crawl_id: int | None = None,
                  urls: list[str] | None = None, base_run: int | None = None, state: str = "running",
                  out_dir: str = "") -> int:
        """Record a run (state "running", or "queued" for a scheduler); returns its id."""
        if kind not in RUN_KINDS:
            raise ValueError(f"kind must be one of {RUN_KINDS}")
        if state not in ("queued", "running"):
            raise ValueError("a run starts queued or running")
        with self.engine.begin() as conn:
            res = conn.execute(insert(runs_t).values(
                site=site, kind=kind, state=state, as_of=str(as_of), started_at=_now(),
                crawl_store=_hide_password(crawl_store), crawl_id=crawl_id,
                urls=json.dumps(list(urls or []), ensure_ascii=False),
                rules=json.dumps([list(x) for x in rules or []], ensure_ascii=False), base_run=base_run,
                summary="{}", changes="{}", reason="", out_dir=out_dir, site_down=False))
            return int(res.inserted_primary_key[0])  # type: ignore[index]

    def set_state(self, run_id: int, state: str) -> None:
        if state not in RUN_STATES:
            raise ValueError(f"state must be one of {RUN_STATES}")
        with self.engine.begin() as conn:
            conn.execute(update(runs_t).where(runs_t.c.id == run_id).values(state=state))

    def update_run(self, run_id: int, **values: Any) -> None:
        """Set crawl_id, crawl_store, out_dir, urls, rules or as_of of a run once known."""
        allowed = {"crawl_id", "crawl_store", "out_dir", "urls", "rules", "as_of"}
        bad = set(values) - allowed
        if bad:
            raise ValueError(f"cannot update {sorted(bad)}")
        if "urls" in values:
            values["urls"] = json.dumps(values["urls"], ensure_ascii=False)
        if "rules" in values:
            values["rules"] = json.dumps([list(x) for x in values["rules"]], ensure_ascii=False)
        if "as_of" in values:
            values["as_of"] = str(values["as_of"])
        if "crawl_store" in values:
            values["crawl_store"] = _hide_password(values["crawl_store"])
        with self.engine.begin() as conn:
            conn.execute(update(runs_t).where(runs_t.c.id == run_id).values(**values))

    def fail_run(self, run_id: int, reason: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(runs_t).where(runs_t.c.id == run_id)
                         .values(state="failed", finished_at=_now(), reason=str(reason)[:4000]))

    def run(self, run_id: int) -> RunRow | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(runs_t).where(runs_t.c.id == run_id)).first()
        return _run_row(r) if r is not None else None

    def runs(self, site: str | None = None, *, state: str | None = None, kind: str | None = None) -> list[RunRow]:
        """Runs in the order they were started (oldest first)."""
        q = select(runs_t)
        if site is not None:
            q = q.where(runs_t.c.site == site)
        if state is not None:
            q = q.where(runs_t.c.state == state)
        if kind is not None:
            q = q.where(runs_t.c.kind == kind)
        with self.engine.connect() as conn:
            return [_run_row(r) for r in conn.execute(q.order_by(runs_t.c.id))]

    def sites(self) -> list[str]:
        with self.engine.connect() as conn:
            return [s for (s,) in conn.execute(select(runs_t.c.site).distinct().order_by(runs_t.c.site))]

    def previous_run(self, run_id: int) -> RunRow | None:
        """The latest finished run of the same site before `run_id`."""
        cur = self.run(run_id)
        if cur is None:
            return None
        with self.engine.connect() as conn:
            r = conn.execute(select(runs_t).where(runs_t.c.site == cur.site, runs_t.c.id < run_id,
                                                  runs_t.c.state == "finished")
                             .order_by(runs_t.c.id.desc()).limit(1)).first()
        return _run_row(r) if r is not None else None

    def findings(self, run_id: int, *, items: bool = True) -> list[dict[str, Any]]:
        """The findings recorded for a run; with `items`, item rows (one per broken link …)
        too (they have `parent` set)."""
        q = select(findings_t).where(findings_t.c.run_id == run_id)
        if not items:
            q = q.where(findings_t.c.parent.is_(None))
        with self.engine.connect() as conn:
            return [_finding_row(r) for r in conn.execute(q.order_by(findings_t.c.id))]

    # -- recording a finished run ----------------------------------------------------------------
    def finish_run(self, run_id: int, doc: dict[str, Any], *, out_dir: str | None = None) -> dict[str, Any]:
        """Record the findings document of a run, compute every finding's change against the
        site's history, set the run "finished". Adds (in place) "change", "first_seen",
        "open_runs", "key" (and "item_changes" for item lists) to the findings and a "history"
        section to `doc`; returns that section."""
        cur = self.run(run_id)
        if cur is None:
            raise LookupError(f"no run {run_id}")
        prev = self.previous_run(run_id)
        top = _keyed_findings(cur.site, doc)
        earlier = self._latest_records(cur.site, run_id, list(top))
        rows, counts = _finding_rows(run_id, top, earlier, cur.as_of, prev is not None)
        item_rows, item_counts = self._item_rows(run_id, cur.site, top, cur.as_of, prev is not None)
        rows += item_rows
        with self.engine.begin() as conn:
            for i in range(0, len(rows), _IN_CHUNK):
                conn.execute(insert(findings_t), rows[i:i + _IN_CHUNK])
        history = _history_section(run_id, cur, prev, doc, counts, item_counts)
        self._mark_finished(run_id, doc, history, out_dir)
        history["trend"] = self.trend(cur.site, upto=run_id)
        doc["history"] = history
        return history

    def _item_rows(self, run_id: int, site: str, top: dict[str, dict[str, Any]], day: str, has_prev: bool
                   ) -> tuple[list[dict[str, Any]], dict[str, int]]:
        """Rows of the items (each broken link) followed inside the findings judged now, and
        their change counts; each such finding gets its "item_changes" when there is history."""
        rows: list[dict[str, Any]] = []
        item_counts = {c: 0 for c in ("new", "open", "fixed", "regressed")}
        parents = [k for k, f in top.items() if f.get("check") in ITEM_LISTS and f.get("status") in ("pass", "fail")]
        old_items = self._latest_item_records(site, run_id, parents)
        for pkey in parents:
            f = top[pkey]
            ic: dict[str, list[str]] = {"new": [], "open": [], "fixed": [], "regressed": []}
            seen = set()
            for subj in _items_of(f):
                ikey = finding_key(site, str(f.get("rule_id")), subj)
                seen.add(ikey)
                change, first_seen, open_runs = _classify("fail", old_items.get(ikey), day, has_prev)
                if change:
                    ic[change].append(subj.removeprefix("链接："))
                rows.append(_row(run_id, ikey, pkey, {**f, "message": "", "subject": subj}, "fail", change,
                                 first_seen, open_runs))
            for ikey, old in old_items.items():
                if old["parent"] == pkey and ikey not in seen and old["status"] == "fail":
                    ic["fixed"].append(old["subject"].removeprefix("链接："))
                    rows.append(_row(run_id, ikey, pkey, {**f, "message": "", "subject": old["subject"]}, "pass",
                                     "fixed", None, 0))
            if has_prev:
                f["item_changes"] = ic
                for c, v in ic.items():
                    item_counts[c] += len(v)
        return rows, item_counts

    def _mark_finished(self, run_id: int, doc: dict[str, Any], history: dict[str, Any], out_dir: str | None
                       ) -> None:
        verdict = (doc.get("verdict") or {}).get("verdict")
        score = (doc.get("verdict") or {}).get("score")
        summary = dict(doc.get("summary") or {})
        with self.engine.begin() as conn:
            values: dict[str, Any] = {
                "state": "finished", "finished_at": _now(), "verdict": verdict,
                "score": float(score) if isinstance(score, (int, float)) else None,
                "summary": json.dumps(summary, ensure_ascii=False), "changes": json.dumps(history["changes"]),
                "site_down": history["site_down"]}
            if out_dir is not None:
                values["out_dir"] = out_dir
            conn.execute(update(runs_t).where(runs_t.c.id == run_id).values(**values))

    def trend(self, site: str, *, upto: int | None = None, limit: int = 60) -> list[dict[str, Any]]:
        """The site's finished runs (oldest first, at most `limit`): date, failures, score, verdict."""
        q = select(runs_t).where(runs_t.c.site == site, runs_t.c.state == "finished")
        if upto is not None:
            q = q.where(runs_t.c.id <= upto)
        with self.engine.connect() as conn:
            rs = [_run_row(r) for r in conn.execute(q.order_by(runs_t.c.id.desc()).limit(limit))]
        return [{"run": r.id, "date": r.as_of, "kind": r.kind, "fail": int(r.summary.get("fail", 0) or 0),
                 "score": r.score, "verdict": r.verdict, "site_down": r.site_down} for r in reversed(rs)]

    def _latest_records(self, site: str, run_id: int, keys: list[str]) -> dict[str, dict[str, Any]]:
        """For each key: its records in earlier finished runs of the site, summarised as
        {"status", "first_seen", "open_runs", "ever_failed"} of the latest known status."""
        out: dict[str, dict[str, Any]] = {}
        for rec in self._records(site, run_id, findings_t.c.key, keys):
            _fold(out, rec)
        return out

    def _latest_item_records(self, site: str, run_id: int, parents: list[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for rec in self._records(site, run_id, findings_t.c.parent, parents):
            _fold(out, rec)
        return out

    def _records(self, site: str, run_id: int, col: Any, values: list[str]) -> Iterator[dict[str, Any]]:
        with self.engine.connect() as conn:
            for i in range(0, len(values), _IN_CHUNK):
                chunk = values[i:i + _IN_CHUNK]
                q = (select(findings_t).join(runs_t, runs_t.c.id == findings_t.c.run_id)
                     .where(runs_t.c.site == site, runs_t.c.id < run_id, runs_t.c.state == "finished",
                            col.in_(chunk))
                     .order_by(findings_t.c.run_id))
                for r in conn.execute(q):
                    yield _finding_row(r)

    # -- comparing two runs ------------------------------------------------------------------------
    def diff(self, run_a: int, run_b: int) -> dict[str, Any]:
        """What changed from run A to run B (of one site): findings (and items) new, fixed,
        regressed and still open in B, and those whose rule is gone."""
        a, b = self.run(run_a), self.run(run_b)
        if a is None or b is None:
            raise LookupError(f"no run {run_a if a is None else run_b}")
        fa = {f["key"]: f for f in self.findings(run_a)}
        fb = {f["key"]: f for f in self.findings(run_b)}
        ever_failed_before_a = {r["key"] for r in self._records(a.site, run_a, findings_t.c.key, list(fb))
                                if r["status"] == "fail"}
        out: dict[str, list[dict[str, Any]]] = {c: [] for c in ("new", "fixed", "regressed", "open", "removed")}
        titles = {f["key"]: f["title"] for f in [*fa.values(), *fb.values()] if f["parent"] is None}

        def entry(f: dict[str, Any], first_seen: str | None) -> dict[str, Any]:
            return {"rule_id": f["rule_id"], "title": titles.get(f["parent"] or f["key"], f["title"]),
                    "subject": f["subject"], "item": f["parent"] is not None, "first_seen": first_seen,
                    "open_runs": f["open_runs"], "units": f["units"], "severity": f["severity"]}

        for key, f in fb.items():
            old = fa.get(key)
            was_fail = old is not None and old["status"] == "fail"
            if f["status"] == "fail":
                if was_fail:
                    out["open"].append(entry(f, f["first_seen"]))
                elif key in ever_failed_before_a or (old is not None and old["change"] == "fixed"):
                    out["regressed"].append(entry(f, f["first_seen"]))
                else:
                    out["new"].append(entry(f, f["first_seen"]))
            elif f["status"] == "pass" and was_fail:
                out["fixed"].append(entry(f, old["first_seen"] if old else None))
        parents_b = {k for k, f in fb.items() if f["parent"] is None and f["status"] in ("pass", "fail")}
        for key, f in fa.items():
            if key in fb or f["status"] != "fail":
                continue
            if f["parent"] is not None and f["parent"] in parents_b:  # item gone from a judged list: fixed
                out["fixed"].append(entry(f, f["first_seen"]))
            elif f["parent"] is None:
                out["removed"].append(entry(f, f["first_seen"]))
        return {"site": b.site, "run_a": a.to_dict(), "run_b": b.to_dict(), **out,
                "verdict": [a.verdict, b.verdict], "score": [a.score, b.score],
                "counts": {k: sum(1 for e in v if not e["item"]) for k, v in out.items()},
                "item_counts": {k: sum(1 for e in v if e["item"]) for k, v in out.items()}}

    # -- locks ---------------------------------------------------------------------------------
    def acquire_lock(self, key: str, holder: str, ttl_s: float) -> bool:
        """Take the named lock for `ttl_s` seconds: atomic insert, or take-over when it has
        expired (or is already ours: then its expiry is extended). True when we hold it."""
        now = time.time()
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(locks_t).values(key=key, holder=holder, expires_at=now + ttl_s,
                                                    acquired_at=_now()))
            return True
        except IntegrityError:
            pass
        with self.engine.begin() as conn:
            res = conn.execute(update(locks_t)
                               .where(locks_t.c.key == key,
                                      (locks_t.c.expires_at < now) | (locks_t.c.holder == holder))
                               .values(holder=holder, expires_at=now + ttl_s, acquired_at=_now()))
            return bool(res.rowcount == 1)

    def release_lock(self, key: str, holder: str) -> bool:
        with self.engine.begin() as conn:
            res = conn.execute(locks_t.delete().where(locks_t.c.key == key, locks_t.c.holder == holder))
            return bool(res.rowcount)

    def lock_holder(self, key: str) -> tuple[str, float] | None:
        """(holder, expires_at epoch) of a live lock, None when free or expired."""
        with self.engine.connect() as conn:
            r = conn.execute(select(locks_t).where(locks_t.c.key == key)).first()
        if r is None or r.expires_at < time.time():
            return None
        return r.holder, float(r.expires_at)


# -- change classification ---------------------------------------------------------------------
def _fold(out: dict[str, dict[str, Any]], rec: dict[str, Any]) -> None:
    """Fold records (oldest first) into the latest known state of each key."""
    cur = out.setdefault(rec["key"], {"status": None, "first_seen": None, "open_runs": 0, "ever_failed": False,
                                      "parent": rec["parent"], "subject": rec["subject"]})
    if rec["status"] in ("fail", "pass", "waived"):
        cur["status"] = rec["status"]
        cur["first_seen"] = rec["first_seen"]
        cur["open_runs"] = rec["open_runs"]
    if rec["status"] == "fail":
        cur["ever_failed"] = True
    cur["parent"] = rec["parent"]


def _keyed_findings(site: str, doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The document's findings by key (subject filled in, "key" added); the same rule twice
    (two rule files): the first is kept."""
    top: dict[str, dict[str, Any]] = {}
    for f in doc.get("findings") or []:
        subject = str(f.get("subject") or f"规则：{f.get('rule_id')}")
        f["subject"] = subject
        key = finding_key(site, str(f.get("rule_id")), subject)
        if key in top:
            continue
        f["key"] = key
        top[key] = f
    return top


def _finding_rows(run_id: int, top: dict[str, dict[str, Any]], earlier: dict[str, dict[str, Any]], day: str,
                  has_prev: bool) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """A row per finding with its change against `earlier` (set on the finding too), and the counts."""
    rows: list[dict[str, Any]] = []
    counts = {c: 0 for c in CHANGES}
    for key, f in top.items():
        status = str(f.get("status"))
        change, first_seen, open_runs = _classify(status, earlier.get(key), day, has_prev)
        f["change"], f["first_seen"], f["open_runs"] = change, first_seen, open_runs
        if change:
            counts[change] += 1
        rows.append(_row(run_id, key, None, f, status, change, first_seen, open_runs))
    return rows, counts


def _history_section(run_id: int, cur: RunRow, prev: RunRow | None, doc: dict[str, Any], counts: dict[str, int],
                     item_counts: dict[str, int]) -> dict[str, Any]:
    """The document's "history" section (without its trend)."""
    verdict = (doc.get("verdict") or {}).get("verdict")
    return {
        "run_id": run_id, "kind": cur.kind, "base_run": cur.base_run,
        "previous_run": ({"id": prev.id, "date": prev.as_of, "verdict": prev.verdict, "score": prev.score,
                          "kind": prev.kind} if prev else None),
        "verdict_changed": bool(prev is not None and prev.verdict != verdict),
        "site_down": not (doc.get("site") or {}).get("reachable", True),
        "changes": {k: counts[k] for k in ("new", "fixed", "regressed", "open")} | {"waived": counts["waived"]},
        "item_changes": item_counts,
    }


def _classify(status: str, old: dict[str, Any] | None, day: str,
              has_previous: bool) -> tuple[str | None, str | None, int]:
    """(change, first_seen, open_runs) of a finding now `status` given its earlier record."""
    if status == "waived":
        return ("waived" if has_previous else None), None, 0
    if status == "fail":
        if old is not None and old["status"] == "fail":
            return ("open" if has_previous else None), old["first_seen"] or day, int(old["open_runs"] or 0) + 1
        change = "regressed" if (old is not None and old["ever_failed"]) else "new"
        return (change if has_previous else None), day, 1
    if status == "pass" and old is not None and old["status"] == "fail" and has_previous:
        return "fixed", old["first_seen"], 0
    return None, None, 0


def _row(run_id: int, key: str, parent: str | None, f: dict[str, Any], status: str, change: str | None,
         first_seen: str | None, open_runs: int) -> dict[str, Any]:
    units = list(f.get("responsible_units") or []) or list(f.get("lead_units") or [])
    return {"run_id": run_id, "key": key, "parent": parent, "rule_id": str(f.get("rule_id", ""))[:256],
            "subject": str(f.get("subject", "")), "check": str(f.get("check", ""))[:64], "status": status,
            "change": change, "first_seen": first_seen, "open_runs": open_runs,
            "title": str(f.get("title", "")), "severity": str(f.get("severity", ""))[:16],
            "message": str(f.get("message", ""))[:4000], "units": json.dumps(units, ensure_ascii=False)}


# -- schema upgrades ---------------------------------------------------------------------------
def alembic_config(conn: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def upgrade_results_db(engine: Engine, revision: str = "head") -> None:
    """Bring the results schema to `revision`, one process at a time."""
    from alembic import command

    with _upgrade_lock(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        command.upgrade(alembic_config(conn), revision)


def results_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


@contextmanager
def _upgrade_lock(engine: Engine) -> Iterator[None]:
    """SQLite: an exclusive lock on a file beside the database (PostgreSQL locks in-transaction)."""
    db = engine.url.database if engine.dialect.name == "sqlite" else None
    if not db or db == ":memory:":
        yield
        return
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: one process per SQLite file anyway
        yield
        return
    fd = os.open(f"{db}.lock", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _hide_password(url: str) -> str:
    if "://" not in str(url):
        return str(url)
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return str(url).split("@")[-1]


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
