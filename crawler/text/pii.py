"""Personal data in page text: resident ID numbers and mobile numbers, found and masked.

One module for detection, checksum and masking, used by the page extractor (pages), the
link verifier (text attachments) and every output (findings, report, logs): an unmasked
number must never leave this module.

- 18-digit resident ID number (GB 11643-1999): 6-digit region code, birth date
  YYYYMMDD, 3-digit sequence, check character (ISO 7064 MOD 11-2, 0-9 or X). A number is
  only taken for an ID when the birth date is a real date and the check character is
  right, so random 18-digit numbers (order numbers, serials) are not flagged.
- Mobile number: 11 digits starting 13–19 (optionally +86, optionally split 3-4-4).

Masks: ``500101********1234`` (first 6 and last 4 kept) and ``138****5678``.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

__all__ = [
    "find_id_numbers",
    "find_mobiles",
    "id_checksum_ok",
    "is_resident_id",
    "mask_id",
    "mask_mobile",
    "normalize_digits",
    "redact",
    "redact_deep",
    "redact_ids",
    "scan_text",
]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"

# Full-width digits and X → ASCII, one character for one, so positions are kept.
_FULLWIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")

_ID_RE = re.compile(
    r"(?<![0-9])([1-8]\d{5})((?:18|19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(\d{3})([0-9Xx])(?![0-9Xx])"
)
_MOBILE_RE = re.compile(r"(?<![0-9])(?:(?:\+|00)?86[- ]?)?(1[3-9]\d)([- ]?)(\d{4})\2(\d{4})(?![0-9])")


def normalize_digits(text: str) -> str:
    return text.translate(_FULLWIDTH)


def id_checksum_ok(number: str) -> bool:
    """GB 11643 check character (ISO 7064 MOD 11-2) of an 18-character ID number."""
    s = normalize_digits(number).upper()
    if len(s) != 18 or not s[:17].isdigit() or not (s[17].isdigit() or s[17] == "X"):
        return False
    total = sum(int(c) * w for c, w in zip(s[:17], _WEIGHTS))
    return _CHECK[total % 11] == s[17]


def _birth_ok(y: str, m: str, d: str, today: date | None = None) -> bool:
    try:
        born = date(int(y), int(m), int(d))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= (today or date.today())


def is_resident_id(number: str) -> bool:
    """An 18-character string that is a plausible resident ID: real birth date, right check character."""
    s = normalize_digits(number).upper()
    m = _ID_RE.fullmatch(s)
    if m is None:
        return False
    return _birth_ok(m.group(2), m.group(3), m.group(4)) and id_checksum_ok(s)


def mask_id(number: str) -> str:
    s = normalize_digits(number).upper()
    return s[:6] + "*" * 8 + s[-4:] if len(s) == 18 else "*" * len(s)


def mask_mobile(number: str) -> str:
    digits = re.sub(r"\D", "", normalize_digits(number))[-11:]
    return digits[:3] + "****" + digits[-4:] if len(digits) == 11 else "*" * len(digits)


def _id_spans(norm: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _ID_RE.finditer(norm):
        s = m.group(0).upper()
        if _birth_ok(m.group(2), m.group(3), m.group(4)) and id_checksum_ok(s):
            out.append((m.start(), m.end(), s))
    return out


def _mobile_spans(norm: str, skip: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    out = []
    for m in _MOBILE_RE.finditer(norm):
        if any(a < m.end() and m.start() < b for a, b, _ in skip):
            continue
        out.append((m.start(), m.end(), m.group(1) + m.group(3) + m.group(4)))
    return out


def find_id_numbers(text: str) -> list[str]:
    """Valid resident ID numbers in text (UNMASKED: mask before storing or printing)."""
    return [s for _, _, s in _id_spans(normalize_digits(text or ""))]


def find_mobiles(text: str) -> list[str]:
    """Mobile numbers in text (UNMASKED: mask before storing or printing)."""
    norm = normalize_digits(text or "")
    return [s for _, _, s in _mobile_spans(norm, _id_spans(norm))]


def scan_text(text: str, kinds: tuple[str, ...] = ("id", "mobile"), limit: int = 50) -> list[dict[str, Any]]:
    """Personal data found in text, masked: ``[{"kind": "id"|"mobile", "masked": "…"}]``.

    Each distinct number once, in order of appearance, at most `limit` entries."""
    norm = normalize_digits(text or "")
    ids = _id_spans(norm)
    mobiles = _mobile_spans(norm, ids)
    found: list[tuple[int, str, str, str]] = []
    if "id" in kinds:
        found += [(a, "id", s, mask_id(s)) for a, _, s in ids]
    if "mobile" in kinds:
        found += [(a, "mobile", s, mask_mobile(s)) for a, _, s in mobiles]
    found.sort()
    out: list[dict[str, Any]] = []
    seen: set[str] = set()  # full numbers, in memory only
    for _pos, kind, raw, masked in found:
        if raw in seen:
            continue
        seen.add(raw)
        out.append({"kind": kind, "masked": masked})
        if len(out) >= limit:
            break
    return out


def redact(text: str) -> str:
    """Text with every resident ID and mobile number masked (for anything shown or stored)."""
    if not text:
        return text
    norm = normalize_digits(text)
    ids = _id_spans(norm)
    spans = [(a, b, mask_id(s)) for a, b, s in ids] + [
        (a, b, mask_mobile(s)) for a, b, s in _mobile_spans(norm, ids)
    ]
    return _apply(text, spans)


def redact_ids(text: str) -> str:
    """Text with resident ID numbers masked (safe for URLs: long page numbers are untouched)."""
    if not text:
        return text
    norm = normalize_digits(text)
    return _apply(text, [(a, b, mask_id(s)) for a, b, s in _id_spans(norm)])


def _apply(text: str, spans: list[tuple[int, int, str]]) -> str:
    if not spans:
        return text
    out, last = [], 0
    for a, b, rep in sorted(spans):
        if a < last:
            continue
        out.append(text[last:a])
        out.append(rep)
        last = b
    out.append(text[last:])
    return "".join(out)


def redact_deep(value: Any, *, mobiles: bool = False) -> Any:
    """A JSON-like value with ID numbers (and optionally mobiles) masked in every string.
    URLs only ever get their ID numbers masked (an 11-digit page id is not a phone)."""
    if isinstance(value, str):
        if len(value) < 11:
            return value
        if mobiles and not value.startswith(("http://", "https://")):
            return redact(value)
        return redact_ids(value)
    if isinstance(value, dict):
        return {k: redact_deep(v, mobiles=mobiles) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_deep(v, mobiles=mobiles) for v in value]
    if isinstance(value, tuple):
        return tuple(redact_deep(v, mobiles=mobiles) for v in value)
    return value
