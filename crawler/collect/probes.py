"""Availability probes: open the homepage, record whether it opened, and how fast.

The national rubric counts a probe as failed when the homepage has not opened after 15 s,
over at least 20 probes a day for a week; 5 % failures is a veto. A WAF challenge page is
not an outage: it is recorded as its own state (`challenged`) and never as `down`, and it
is never circumvented.

States: up (opened), slow (opened, but after half the timeout), down (no answer within
the timeout, connection refused, DNS failure, HTTP 4xx/5xx), challenged (a WAF challenge or
401/403 answered).

    govaudit probe https://www.example.gov.cn/ --store out/crawl.db --count 20 --interval 3600
"""
from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from crawler.model.probes import failure_share
from crawler.net import http
from crawler.net.challenge import detect_challenge
from crawler.net.failures import describe
from crawler.net.soft404 import soft_404
from crawler.net.urls import BadURL, check_url

__all__ = ["failure_share", "main_probe", "probe_once"]

STATE_CN = {"up": "正常", "slow": "缓慢", "down": "无法访问", "challenged": "防护验证"}
READ_BYTES = 256 * 1024  # enough of the homepage to tell a challenge from the page


async def _probe(url: str, timeout: float) -> dict[str, Any]:
    t0 = time.monotonic()
    # The probe asks whether the homepage opens; the certificate is judged by https_enabled
    # (a chain a browser completes itself must not count as an outage).
    async with http.async_client("probe", timeout=timeout, verify=False) as client, \
            client.stream("GET", url) as resp:
        got = 0
        chunks = []
        async for chunk in resp.aiter_bytes():
            chunks.append(chunk)
            got += len(chunk)
            if got >= READ_BYTES:
                break
        body = b"".join(chunks)
        return {"status": resp.status_code, "headers": resp.headers, "body": body,
                "final_url": str(resp.url), "content_type": resp.headers.get("content-type", ""),
                "elapsed": time.monotonic() - t0}


def probe_once(url: str, timeout: float = 15.0, *, slow_after: float | None = None) -> dict[str, Any]:
    """Open `url` once: {url, state: up|down|slow|challenged, status, elapsed, detail, at}."""
    slow_after = timeout / 2 if slow_after is None else slow_after
    at = datetime.now(UTC).isoformat(timespec="seconds")
    t0 = time.monotonic()
    out: dict[str, Any] = {"url": url, "at": at, "status": 0}
    try:
        r = asyncio.run(asyncio.wait_for(_probe(url, timeout), timeout=timeout))
    except Exception as e:
        kind, reason = describe(e)
        elapsed = time.monotonic() - t0
        if kind == "timeout" or isinstance(e, (asyncio.TimeoutError, TimeoutError)):
            reason = f"{timeout:g} 秒内未打开"
        return {**out, "state": "down", "elapsed": round(elapsed, 3), "detail": reason, "error": kind}
    elapsed = r["elapsed"]
    st = r["status"]
    out.update(status=st, elapsed=round(elapsed, 3), final_url=r["final_url"])
    ch = detect_challenge(st, r["headers"], r["body"], r["content_type"])
    if ch:
        return {**out, "state": "challenged", "challenge": ch,
                "detail": f"防护验证页面（{ch}，HTTP {st}），不计为无法访问"}
    if st in (401, 403):
        return {**out, "state": "challenged", "detail": f"HTTP {st}：访问被拒绝（可能为防护策略），不计为无法访问"}
    if st >= 400 or st < 200:
        return {**out, "state": "down", "detail": f"HTTP {st}"}
    why = soft_404(r["body"], r["content_type"], r["final_url"])
    if why:
        return {**out, "state": "down", "detail": f"首页显示错误页面：{why}"}
    if elapsed > timeout:
        return {**out, "state": "down", "detail": f"{timeout:g} 秒内未打开"}
    if elapsed >= slow_after:
        return {**out, "state": "slow", "detail": f"打开用时 {elapsed:.1f} 秒"}
    return {**out, "state": "up", "detail": f"HTTP {st}"}


def main_probe(args: argparse.Namespace) -> int:
    """`govaudit probe URL… --store S --count N --interval S --timeout T`."""
    from crawler.store.crawls import CrawlStore

    try:
        urls = [check_url(u) for u in args.urls]
    except BadURL as e:
        print(f"govaudit: 错误：{e}")
        return 2
    timeout = float(getattr(args, "timeout", 15.0) or 15.0)
    count = max(1, int(getattr(args, "count", 1) or 1))
    interval = max(0.0, float(getattr(args, "interval", 0.0) or 0.0))
    store = CrawlStore(getattr(args, "store", None) or "probes.db")
    worst = 0.0
    try:
        for i in range(count):
            if i:
                time.sleep(interval)
            for url in urls:
                r = probe_once(url, timeout)
                store.add_probe(url, r["state"], status=int(r.get("status") or 0),
                                elapsed=float(r.get("elapsed") or 0.0), detail=str(r.get("detail") or "")[:500],
                                at=r["at"])
                since = (datetime.now(UTC) - timedelta(days=7)).isoformat(timespec="seconds")
                s = failure_share(list(store.iter_probes(url, since=since)))
                share = "—" if s["share"] is None else f"{s['share'] * 100:.1f}%"
                cn = datetime.fromisoformat(r["at"]).astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")
                print(f"{cn}（北京时间） {url} {STATE_CN[r['state']]} HTTP {r.get('status') or '—'} "
                      f"{float(r.get('elapsed') or 0):.2f} 秒（{r.get('detail', '')}）；"
                      f"近 7 天探测 {s['total']} 次，无法访问 {s['down']} 次，防护验证 {s['challenged']} 次，"
                      f"无法访问比例 {share}", flush=True)
                if s["share"] is not None:
                    worst = max(worst, s["share"])
    except KeyboardInterrupt:
        print("已中断：已完成的探测已保存。")
    finally:
        store.close()
    return 1 if worst >= 0.05 else 0
