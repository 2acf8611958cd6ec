"""Progress of a long audit, for the person watching it.

The stages call one small interface::

    progress.phase("链接核验", total=1200, unit="个")   # a new phase (total may be unknown)
    progress.advance()                                   # one more item done
    progress.update(done=120, total=400, queued=35)      # absolute counts (the crawl)
    progress.done()                                      # the phase is over

On a terminal (stderr is a TTY) a rich progress bar shows the phase, items done and
queued, the rate and an estimate; otherwise plain log lines are printed every few seconds
(``GOVAUDIT_PROGRESS_INTERVAL``, default 5) so a log file or a CI job shows the same.
``GOVAUDIT_PROGRESS=0`` turns it off. The crawl phase is fed by the Scrapy extension
crawler.crawl.progress (`crawl_feed`).
"""
from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

__all__ = ["PHASE_CRAWL", "PHASE_EVAL", "PHASE_LINKS", "PHASE_PROPS", "NullProgress", "PlainProgress", "Progress",
           "RichProgress", "crawl_feed", "make_progress"]

PHASE_CRAWL, PHASE_LINKS, PHASE_PROPS, PHASE_EVAL = "抓取", "链接核验", "站点属性", "评估"


def fmt_secs(secs: float) -> str:
    s = round(max(0.0, secs))
    if s < 60:
        return f"{s} 秒"
    if s < 3600:
        return f"{s // 60} 分 {s % 60:02d} 秒"
    return f"{s // 3600} 小时 {s % 3600 // 60:02d} 分"


class Progress:
    """The interface (and the shared bookkeeping: counts, rate, estimate)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.name = ""
        self.unit = ""
        self.total: int | None = None
        self.count = 0
        self.queued: int | None = None
        self.started = time.monotonic()
        self.active = False

    # -- what the stages call -------------------------------------------------------------
    def phase(self, name: str, total: int | None = None, unit: str = "项") -> None:
        with self.lock:
            if self.active:
                self.done()
            self.name, self.unit, self.total, self.count, self.queued = name, unit, total, 0, None
            self.started = time.monotonic()
            self.active = True
        self._started()

    def advance(self, n: int = 1) -> None:
        with self.lock:
            self.count += n
        self._changed()

    def update(self, *, done: int | None = None, total: int | None = None, queued: int | None = None) -> None:
        with self.lock:
            if done is not None:
                self.count = done
            if total is not None:
                self.total = total
            if queued is not None:
                self.queued = queued
        self._changed()

    def done(self) -> None:
        with self.lock:
            if not self.active:
                return
            self.active = False
        self._finished()

    def close(self) -> None:
        self.done()

    def message(self, text: str) -> None:
        """A line for the user that does not break the display."""
        print(text, file=sys.stderr, flush=True)

    # -- bookkeeping ------------------------------------------------------------------------
    def rate(self) -> float:
        el = time.monotonic() - self.started
        return self.count / el if el > 0.5 else 0.0

    def remaining(self) -> float | None:
        left = (self.total - self.count) if self.total is not None else self.queued
        r = self.rate()
        if left is None or r <= 0:
            return None
        return max(0, left) / r

    def status(self) -> str:
        with self.lock:
            if not self.count and self.total is None and self.queued is None:
                return "进行中"
            parts = [f"已完成 {self.count}" + (f"/{self.total}" if self.total is not None else "") + f" {self.unit}"]
            if self.queued is not None:
                parts.append(f"待处理 {self.queued}")
            r = self.rate()
            if r > 0:
                parts.append(f"{r:.1f} {self.unit}/秒")
            eta = self.remaining()
            if eta is not None:
                parts.append(f"预计还需 {fmt_secs(eta)}")
            return "，".join(parts)

    # -- display hooks ----------------------------------------------------------------------
    def _started(self) -> None:
        pass

    def _changed(self) -> None:
        pass

    def _finished(self) -> None:
        pass


class NullProgress(Progress):
    """Shows nothing (GOVAUDIT_PROGRESS=0, library use)."""

    def message(self, text: str) -> None:
        pass


class PlainProgress(Progress):
    """Plain lines, one at each phase start and end and one every `interval` seconds."""

    def __init__(self, stream: TextIO | None = None, interval: float = 5.0) -> None:
        super().__init__()
        self.stream = stream or sys.stderr
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _line(self, text: str) -> None:
        try:
            print(f"[{self.name}] {text}", file=self.stream, flush=True)
        except (OSError, ValueError):  # the stream is gone: progress is not worth failing for
            pass

    def _started(self) -> None:
        self._line("开始" + (f"（共 {self.total} {self.unit}）" if self.total is not None else ""))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, name="govaudit-progress", daemon=True)
        self._thread.start()

    def _tick(self) -> None:
        stop = self._stop
        while not stop.wait(self.interval):
            with self.lock:
                if not self.active:
                    return
            self._line(self.status())

    def _finished(self) -> None:
        self._stop.set()
        took = f"用时 {fmt_secs(time.monotonic() - self.started)}"
        self._line(f"结束：{self.status().split('，')[0]}，{took}" if self.count or self.total else f"结束，{took}")

    def message(self, text: str) -> None:
        try:
            print(text, file=self.stream, flush=True)
        except (OSError, ValueError):
            pass


class RichProgress(Progress):
    """A rich progress bar on the terminal (stderr)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        from rich.console import Console
        from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichBar

        self.console = Console(file=stream or sys.stderr)
        self.bar = RichBar(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                           TextColumn("{task.fields[info]}"), TimeElapsedColumn(),
                           console=self.console, refresh_per_second=4, transient=False)
        self.task: Any = None
        self.bar.start()

    def _started(self) -> None:
        self.task = self.bar.add_task(self.name, total=self.total, info=self.status())

    def _changed(self) -> None:
        if self.task is not None:
            with self.lock:
                total = self.total if self.total is not None else (
                    self.count + self.queued if self.queued is not None else None)
            self.bar.update(self.task, completed=self.count, total=total, info=self.status())

    def _finished(self) -> None:
        if self.task is not None:
            self.bar.update(self.task, completed=self.total if self.total is not None else self.count,
                            total=self.total if self.total is not None else self.count,
                            info=self.status().split("，")[0])
            self.task = None

    def message(self, text: str) -> None:
        self.console.print(text, highlight=False, markup=False)

    def close(self) -> None:
        super().close()
        self.bar.stop()


