"""Checks on what the site publishes: content by keywords and year, reports by a date,
links, contact numbers, category coverage."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from crawler.checks.base import (
    CheckContext,
    ColumnPath,
    Evidence,
    Keywords,
    Names,
    Outcome,
    check,
    failed,
    passed,
    unknown,
)
from crawler.checks.columns import _not_crawled, find_child, find_columns
from crawler.model.build import Column, SiteItem, SiteModel
from crawler.model.items import item_index
from crawler.text.names import normalize

_CN_DIGITS = "〇一二三四五六七八九"


def year_forms(year: int) -> tuple[str, ...]:
    cn = "".join(_CN_DIGITS[int(d)] for d in str(year))
    return (str(year), cn, cn.replace("〇", "零"))


def title_matches(title: str, keywords: tuple[tuple[str, ...], ...]) -> bool:
    t = normalize(title)
    return all(any(normalize(a) in t for a in alts) for alts in keywords)


def _year_ok(item: SiteItem, year: int | None) -> bool:
    if year is None:
        return True
    if any(y in item.title for y in year_forms(year)):
        return True
    # a title naming another year is about that year; an undated title falls back to its date
    if any(str(y) in item.title for y in range(year - 15, year + 15) if y != year):
        return False
    return item.date is not None and item.date.year == year


def items_in(site: SiteModel, column: tuple[str, ...] | None, ctx: CheckContext) -> list[SiteItem] | None:
    """Items listed under the column (and its sub-columns); None when it is not found."""
    pos = _positions_in(site, column, ctx)
    if pos is None:
        return None
    return site.items if not column else [site.items[k] for k in pos]


def _positions_in(site: SiteModel, column: tuple[str, ...] | None, ctx: CheckContext) -> list[int] | None:
    """Positions in site.items of the items under the column (all without a column); None
    when the column is not found."""
    if not column:
        return list(range(len(site.items)))
    cols = find_columns(site, column, ctx.synonyms)
    if not cols:
        return None
    return item_index(site).under(c.path for c in cols)


def _matching(site: SiteModel, pool: list[int] | None, keywords: tuple[tuple[str, ...], ...]) -> list[SiteItem]:
    """The items of the pool (positions; None: every item) whose titles match the keywords,
    in site order."""
    idx = item_index(site)
    hits = idx.titled(keywords)
    if pool is not None and len(pool) < len(site.items):
        inside = set(pool)
        hits = [k for k in hits if k in inside]
    return [site.items[k] for k in hits]


def _alts(a: tuple[str, ...]) -> str:
    """('年度报告', '工作报告', '情况报告') → 年度报告、工作报告或情况报告."""
    a = tuple(x for x in a if x)
    if len(a) <= 1:
        return "".join(a)
    return "、".join(a[:-1]) + "或" + a[-1]


def _kw(keywords: tuple[tuple[str, ...], ...]) -> str:
    """Keywords as a clerk reads them: “法治政府建设”和“年度报告、工作报告或情况报告”."""
    parts = [f"“{_alts(a)}”" for a in keywords if a]
    return "和".join(parts) if len(parts) <= 2 else "、".join(parts[:-1]) + "和" + parts[-1]


@dataclass(frozen=True)
class ContentParams:
    keywords: Keywords
    year: int | None = None
    column: ColumnPath | None = None
    min_items: int = 1
    openable: bool = False  # only entries a person can open count (others are reported)


@check("content_published", ContentParams)
def content_published(site: SiteModel, p: ContentParams, ctx: CheckContext) -> Outcome:
    """内容已公开：在指定栏目（或全站）找到标题含关键词（及年份）的信息。"""
    if (o := _not_crawled(site)) is not None:
        return o
    pool = _positions_in(site, p.column, ctx)
    where = f"栏目“{' > '.join(p.column)}”" if p.column else "全站"
    if pool is None:
        where = f"全站（未找到栏目“{' > '.join(p.column or ())}”）"
    hits = [i for i in _matching(site, pool, p.keywords) if _year_ok(i, p.year)]
    dead: list[SiteItem] = []
    if p.openable:
        dead = [i for i in hits if not i.openable]
        hits = [i for i in hits if i.openable]
    desc = _kw(p.keywords) + (f"（{p.year}年）" if p.year else "")
    ev = [Evidence(i.url, f"{i.title}" + (f"（{i.date.isoformat()}）" if i.date else "")) for i in hits[:20]]
    ev += [Evidence(i.url, f"{i.title}（列表条目无法打开）") for i in dead[:20]]
    extra = {"dead_entries": [{"title": i.title, "page": i.url.split("#", 1)[0]} for i in dead[:50]]} if dead else {}
    note = f"；另有 {len(dead)} 条列表条目无法打开" if dead else ""
    if len(hits) >= p.min_items:
        return passed(f"在{where}找到 {len(hits)} 条相关信息：{hits[0].title}{note}", ev, matches=len(hits), **extra)
    if dead:
        return failed(f"在{where}未找到标题含“{desc}”的可打开信息{note}", ev, matches=len(hits), **extra)
    return failed(f"在{where}未找到标题含“{desc}”的信息", ev, matches=len(hits))


@dataclass(frozen=True)
class AnnualReportParams:
    keywords: Keywords
    due: str  # "MM-DD" of the year after the report's year
    column: ColumnPath | None = None
    report_year: int | None = None  # a fixed report year (a notice's dated task); default: the year before as_of

    def __post_init__(self) -> None:
        try:
            date(2000, int(self.due[:2]), int(self.due[3:5]))
            assert len(self.due) == 5 and self.due[2] == "-"
        except (ValueError, AssertionError):
            raise ValueError("due 应为 MM-DD，例如 04-01") from None


@check("annual_report", AnnualReportParams)
def annual_report(site: SiteModel, p: AnnualReportParams, ctx: CheckContext) -> Outcome:
    """年度报告按时公开：上一年度的报告在法定日期前公开（如法治政府建设年度报告 4月1日前）。"""
    if (o := _not_crawled(site)) is not None:
        return o
    year = p.report_year if p.report_year is not None else ctx.as_of.year - 1
    due = date(year + 1, int(p.due[:2]), int(p.due[3:5]))
    pool = _positions_in(site, p.column, ctx) or None  # a column without items: the whole site
    hits = [i for i in _matching(site, pool, p.keywords) if any(y in i.title for y in year_forms(year))]
    desc = f"{year}年度{_kw(p.keywords)}"
    if hits:
        hit = min(hits, key=lambda i: i.date or date.max)
        ev = [Evidence(i.url, i.title) for i in hits[:5]]
        if hit.date and hit.date > due:
            return failed(f"{desc}已公开，但发布日期 {hit.date} 晚于法定时限 {due}", ev, due=due.isoformat())
        return passed(f"已公开{desc}：{hit.title}" + (f"（{hit.date}）" if hit.date else ""), ev,
                      due=due.isoformat())
    return failed(f"未找到{desc}（法定时限 {due}）", due=due.isoformat())


def _normalized_link_texts(site: SiteModel, col: Column) -> list[str]:
    """The normalized texts of a column page's links, computed once per site model."""
    cache: dict[int, list[str]] = site.derived.setdefault("link_texts", {})
    got = cache.get(id(col))
    if got is None or len(got) != len(col.links):
        got = cache[id(col)] = [normalize(text) for text, _url in col.links]
    return got


