"""The site's items indexed for the checks, so that a rule costs a scan of one string, not
a Python loop over every item: normalized titles joined into one searchable text, and item
positions by column path. Built once per site model and cached on it (`item_index`)."""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable

from crawler.model.site import SiteItem, SiteModel
from crawler.text.names import normalize

__all__ = ["ItemIndex", "item_index"]

_SEP = "\n"  # never in a normalized title or keyword (normalize drops whitespace)


class ItemIndex:
    def __init__(self, items: list[SiteItem]) -> None:
        self.items = items
        self.key = (id(items), len(items))
        norm = [normalize(i.title) for i in items]
        self._text = _SEP.join(norm)
        self._starts: list[int] = []
        pos = 0
        for t in norm:
            self._starts.append(pos)
            pos += len(t) + 1
        by_column: dict[tuple[str, ...], list[int]] = {}
        for k, it in enumerate(items):
            by_column.setdefault(it.column, []).append(k)
        # every prefix of every column path → the positions of the items below it
        self._below: dict[tuple[str, ...], list[int]] = {}
        for path, ks in by_column.items():
            for n in range(len(path) + 1):
                self._below.setdefault(path[:n], []).extend(ks)

    def containing(self, word: str) -> set[int]:
        """Positions of the items whose normalized title contains `word` (already normalized)."""
        if not word:
            return set(range(len(self.items)))
        out: set[int] = set()
        text, starts, find = self._text, self._starts, self._text.find
        i = find(word)
        while i >= 0:
            k = bisect_right(starts, i) - 1
            out.add(k)
            nxt = starts[k + 1] if k + 1 < len(starts) else len(text)
            i = find(word, nxt)
        return out

    def titled(self, keywords: tuple[tuple[str, ...], ...]) -> list[int]:
        """Positions (in site order) of the items whose title has, for every keyword group,
        one of its alternatives (compared normalized, as `checks.content.title_matches`)."""
        found: set[int] | None = None
        for alts in keywords:
            group: set[int] = set()
            for a in alts:
                group |= self.containing(normalize(a))
            found = group if found is None else found & group
            if not found:
                return []
        return sorted(found) if found is not None else list(range(len(self.items)))

    def under(self, prefixes: Iterable[tuple[str, ...]]) -> list[int]:
        """Positions (in site order) of the items listed under any of the column paths."""
        found: set[int] = set()
        for px in prefixes:
            found.update(self._below.get(tuple(px), ()))
        return sorted(found)


def item_index(site: SiteModel) -> ItemIndex:
    """The site's item index, built on first use and kept on the model (rebuilt if its
    item list was replaced or grew)."""
    idx = site.derived.get("items")
    if not isinstance(idx, ItemIndex) or idx.key != (id(site.items), len(site.items)) or idx.items is not site.items:
        idx = site.derived["items"] = ItemIndex(site.items)
    return idx
