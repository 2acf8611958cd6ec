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

from crawler.checks import REGISTRY, build_params
from crawler.checks.base import ParamError
from crawler.ruleset.yamlfile import YamlFileError, line_of, load_yaml
from crawler.text.deadlines import parse_deadline

SEVERITIES = ("veto", "major", "minor", "warning", "info")
RUBRIC_CATEGORIES = ("veto", "deduct", "warn", "bonus")
RULE_KEYS = {"id", "title", "check", "path", "children", "params", "severity", "source", "deadline",
             "lead_units", "responsible_units", "note", "rubric", "draft", "applies_to"}
FILE_KEYS = {"schema", "document", "file", "issuer", "number", "year", "notes", "rules", "draft", "applies_to"}
APPLIES_KEYS = {"kinds", "region"}
# the site kinds a rule may be restricted to (crawler.judge.applicability infers a site's kind)
SITE_KINDS = ("政府门户网站", "部门网站", "乡镇（街道）网站")
SOURCE_KEYS = {"document", "file", "section", "quote"}
RUBRIC_KEYS = {"category", "indicator", "points", "max_points"}
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SCHEMA = "govaudit.rules/1"


class RuleFileError(YamlFileError):
    """A problem in a rule file, located: `str(e)` is `file:line: message`."""


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
    kinds: tuple[str, ...] = ()  # site kinds the rule applies to (empty: every kind)
    region: str = ""  # the region the notice binds, e.g. 重庆市渝中区 ("": nationwide)
    explicit: bool = False  # its file was named as a file (not a folder): applies as given
    notice: str = ""  # the file's `document` (the notice whose completion it counts toward)

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
    kinds: tuple[str, ...] = ()
    region: str = ""


# -- helpers -------------------------------------------------------------------------------
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


def parse_applies_to(value: Any, base: tuple[tuple[str, ...], str] = ((), "")) -> tuple[tuple[str, ...], str]:
    """`applies_to: {kinds: [政府门户网站, …], region: 重庆市渝中区}` → (kinds, region); keys not
    given keep `base` (the file-level default). Raises ValueError with the fix."""
    if not isinstance(value, dict):
        raise ValueError("applies_to 应为映射，如 {kinds: [政府门户网站, 部门网站], region: 重庆市渝中区}")  # noqa: TRY004
    bad = set(map(str, value)) - APPLIES_KEYS
    if bad:
        k = min(bad)
        raise ValueError(f"applies_to 中未知的键 “{k}”{_close(k, APPLIES_KEYS)}（可用：kinds, region）")
    kinds, region = base
    if "kinds" in value:
        raw = value["kinds"]
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list) or not raw or not all(isinstance(k, str) for k in raw):
            raise ValueError(f"applies_to.kinds 应为非空列表，取值：{'、'.join(SITE_KINDS)}")
        for k in raw:
            if k.strip() not in SITE_KINDS:
                raise ValueError(f"applies_to.kinds 中的 “{k}” 无效{_close(k, SITE_KINDS)}（可用：{'、'.join(SITE_KINDS)}）")
        kinds = tuple(dict.fromkeys(k.strip() for k in raw))
    if "region" in value:
        r = value["region"]
        if r is None:
            region = ""
        elif not isinstance(r, str) or not r.strip() or not re.search(r"[省市区县州旗盟]$", r.strip()):
            raise ValueError("applies_to.region 应为通知约束的行政区划名称，如 重庆市渝中区（全国适用时省略）")
        else:
            region = r.strip()
    return kinds, region


