"""Tree menus (li > ul > li, dt + dd): which menu link is nested under which."""
from __future__ import annotations

from typing import Any

from crawler.extract.walk import Walk


def nav_tree(w: Walk) -> list[list[str]]:
    """[child url, parent url] for menu links nested under another menu link: a tree menu
    (li > ul > li, dt + dd) says which column is whose child even when URLs do not."""
    lk_of = {a: lk for a, lk in w.anchors if lk.kind == "page"}
    if not lk_of:
        return []
    owner_url: dict[Any, str | None] = {}
    out: list[list[str]] = []
    seen: set[tuple[str, str]] = set()

    def own_anchor_url(owner: Any, stop: Any) -> str | None:
        """The owner item's own link: the first <a> before the nested list `stop`."""
        if owner in owner_url:
            return owner_url[owner]
        found = None
        for child in owner:
            if child is stop:
                break
            if not isinstance(child.tag, str):
                continue
            a = child if child.tag == "a" else next(child.iter("a"), None)
            if a is not None:
                lk = lk_of.get(a)
                found = lk.url if lk is not None else None
                break
        owner_url[owner] = found
        return found

    for a, lk in lk_of.items():
        if lk.region in ("list", "breadcrumb", "footer"):
            continue
        node, item = a.getparent(), None
        for _ in range(3):
            if node is None or not isinstance(node.tag, str):
                break
            if node.tag in ("li", "dd"):
                item = node
                break
            node = node.getparent()
        if item is None:
            continue
        parent_url = None
        lst = item.getparent()
        if lst is None:
            continue
        if item.tag == "dd":
            prev = item.getprevious()
            while prev is not None and not (isinstance(prev.tag, str) and prev.tag == "dt"):
                prev = prev.getprevious()
            if prev is not None:
                pa = prev if prev.tag == "a" else next(prev.iter("a"), None)
                plk = lk_of.get(pa) if pa is not None else None
                parent_url = plk.url if plk is not None else None
        else:
            owner, stop = lst.getparent(), lst
            for _ in range(2):
                if owner is None or not isinstance(owner.tag, str) or owner.tag in ("li", "ul", "ol", "body"):
                    break
                owner, stop = owner.getparent(), owner
            if owner is not None and isinstance(owner.tag, str) and owner.tag == "li":
                parent_url = own_anchor_url(owner, stop)
        if parent_url and parent_url != lk.url and (lk.url, parent_url) not in seen:
            seen.add((lk.url, parent_url))
            out.append([lk.url, parent_url])
            if len(out) >= 400:
                break
    return out
