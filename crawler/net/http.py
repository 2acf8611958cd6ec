"""The one httpx client factory for every request made outside the Scrapy crawl: link
verification, site properties, availability probes (and notice delivery to webhooks).

Every client it builds
- identifies itself: ``govaudit/<version> <purpose> (+project URL; …)`` — the same product
  token and contact URL as the crawl's USER_AGENT (crawler/crawl/settings.py imports it
  from here), with the purpose between them so a site's log tells the crawl from a link
  check (`user_agent`);
- verifies TLS certificates (``verify=True``: a site whose certificate is expired,
  self-signed or for another name fails with `crawler.net.failures.describe` saying why);
- refuses, before connecting, any URL or redirect hop whose host resolves to an address
  the audit must not reach (`crawler.net.guard.NetGuard`), when a guard is given;
- is polite: requests to one host are at least `delay` seconds apart (per client),
  bounded redirects (10), the given timeout on connect/read/write/pool.
"""
from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from crawler.net.guard import NetGuard

__all__ = ["CONTACT", "PRODUCT", "USER_AGENT", "async_client", "client", "user_agent"]

PRODUCT = "govaudit/0.1"
CONTACT = "+https://github.com/govaudit/govaudit; government website audit"
USER_AGENT = f"{PRODUCT} ({CONTACT})"  # the crawl's
MAX_REDIRECTS = 10
HTML_ACCEPT = "text/html,application/xhtml+xml,*/*"


def user_agent(purpose: str | None = None) -> str:
    """The identifying User-Agent; `purpose` (e.g. "link-check") names the collector."""
    return f"{PRODUCT} {purpose} ({CONTACT})" if purpose else USER_AGENT


class _Spacing:
    """Requests to one host at least `delay` seconds apart (thread-safe)."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.next_at: dict[str, float] = {}
        self.lock = threading.Lock()

    def wait(self, host: str) -> float:
        """Seconds to wait before a request to `host` may go (and book its slot)."""
        with self.lock:
            now = time.monotonic()
            at = max(now, self.next_at.get(host, 0.0))
            self.next_at[host] = at + self.delay
            return at - now


def _guard_check(guard: NetGuard, request: httpx.Request) -> None:
    refusal = guard.refuse(str(request.url))
    if refusal is not None:
        raise refusal


def _options(purpose: str | None, timeout: float, accept: str, verify: bool,
             headers: dict[str, str] | None) -> dict[str, Any]:
    return {"follow_redirects": True, "max_redirects": MAX_REDIRECTS, "verify": verify,
            "timeout": httpx.Timeout(timeout), "trust_env": True,
            "headers": {"User-Agent": user_agent(purpose), "Accept": accept,
                        "Accept-Language": "zh-CN,zh;q=0.9", **(headers or {})}}


def client(purpose: str, *, timeout: float, guard: NetGuard | None = None, delay: float = 0.0,
           accept: str = HTML_ACCEPT, verify: bool = True, headers: dict[str, str] | None = None,
           **extra: Any) -> httpx.Client:
    """A synchronous client (site properties, notice delivery). `extra` goes to httpx and
    may override a default (``follow_redirects=False`` for webhooks)."""
    hooks: list[Callable[[httpx.Request], None]] = []
    if guard is not None:
        hooks.append(lambda r: _guard_check(guard, r))
    if delay > 0:
        spacing = _Spacing(delay)
        hooks.append(lambda r: time.sleep(spacing.wait(r.url.host)))
    return httpx.Client(**{**_options(purpose, timeout, accept, verify, headers), **extra},
                        event_hooks={"request": hooks})


def async_client(purpose: str, *, timeout: float, guard: NetGuard | None = None, delay: float = 0.0,
                 accept: str = HTML_ACCEPT, verify: bool = True, headers: dict[str, str] | None = None,
                 **extra: Any) -> httpx.AsyncClient:
    """An asyncio client (link verification, probes). The guard's DNS lookups run in a
    thread, so a slow resolver never blocks the event loop."""
    hooks: list[Callable[[httpx.Request], Any]] = []
    if guard is not None:
        async def guard_hook(request: httpx.Request) -> None:
            host = guard.host_needs_lookup(str(request.url))
            if host is not None:
                await asyncio.to_thread(guard.addresses, host)
            _guard_check(guard, request)
        hooks.append(guard_hook)
    if delay > 0:
        spacing = _Spacing(delay)

        async def spacing_hook(request: httpx.Request) -> None:
            await asyncio.sleep(spacing.wait(request.url.host))
        hooks.append(spacing_hook)
    return httpx.AsyncClient(**{**_options(purpose, timeout, accept, verify, headers), **extra},
                             event_hooks={"request": hooks})