# -- loading -------------------------------------------------------------------------------
def load_rule_file(path: str | Path, errors: list[RuleFileError] | None = None) -> RuleFile:
    """Load one rule file. With an `errors` list, a bad rule is recorded there and
    skipped (the linter reports them all); without one, the first problem raises."""
    p = Path(path)
    data = load_yaml(p, RuleFileError, option="--rules")
    if not isinstance(data, dict):
        raise RuleFileError(p, 1, "规则文件应为映射，顶层需有 rules: 列表")
    unknown = set(data) - FILE_KEYS
    if unknown:
        k = min(map(str, unknown))
        raise RuleFileError(p, line_of(data, k), f"未知的顶层键 “{k}”{_close(k, FILE_KEYS)}（可用：{', '.join(sorted(FILE_KEYS))}）")
    if data.get("schema", SCHEMA) != SCHEMA:
        raise RuleFileError(p, line_of(data, "schema"), f"不支持的 schema “{data.get('schema')}”（应为 {SCHEMA}）")
    rules_raw = data.get("rules")
    if not isinstance(rules_raw, list):
        raise RuleFileError(p, line_of(data, "rules"), "缺少 rules: 列表（每条规则为一个映射）")
    year = data.get("year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
        raise RuleFileError(p, line_of(data, "year"), "year 应为四位整数年份，如 2021")
    document = str(data.get("document") or "")
    seed = data.get("file")
    file_draft = bool(data.get("draft", False))
    applies: tuple[tuple[str, ...], str] = ((), "")
    if "applies_to" in data:
        try:
            applies = parse_applies_to(data["applies_to"])
        except ValueError as e:
            raise RuleFileError(p, line_of(data, "applies_to"), str(e)) from None
    out: list[AuditRule] = []
    for raw in rules_raw:
        try:
            out.append(_load_rule(p, raw, document, seed, year, file_draft, applies))
        except RuleFileError as e:
            if errors is None:
                raise
            errors.append(e)
    return RuleFile(path=str(p), document=document, file=seed, issuer=str(data.get("issuer") or ""),
                    year=year, rules=out, notes=str(data.get("notes") or ""), draft=file_draft,
                    kinds=applies[0], region=applies[1])


def _load_rule(p: Path, raw: Any, document: str, seed: str | None, year: int | None, file_draft: bool,
               applies: tuple[tuple[str, ...], str] = ((), "")) -> AuditRule:
    if not isinstance(raw, dict):
        raise RuleFileError(p, None, "rules 中每一项应为映射（以 “- id: …” 开头）")
    line = line_of(raw) or 0
    err = _RuleProblem(p, raw, line)
    unknown = set(raw) - RULE_KEYS
    if unknown:
        k = min(map(str, unknown))
        raise err(k, f"未知的键 “{k}”{_close(k, RULE_KEYS)}（可用：{', '.join(sorted(RULE_KEYS))}）")
    for req in ("id", "title", "check"):
        if not isinstance(raw.get(req), str) or not raw[req].strip():
            raise err(req if req in raw else None, f"缺少必填字段 “{req}”（字符串）")
    rid = raw["id"].strip()
    if not _ID_RE.match(rid):
        raise err("id", f"id “{rid}” 只能包含小写字母、数字和连字符（如 yuzhong-2021-zcjd-video）")
    name = raw["check"].strip()
    params = _params(raw, name, err)
    severity = raw.get("severity", "major")
    if severity not in SEVERITIES:
        raise err("severity", f"severity “{severity}” 无效（可用：{' | '.join(SEVERITIES)}）")
    source = _source(raw, document, seed, err)
    try:
        deadline, cadence = parse_deadline(raw.get("deadline"), year)
        lead = _str_list(raw.get("lead_units"), "lead_units")
        resp = _str_list(raw.get("responsible_units"), "responsible_units")
    except ValueError as e:
        key = "deadline" if "deadline" in str(e) or "日期" in str(e) else "lead_units"
        raise err(key, str(e)) from None
    rubric = _rubric(raw, err)
    draft = raw.get("draft", file_draft)
    if not isinstance(draft, bool):
        raise err("draft", "draft 应为 true 或 false")
    kinds, region = applies
    if "applies_to" in raw:
        try:
            kinds, region = parse_applies_to(raw["applies_to"], applies)
        except ValueError as e:
            raise err("applies_to", str(e)) from None
    params = _pin_report_year(name, params, deadline, err)
    return AuditRule(
        id=rid, title=raw["title"].strip(), check=name, params=params, severity=severity, source=source,
        deadline=deadline, cadence=cadence, lead_units=lead, responsible_units=resp,
        note=str(raw.get("note") or ""), rubric=rubric, draft=draft, file=str(p), line=line,
        kinds=kinds, region=region, notice=document,
    )


class _RuleProblem:
    """Builds a located error for one rule: at the line of `key` (else the rule's line),
    prefixed with the rule's id when it has one."""

    def __init__(self, p: Path, raw: dict[str, Any], line: int) -> None:
        self.p, self.raw, self.line = p, raw, line

    def __call__(self, key: str | None, msg: str) -> RuleFileError:
        rid = self.raw.get("id")
        prefix = f"规则 {rid}：" if isinstance(rid, str) else ""
        return RuleFileError(self.p, line_of(self.raw, key) if key else self.line, prefix + msg)


def _params(raw: dict[str, Any], name: str, err: _RuleProblem) -> Any:
    """The check's typed parameters (`path`/`children` may sit on the rule itself)."""
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
        return build_params(spec, params_raw)
    except ParamError as e:
        key = e.key if e.key in raw else "params"
        raise err(key, str(e)) from None


def _source(raw: dict[str, Any], document: str, seed: str | None, err: _RuleProblem) -> Source:
    src_raw = raw.get("source") or {}
    if not isinstance(src_raw, dict):
        raise err("source", "source 应为映射（section, quote）")
    bad = set(src_raw) - SOURCE_KEYS
    if bad:
        k = min(map(str, bad))
        raise err("source", f"source 中未知的键 “{k}”（可用：{', '.join(sorted(SOURCE_KEYS))}）")
    for k in SOURCE_KEYS:
        if src_raw.get(k) is not None and not isinstance(src_raw.get(k), (str, int)):
            raise err("source", f"source.{k} 应为字符串")
    return Source(
        document=str(src_raw.get("document") or document),
        file=src_raw.get("file") or seed,
        section=str(src_raw.get("section") or ""),
        quote=str(src_raw.get("quote") or ""),
    )


def _rubric(raw: dict[str, Any], err: _RuleProblem) -> Rubric | None:
    if raw.get("rubric") is None:
        return None
    rb = raw["rubric"]
    if not isinstance(rb, dict) or set(rb) - RUBRIC_KEYS or rb.get("category") not in RUBRIC_CATEGORIES:
        raise err("rubric", f"rubric 应为 {{category: {'|'.join(RUBRIC_CATEGORIES)}, indicator: 指标名, points: 分值}}")
    try:
        return Rubric(category=rb["category"], indicator=str(rb.get("indicator") or ""),
                      points=float(rb.get("points") or 0),
                      max_points=float(rb["max_points"]) if rb.get("max_points") is not None else None)
    except (TypeError, ValueError):
        raise err("rubric", "rubric.points / max_points 应为数字") from None


def _pin_report_year(check: str, params: Any, deadline: date | None, err: _RuleProblem) -> Any:
    """One rule, one deadline, one report year: an `annual_report` rule with a dated
    `deadline` looks for the report of the year before that deadline, due on that date
    (its `due` month-day must agree with the deadline)."""
    if check != "annual_report" or deadline is None:
        return params
    import dataclasses

    due = getattr(params, "due", "")
    if due and due != f"{deadline.month:02d}-{deadline.day:02d}":
        raise err("deadline", f"deadline {deadline.isoformat()} 与 params.due “{due}” 不一致"
                              f"（同一条规则只能有一个时限，请把 due 改为 “{deadline.month:02d}-{deadline.day:02d}”）")
    if getattr(params, "report_year", None) is None:
        params = dataclasses.replace(params, report_year=deadline.year - 1)
    return params


def rule_files_in(path: str | Path) -> list[Path]:
    """A rule file, or every *.yaml in a folder (synonyms.yaml excluded)."""
    p = Path(path)
    if p.is_dir():
        return sorted(f for f in p.glob("*.y*ml") if f.name not in ("synonyms.yaml", "synonyms.yml"))
    return [p]


def load_rules(paths: Iterable[str | Path], *, explicit_files: bool = True) -> list[AuditRule]:
    """Load rule files and folders; duplicate ids across files are an error.

    A rule file named as a file (not found through a folder) is marked `explicit` when
    `explicit_files`: the user chose it for this site, so it applies whatever region it
    binds (crawler.judge.applicability). Rules found in a folder are filtered by the site's
    profile."""
    import dataclasses

    rules: list[AuditRule] = []
    seen: dict[str, AuditRule] = {}
    any_file = False
    for path in paths:
        files = rule_files_in(path)
        if not files and Path(path).is_dir():
            raise RuleFileError(path, None, "目录中没有 .yaml 规则文件")
        explicit = explicit_files and not Path(path).is_dir()
        for f in files:
            any_file = True
            for r in load_rule_file(f).rules:
                if explicit:
                    r = dataclasses.replace(r, explicit=True)
                if r.id in seen:
                    o = seen[r.id]
                    raise RuleFileError(f, r.line, f"规则 id “{r.id}” 重复（已在 {o.file}:{o.line} 定义），请改名")
                seen[r.id] = r
                rules.append(r)
    if not any_file:
        raise RuleFileError("--rules", None, "没有给出规则文件")
    return rules
