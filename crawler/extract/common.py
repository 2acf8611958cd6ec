"""Shared by the extraction modules: caps on what a hostile page can make us keep, text
normalisation, and the few words several stages recognise (pager words, breadcrumb labels)."""
from __future__ import annotations

import re

# Caps (hostile pages)
MAX_LINKS = 3000
MAX_ITEMS = 500
MAX_PAGINATION = 1000
MAX_TEXT_LEN = 300  # one link / item text
MAX_URL_LEN = 2083  # longer "links" are dropped (Scrapy's URLLENGTH_LIMIT; no real link is longer)
MAX_META = 60
MAX_META_LEN = 1000
MAX_PII = 50
MAX_PHONES = 20

_WS_RE = re.compile(r"\s+")
SKIP_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "title", "textarea"})


# Control characters, bidi overrides/isolates and zero-width characters: never part of a
# name or title (they hide or reorder text in a report), so dropped from every kept string.
_INVISIBLE_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def norm(s: str | None) -> str:
    if not s:
        return ""
    return _WS_RE.sub(" ", _INVISIBLE_RE.sub("", s)).strip()


def cap(s: str, n: int = MAX_TEXT_LEN) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


# "位置" labels that open a breadcrumb (当前位置：首页 > …)
CRUMB_LABEL_RE = re.compile(
    r"(?:当前位置|所在位置|您的位置|现在的位置|当前的位置|您现在的位置|您当前的位置|当前所在位置|位置导航|您所在的位置)"
)
# pager words that mark a pager link wherever they stand
PAGER_WORDS_ANYWHERE = frozenset({"下一页", "下页", "后一页", "尾页", "末页", "最后一页", "最末页", "上一页",
                                   "上页", "前一页", "下一页>", "下一页>>", "<上一页", "<<上一页"})
NUM_RE = re.compile(r"^\d+$")
