"""Deadlines as notices and rule files write them: one grammar for both.

- `normalize_deadline(cell, year)`: a notice's 完成时限 cell → an ISO date (2021年6月底前 →
  2021-06-30; 第三季度 → 09-30; 年底 → 12-31) or the cadence kept verbatim (长期开展, 每月).
- `sentence_deadline(sentence, year)`: a deadline stated inside a demand (在2021年6月底前…).
- `parse_deadline(value)`: a rule file's `deadline:` value, strictly: an ISO date or a
  cadence; a date written the Chinese way is an error that names its ISO form.
"""
from __future__ import annotations

import re
from calendar import monthrange
from datetime import date
from typing import Any

__all__ = ["deadline_dates", "normalize_deadline", "parse_deadline", "sentence_deadline"]


def _squeeze(s: str) -> str:
    """Without whitespace (ideographic spaces included)."""
    return re.sub(r"\s+", "", s.replace("\u3000", ""))


_CADENCE = re.compile(r"^每|长期|持续|全年|常态|经常|定期|及时|动态|随时|实时|适时|按要求|按规定|按时|年度|逐步|法定期限")
_DATE_FULL = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DATE_NUM = re.compile(r"(?<!\d)(20\d{2})\s*[.\-/．]\s*(\d{1,2})(?:\s*[.\-/．]\s*(\d{1,2}))?(?!\d)")
_DATE_MONTH = re.compile(r"(?:(\d{4}|次|明|今)\s*年\s*)?(\d{1,2})\s*月\s*(?:(\d{1,2})\s*日|(?:底|末|份|中旬|上旬|下旬))?")
_DATE_YEAR_END = re.compile(r"(?:(\d{4}|今|次|明)\s*年\s*)?(?:年\s*)?(?:底|末)")
_QUARTER = re.compile(r"(?:(\d{4})\s*年\s*)?(?:第\s*)?([一二三四1-4])\s*季度")
_HALF = re.compile(r"(?:(\d{4})\s*年\s*)?(上|下)半年")


def _last_day(y: int, m: int) -> int:
    return monthrange(y, m)[1]


def _iso(y: int, m: int, d: int | None = None) -> str | None:
    if not (1 <= m <= 12) or not (1990 <= y <= 2100):
        return None
    last = _last_day(y, m)
    if d is None:
        d = last
    if not (1 <= d <= last):
        return None
    return f"{y:04d}-{m:02d}-{d:02d}"


def _year_of(token: str | None, year: int | None) -> int | None:
    if token and token.isdigit():
        return int(token)
    if token in ("次", "明") and year:
        return year + 1
    return year


def deadline_dates(text: str, year: int | None) -> list[tuple[int, int, str]]:
    """(start, end, ISO date) for every deadline-like phrase in `text`, in order: a
    phrase naming a month, quarter, half or year means its last day (6月底 → 06-30);
    phrases without a year take `year` (次年/明年: the next)."""
    found: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], iso: str | None) -> None:
        if iso and not any(a < m.end() and m.start() < b for a, b in taken):
            found.append((m.start(), m.end(), iso))
            taken.append((m.start(), m.end()))

    for m in _DATE_FULL.finditer(text):
        add(m, _iso(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    for m in _DATE_NUM.finditer(text):
        add(m, _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)) if m.group(3) else None))
    for m in _DATE_MONTH.finditer(text):
        y = _year_of(m.group(1), year)
        if y is None:
            continue
        if text[max(0, m.start() - 1): m.start()] in ("每", "个") or text[m.end(): m.end() + 1] == "内":
            continue
        day = int(m.group(3)) if m.group(3) else None
        add(m, _iso(y, int(m.group(2)), day))
    for m in _QUARTER.finditer(text):
        y = _year_of(m.group(1), year)
        q = "一二三四".find(m.group(2)) + 1 if not m.group(2).isdigit() else int(m.group(2))
        if y and 1 <= q <= 4 and text[max(0, m.start() - 1): m.start()] != "每":
            add(m, _iso(y, q * 3))
    for m in _HALF.finditer(text):
        y = _year_of(m.group(1), year)
        if y:
            add(m, _iso(y, 6 if m.group(2) == "上" else 12))
    for m in _DATE_YEAR_END.finditer(text):
        if text[max(0, m.start() - 1): m.start()] == "每":
            continue
        y = _year_of(m.group(1), year)
        if y and ("年" in m.group(0)):
            add(m, _iso(y, 12))
    found.sort()
    return found


def normalize_deadline(text: str, year: int | None) -> tuple[str | None, str]:
    """A 完成时限 cell → (ISO date or cadence kept verbatim or None, note)."""
    t = _squeeze(text)
    if not t or re.fullmatch(r"[—–\-－/／无暂]+|无|—+|/", t):
        return None, ""
    if _CADENCE.search(t) and not re.match(r"^\d{4}年", t):
        return t, ""
    dates = deadline_dates(t, year)
    if not dates:
        return t, ""
    note = ""
    if len(dates) > 1:
        note = f"完成时限原文“{t}”含多个时间，取第一个"
    return dates[0][2], note


_SENT_DEADLINE = re.compile(
    r"(?:在|于|到|至)?\s*((?:\d{4}|次|明|今)\s*年\s*(?:\d{1,2}\s*月\s*(?:\d{1,2}\s*日|底|末)?|底|年底|末)"
    r"|(?<![每个\d])\d{1,2}\s*月\s*(?:\d{1,2}\s*日|底|末))\s*(?:前|之前|以前|完成|底前)"
)


def sentence_deadline(sentence: str, year: int | None) -> tuple[str | None, str]:
    """A deadline stated inside a demand (在2021年6月底前…, 于2021年5月31日前…)."""
    m = _SENT_DEADLINE.search(sentence)
    if not m:
        return None, ""
    dates = deadline_dates(m.group(1), year)
    if not dates:
        return None, ""
    return dates[0][2], _squeeze(m.group(0))


# -- rule files ------------------------------------------------------------------------------
_CN_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(?:(\d{1,2})日|底)?前?$")


def parse_deadline(value: Any, year: int | None = None) -> tuple[date | None, str | None]:
    """A rule file's deadline: ISO date → (date, None); a cadence string → (None, cadence).
    Raises ValueError (in Chinese) for anything else, naming the ISO form when it can."""
    if value is None:
        return None, None
    if isinstance(value, date):
        return value, None
    if not isinstance(value, str) or not value.strip():
        raise ValueError("deadline 应为 ISO 日期（如 2022-06-30）或周期文字（如 长期开展）")
    s = value.strip()
    if re.match(r"^\d{4}-\d{1,2}-\d{1,2}$", s):
        try:
            y, m, d = (int(x) for x in s.split("-"))
            return date(y, m, d), None
        except ValueError:
            raise ValueError(f"日期 “{s}” 不存在") from None
    if re.match(r"^\d{4}[-/.]\d", s) or re.match(r"^\d{4}\d{4}$", s):
        raise ValueError(f"日期 “{s}” 格式不对，应写成 YYYY-MM-DD")
    if _CN_DATE.match(s):
        iso, _note = normalize_deadline(s, year)
        example = f"即 {iso}" if iso and re.match(r"^\d{4}-\d{2}-\d{2}$", iso) else "如 2022年6月底前 → 2022-06-30"
        raise ValueError(f"日期 “{s}” 应规范为 ISO 格式 YYYY-MM-DD（{example}）")
    return None, s
