"""Checks on the column tree: a column exists, has its sub-columns, in order, is not blank."""
from __future__ import annotations

from dataclasses import dataclass

from crawler.model.build import Column, SiteModel
from crawler.text.names import Synonyms
from crawler.checks.base import (
    CheckContext,
    ColumnPath,
    Evidence,
    Names,
    Outcome,
    check,
    failed,
    passed,
    unknown,
)


def find_columns(site: SiteModel, path: tuple[str, ...], syn: Synonyms) -> list[Column]:
    """Columns matching a rule path, best first.

    The leaf (or a synonym) is looked for anywhere under the disclosure root when the rule
    path is a disclosure path, else anywhere; a candidate ranks higher the better its name
    matches and the more of the rule's ancestors appear among its own. A short generic leaf
    (视频, 图片) must sit under a column matching one of the rule's own ancestors.
    """
    if not path:
        return []
    leaf = path[-1]
    ancestors = path[:-1]
    rule_in_disclosure = any(syn.is_disclosure_root(n) for n in path)
    ranked: list[tuple[tuple[int, int, int], Column]] = []
    for col in site.columns:
        s = syn.score(leaf, col.name)
        if s == 0:
            continue
        if rule_in_disclosure and len(path) > 1 and not site.under_disclosure(col):
            continue
        anc_hits = sum(1 for a in ancestors if any(syn.score(a, n) for n in col.path[:-1]))
        specific = [a for a in ancestors if not syn.is_disclosure_root(a)]
        if len(syn.key(leaf)) <= 2 and specific and not any(
            syn.score(a, n) for a in specific for n in col.path[:-1]
        ):
            continue
        ranked.append(((s, anc_hits, -len(col.path)), col))
    ranked.sort(key=lambda t: t[0], reverse=True)
    return [c for _, c in ranked]


def find_child(parent: Column, name: str, syn: Synonyms, max_depth: int = 2) -> Column | None:
    best: tuple[int, int, Column] | None = None
    for col in parent.walk():
        depth = len(col.path) - len(parent.path)
        if col is parent or depth > max_depth:
            continue
        s = syn.score(name, col.name)
        if s and (best is None or (s, -depth) > (best[0], best[1])):
            best = (s, -depth, col)
    return best[2] if best else None


def _not_crawled(site: SiteModel) -> Outcome | None:
    if not site.reachable:
        return unknown(f"站点无法访问，无法判断（{site.unreachable_reason}）", [Evidence(site.site_url)])
    return None


@dataclass(frozen=True)
class ColumnExistsParams:
    path: ColumnPath


def nearest_column(site: SiteModel, path: tuple[str, ...], ctx: CheckContext) -> dict[str, str]:
    """Where to fix a missing column: the deepest existing column on its path (else the
    disclosure root, else the homepage) → {"path", "url"} for the report's 整改位置."""
    for k in range(len(path) - 1, 0, -1):
        cols = find_columns(site, path[:k], ctx.synonyms)
        if cols:
            return {"path": cols[0].display_path(), "url": cols[0].url or site.site_url}
    roots = site.disclosure_roots() if hasattr(site, "disclosure_roots") else []
    if roots:
        return {"path": roots[0].display_path(), "url": roots[0].url or site.site_url}
    return {"path": "首页", "url": site.homepage_url or site.site_url}


@check("column_exists", ColumnExistsParams)
def column_exists(site: SiteModel, p: ColumnExistsParams, ctx: CheckContext) -> Outcome:
    """栏目存在：按路径末级名称（含同义名）在政府信息公开目录下查找栏目。"""
    if (o := _not_crawled(site)) is not None:
        return o
    found = find_columns(site, p.path, ctx.synonyms)
    want = " > ".join(p.path)
    if found:
        col = found[0]
        return passed(f"已找到栏目“{col.display_path()}”", [Evidence(col.url or site.site_url, col.display_path())],
                      found=list(col.path))
    where = nearest_column(site, tuple(p.path), ctx)
    return failed(f"未找到栏目“{want}”（应在“{where['path']}”下设置）", missing=[p.path[-1]], where=where)


@dataclass(frozen=True)
class SubcolumnsParams:
    path: ColumnPath
    children: Names


def _best_parent(site: SiteModel, path: tuple[str, ...], children: tuple[str, ...], syn: Synonyms
                 ) -> tuple[Column | None, dict[str, Column]]:
    best: tuple[Column | None, dict[str, Column]] = (None, {})
    for col in find_columns(site, path, syn):
        hits = {c: ch for c in children if (ch := find_child(col, c, syn)) is not None}
        if best[0] is None or len(hits) > len(best[1]):
            best = (col, hits)
    return best


