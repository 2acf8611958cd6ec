"""Site-wide relations between the crawled articles: 政策解读 ↔ 原文 links, interpretation
formats, 有效性 labels of 规范性文件, and publication delays (成文日期 → 发布日期).

Computed once per site model, with indexes (articles by canonical URL, who links to whom),
so the cost is linear in the number of articles; the result is cached on the `SiteModel`
and shared by every check and report section that asks (`content_relations`)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from crawler.model.site import ArticleRef, SiteModel

__all__ = ["content_relations", "is_interpretation", "is_policy", "workdays_between"]

_POLICY_COL = re.compile(r"文件|规章|规范性|政策|法规|决定|命令|公报")
_MULTI_FORMAT = re.compile(r"图解|图片|一图|图说|图文|视频|动漫|漫画|H5|音频|动画|微视")
_MULTI_TITLE = re.compile(r"图解|一图|视频|动漫|漫画|H5")
_REGULATORY = re.compile(r"规范性文件")
_DOCUMENT_TEXT = re.compile(r"原文|《|文件|通知|办法|意见|规定|方案")  # a link text naming a document
HOLIDAYS_NOTE = "工作日仅排除周六、周日，未计入法定节假日和调休"
MAX_ROWS = 500


def is_interpretation(a: ArticleRef) -> bool:
    return "解读" in a.title or any("解读" in c for c in a.column)


def is_policy(a: ArticleRef) -> bool:
    return not is_interpretation(a) and any(_POLICY_COL.search(c) for c in a.column)


def workdays_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (Mon–Fri; holidays not counted)."""
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    n = weeks * 5
    for i in range(1, rest + 1):
        if (start + timedelta(days=weeks * 7 + i)).weekday() < 5:
            n += 1
    return n


def _d(s: str | None) -> date | None:
    if not s or s.startswith("--"):
        return None
    try:
        return date.fromisoformat(s[:10])
    except ValueError:
        return None


@dataclass
class _Relations:
    """What does not depend on the checks' parameters, computed once per site."""

    key: tuple[int, int]  # (id, length) of the articles list it was computed from
    rows: list[dict[str, Any]]  # one per interpretation
    policy_documents: int
    documents_with_interpretation: int
    regulatory: list[ArticleRef]
    delays: list[dict[str, Any]]  # articles with both dates, in crawl order
    late: dict[int, tuple[list[dict[str, Any]], int]] = field(default_factory=dict)  # max_workdays → (rows, count)


class _Index:
    """The articles by canonical URL, and for each URL the articles linking to it."""

    def __init__(self, arts: list[ArticleRef]) -> None:
        self.by_url = {a.url: a for a in arts}
        self.interp_urls = {a.url for a in arts if is_interpretation(a)}
        self.links_of: dict[int, set[str]] = {}
        self.inbound: dict[str, list[ArticleRef]] = {}
        for a in arts:
            targets = {lu for _t, lu in a.links}
            self.links_of[id(a)] = targets
            for lu in dict.fromkeys(lu for _t, lu in a.links):
                self.inbound.setdefault(lu, []).append(a)

    def links_to(self, a: ArticleRef, url: str) -> bool:
        return url in self.links_of[id(a)]


def _interpretation_row(i: ArticleRef, ix: _Index, docs: dict[str, ArticleRef],
                        docs_with_interp: set[str]) -> dict[str, Any]:
    """How one interpretation relates to its documents; records the documents it relates."""
    by_url, interp_urls = ix.by_url, ix.interp_urls
    targets = [u for _t, u in i.links if u in by_url and u not in interp_urls and u != i.url]
    target_set = set(targets)
    uncrawled = [u for t, u in i.links if u not in by_url and _DOCUMENT_TEXT.search(t)]
    back = [u for u in targets if ix.links_to(by_url[u], i.url)]
    back_only = [d.url for d in ix.inbound.get(i.url, ())
                 if d.url not in interp_urls and d.url not in target_set]
    for u in targets:
        docs.setdefault(u, by_url[u])
        docs_with_interp.add(u)
    docs_with_interp.update(back_only)
    for u in back_only:
        docs.setdefault(u, by_url[u])
    multi = i.has_image or i.has_video or any(_MULTI_FORMAT.search(c) for c in i.column) \
        or bool(_MULTI_TITLE.search(i.title))
    if back:
        state = "both"
    elif targets:
        state = "forward_only"
    elif back_only:
        state = "back_only"
    elif uncrawled:
        state = "target_not_crawled"
    else:
        state = "unlinked"
    return {"url": i.url, "title": i.title, "state": state,
            "documents": (back or targets or back_only or uncrawled)[:3], "multi_format": multi}