def make_progress(stream: TextIO | None = None) -> Progress:
    """Rich on a terminal, plain lines otherwise; GOVAUDIT_PROGRESS=0: nothing."""
    if os.environ.get("GOVAUDIT_PROGRESS", "1") in ("0", "off", "no"):
        return NullProgress()
    stream = stream or sys.stderr
    try:
        tty = stream.isatty() and os.environ.get("TERM", "") != "dumb"
    except (AttributeError, ValueError):
        tty = False
    if tty:
        try:
            return RichProgress(stream)
        except ImportError:  # rich missing: plain lines still tell the user what happens
            pass
    try:
        interval = float(os.environ.get("GOVAUDIT_PROGRESS_INTERVAL", "5"))
    except ValueError:
        interval = 5.0
    return PlainProgress(stream, interval=max(0.1, interval))


@contextmanager
def crawl_feed(progress: Progress) -> Iterator[None]:
    """The crawl phase, fed by the Scrapy extension crawler.crawl.progress (all crawls of
    this process summed: pages stored, queued; the total is bounded by --max-pages)."""
    from crawler.crawl.progress import add_listener, remove_listener

    per: dict[str, dict[str, Any]] = {}
    lock = threading.Lock()

    def listener(key: str, counts: dict[str, Any]) -> None:
        with lock:
            per[key] = counts
            done = sum(int(c["pages"]) for c in per.values())
            queued = sum(int(c["queued"]) + int(c.get("in_flight") or 0) for c in per.values()
                         if not c.get("closed"))
            total = 0
            for c in per.values():
                t = int(c["pages"]) + (0 if c.get("closed") else int(c["queued"]) + int(c.get("in_flight") or 0))
                cap = int(c.get("max_pages") or 0)
                total += min(t, cap) if cap > 0 else t
        progress.update(done=done, queued=queued, total=max(total, done))

    progress.phase(PHASE_CRAWL, unit="页")
    add_listener(listener)
    try:
        yield
    finally:
        remove_listener(listener)
        progress.done()
