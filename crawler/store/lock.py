"""One audit at a time per crawl store (and site): two audits writing the same crawl at
once would interleave their pages and results.

SQLite file  an OS lock (flock) on ``<file>.audit-lock`` next to the database, held for
             the whole audit (not ``<file>.lock``: crawler.store.crawls/results take that
             one briefly to create or upgrade tables, inside the audit); the lock file names
             the holder (pid, host, start time). The kernel releases it when the process
             ends, however it ends: no stale locks.
PostgreSQL   a session advisory lock (``pg_try_advisory_lock``) keyed by the site, held on
             a connection of its own; the holder is found in ``pg_stat_activity`` by the
             connection's application_name (``govaudit pid=… host=…``). Audits of other
             sites into the same database (``--distributed`` workers) are not blocked.

Both are race-free: the lock is taken atomically by the kernel or the database server.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from crawler.store.crawls import store_url

__all__ = ["StoreBusy", "StoreError", "store_lock"]


class StoreError(Exception):
    """The store cannot be used (Chinese message for the user)."""


class StoreBusy(StoreError):
    """Another audit holds the store: the message (Chinese) names it and what to do."""


def _holder() -> dict[str, Any]:
    return {"pid": os.getpid(), "host": socket.gethostname(),
            "since": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime())}


def _busy(where: str, holder: str) -> StoreBusy:
    return StoreBusy(f"抓取库 {where} 正被另一个检查使用（{holder}），两个检查不能同时写入同一抓取库："
                     "请等它结束，或用 --store / --out 指定另一个抓取库")


def _lock_key(site: str) -> int:
    """A signed 64-bit advisory lock key for the site (stable across processes)."""
    return int.from_bytes(hashlib.sha1(f"govaudit:{site}".encode()).digest()[:8], "big", signed=True)


@contextmanager
def store_lock(spec: str | Path, site: str = "") -> Iterator[None]:
    """Hold the store for one audit of `site`; raise StoreBusy when another audit holds it."""
    url = store_url(spec)
    if url.startswith("sqlite:///"):
        with _file_lock(Path(url[len("sqlite:///"):])):
            yield
    elif url.startswith(("postgresql", "postgres")):
        with _pg_lock(url, site):
            yield
    else:  # other databases: no lock (not used by govaudit's deployments)
        yield


@contextmanager
def _file_lock(db: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # not POSIX: no OS lock available
        yield
        return
    db.parent.mkdir(parents=True, exist_ok=True)
    path = db.with_name(db.name + ".audit-lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _busy(str(db), _describe(_read_holder(fd))) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(_holder()).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read_holder(fd: int) -> dict[str, Any]:
    try:
        data = os.pread(fd, 4096, 0)
        got = json.loads(data.decode() or "{}")
        return got if isinstance(got, dict) else {}
    except (OSError, ValueError):
        return {}


def _describe(h: dict[str, Any]) -> str:
    if not h:
        return "进程信息不明"
    return f"主机 {h.get('host', '?')} 上的进程 {h.get('pid', '?')}，{h.get('since', '')} 开始"


@contextmanager
def _pg_lock(url: str, site: str) -> Iterator[None]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.pool import NullPool

    h = _holder()
    app = f"govaudit pid={h['pid']} host={h['host']}"[:63]
    engine = create_engine(url, poolclass=NullPool, connect_args={"application_name": app})
    key = _lock_key(site)
    where = make_url(url).render_as_string(hide_password=True)
    try:
        try:
            conn = engine.connect()
        except OperationalError as e:
            raise StoreError(f"无法连接抓取库 {where}：{str(e.orig).strip().splitlines()[0][:160]}") from None
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            conn.commit()
            if not got:
                holder = conn.execute(text(
                    "SELECT a.application_name, a.client_addr, a.backend_start FROM pg_locks l "
                    "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                    "AND l.classid = :hi AND l.objid = :lo AND l.objsubid = 1 LIMIT 1"),
                    {"hi": (key >> 32) & 0xFFFFFFFF, "lo": key & 0xFFFFFFFF}).first()
                desc = "进程信息不明"
                if holder is not None:
                    name = str(holder[0] or "")
                    desc = (name.replace("govaudit pid=", "进程 ").replace(" host=", "，主机 ")
                            if name.startswith("govaudit") else f"客户端 {holder[1] or '本机'}")
                    if holder[2] is not None:
                        desc += f"，{holder[2]:%Y-%m-%d %H:%M:%S} 开始"
                raise _busy(f"{where}（站点 {site}）", desc)
            try:
                yield
            finally:
                with contextlib.suppress(Exception):  # closing the session releases it anyway
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
        finally:
            conn.close()
    finally:
        engine.dispose()
