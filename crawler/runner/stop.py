"""Stopping an audit promptly on SIGINT (Ctrl-C) or SIGTERM, in every phase.

The crawl phase is stopped by Scrapy itself (its signal handlers close the engine; the
pages fetched so far are stored). After the crawl, `StopFlag.install()` takes over the
signals: the first one sets the flag, which link verification checks between links (and
which cancels the requests in flight); the phases that follow run in a worker thread the
main thread leaves as soon as the flag is set (`StopFlag.run`). A second signal stops at
once. What was gathered stays in the crawl store; the audit says how to resume.
"""
from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["SIGNAL_EXIT", "AuditStopped", "StopFlag"]

SIGNAL_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class AuditStopped(Exception):
    """The audit was stopped by a signal during `phase`."""

    def __init__(self, phase: str, signum: int | None = None) -> None:
        super().__init__(phase)
        self.phase = phase
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return SIGNAL_EXIT.get(self.signum or signal.SIGINT, 130)  # type: ignore[call-overload]


class StopFlag:
    """A threading.Event set by SIGINT/SIGTERM (while installed)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}
        self.notice: Callable[[str], None] = lambda text: print(text, file=sys.stderr, flush=True)

    def is_set(self) -> bool:
        return self.event.is_set()

    def set(self, signum: int | None = None) -> None:
        if self.signum is None:
            self.signum = signum
        self.event.set()

    def _handler(self, signum: int, _frame: Any) -> None:
        if self.event.is_set():  # a second signal: stop now
            raise KeyboardInterrupt
        self.set(signum)
        with contextlib.suppress(Exception):  # the notice must never break the stop
            self.notice("收到停止信号，正在停止（已取得的结果会保存；再按一次 Ctrl-C 立即退出）…")

    def install(self) -> StopFlag:
        """Take over SIGINT/SIGTERM (main thread only; elsewhere this does nothing)."""
        if threading.current_thread() is not threading.main_thread():
            return self
        for s in _SIGNALS:
            self._previous.setdefault(s, signal.getsignal(s))
            signal.signal(s, self._handler)
        return self

    def uninstall(self) -> None:
        for s, h in self._previous.items():
            try:
                signal.signal(s, h if h is not None else signal.SIG_DFL)
            except (ValueError, TypeError):
                pass
        self._previous.clear()

    def check(self, phase: str) -> None:
        if self.event.is_set():
            raise AuditStopped(phase, self.signum)

    def run(self, phase: str, fn: Callable[..., T], *args: Any, grace: float = 3.0, **kwargs: Any) -> T:
        """Run `fn` in a worker thread; return its result, re-raise its exception, or raise
        AuditStopped as soon as the flag is set (after at most `grace` seconds in which
        `fn` may notice the flag itself and save what it has)."""
        self.check(phase)
        box: dict[str, Any] = {}

        def work() -> None:
            try:
                box["result"] = fn(*args, **kwargs)
            except BaseException as e:
                box["error"] = e

        t = threading.Thread(target=work, name=f"govaudit-{phase}", daemon=True)
        t.start()
        while t.is_alive():
            t.join(0.2)
            if self.event.is_set():
                t.join(grace)
                raise AuditStopped(phase, self.signum)
        if "error" in box:
            raise box["error"]
        return box["result"]
