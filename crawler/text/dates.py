"""Dates as Chinese government sites write them.

Results are ISO strings: ``"YYYY-MM-DD"``, or ``"--MM-DD"`` (ISO 8601 month-day) when a
list shows only month and day (``[06-29]``) and the year must come from elsewhere.
Impossible dates (2022-02-30, month 13) are rejected, never clamped.
"""
from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

__all__ = ["MAX_YEAR", "MIN_YEAR", "date_from_url", "find_date", "find_dates", "parse_date"]

MIN_YEAR = 1900
MAX_YEAR = 2100
_URL_MIN_YEAR = 1990  # no government web page predates this

# Full-width digits and punctuation → ASCII (cheaper than NFKC on every string).
_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９－／．：　［］（）", "0123456789-/.: []()"
)

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "o": 0, "一": 1, "二": 2, "两": 2, "三": 3,
              "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "〇零○ＯOo一二两三四五六七八九十"

# 2022-06-29, 2022/6/29, 2022.06.29, 2022年06月29日, 2022 年 6 月 29 日, 2022-6-29 10:20
_FULL_RE = re.compile(
    r"(?<![\d.])((?:19|20|21)\d{2})\s*(?:(-|/|\.)\s*(\d{1,2})\s*\2|年\s*(\d{1,2})\s*月)\s*(\d{1,2})(?!\d)\s*日?"
)
# 20220629 as a whole token (used by parse_date only)
_COMPACT_RE = re.compile(r"^\s*((?:19|20|21)\d{2})(\d{2})(\d{2})\s*$")
# 二〇二二年六月二十九日
_CN_FULL_RE = re.compile(rf"([{_CN}]{{4}})\s*年\s*([{_CN}]{{1,3}})\s*月\s*([{_CN}]{{1,4}})\s*[日号]")
# 06-29 / 06/29 (two digits each, not part of a longer number, time or range)
_MD_RE = re.compile(r"(?<![\d\-/.:])(\d{2})([-/])(\d{2})(?![\d\-/:])")
# 6月29日
_MD_CN_RE = re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
# 06.29 — only as a whole value (parse_date), since elsewhere it is a decimal number
_MD_DOT_RE = re.compile(r"^\s*(\d{2})\.(\d{2})\s*$")
# Leading decoration a date value may carry: brackets, labels such as 发布时间：
_LEAD_RE = re.compile(r"^[\s\[\]【】()（）〔〕<>《》:：|·•\-]*")


def _iso(y: int, m: int, d: int, *, min_year: int = MIN_YEAR) -> str | None:
    if not (min_year <= y <= MAX_YEAR):
        return None
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def _md(m: int, d: int) -> str | None:
    try:
        date(2000, m, d)  # a leap year, so --02-29 is valid
    except ValueError:
        return None
    return f"--{m:02d}-{d:02d}"


def _cn_number(s: str) -> int | None:
    """二十九 → 29, 十二 → 12, 六 → 6, 三十一 → 31."""
    if not s:
        return None
    if "十" in s:
        head, _, tail = s.partition("十")
        tens = _CN_DIGITS.get(head) if head else 1
        ones = _CN_DIGITS.get(tail) if tail else 0
        if tens is None or ones is None or "十" in tail:
            return None
        return tens * 10 + ones
    if len(s) == 1:
        return _CN_DIGITS.get(s)
    return None


def _cn_year(s: str) -> int | None:
    digits = [_CN_DIGITS.get(c) for c in s]
    if any(d is None for d in digits):
        return None
    return int("".join(str(d) for d in digits))


def _normalise(text: str) -> str:
    return text.translate(_FULLWIDTH)


def _full_dates(text: str) -> list[tuple[int, int, str]]:
    """(start, end, ISO date) of every full date in `text`, in order."""
    out: list[tuple[int, int, str]] = []
    for m in _FULL_RE.finditer(text):
        month = m.group(3) or m.group(4)
        iso = _iso(int(m.group(1)), int(month), int(m.group(5)))
        if iso:
            out.append((m.start(), m.end(), iso))
    if "年" in text:
        for m in _CN_FULL_RE.finditer(text):
            y, mo, d = _cn_year(m.group(1)), _cn_number(m.group(2)), _cn_number(m.group(3))
            if y and mo and d:
                iso = _iso(y, mo, d)
                if iso:
                    out.append((m.start(), m.end(), iso))
        out.sort()
    return out