@dataclass(frozen=True)
class LinkPresentParams:
    text: Keywords
    column: ColumnPath | None = None
    url_contains: tuple[str, ...] = ()


@check("link_present", LinkPresentParams)
def link_present(site: SiteModel, p: LinkPresentParams, ctx: CheckContext) -> Outcome:
    """链接已设置：在指定栏目页面（或首页及各栏目页）上有文字含关键词的链接。"""
    if (o := _not_crawled(site)) is not None:
        return o
    if p.column:
        cols = find_columns(site, p.column, ctx.synonyms)
        if not cols:
            return failed(f"未找到栏目“{' > '.join(p.column)}”，无法设置链接", missing=[p.column[-1]])
        pages = [c for col in cols[:3] for c in col.walk()]
    else:
        pages = [site.root, *site.columns]
    kw = tuple(tuple(normalize(a) for a in alts) for alts in p.text)  # as title_matches, normalized once
    for col in pages:
        for (text, url), norm in zip(col.links, _normalized_link_texts(site, col), strict=True):
            if all(any(a in norm for a in alts) for alts in kw) and all(s in url for s in p.url_contains):
                return passed(f"在“{col.display_path() or '首页'}”找到链接“{text}”",
                              [Evidence(url, text), Evidence(col.url or site.site_url, col.display_path() or "首页")])
    where = f"栏目“{' > '.join(p.column)}”" if p.column else "首页及各栏目页"
    return failed(f"在{where}未找到文字含{_kw(p.text)}的链接")


@dataclass(frozen=True)
class ContactParams:
    kind: str = "phone"
    column: ColumnPath | None = None


@check("contact_published", ContactParams)
def contact_published(site: SiteModel, p: ContactParams, ctx: CheckContext) -> Outcome:
    """联系方式已公开：页面上公开了咨询/联系电话。"""
    if (o := _not_crawled(site)) is not None:
        return o
    if p.kind != "phone":
        return unknown(f"暂不支持自动核查联系方式类型“{p.kind}”，请人工核对")
    if p.column:
        cols = find_columns(site, p.column, ctx.synonyms)
        if not cols:
            return failed(f"未找到栏目“{' > '.join(p.column)}”", missing=[p.column[-1]])
        phones = [(ph, c.url) for col in cols[:3] for c in col.walk() for ph in c.phones]
    else:
        phones = list((site.facts.get("phones") or {}).items())
    if phones:
        return passed(f"已公开联系电话：{'、'.join(ph for ph, _ in phones[:5])}",
                      [Evidence(u, ph) for ph, u in phones[:5]])
    return failed("未在页面上找到公开的联系电话")


@dataclass(frozen=True)
class CoverageParams:
    path: ColumnPath
    categories: Names
    min_share: float = 1.0


@check("category_coverage", CoverageParams)
def category_coverage(site: SiteModel, p: CoverageParams, ctx: CheckContext) -> Outcome:
    """分类覆盖：栏目下设有规定的各类子栏目（如条例第二十条的 15 类）。"""
    if (o := _not_crawled(site)) is not None:
        return o
    cols = find_columns(site, p.path, ctx.synonyms)
    if not cols:
        return failed(f"未找到栏目“{' > '.join(p.path)}”", missing=list(p.categories))
    def has(col: Column, category: str) -> bool:  # "社会保障|就业|教育": any alternative
        return any(find_child(col, alt, ctx.synonyms, 3) for alt in category.split("|") if alt)

    best = max(cols[:5], key=lambda c: sum(1 for n in p.categories if has(c, n)))
    found = [n for n in p.categories if has(best, n)]
    missing = [n for n in p.categories if n not in found]
    share = len(found) / len(p.categories)
    ev = [Evidence(best.url or site.site_url, best.display_path())]
    msg = f"“{best.display_path()}”覆盖 {len(found)}/{len(p.categories)} 类"
    shown = "、".join(_alts(tuple(n.split("|"))) for n in missing)
    if share + 1e-9 >= p.min_share:
        return passed(msg + (f"；未见：{shown}" if missing else ""), ev, missing=missing, share=share)
    return failed(msg + f"；缺少：{shown}", ev, missing=missing, share=share)
