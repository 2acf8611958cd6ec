"""What a check is: a pure function (SiteModel, params, context) → Outcome.

A check declares its parameters as a frozen dataclass; the rule loader builds that
dataclass from YAML once, strictly (unknown or mistyped parameters fail at load time), so
checks never parse strings. A check reports only what it saw; the evaluator stamps the
rule's id, severity, units and deadline on it.

Parameter types (annotations on the params dataclass):
  ColumnPath   "政务公开>政府信息公开目录>政策解读" or a list → tuple of names
  Names        "视频/图片/文字", "视频、图片、文字" or a list → tuple of names
  Keywords     ["税费优惠|税收优惠", "指南"] → ((alt, alt), (term,)) — all terms, any alternative
  int, float, bool, str, Optional[...] , tuple[str, ...], tuple[dict, ...]
"""
from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal, Union

from crawler.text.names import Synonyms

ColumnPath = Annotated[tuple[str, ...], "path"]
Names = Annotated[tuple[str, ...], "names"]
Keywords = Annotated[tuple[tuple[str, ...], ...], "keywords"]

STATUSES = ("pass", "fail", "pending", "unknown")


@dataclass(frozen=True)
class Evidence:
    url: str
    text: str = ""


@dataclass
class Outcome:
    status: str  # pass | fail | unknown (the evaluator turns a not-yet-due fail into pending)
    message: str  # Chinese, for the report
    evidence: list[Evidence] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)  # e.g. {"missing": ["视频"]}
    warning: bool = False  # passes, but close to the limit (预警)


def passed(message: str, evidence: list[Evidence] | None = None, **details: Any) -> Outcome:
    return Outcome("pass", message, evidence or [], details)


def failed(message: str, evidence: list[Evidence] | None = None, **details: Any) -> Outcome:
    return Outcome("fail", message, evidence or [], details)


def unknown(message: str, evidence: list[Evidence] | None = None, **details: Any) -> Outcome:
    return Outcome("unknown", message, evidence or [], details)


@dataclass(frozen=True)
class CheckContext:
    as_of: date
    synonyms: Synonyms


@dataclass(frozen=True)
class NoParams:
    pass


CheckFunc = Callable[[Any, Any, CheckContext], Outcome]


@dataclass(frozen=True)
class CheckSpec:
    name: str
    params: type
    func: CheckFunc
    doc: str  # first line of the function's docstring, Chinese summary for users
    needs: tuple[str, ...] = ()  # site data beyond pages: "link_checks", "probes", "site_facts"
    needs_homepage: bool = True  # judges what the crawl saw: `unknown` when the site was unreachable

    def __call__(self, site: Any, params: Any, ctx: CheckContext) -> Outcome:
        return self.func(site, params, ctx)


def check(name: str, params: type = NoParams, *, needs: tuple[str, ...] = (),
          needs_homepage: bool = True) -> Callable[[CheckFunc], CheckSpec]:
    """Declare a check. The registry in `crawler.checks` lists every declared check.
    `needs_homepage=False` for the few checks whose evidence does not come from the crawl
    (availability probes, DNS), which can still judge a site the crawl could not reach."""

    def wrap(func: CheckFunc) -> CheckSpec:
        doc = (func.__doc__ or name).strip().splitlines()[0]
        return CheckSpec(name=name, params=params, func=func, doc=doc, needs=needs, needs_homepage=needs_homepage)

    return wrap


# -- parameter building ---------------------------------------------------------------------
class ParamError(ValueError):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


_PATH_SPLIT = re.compile(r"\s*(?:>|＞|&gt;|»|›)\s*")
_NAMES_SPLIT = re.compile(r"\s*[/／、,，]\s*")


def parse_path(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        parts = [p.strip() for p in _PATH_SPLIT.split(value.strip())]
    elif isinstance(value, (list, tuple)) and all(isinstance(x, str) for x in value):
        parts = [x.strip() for x in value]
    else:
        raise ValueError("应为“A>B>C”形式的栏目路径或名称列表")
    if parts and parts[0] in ("政府网站", "网站", "门户网站", "政府门户网站", "首页"):
        parts = parts[1:]
    if not parts or any(not p for p in parts):
        raise ValueError("栏目路径不能有空的层级")
    return tuple(parts)


def parse_names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        parts = [p.strip() for p in _NAMES_SPLIT.split(value.strip())]
    elif isinstance(value, (list, tuple)) and all(isinstance(x, str) for x in value):
        parts = [x.strip() for x in value]
    else:
        raise ValueError("应为“视频/图片/文字”形式的名称或名称列表")
    if not parts or any(not p for p in parts):
        raise ValueError("名称列表不能有空项")
    return tuple(parts)


def parse_keywords(value: Any) -> tuple[tuple[str, ...], ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not value or not all(isinstance(x, str) for x in value):
        raise ValueError("应为关键词列表，例如 [税费优惠|税收优惠, 指南]")
    out = []
    for term in value:
        alts = tuple(a.strip() for a in term.split("|") if a.strip())
        if not alts:
            raise ValueError("关键词不能为空")
        out.append(alts)
    return tuple(out)


def _convert(value: Any, tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin is Annotated:
        base, *marks = typing.get_args(tp)
        kind = marks[0]
        if kind == "path":
            return parse_path(value)
        if kind == "names":
            return parse_names(value)
        if kind == "keywords":
            return parse_keywords(value)
        return _convert(value, base)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        last: Exception | None = None
        for a in args:
            try:
                return _convert(value, a)
            except ValueError as e:
                last = e
        raise last or ValueError("类型不符")
    if origin is Literal:
        allowed = typing.get_args(tp)
        if value not in allowed:
            raise ValueError("应为 " + " | ".join(map(str, allowed)) + " 之一")
        return value
    if origin is tuple:
        item_types = typing.get_args(tp)
        if not isinstance(value, (list, tuple)):
            if isinstance(value, str) and item_types and item_types[0] is str:
                return parse_names(value)
            raise ValueError("应为列表")
        return tuple(_convert(v, item_types[0]) for v in value)
    if tp is bool:
        if not isinstance(value, bool):
            raise ValueError("应为 true 或 false")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("应为整数")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("应为数字")
        return float(value)
    if tp is str:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ValueError("应为字符串")
        return str(value)
    if tp is dict or origin is dict:
        if not isinstance(value, dict):
            raise ValueError("应为映射")
        return dict(value)
    raise ValueError(f"不支持的参数类型 {tp}")


def build_params(spec: CheckSpec, raw: dict[str, Any]) -> Any:
    """Build the check's params dataclass from YAML values; ParamError names the key."""
    hints = typing.get_type_hints(spec.params, include_extras=True)
    fields = {f.name: f for f in dataclasses.fields(spec.params)}
    for key in raw:
        if key not in fields:
            allowed = ", ".join(fields) or "（无参数）"
            raise ParamError(key, f"检查 {spec.name} 没有参数 “{key}”（可用参数：{allowed}）")
    kwargs: dict[str, Any] = {}
    for name, f in fields.items():
        if name in raw:
            try:
                kwargs[name] = _convert(raw[name], hints[name])
            except ValueError as e:
                raise ParamError(name, f"检查 {spec.name} 的参数 “{name}” 无效：{e}") from None
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ParamError(name, f"检查 {spec.name} 缺少必填参数 “{name}”")
    try:
        return spec.params(**kwargs)
    except (ValueError, TypeError) as e:
        raise ParamError("params", f"检查 {spec.name} 的参数无效：{e}") from None


def param_names(spec: CheckSpec) -> list[str]:
    return [f.name for f in dataclasses.fields(spec.params)]