def _month_days(text: str, skip: list[tuple[int, int, str]] = []) -> list[tuple[int, str]]:  # noqa: B006
    """(start, --MM-DD) of month-days in `text` that lie outside the `skip` spans."""
    out: list[tuple[int, str]] = []

    def covered(p: int) -> bool:
        return any(a <= p < b for a, b, _ in skip)

    for m in _MD_RE.finditer(text):
        md = _md(int(m.group(1)), int(m.group(3)))
        if md and not covered(m.start()):
            out.append((m.start(), md))
    if "月" in text:
        for m in _MD_CN_RE.finditer(text):
            if covered(m.start()) or re.search(r"\d\s*年\s*$", text[max(0, m.start() - 6): m.start()]):
                continue  # part of a full date (or of one rejected as impossible)
            md = _md(int(m.group(1)), int(m.group(2)))
            if md:
                out.append((m.start(), md))
        out.sort()
    return out


def find_dates(text: str) -> list[str]:
    """Every date in `text` in order of appearance: full dates as ISO, month-days not
    part of a full date as ``--MM-DD``."""
    if not text:
        return []
    t = _normalise(text)
    full = _full_dates(t)
    md = _month_days(t, full)
    return [v for _, v in sorted([(a, v) for a, _, v in full] + md)]


def find_date(text: str) -> str | None:
    """The first full date (ISO) in a longer string; failing that the first month-day
    (``--MM-DD``); else None."""
    if not text:
        return None
    t = _normalise(text)
    full = _full_dates(t)
    if full:
        return full[0][2]
    md = _month_days(t)
    return md[0][1] if md else None


def parse_date(text: str) -> str | None:
    """A date value (a list cell, a meta content, ``[06-29]``) as ``YYYY-MM-DD`` or
    ``--MM-DD``. The date must start the value (after brackets and whitespace); a time or
    other text may follow. Returns None for anything else or an impossible date."""
    if not text:
        return None
    t = _normalise(text).strip()
    if not t:
        return None
    t = _LEAD_RE.sub("", t, count=1)
    if not t:
        return None
    m = _COMPACT_RE.match(t)
    if m:
        return _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _MD_DOT_RE.match(t)
    if m:
        return _md(int(m.group(1)), int(m.group(2)))
    full = _full_dates(t)
    if full and full[0][0] == 0:
        return full[0][2]
    md = _month_days(t, full)
    if md and md[0][0] == 0:
        return md[0][1]
    return None


# -- URLs ---------------------------------------------------------------------------------
_URL_PATTERNS: tuple[re.Pattern[str], ...] = (
    # TRS: /202006/t20200623_123.html, t20200623_123_1.html
    re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+"),
    # /2020-06/23/  /2020-06-23/
    re.compile(r"/((?:19|20)\d{2})-(\d{1,2})[/-](\d{1,2})(?:/|_|\.|$)"),
    # Hanweb: /art/2020/6/23/art_123_456.html
    re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),
    # /202006/23/
    re.compile(r"/((?:19|20)\d{2})(\d{2})/(\d{2})/"),
    # /20200623/ as a directory, or a file name starting with the date (20200623093012.html)
    re.compile(r"/((?:19|20)\d{2})(\d{2})(\d{2})(?:/|\d{0,9}(?:_\d+)?\.[a-z]+$|_)", re.IGNORECASE),
)


def date_from_url(url: str) -> str | None:
    """The publication date a URL path carries (TRS ``t20200623_123.html``,
    ``/2020-06/23/``, Hanweb ``/art/2020/6/23/``), or None. Only the path is read."""
    if not url:
        return None
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    if not path:
        return None
    for rx in _URL_PATTERNS:
        for m in rx.finditer(path):
            iso = _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)), min_year=_URL_MIN_YEAR)
            if iso:
                return iso
    return None
