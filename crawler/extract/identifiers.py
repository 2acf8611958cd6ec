"""Facts in a page's text: footer identifiers (网站标识码, ICP, 公网安备), phone numbers,
the validity label of a document, publication and written dates."""
from __future__ import annotations

import re

from crawler.extract.common import MAX_PHONES, norm
from crawler.text.dates import parse_date
from crawler.text.identifiers import ICP_RE, POLICE_RE, SITE_ID_RE

_PHONE_AREA_RE = re.compile(
    r"(?<![\d\-])(?:[（(]\s*(0\d{2,3})\s*[)）]|(0\d{2,3}))\s*[-－—–]?\s*(\d{7,8})(?![\d])"
)
_PHONE_HOTLINE_RE = re.compile(r"(?<![\d\-])(123\d{2}|[48]00[-\s]?\d{3}[-\s]?\d{4})(?![\d])")
_PHONE_LABELLED_RE = re.compile(r"(?:电话|热线|联系方式|咨询|Tel|TEL|tel)\s*[:：]?\s*(\d{7,8})(?![\d])")
_VALIDITY_RE = re.compile(r"(?:有效性|时效性|效力状态|有效状态|文件效力|是否有效|文件状态)\s*[:：]?\s*"
                          r"(现行有效|部分失效|已失效|已废止|全部失效|失效|废止|有效|尚未生效|已修改|已修订|修订)")
# Kinds of labelled dates on a page, as a person reads them:
# - publication dates (发布时间, 发布日期 …): when the document was published;
# - other dates of the document itself (a bare 日期/时间 label, 更新时间): read as its date when no
#   publication date is shown;
# - the document's record date (生成日期 in a 政府信息公开 catalogue's info table, the date the
#   information was formed): its date only when the page shows neither of the above;
# - dates that are not the publication of the document: 成文 (signed), 生效/施行/废止 … (its legal
#   life), 出生/办结/受理/答复 … (dates in its text), and the dates of the page or of the visit,
#   never of the document: 打印日期, 访问/浏览时间, 当前/今天/系统/北京时间, 页面生成时间.
_NOT_DOC = ("成文", "生成", "有效", "生效", "施行", "实施", "废止", "失效", "截止", "出生", "办结", "受理", "答复",
            "开始", "结束", "办公", "打印", "访问", "浏览", "阅读", "当前", "今天", "今日", "登录", "系统", "北京",
            "页面", "网页", "查询", "检索", "下载", "统计")
# the lookbehinds follow the label's literal, so they are tried only where a label is (speed)
_NOT_PUB_DATE = "".join(f"(?<!{w}日期)" for w in _NOT_DOC)
_NOT_PUB_TIME = "".join(f"(?<!{w}时间)" for w in _NOT_DOC)
_DATE_VALUE = r"\s*[:：]?\s*((?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)"
_PUB_LABEL_RE = re.compile(
    rf"(发布时间|发布日期|发表时间|发布于|公开日期|发文日期|信息时间|更新时间|日期{_NOT_PUB_DATE}|时间{_NOT_PUB_TIME})"
    + _DATE_VALUE
)
_STRONG_PUB = ("发布时间", "发布日期", "发表时间", "发布于", "公开日期", "发文日期", "信息时间")
# 生成日期 of the document, not 页面/网页/本页生成日期 (when the page was rendered)
_RECORD_RE = re.compile(r"生成日期(?<!面生成日期)(?<!页生成日期)" + _DATE_VALUE)
_WRITTEN_RE = re.compile(r"成文(?:日期|时间)" + _DATE_VALUE)


def find_phones(text: str) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()

    def add(p: str) -> None:
        if p not in seen and len(out) < MAX_PHONES:
            seen.add(p)
            out.append(p)

    for m in _PHONE_AREA_RE.finditer(text):
        area = m.group(1) or m.group(2)
        if area.startswith("01") and len(area) == 3 and area != "010":
            continue  # not a Chinese area code (010 Beijing is the only 01x)
        add(f"{area}-{m.group(3)}")
    for m in _PHONE_HOTLINE_RE.finditer(text):
        add(re.sub(r"[-\s]", "", m.group(1)))
    for m in _PHONE_LABELLED_RE.finditer(text):
        add(m.group(1))
    return out


def find_validity(text: str) -> str | None:
    m = _VALIDITY_RE.search(text)
    if not m:
        return None
    v = m.group(1)
    if "废止" in v:
        return "废止"
    if "失效" in v:
        return "失效"
    if v in ("有效", "现行有效"):
        return "有效"
    return v


def find_page_date(meta_ci: dict[str, str], text: str, *, record: bool = True) -> str | None:
    """The page's date: its PubDate-like meta, else the publication date it shows, else
    another labelled date of the document, else (with `record`) its 生成日期."""
    for key in ("pubdate", "publishdate", "firstpublishedtime", "publishtime", "pubtime", "releasedate",
                "article:published_time", "dc.date", "maketime"):
        v = meta_ci.get(key)
        if v:
            d = parse_date(v)
            if d and not d.startswith("--"):
                return d
    weak: str | None = None
    for m in _PUB_LABEL_RE.finditer(text):
        d = parse_date(m.group(2))
        if not d:
            continue
        if m.group(1) in _STRONG_PUB:
            return d
        if weak is None:
            weak = d
    if weak is None and record:
        return record_date(text)
    return weak


def record_date(text: str) -> str | None:
    """The 生成日期 a 政府信息公开 info table gives the document (not a page's render time)."""
    m = _RECORD_RE.search(text)
    return parse_date(m.group(1)) if m else None


# ------------------------------------------------------------------------------------------


def written_date(text: str) -> str | None:
    """成文日期 of a document page."""
    m = _WRITTEN_RE.search(text)
    return parse_date(m.group(1)) if m else None


def footer_ids(text: str, meta_ci: dict[str, str]) -> dict[str, str]:
    """网站标识码 (from the text, else the SiteIDCode meta), ICP and 公网安备 numbers."""
    out: dict[str, str] = {}
    m = SITE_ID_RE.search(text)
    if m:
        out["site_id_code"] = m.group(1)
    elif meta_ci.get("siteidcode"):
        out["site_id_code"] = meta_ci["siteidcode"][:40]
    m = ICP_RE.search(text)
    if m:
        out["icp"] = re.sub(r"\s+", "", m.group(1))
    m = POLICE_RE.search(text)
    if m:
        out["police_record"] = norm(m.group(1))
    return out
