"""Link verification results as the site model keeps them: the same dicts, with their keys
and repeated values (states, kinds, reasons, content types, the pages links were found on,
their texts) shared instead of decoded afresh for every result. A 50,000-page site has
tens of thousands of results; each decoded on its own costs about 1.7 KB, shared about half."""
from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

__all__ = ["compact_link_results"]

# values worth sharing: few distinct ones across a site's results
_SHARED_KEYS = frozenset({"state", "kind", "reason", "content_type", "method", "error", "media_reason", "challenge"})
_MAX_SHARED = 200_000  # distinct shared strings kept (bounded, whatever the results hold)


def compact_link_results(results: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The results, streamed into a list of equal dicts that share their repeated strings."""
    pool: dict[str, str] = {}

    def share(v: Any) -> Any:
        if not isinstance(v, str):
            return v
        got = pool.get(v)
        if got is not None:
            return got
        if len(pool) < _MAX_SHARED:
            pool[v] = v
        return v

    out: list[dict[str, Any]] = []
    for r in results:
        d: dict[str, Any] = {}
        url = r.get("url")
        for k, v in r.items():
            key = sys.intern(k)
            if key in _SHARED_KEYS:
                v = share(v)
            elif key == "final_url" and v == url:
                v = url
            elif key == "found_on" and isinstance(v, list):
                v = [_found(f, share) for f in v]
            d[key] = v
        out.append(d)
    return out


def _found(f: Any, share: Any) -> Any:
    if not isinstance(f, dict):
        return f
    return {sys.intern(k): share(v) for k, v in f.items()}
