"""Checks on how recently the site and its columns were updated."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from crawler.checks.base import (
    CheckContext,
    ColumnPath,
    Evidence,
    Outcome,
    check,
    failed,
    passed,
)
from crawler.checks.columns import _not_crawled, find_columns
from crawler.checks.content import items_in
from crawler.model.build import Column, SiteModel


def _age(newest: date | None, as_of: date) -> int | None:
    return None if newest is None else (as_of - newest).days


@dataclass(frozen=True)
class FreshnessParams:
    path: ColumnPath
    max_days: int
    warn_ratio: float = 0.92


@check("column_freshness", FreshnessParams)
def column_freshness(site: SiteModel, p: FreshnessParams, ctx: CheckContext) -> Outcome:
    """栏目更新及时：栏目（含子栏目）最新信息距检查日不超过规定天数。"""
    if (o := _not_crawled(site)) is not None:
        return o
    cols = find_columns(site, p.path, ctx.synonyms)
    if not cols:
        return failed(f"未找到栏目“{' > '.join(p.path)}”", missing=[p.path[-1]])
    col = max(cols[:5], key=lambda c: c.newest_below() or date.min)
    newest = col.newest_below()
    ev = [Evidence(col.url or site.site_url, col.display_path())]
    age = _age(newest, ctx.as_of)
    if age is None:
        return failed(f"栏目“{col.display_path()}”没有带日期的信息", ev, newest=None)
    base = f"栏目“{col.display_path()}”最新信息 {newest}，距检查日 {age} 天（限 {p.max_days} 天）"
    if age > p.max_days:
        return failed(base + "，未及时更新", ev, newest=str(newest), age_days=age)
    out = passed(base, ev, newest=str(newest), age_days=age)
    out.warning = age >= p.warn_ratio * p.max_days
    return out


@dataclass(frozen=True)
class HomepageParams:
    max_days: int = 14
    warn_days: int | None = None


@check("homepage_updated", HomepageParams)
def homepage_updated(site: SiteModel, p: HomepageParams, ctx: CheckContext) -> Outcome:
    """首页更新：首页有规定天数内发布的带日期信息（首页仅为导航时看二级页面）。"""
    if (o := _not_crawled(site)) is not None:
        return o
    dated = [i for i in site.homepage_items if i.date and i.date <= ctx.as_of]
    where = "首页"
    if dated:
        newest_item = max(dated, key=lambda i: i.date)  # type: ignore[arg-type,return-value]
        newest, url = newest_item.date, newest_item.url
    else:  # navigation-only homepage: the second-level pages count
        tops = [c for c in site.root.children if c.newest_below()]
        if not tops:
            return failed("首页及二级页面均未发现带日期的信息", [Evidence(site.homepage_url or site.site_url)])
        top = max(tops, key=lambda c: c.newest_below())  # type: ignore[arg-type,return-value]
        newest, url, where = top.newest_below(), top.url, f"二级页面“{top.name}”"
    age = _age(newest, ctx.as_of)
    assert age is not None
    ev = [Evidence(site.homepage_url or site.site_url, "首页"), Evidence(url, str(newest))]
    msg = f"{where}最新信息 {newest}，距检查日 {age} 天（限 {p.max_days} 天）"
    if age > p.max_days:
        return failed(msg + "，首页未及时更新", ev, newest=str(newest), age_days=age)
    out = passed(msg, ev, newest=str(newest), age_days=age)
    out.warning = p.warn_days is not None and age > p.warn_days
    return out


@dataclass(frozen=True)
class StaleParams:
    classes: tuple[dict, ...]  # [{names: [...], max_days: N}]
    threshold: int
    warn_threshold: int | None = None

    def __post_init__(self) -> None:
        for c in self.classes:
            if set(c) - {"names", "max_days", "label"} or "names" not in c or "max_days" not in c:
                raise ValueError("classes 的每一项应为 {names: [...], max_days: 天数}")
            if not isinstance(c["max_days"], int) or not isinstance(c["names"], list) or not c["names"]:
                raise ValueError("classes 的 names 应为非空列表，max_days 应为整数")


@check("stale_columns", StaleParams)
def stale_columns(site: SiteModel, p: StaleParams, ctx: CheckContext) -> Outcome:
    """栏目不更新：应更新栏目超过期限未更新的数量达到阈值即不合格。"""
    if (o := _not_crawled(site)) is not None:
        return o
    stale: list[tuple[Column, date | None, int]] = []
    seen: set[tuple[str, ...]] = set()
    for cls in p.classes:
        for col in site.columns:
            if col.path in seen or not col.fetched or col.empty:
                continue
            if not any(ctx.synonyms.score(n, col.name) for n in cls["names"]):
                continue
            seen.add(col.path)
            newest = col.newest_below()
            age = _age(newest, ctx.as_of)
            if age is not None and age > cls["max_days"]:
                stale.append((col, newest, cls["max_days"]))
    ev = [Evidence(c.url, f"{c.display_path()}：最新 {d}（限 {m} 天）") for c, d, m in stale]
    details: dict[str, Any] = {"count": len(stale), "checked": len(seen),
                               "stale": [{"path": list(c.path), "newest": str(d), "max_days": m} for c, d, m in stale]}
    names = "、".join(c.display_path() for c, _, _ in stale[:8]) + ("等" if len(stale) > 8 else "")
    if len(stale) >= p.threshold:
        return failed(f"{len(stale)} 个应更新栏目未按期更新（阈值 {p.threshold}）：{names}", ev, **details)
    out = passed(f"检查 {len(seen)} 个应更新栏目，未按期更新 {len(stale)} 个（阈值 {p.threshold}）"
                 + (f"：{names}" if stale else ""), ev, **details)
    out.warning = p.warn_threshold is not None and len(stale) >= p.warn_threshold
    return out


@dataclass(frozen=True)
class CadenceParams:
    path: ColumnPath
    period: str  # week | month | quarter | year
    periods: int = 3

    def __post_init__(self) -> None:
        if self.period not in ("week", "month", "quarter", "year"):
            raise ValueError("period 应为 week | month | quarter | year")
        if self.periods < 1:
            raise ValueError("periods 至少为 1")


def _period_start(d: date, period: str) -> date:
    if period == "week":
        return d - timedelta(days=d.weekday())
    if period == "month":
        return d.replace(day=1)
    if period == "quarter":
        return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    return date(d.year, 1, 1)


def _previous_start(start: date, period: str) -> date:
    return _period_start(start - timedelta(days=1), period)


_PERIOD_CN = {"week": "周", "month": "月", "quarter": "季度", "year": "年"}


@check("update_cadence", CadenceParams)
def update_cadence(site: SiteModel, p: CadenceParams, ctx: CheckContext) -> Outcome:
    """按周期更新：最近若干个完整周期（如每月）栏目内每期都有新信息。"""
    if (o := _not_crawled(site)) is not None:
        return o
    items = items_in(site, p.path, ctx)
    if items is None:
        return failed(f"未找到栏目“{' > '.join(p.path)}”", missing=[p.path[-1]])
    cols = find_columns(site, p.path, ctx.synonyms)
    ev = [Evidence(cols[0].url or site.site_url, cols[0].display_path())]
    end = _period_start(ctx.as_of, p.period)  # the current, unfinished period is not judged
    gaps = []
    for _ in range(p.periods):
        start = _previous_start(end, p.period)
        if not any(i.date and start <= i.date < end for i in items):
            gaps.append(f"{start}～{end - timedelta(days=1)}")
        end = start
    unit = _PERIOD_CN[p.period]
    if gaps:
        return failed(f"最近 {p.periods} 个{unit}中有 {len(gaps)} 个{unit}没有更新：{'；'.join(gaps)}", ev, gaps=gaps)
    return passed(f"最近 {p.periods} 个{unit}每{unit}均有更新", ev)
