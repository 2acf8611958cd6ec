"""The crawl store: pages stream in during a crawl and stream out for evaluation.

SQLite by default (one file, no service); any SQLAlchemy URL works, so the same code
stores into PostgreSQL when audits are spread over several machines. A stored crawl can
be evaluated again with other rules without crawling (`govaudit evaluate --store`).

Tables
  crawls       one row per crawl (start URLs, hosts, options, state, stats)
  pages        one row per fetched URL (PageRecord as JSON), unique per crawl
  link_checks  one row per verified link/media URL (issue: link health)
  facts        site-level facts measured after a crawl (IPv6, HTTPS, search …)
  probes       availability probes over time (`govaudit probe`)
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine

from crawler.model.page import PageRecord

metadata = MetaData()

crawls = Table(
    "crawls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site", String(512), nullable=False),  # the first start URL
    Column("start_urls", Text, nullable=False),  # JSON list
    Column("hosts", Text, nullable=False),  # JSON list of allowed hosts
    Column("options", Text, nullable=False, default="{}"),  # JSON
    Column("state", String(16), nullable=False, default="running"),  # running|finished
    Column("started_at", String(32), nullable=False),
    Column("finished_at", String(32)),
    Column("stats", Text, nullable=False, default="{}"),  # JSON
)

pages = Table(
    "pages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("crawl_id", Integer, ForeignKey("crawls.id"), nullable=False, index=True),
    Column("url", Text, nullable=False),
    Column("url_key", String(64), nullable=False),  # sha1 of url (indexable on any backend)
    Column("status", Integer, nullable=False, default=0),
    Column("data", Text, nullable=False),  # PageRecord JSON
    UniqueConstraint("crawl_id", "url_key", name="uq_page_url"),
)

link_checks = Table(
    "link_checks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("crawl_id", Integer, ForeignKey("crawls.id"), nullable=False, index=True),
    Column("url", Text, nullable=False),
    Column("url_key", String(64), nullable=False),
    Column("state", String(16), nullable=False),  # ok|broken|blocked|transient|skipped
    Column("data", Text, nullable=False),  # JSON: status, reason, content type, …
    UniqueConstraint("crawl_id", "url_key", name="uq_link_url"),
)

facts = Table(
    "facts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("crawl_id", Integer, ForeignKey("crawls.id"), nullable=False, index=True),
    Column("key", String(128), nullable=False),
    Column("data", Text, nullable=False),  # JSON
    UniqueConstraint("crawl_id", "key", name="uq_fact_key"),
)

probes = Table(
    "probes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site", String(512), nullable=False, index=True),
    Column("at", String(32), nullable=False),
    Column("state", String(16), nullable=False),  # up|down|slow|challenged
    Column("status", Integer, nullable=False, default=0),
    Column("elapsed", Float, nullable=False, default=0.0),
    Column("detail", Text, nullable=False, default=""),
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _key(url: str) -> str:
    import hashlib

    return hashlib.sha1(url.encode("utf-8", "surrogatepass")).hexdigest()


def store_url(spec: str | Path) -> str:
    """Accept a SQLAlchemy URL or a plain file path (→ SQLite)."""
    s = str(spec)
    if "://" in s:
        return s
    return f"sqlite:///{Path(s).resolve()}"


@dataclass(frozen=True)
class CrawlInfo:
    id: int
    site: str
    start_urls: list[str]
    hosts: list[str]
    options: dict[str, Any]
    state: str
    started_at: str
    finished_at: str | None
    stats: dict[str, Any]


class CrawlStore:
    def __init__(self, spec: str | Path, *, echo: bool = False) -> None:
        self.url = store_url(spec)
        if self.url.startswith("sqlite:///"):
            Path(self.url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(self.url, echo=echo, future=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        create_tables(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # -- crawls -------------------------------------------------------------------------
    def start_crawl(
        self, start_urls: list[str], hosts: list[str], options: dict[str, Any] | None = None,
        *, resume: bool = True,
    ) -> int:
        """Open a crawl. With `resume`, an unfinished crawl of the same start URLs is
        continued (its stored pages are kept and not fetched again)."""
        site = start_urls[0]
        with self.engine.begin() as conn:
            if resume:
                row = conn.execute(
                    select(crawls.c.id)
                    .where(crawls.c.start_urls == json.dumps(start_urls), crawls.c.state == "running")
                    .order_by(crawls.c.id.desc())
                    .limit(1)
                ).first()
                if row is not None:
                    return int(row.id)
            res = conn.execute(
                insert(crawls).values(
                    site=site,
                    start_urls=json.dumps(start_urls),
                    hosts=json.dumps(hosts),
                    options=json.dumps(options or {}, ensure_ascii=False),
                    state="running",
                    started_at=_now(),
                    stats="{}",
                )
            )
            key = res.inserted_primary_key
            assert key is not None
            return int(key[0])

    def finish_crawl(self, crawl_id: int, stats: dict[str, Any] | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(crawls)
                .where(crawls.c.id == crawl_id)
                .values(state="finished", finished_at=_now(),
                        stats=json.dumps(stats or {}, ensure_ascii=False, default=str))
            )

    def crawl_info(self, crawl_id: int | None = None) -> CrawlInfo | None:
        """The given crawl, or the newest one when `crawl_id` is None."""
        q = select(crawls)
        q = q.where(crawls.c.id == crawl_id) if crawl_id is not None else q.order_by(crawls.c.id.desc()).limit(1)
        with self.engine.connect() as conn:
            r = conn.execute(q).first()
        if r is None:
            return None
        return CrawlInfo(
            id=int(r.id), site=r.site, start_urls=json.loads(r.start_urls), hosts=json.loads(r.hosts),
            options=json.loads(r.options or "{}"), state=r.state, started_at=r.started_at,
            finished_at=r.finished_at, stats=json.loads(r.stats or "{}"),
        )

    def list_crawls(self) -> list[CrawlInfo]:
        with self.engine.connect() as conn:
            ids = [int(r.id) for r in conn.execute(select(crawls.c.id).order_by(crawls.c.id))]
        return [c for i in ids if (c := self.crawl_info(i)) is not None]

    # -- pages --------------------------------------------------------------------------
    def add_page(self, crawl_id: int, rec: PageRecord) -> bool:
        """Store one page. Returns False when the URL was already stored for this crawl."""
        return self.add_pages(crawl_id, [rec]) == 1

    def add_pages(self, crawl_id: int, recs: Iterable[PageRecord]) -> int:
        rows = [
            {"crawl_id": crawl_id, "url": r.url, "url_key": _key(r.url), "status": r.status,
             "data": json.dumps(r.to_dict(), ensure_ascii=False)}
            for r in recs
        ]
        if not rows:
            return 0
        added = 0
        with self.engine.begin() as conn:
            keys = {r["url_key"] for r in rows}
            existing = {
                k for (k,) in conn.execute(
                    select(pages.c.url_key).where(pages.c.crawl_id == crawl_id, pages.c.url_key.in_(keys))
                )
            }
            fresh = []
            for r in rows:
                if r["url_key"] not in existing:
                    existing.add(r["url_key"])
                    fresh.append(r)
            if fresh:
                conn.execute(insert(pages), fresh)
                added = len(fresh)
        return added

    def stored_urls(self, crawl_id: int) -> set[str]:
        with self.engine.connect() as conn:
            return {u for (u,) in conn.execute(select(pages.c.url).where(pages.c.crawl_id == crawl_id))}

    def page_count(self, crawl_id: int) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(pages).where(pages.c.crawl_id == crawl_id)).scalar_one())

    def iter_pages(self, crawl_id: int, batch: int = 500) -> Iterator[PageRecord]:
        """Stream the crawl's pages in fetch order, a batch at a time."""
        last = 0
        links: dict[Any, Any] = {}  # one Link object per repeated menu/footer link
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(pages.c.id, pages.c.data)
                    .where(pages.c.crawl_id == crawl_id, pages.c.id > last)
                    .order_by(pages.c.id)
                    .limit(batch)
                ).all()
            if not rows:
                return
            for r in rows:
                yield PageRecord.from_dict(json.loads(r.data), links)
            last = rows[-1].id

    # -- link checks ----------------------------------------------------------------------
    def add_link_results(self, crawl_id: int, results: Iterable[dict[str, Any]]) -> int:
        """Store link verification results: dicts with at least `url` and `state`.
        A URL checked again replaces its earlier result."""
        rows = [
            {"crawl_id": crawl_id, "url": r["url"], "url_key": _key(r["url"]), "state": r["state"],
             "data": json.dumps(r, ensure_ascii=False, default=str)}
            for r in results
        ]
        if not rows:
            return 0
        with self.engine.begin() as conn:
            keys = [r["url_key"] for r in rows]
            conn.execute(
                link_checks.delete().where(link_checks.c.crawl_id == crawl_id, link_checks.c.url_key.in_(keys))
            )
            conn.execute(insert(link_checks), rows)
        return len(rows)

    def delete_link_results(self, crawl_id: int, urls: Iterable[str]) -> None:
        keys = [_key(u) for u in urls]
        with self.engine.begin() as conn:
            for i in range(0, len(keys), 500):
                conn.execute(link_checks.delete().where(link_checks.c.crawl_id == crawl_id,
                                                        link_checks.c.url_key.in_(keys[i:i + 500])))

    def iter_link_results(self, crawl_id: int) -> Iterator[dict[str, Any]]:
        with self.engine.connect() as conn:
            for (data,) in conn.execute(
                select(link_checks.c.data).where(link_checks.c.crawl_id == crawl_id).order_by(link_checks.c.id)
            ):
                yield json.loads(data)

    # -- site facts -----------------------------------------------------------------------
    def set_fact(self, crawl_id: int, key: str, value: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(facts.delete().where(facts.c.crawl_id == crawl_id, facts.c.key == key))
            conn.execute(insert(facts).values(crawl_id=crawl_id, key=key,
                                              data=json.dumps(value, ensure_ascii=False, default=str)))

    def get_facts(self, crawl_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            return {k: json.loads(d) for k, d in conn.execute(
                select(facts.c.key, facts.c.data).where(facts.c.crawl_id == crawl_id))}

    # -- availability probes --------------------------------------------------------------
    def add_probe(self, site: str, state: str, status: int = 0, elapsed: float = 0.0,
                  detail: str = "", at: str | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(probes).values(site=site, at=at or _now(), state=state, status=status,
                                               elapsed=elapsed, detail=detail))

    def iter_probes(self, site: str, since: str | None = None) -> Iterator[dict[str, Any]]:
        q = select(probes).where(probes.c.site == site)
        if since:
            q = q.where(probes.c.at >= since)
        with self.engine.connect() as conn:
            for r in conn.execute(q.order_by(probes.c.at)):
                yield {"site": r.site, "at": r.at, "state": r.state, "status": r.status,
                       "elapsed": r.elapsed, "detail": r.detail}


_PG_CREATE_LOCK = 0x60A0D16  # pg_advisory_xact_lock key of crawl-store table creation


def create_tables(engine: Engine) -> None:
    """Create the crawl-store tables, one process at a time: two workers opening an empty
    PostgreSQL database at once would otherwise both run CREATE TABLE (UniqueViolation on
    pg_type). PostgreSQL: a transaction-scoped advisory lock; SQLite: a lock file beside
    the database (the same one the results store uses for its upgrades)."""
    from crawler.store.results import _upgrade_lock

    with _upgrade_lock(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_CREATE_LOCK})")
        metadata.create_all(conn)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
