"""Availability probe records (`govaudit probe`, SiteModel.probes) and the one way to count them.

A probe is down when its state is ``down``, or when it opened but later than the rubric's
timeout (`timeout`, when given). A ``challenged`` probe (a WAF challenge answered) is
neither down nor an observation: the site could not be seen. The failure share is down
over observed probes (None when nothing was observed). The `govaudit probe` summary
line and the site_available check both count with this.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["failure_share", "is_down"]


def is_down(probe: dict[str, Any], timeout: float | None = None) -> bool:
    state = probe.get("state")
    if state == "down":
        return True
    return timeout is not None and state in ("up", "slow") and float(probe.get("elapsed") or 0) > timeout


def failure_share(probes: Iterable[dict[str, Any]], timeout: float | None = None) -> dict[str, Any]:
    """{total, down, challenged, observed, share} over `probes`."""
    items = list(probes)
    challenged = sum(1 for p in items if p.get("state") == "challenged")
    down = sum(1 for p in items if is_down(p, timeout))
    observed = len(items) - challenged
    return {"total": len(items), "down": down, "challenged": challenged, "observed": observed,
            "share": (down / observed) if observed else None}
