"""Footer identifiers of a government website, one pattern each (page extraction and site
properties both read them with these).

- 网站标识码: ten digits (six-digit region code + four), or a two-letter prefix and eight
  digits for State Council departments (``bm`` + 8). A longer run of digits is not an
  identifier (``(?!\\d)``), so a 12-digit number is never taken for one.
- ICP备案号: ``渝ICP备12345678号-1`` (备 or 证, an optional -n suffix).
- 公安机关备案号: ``渝公网安备 50010302000123号``.
"""
from __future__ import annotations

import re

__all__ = ["ICP_RE", "POLICE_RE", "SITE_ID_RE"]

SITE_ID_RE = re.compile(r"网站标识码\s*[:：]?\s*([A-Za-z]{0,2}\d{8,10})(?!\d)")
ICP_RE = re.compile(r"([\u4e00-\u9fff]{1,2}\s*ICP\s*[备证]\s*\d{5,12}\s*号(?:\s*[-－]\s*\d{1,3})?)", re.IGNORECASE)
POLICE_RE = re.compile(r"([\u4e00-\u9fff]{1,2}\s*公网安备\s*\d{8,20}\s*号?)")
