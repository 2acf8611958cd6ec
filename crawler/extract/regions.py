"""Regions of a page from its elements' tags, classes and ids: menus (nav), footers, the
content, breadcrumbs and pagers. An element's marks hold for its whole subtree."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_NAV_SUBSTR = ("nav", "menu", "daohang")
_NAV_PREFIX = ("dh", "lm", "sub", "left", "side")
_HEADER_TOKENS = frozenset({"header", "head", "top", "topbar", "banner", "masthead"})
_FOOTER_SUBSTR = ("foot", "bottom", "copyright", "banquan")
_CONTENT_SUBSTR = ("content", "article", "detail", "trs_editor", "custom_unionstyle", "zhengwen",
                   "trs_word", "view")
_CONTENT_TOKENS = frozenset({"zw", "main", "text", "con", "wzy", "nr"})
_CRUMB_SUBSTR = ("breadcrumb", "crumb", "position", "location", "dqwz", "curpos", "mianbao",
                 "lujing", "weizhi", "currentpath", "current-path", "curr_path")
_CRUMB_PREFIX = ("wz",)
_PAGER_RE = re.compile(r"pag(?:e|er|es|ing|ination|inator)(?!ht)|fenye|fanye|fy_|turn_?page|pagebar")
_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")


@dataclass(slots=True)
class Marks:
    region: str | None = None
    crumb: bool = False
    pager: bool = False


def marks(tag: str, attrib: Any) -> Marks | None:
    """Region/breadcrumb/pager marks an element sets for its subtree (None: nothing)."""
    region: str | None = None
    if tag == "nav" or tag == "header":
        region = "nav"
    elif tag == "footer":
        region = "footer"
    elif tag in ("article", "main"):
        region = "content"
    cls = attrib.get("class")
    idv = attrib.get("id")
    if not cls and not idv:
        return Marks(region) if region else None
    s = f"{cls or ''} {idv or ''}".lower()
    crumb = any(x in s for x in _CRUMB_SUBSTR)
    pager = _PAGER_RE.search(s) is not None
    tokens: list[str] | None = None
    if not crumb:
        tokens = _TOKEN_SPLIT.split(s)
        crumb = any(t.startswith(_CRUMB_PREFIX) and len(t) <= 6 for t in tokens)
    if region is None:
        if any(x in s for x in _FOOTER_SUBSTR):
            region = "footer"
        elif any(x in s for x in _NAV_SUBSTR):
            region = "nav"
        else:
            if tokens is None:
                tokens = _TOKEN_SPLIT.split(s)
            for t in tokens:
                if not t:
                    continue
                if t in _HEADER_TOKENS or t.startswith("header") or t.startswith(_NAV_PREFIX):
                    region = "nav"
                    break
            if region is None and (any(x in s for x in _CONTENT_SUBSTR) or any(t in _CONTENT_TOKENS for t in tokens)):
                region = "content"
    if region is None and not crumb and not pager:
        return None
    return Marks(region, crumb, pager)


# ------------------------------------------------------------------------------------------
# the walk

