"""Crawls in a process of their own (`run_crawls(jobs, apart=True)`), for the audit commands.

Why: what a crawl needs in memory (Scrapy, Twisted and the reactor's threads, the
scheduler, caches that fill with the site's URLs) is returned to the system when the
child ends, before link verification and evaluation build their own working sets; in one
process the allocator kept the crawl's high-water mark under everything that followed, and a
50,000-page audit peaked above 400 MB. And each call gets a fresh reactor, which Twisted
cannot restart within one process.

The parent (`run_apart`) sends the jobs to ``python -m crawler.crawl.apart`` (pickled, on
stdin) and reads JSON lines back on the child's stdout: progress reports, handed to this
process's crawl progress listeners (crawler.crawl.progress), and the outcome: the crawl
ids, an interruption, or an error, raised here as `run_crawls` raises them in-process. The
child runs in its own session: a Ctrl-C at the terminal, or a SIGTERM sent to the audit,
reaches it once, forwarded by the parent (a second one forwarded stops it at once, as
Scrapy does). When the parent dies, the child sees its stdin close and stops, keeping what
it stored. The child's stdout is its stderr for anything else that prints; logs go to
stderr as before.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

__all__ = ["run_apart"]

logger = logging.getLogger(__name__)
_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_ERRORS: dict[str, type[Exception]] = {"ValueError": ValueError, "RuntimeError": RuntimeError}


def run_apart(jobs: list[dict[str, Any]]) -> list[int]:
    """`crawler.crawl.run.run_crawls(jobs)` in a child process (see the module)."""
    from crawler.crawl.progress import notify

    try:
        data = pickle.dumps(jobs, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, AttributeError, TypeError) as e:
        raise ValueError(f"抓取设置无法交给抓取进程（{e}）") from e
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])  # the checkout or site-packages holding `crawler`
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    proc = subprocess.Popen([sys.executable, "-m", "crawler.crawl.apart"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, env=env, start_new_session=True)
    assert proc.stdin is not None and proc.stdout is not None
    signalled: list[int] = []

    def forward(signum: int, _frame: Any) -> None:
        signalled.append(signum)
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signum)

    previous = _install(forward)
    outcome: dict[str, Any] = {}
    try:
        try:
            proc.stdin.write(b"%d\n" % len(data) + data)
            proc.stdin.flush()
        except BrokenPipeError:
            pass
        for line in proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if "progress" in msg:
                key, counts = msg["progress"]
                notify(str(key), counts)
            else:
                outcome = msg
        code = proc.wait()
    finally:
        with contextlib.suppress(OSError):
            proc.stdin.close()
        if proc.poll() is None:  # we are leaving on an error of our own: the child stops too
            proc.terminate()
            proc.wait()
        _restore(previous)
    if outcome.get("interrupted") or (signalled and "ids" not in outcome):
        raise KeyboardInterrupt
    if "ids" in outcome:
        return [int(i) for i in outcome["ids"]]
    error = _ERRORS.get(str(outcome.get("type")), RuntimeError)
    raise error(outcome.get("error") or f"抓取进程意外退出（退出码 {code}），请加 --verbose 查看日志")


def _install(handler: Any) -> dict[int, Any]:
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous: dict[int, Any] = {s: signal.getsignal(s) for s in _SIGNALS}
    for s in _SIGNALS:
        signal.signal(s, handler)
    return previous


def _restore(previous: dict[int, Any]) -> None:
    for s, h in previous.items():
        with contextlib.suppress(ValueError, TypeError):
            signal.signal(s, h if h is not None else signal.SIG_DFL)


# -- the child --------------------------------------------------------------------------------

def _child() -> int:
    out: IO[bytes] = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # anything else printed goes to stderr, not into the messages
    lock = threading.Lock()

    def send(msg: dict[str, Any]) -> None:
        data = (json.dumps(msg, ensure_ascii=False, default=str) + "\n").encode("utf-8")
        with lock, contextlib.suppress(OSError):
            out.write(data)

    jobs = pickle.loads(_read_jobs())
    threading.Thread(target=_stop_when_orphaned, name="govaudit-parent-watch", daemon=True).start()

    from crawler.crawl.progress import add_listener
    from crawler.crawl.run import run_crawls

    add_listener(lambda key, counts: send({"progress": [key, counts]}))
    try:
        send({"ids": run_crawls(jobs)})
        return 0
    except KeyboardInterrupt:
        send({"interrupted": True})
        return 130
    except Exception as e:  # told to the parent in words, never as a traceback
        logger.debug("crawl failed", exc_info=True)
        send({"error": str(e) if isinstance(e, (ValueError, RuntimeError)) else f"{type(e).__name__}: {e}",
              "type": type(e).__name__})
        return 1


def _read_jobs() -> bytes:
    """The pickled jobs: a length line, then the bytes (stdin stays open after them)."""
    size = b""
    while not size.endswith(b"\n"):
        c = os.read(0, 1)
        if not c:
            raise SystemExit("抓取进程没有收到任务")
        size += c
    n, data = int(size), b""
    while len(data) < n:
        chunk = os.read(0, n - len(data))
        if not chunk:
            raise SystemExit("抓取进程没有收到完整的任务")
        data += chunk
    return data


def _stop_when_orphaned() -> None:
    """The parent keeps our stdin open until we end: end of file means it is gone. (Read from
    the descriptor: a thread blocked in sys.stdin's buffered reader at exit aborts Python.)"""
    with contextlib.suppress(OSError):
        while os.read(0, 65536):
            pass
    os.kill(os.getpid(), signal.SIGTERM)


if __name__ == "__main__":
    sys.exit(_child())
