"""Retry-After: the one parser (crawl middleware and link checker).

`retry_after_seconds(value)` reads a header value — delta-seconds (``120``, ``1.5``) or an
HTTP date — and returns the seconds asked for (never negative), or None when the value
is absent or unreadable. Each caller applies its own cap: the crawl does not retry past
GOVAUDIT_RETRY_AFTER_MAX, the link checker waits at most `max_retry_after`.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

__all__ = ["retry_after", "retry_after_seconds"]


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds asked for by a Retry-After value (delta-seconds or an HTTP date)."""
    if not value:
        return None
    s = (value.decode("latin-1") if isinstance(value, bytes) else str(value)).strip()
    if not s:
        return None
    try:
        secs = float(s)
    except ValueError:
        try:
            when = parsedate_to_datetime(s)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        secs = (when - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(secs) or math.isinf(secs):
        return None
    return max(0.0, secs)


def retry_after(headers: Mapping[str, Any] | Any, cap: float) -> float | None:
    """The Retry-After of a response's headers (any case), cut to `cap` seconds."""
    secs = retry_after_seconds(headers.get("retry-after") or headers.get("Retry-After"))
    return None if secs is None else min(cap, secs)
