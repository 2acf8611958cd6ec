"""Rule files: the schema (`AuditRule`) and the strict loader.

A rule file is YAML (docs in rules/README.md). The loader checks every key, builds each
check's typed parameters once (shorthand such as `path: A>B>C` and `children: 视频/图片/文字`
is parsed here and nowhere else), and reports the first problem of each rule as
`file:line: message (fix)`. Scrapy has its own `Rule`; ours is `AuditRule`.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from crawler.checks import REGISTRY, build_params
from crawler.checks.base import ParamError

SEVERITIES = ("veto", "major", "minor", "warning", "info")
RUBRIC_CATEGORIES = ("veto", "deduct", "warn", "bonus")
RULE_KEYS = {"id", "title", "check", "path", "children", "params", "severity", "source", "deadline",
             "lead_units", "responsible_units", "note", "rubric", "draft"}
FILE_KEYS = {"schema", "document", "file", "issuer", "number", "year", "notes", "rules", "draft"}
SOURCE_KEYS = {"document", "file", "section", "quote"}
RUBRIC_KEYS = {"category", "indicator", "points", "max_points"}
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SCHEMA = "govaudit.rules/1"


class RuleFileError(ValueError):
    """A problem in a rule file, located: `str(e)` is `file:line: message`."""

    def __init__(self, file: str | Path, line: int | None, message: str) -> None:
        self.file, self.line, self.message = str(file), line, message
        super().__init__(f"{file}:{line}: {message}" if line else f"{file}: {message}")


@dataclass(frozen=True)
class Source:
    document: str = ""
    file: str | None = None
    section: str = ""
    quote: str = ""


@dataclass(frozen=True)
class Rubric:
    category: str  # veto | deduct | warn | bonus
    indicator: str = ""
    points: float = 0.0
    max_points: float | None = None


@dataclass(frozen=True)
class AuditRule:
    id: str
    title: str
    check: str
    params: Any  # the check's params dataclass
    severity: str = "major"
    source: Source = field(default_factory=Source)
    deadline: date | None = None
    cadence: str | None = None  # deadline given as a cadence (长期开展, 全年, 每月底前 …)
    lead_units: tuple[str, ...] = ()
    responsible_units: tuple[str, ...] = ()
    note: str = ""
    rubric: Rubric | None = None
    draft: bool = False
    file: str = ""  # the rule file it came from
    line: int = 0

    @property
    def deadline_text(self) -> str:
        return self.deadline.isoformat() if self.deadline else (self.cadence or "")


@dataclass
class RuleFile:
    path: str
    document: str
    file: str | None
    issuer: str
    year: int | None
    rules: list[AuditRule]
    notes: str = ""
    draft: bool = False


# -- YAML with line numbers ---------------------------------------------------------------
class _LineDict(dict):  # type: ignore[type-arg]
    line: int = 0
    key_lines: dict[str, int]


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    d = _LineDict()
    d.line = node.start_mark.line + 1
    d.key_lines = {}
    for k_node, v_node in node.value:
        key = loader.construct_object(k_node, deep=True)
        if isinstance(key, (list, dict)):
            raise yaml.constructor.ConstructorError(None, None, "映射的键不能是列表或映射", k_node.start_mark)
        if key in d:
            raise yaml.constructor.ConstructorError(None, None, f"重复的键 “{key}”", k_node.start_mark)
        d[key] = loader.construct_object(v_node, deep=True)
        d.key_lines[str(key)] = k_node.start_mark.line + 1
    return d


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    """Dates stay strings here (parse_deadline validates them, naming the line)."""
    return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _line(d: Any, key: str | None = None) -> int | None:
    if isinstance(d, _LineDict):
        return d.key_lines.get(key, d.line) if key else d.line
    return None


# -- helpers -------------------------------------------------------------------------------
_CN_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(?:(\d{1,2})日|底)?前?$")


def parse_deadline(value: Any, year: int | None = None) -> tuple[date | None, str | None]:
    """ISO date → (date, None); a cadence string → (None, cadence). Raises ValueError."""
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
        raise ValueError(f"日期 “{s}” 应规范为 ISO 格式 YYYY-MM-DD（如 2022年6月底前 → 2022-06-30）")
    return None, s


def _str_list(v: Any, what: str) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str):
        return tuple(x.strip() for x in re.split(r"[、，,\n]", v) if x.strip())
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return tuple(x.strip() for x in v if x.strip())
    raise ValueError(f"{what} 应为单位名称列表")


def _close(word: str, options: Iterable[str]) -> str:
    import difflib

    m = difflib.get_close_matches(word, list(options), n=1)
    return f"，是否应为 “{m[0]}”？" if m else ""


# -- loading -------------------------------------------------------------------------------
def load_rule_file(path: str | Path, errors: list[RuleFileError] | None = None) -> RuleFile:
    """Load one rule file. With an `errors` list, a bad rule is recorded there and
    skipped (the linter reports them all); without one, the first problem raises."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuleFileError(p, None, "文件不存在（请检查 --rules 路径）") from None
    except UnicodeDecodeError:
        raise RuleFileError(p, None, "不是 UTF-8 编码的文本（请另存为 UTF-8）") from None
    except OSError as e:
        raise RuleFileError(p, None, f"无法读取：{e.strerror}") from None
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        raise RuleFileError(p, line, f"YAML 语法错误：{e.problem or e.context}（检查缩进、冒号和引号）") from None
    except yaml.YAMLError as e:
        raise RuleFileError(p, None, f"YAML 语法错误：{e}") from None
    except RecursionError:  # thousands of nested [ or { (hostile or corrupt file)
        raise RuleFileError(p, None, "YAML 嵌套层数过深（请检查括号是否成对）") from None
    if not isinstance(data, dict):
        raise RuleFileError(p, 1, "规则文件应为映射，顶层需有 rules: 列表")
    unknown = set(data) - FILE_KEYS
    if unknown:
        k = sorted(map(str, unknown))[0]
        raise RuleFileError(p, _line(data, k), f"未知的顶层键 “{k}”{_close(k, FILE_KEYS)}（可用：{', '.join(sorted(FILE_KEYS))}）")
    if data.get("schema", SCHEMA) != SCHEMA:
        raise RuleFileError(p, _line(data, "schema"), f"不支持的 schema “{data.get('schema')}”（应为 {SCHEMA}）")
    rules_raw = data.get("rules")
    if not isinstance(rules_raw, list):
        raise RuleFileError(p, _line(data, "rules"), "缺少 rules: 列表（每条规则为一个映射）")
    year = data.get("year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
        raise RuleFileError(p, _line(data, "year"), "year 应为四位整数年份，如 2021")
    document = str(data.get("document") or "")
    seed = data.get("file")
    file_draft = bool(data.get("draft", False))
    out: list[AuditRule] = []
    for raw in rules_raw:
        try:
            out.append(_load_rule(p, raw, document, seed, year, file_draft))
        except RuleFileError as e:
            if errors is None:
                raise
            errors.append(e)
    return RuleFile(path=str(p), document=document, file=seed, issuer=str(data.get("issuer") or ""),
                    year=year, rules=out, notes=str(data.get("notes") or ""), draft=file_draft)


def _load_rule(p: Path, raw: Any, document: str, seed: str | None, year: int | None, file_draft: bool) -> AuditRule:
    if not isinstance(raw, dict):
        raise RuleFileError(p, None, "rules 中每一项应为映射（以 “- id: …” 开头）")
    line = _line(raw) or 0

    def err(key: str | None, msg: str) -> RuleFileError:
        rid = raw.get("id")
        prefix = f"规则 {rid}：" if isinstance(rid, str) else ""
        return RuleFileError(p, _line(raw, key) if key else line, prefix + msg)

    unknown = set(raw) - RULE_KEYS
    if unknown:
        k = sorted(map(str, unknown))[0]
        raise err(k, f"未知的键 “{k}”{_close(k, RULE_KEYS)}（可用：{', '.join(sorted(RULE_KEYS))}）")
    for req in ("id", "title", "check"):
        if not isinstance(raw.get(req), str) or not raw[req].strip():
            raise err(req if req in raw else None, f"缺少必填字段 “{req}”（字符串）")
    rid = raw["id"].strip()
    if not _ID_RE.match(rid):
        raise err("id", f"id “{rid}” 只能包含小写字母、数字和连字符（如 yuzhong-2021-zcjd-video）")
    name = raw["check"].strip()
    spec = REGISTRY.get(name)
    if spec is None:
        raise err("check", f"未知的检查 “{name}”{_close(name, REGISTRY)}（可用：{', '.join(sorted(REGISTRY))}）")
    params_raw = raw.get("params") or {}
    if not isinstance(params_raw, dict):
        raise err("params", "params 应为映射")
    params_raw = dict(params_raw)
    for short in ("path", "children"):
        if short in raw:
            if short in params_raw:
                raise err(short, f"“{short}” 同时写在规则和 params 中，只保留一处")
            params_raw[short] = raw[short]
    try:
        params = build_params(spec, params_raw)
    except ParamError as e:
        key = e.key if e.key in raw else "params"
        raise err(key, str(e)) from None
    severity = raw.get("severity", "major")
    if severity not in SEVERITIES:
        raise err("severity", f"severity “{severity}” 无效（可用：{' | '.join(SEVERITIES)}）")
    src_raw = raw.get("source") or {}
    if not isinstance(src_raw, dict):
        raise err("source", "source 应为映射（section, quote）")
    bad = set(src_raw) - SOURCE_KEYS
    if bad:
        k = sorted(map(str, bad))[0]
        raise err("source", f"source 中未知的键 “{k}”（可用：{', '.join(sorted(SOURCE_KEYS))}）")
    for k in SOURCE_KEYS:
        if src_raw.get(k) is not None and not isinstance(src_raw.get(k), (str, int)):
            raise err("source", f"source.{k} 应为字符串")
    source = Source(
        document=str(src_raw.get("document") or document),
        file=src_raw.get("file") or seed,
        section=str(src_raw.get("section") or ""),
        quote=str(src_raw.get("quote") or ""),
    )
    try:
        deadline, cadence = parse_deadline(raw.get("deadline"), year)
        lead = _str_list(raw.get("lead_units"), "lead_units")
        resp = _str_list(raw.get("responsible_units"), "responsible_units")
    except ValueError as e:
        key = "deadline" if "deadline" in str(e) or "日期" in str(e) else "lead_units"
        raise err(key, str(e)) from None
    rubric = None
    if raw.get("rubric") is not None:
        rb = raw["rubric"]
        if not isinstance(rb, dict) or set(rb) - RUBRIC_KEYS or rb.get("category") not in RUBRIC_CATEGORIES:
            raise err("rubric", f"rubric 应为 {{category: {'|'.join(RUBRIC_CATEGORIES)}, indicator: 指标名, points: 分值}}")
        try:
            rubric = Rubric(category=rb["category"], indicator=str(rb.get("indicator") or ""),
                            points=float(rb.get("points") or 0),
                            max_points=float(rb["max_points"]) if rb.get("max_points") is not None else None)
        except (TypeError, ValueError):
            raise err("rubric", "rubric.points / max_points 应为数字") from None
    draft = raw.get("draft", file_draft)
    if not isinstance(draft, bool):
        raise err("draft", "draft 应为 true 或 false")
    return AuditRule(
        id=rid, title=raw["title"].strip(), check=name, params=params, severity=severity, source=source,
        deadline=deadline, cadence=cadence, lead_units=lead, responsible_units=resp,
        note=str(raw.get("note") or ""), rubric=rubric, draft=draft, file=str(p), line=line,
    )


def rule_files_in(path: str | Path) -> list[Path]:
    """A rule file, or every *.yaml in a folder (synonyms.yaml excluded)."""
    p = Path(path)
    if p.is_dir():
        return sorted(f for f in p.glob("*.y*ml") if f.name not in ("synonyms.yaml", "synonyms.yml"))
    return [p]


def load_rules(paths: Iterable[str | Path]) -> list[AuditRule]:
    """Load rule files and folders; duplicate ids across files are an error."""
    rules: list[AuditRule] = []
    seen: dict[str, AuditRule] = {}
    any_file = False
    for path in paths:
        files = rule_files_in(path)
        if not files and Path(path).is_dir():
            raise RuleFileError(path, None, "目录中没有 .yaml 规则文件")
        for f in files:
            any_file = True
            for r in load_rule_file(f).rules:
                if r.id in seen:
                    o = seen[r.id]
                    raise RuleFileError(f, r.line, f"规则 id “{r.id}” 重复（已在 {o.file}:{o.line} 定义），请改名")
                seen[r.id] = r
                rules.append(r)
    if not any_file:
        raise RuleFileError("--rules", None, "没有给出规则文件")
    return rules