@check("subcolumns", SubcolumnsParams)
def subcolumns(site: SiteModel, p: SubcolumnsParams, ctx: CheckContext) -> Outcome:
    """子栏目齐全：栏目下设有全部指定的子栏目（如 视频/图片/文字）。"""
    if (o := _not_crawled(site)) is not None:
        return o
    parent, hits = _best_parent(site, p.path, p.children, ctx.synonyms)
    if parent is None:
        return failed(f"未找到栏目“{' > '.join(p.path)}”，子栏目 {'、'.join(p.children)} 均缺失",
                      missing=list(p.children))
    missing = [c for c in p.children if c not in hits]
    ev = [Evidence(parent.url or site.site_url, parent.display_path())]
    ev += [Evidence(ch.url or parent.url, ch.display_path()) for ch in hits.values()]
    found = {c: ch.name for c, ch in hits.items()}
    if missing:
        return failed(f"栏目“{parent.display_path()}”缺少子栏目：{'、'.join(missing)}", ev,
                      missing=missing, found=found)
    return passed(f"栏目“{parent.display_path()}”下子栏目齐全：{'、'.join(p.children)}", ev, found=found)


@check("column_order", SubcolumnsParams)
def column_order(site: SiteModel, p: SubcolumnsParams, ctx: CheckContext) -> Outcome:
    """子栏目顺序：栏目下的子栏目齐全且按规定顺序排列。"""
    if (o := _not_crawled(site)) is not None:
        return o
    parent, hits = _best_parent(site, p.path, p.children, ctx.synonyms)
    if parent is None:
        where = nearest_column(site, tuple(p.path), ctx)
        return failed(f"未找到栏目“{' > '.join(p.path)}”（应在“{where['path']}”下设置）", missing=list(p.children),
                      where=where)
    missing = [c for c in p.children if c not in hits]
    ev = [Evidence(parent.url or site.site_url, parent.display_path())]
    if missing:
        return failed(f"栏目“{parent.display_path()}”缺少子栏目：{'、'.join(missing)}", ev, missing=missing)
    # the order the site shows: the column page's menu, else discovery order
    shown = [n for n in parent.nav_order if any(ctx.synonyms.score(c, n) for c in p.children)]
    if not shown:
        shown = [ch.name for ch in parent.children]
    positions = []
    for c in p.children:
        pos = next((i for i, n in enumerate(shown) if ctx.synonyms.score(c, n)), None)
        positions.append(pos)
    order = [hits[c].name for c in p.children]
    if None in positions:
        return unknown(f"无法从页面菜单判断子栏目顺序（已找到：{'、'.join(order)}）", ev)
    if positions == sorted(positions):  # type: ignore[type-var]
        return passed(f"子栏目顺序正确：{' → '.join(order)}", ev)
    actual = [n for n in shown]
    return failed(f"子栏目顺序不符：应为 {' → '.join(p.children)}，网站为 {' → '.join(actual)}", ev,
                  expected=list(p.children), actual=actual)


@dataclass(frozen=True)
class BlankColumnsParams:
    threshold: int = 1
    under: ColumnPath | None = None


@check("blank_columns", BlankColumnsParams)
def blank_columns(site: SiteModel, p: BlankColumnsParams, ctx: CheckContext) -> Outcome:
    """空白栏目：从未发布过信息的栏目数量达到阈值即不合格。"""
    if (o := _not_crawled(site)) is not None:
        return o
    scope: list[Column] = site.columns
    if p.under:
        roots = find_columns(site, p.under, ctx.synonyms)
        scope = [c for r in roots[:1] for c in r.walk() if c is not r]
    blank = [c for c in scope if c.empty and not c.children]
    ev = [Evidence(c.url, c.display_path()) for c in blank]
    names = "、".join(c.display_path() for c in blank[:10]) + ("等" if len(blank) > 10 else "")
    if len(blank) >= p.threshold:
        return failed(f"发现 {len(blank)} 个空白栏目（阈值 {p.threshold}）：{names}", ev,
                      count=len(blank), blank=[list(c.path) for c in blank])
    msg = f"空白栏目 {len(blank)} 个，未达阈值 {p.threshold}" + (f"：{names}" if blank else "")
    return passed(msg, ev, count=len(blank), blank=[list(c.path) for c in blank])