def _delays(arts: list[ArticleRef]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for a in arts:
        w, pdate = _d(a.written_date), _d(a.page_date)
        if w and pdate and pdate >= w:
            out.append({"url": a.url, "title": a.title, "written": w.isoformat(), "published": pdate.isoformat(),
                        "workdays": workdays_between(w, pdate)})
    return out


def _compute(arts: list[ArticleRef]) -> _Relations:
    ix = _Index(arts)
    docs: dict[str, ArticleRef] = {a.url: a for a in arts if is_policy(a)}
    docs_with_interp: set[str] = set()
    rows = [_interpretation_row(i, ix, docs, docs_with_interp) for i in arts if is_interpretation(i)]
    # documents that link to an interpretation which links nowhere
    for d in docs.values():
        if any(lu in ix.interp_urls for _t, lu in d.links):
            docs_with_interp.add(d.url)
    regulatory = [a for a in arts if not is_interpretation(a)
                  and (any(_REGULATORY.search(c) for c in a.column) or _REGULATORY.search(a.title))]
    return _Relations(key=(id(arts), len(arts)), rows=rows, policy_documents=len(docs),
                      documents_with_interpretation=len(docs_with_interp & set(docs)),
                      regulatory=regulatory, delays=_delays(arts))


def _relations(site: SiteModel) -> _Relations:
    """The site's relations, computed on first use and kept on the model (recomputed if
    its article list was replaced or grew)."""
    rel = site.derived.get("relations")
    if not isinstance(rel, _Relations) or rel.key != (id(site.articles), len(site.articles)):
        rel = site.derived["relations"] = _compute(site.articles)
    return rel


def content_relations(site: SiteModel, max_workdays: int = 20) -> dict[str, Any]:
    """政策解读 ↔ 原文 links, formats, validity labels and publication delays of the crawled articles."""
    rel = _relations(site)
    if max_workdays not in rel.late:
        late = [x for x in rel.delays if x["workdays"] > max_workdays]
        rel.late[max_workdays] = (sorted(late, key=lambda x: -x["workdays"])[:MAX_ROWS], len(late))
    late_rows, late_count = rel.late[max_workdays]
    rows = rel.rows
    n_i = len(rows)
    n_multi = sum(1 for r in rows if r["multi_format"])
    docs, with_interp = rel.policy_documents, rel.documents_with_interpretation
    return {
        "interpretations": n_i,
        "both_ways": sum(1 for r in rows if r["state"] == "both"),
        "forward_only": sum(1 for r in rows if r["state"] == "forward_only"),
        "back_only": sum(1 for r in rows if r["state"] == "back_only"),
        "target_not_crawled": sum(1 for r in rows if r["state"] == "target_not_crawled"),
        "unlinked": sum(1 for r in rows if r["state"] == "unlinked"),
        "multi_format": n_multi,
        "multi_format_share": (n_multi / n_i) if n_i else None,
        "policy_documents": docs,
        "documents_with_interpretation": with_interp,
        "interpretation_share": (with_interp / docs) if docs else None,
        "interpretation_rows": rows[:MAX_ROWS],
        "regulatory_documents": len(rel.regulatory),
        "validity_labelled": sum(1 for a in rel.regulatory if a.validity),
        "validity_missing": [{"url": a.url, "title": a.title} for a in rel.regulatory if not a.validity][:MAX_ROWS],
        "dated_documents": len(rel.delays),
        "late": late_rows,
        "late_count": late_count,
        "max_workdays": max_workdays,
        "holidays_note": HOLIDAYS_NOTE,
    }
