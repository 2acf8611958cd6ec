"""Link verification results as the site model keeps them: what evaluation reads, with
repeated values shared.

A 50,000-page site has a result for every page the crawl fetched (the crawl's own answer,
with the pages each was found on) and for every image and attachment: tens of thousands
of results, about 1.6 KB each when decoded whole. Evaluation lists only the results that
are not plainly fine (broken, blocked, transient, skipped, a bad file, personal data in a
text attachment) with where they were found; of the others it counts states and kinds and
looks up a URL's state. So a plain "ok" result keeps only those fields (`OK_KEYS`), and
every result shares its keys and repeated strings (states, kinds, reasons, content
types, the pages links were found on) instead of decoding them afresh each time."""
from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

__all__ = ["OK_KEYS", "compact_link_results"]

# what evaluation reads of a result that is fine (crawler.checks.links, crawler.checks.properties,
# crawler.judge.evaluate): counts by state, kind, homepage and external; a URL's state; files opened
OK_KEYS = frozenset({"url", "state", "kind", "status", "external", "homepage", "content_type",
                     "media_ok", "challenge"})
# values worth sharing: few distinct ones across a site's results
_SHARED_KEYS = frozenset({"state", "kind", "reason", "content_type", "method", "error", "media_reason", "challenge"})
_MAX_SHARED = 200_000  # distinct shared strings kept (bounded, whatever the results hold)


def _plainly_ok(r: dict[str, Any]) -> bool:
    return r.get("state") == "ok" and r.get("media_ok") is not False and not r.get("pii")


def compact_link_results(results: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The results, streamed into a list of dicts holding what evaluation reads (all of a
    result that is not plainly fine; `OK_KEYS` of one that is), sharing repeated strings."""
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
        slim = _plainly_ok(r)
        d: dict[str, Any] = {}
        url = r.get("url")
        for k, v in r.items():
            if slim and k not in OK_KEYS:
                continue
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
