"""List shapes a person reads that are not a list of followable links (issue 13).

- `script_entries`: a list built by script from data in the page (`var data = [...]`, a Vue
  component's `data: {list: [...]}`, a React/Next state blob): title, date and link fields
  of the objects, read without running the script.
- `shown_date`: the date a person reads on an article page (a labelled 发布时间, or the
  unlabelled date printed beside 来源/作者 under the title), which may differ from the
  page's PubDate meta (a re-published page keeps its old shown date).

Both are plain string scans over text the page walk already collected: no extra parse.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from crawler.text.dates import parse_date

MAX_SCRIPT_ENTRIES = 500
_SCRIPT_SCAN = 400_000  # characters of inline script looked at, per page

_TITLE_KEYS = ("title", "doctitle", "docTitle", "DOCTITLE", "articleTitle", "infoTitle", "name", "subject",
               "bt", "biaoti", "fileName", "showTitle", "mainTitle")
_DATE_KEYS = ("date", "time", "pubDate", "pubdate", "publishDate", "publishTime", "pubTime", "releaseTime",
              "releaseDate", "createTime", "createDate", "docreltime", "DOCRELTIME", "docRelTime", "fbsj", "fbrq",
              "fwrq", "crtime", "ctime", "addtime", "addTime", "showTime", "publishedTime", "publishedAt", "pubtime",
              "writeTime", "issueDate", "inputTime", "updateTime")
_URL_KEYS = ("url", "link", "href", "docpuburl", "DOCPUBURL", "docPubUrl", "chnldocurl", "linkUrl", "detailUrl",
             "path", "pageUrl", "docUrl", "articleUrl")
_KEY = r"""(?:["']?)({keys})(?:["']?)\s*:\s*"""
_STR = r"""(?:"((?:[^"\\]|\\.){{0,600}})"|'((?:[^'\\]|\\.){{0,600}})'|(\d{{10,13}}))"""


def _field_re(keys: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w$.])" + _KEY.format(keys="|".join(keys)) + _STR.format())


_TITLE_RE = _field_re(_TITLE_KEYS)
_DATE_RE = _field_re(_DATE_KEYS)
_URL_RE = _field_re(_URL_KEYS)
_OBJ_RE = re.compile(r"\{[^{}\[\]]{8,3000}\}")  # one flat object literal
_DATEISH_RE = re.compile(r"(?:19|20)\d{2}[-/.年]\d{1,2}|\b1[5-9]\d{8}(?:\d{3})?\b")
_TAG_RE = re.compile(r"<[^>]*>")
_UNESCAPE_RE = re.compile(r"\\u([0-9a-fA-F]{4})|\\(.)")


def _unescape(s: str) -> str:
    return _UNESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2), s)


def _value(m: re.Match[str]) -> str:
    return m.group(2) if m.group(2) is not None else (m.group(3) if m.group(3) is not None else m.group(4) or "")


def _date_value(raw: str) -> str | None:
    if raw.isdigit() and len(raw) in (10, 13):
        secs = int(raw) / (1000 if len(raw) == 13 else 1)
        try:
            return datetime.fromtimestamp(secs, tz=UTC).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    return parse_date(raw[:40])


def script_entries(scripts: list[str], resolve: Callable[[str], str | None]
                   ) -> list[tuple[str | None, str, str | None]]:
    """(url or None, title, ISO date or None) for each object literal in the page's inline
    scripts that has both a title and a date field: the entries of a list the page builds by
    script. A page whose scripts carry no date-like text is passed over at once."""
    out: list[tuple[str | None, str, str | None]] = []
    seen: set[tuple[str, str | None]] = set()
    budget = _SCRIPT_SCAN
    for s in scripts:
        if budget <= 0 or len(out) >= MAX_SCRIPT_ENTRIES:
            break
        s = s[:budget]
        budget -= len(s)
        if not _DATEISH_RE.search(s):
            continue
        for om in _OBJ_RE.finditer(s):
            obj = om.group(0)
            tm = _TITLE_RE.search(obj)
            if tm is None:
                continue
            dm = _DATE_RE.search(obj)
            if dm is None:
                continue
            title = _TAG_RE.sub("", _unescape(_value(tm))).strip()
            if len(title) < 4 or not any(ch.isalpha() for ch in title):
                continue
            date = _date_value(_unescape(_value(dm)).strip())
            if date is None:
                continue
            um = _URL_RE.search(obj)
            url = resolve(_unescape(_value(um)).strip()) if um else None
            key = (title, date)
            if key in seen:
                continue
            seen.add(key)
            out.append((url, title[:300], date))
            if len(out) >= MAX_SCRIPT_ENTRIES:
                break
    return out


# the unlabelled date printed under an article's title, beside its source or author:
# "2020年09月15日 09时32分 来源: 绵阳日报", "2023-08-19 来源：解放日报", "2024-06-25 10:03:27 字号："
_SOURCE_DATE_RE = re.compile(
    r"((?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)"
    r"(?:\s*\d{1,2}\s*[:：时∶]\s*\d{1,2}\s*分?(?:\s*[:：∶]?\s*\d{1,2}\s*秒?)?)?"
    r"\s*[|｜/]?\s*(?:来源|来自|作者|稿源|出处|信息来源|文章来源|字号|【\s*字体|"
    r"(?:浏览|点击|阅读|访问)(?:次数|量|数)?\s*[:：])"
)


def source_date(text: str) -> str | None:
    m = _SOURCE_DATE_RE.search(text)
    return parse_date(m.group(1)) if m else None
