"""`govaudit rules check PATH…`: lint rule files.

Reports every problem as `file:line: message` — schema errors (via the strict loader),
duplicate ids across files, unknown checks or parameters, malformed dates, and quotes that
do not occur in the source notice when the notice file is available. Exit 0 clean, 2 not.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from crawler.ruleset.loader import AuditRule, RuleFileError, load_rule_file, rule_files_in

_WS = re.compile(r"\s+")


def default_seeds_dir() -> Path | None:
    env = os.environ.get("GOVAUDIT_SEEDS")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[2]
    for cand in (here.parent / "shared" / "seeds", Path.cwd().parent / "shared" / "seeds", Path.cwd() / "seeds"):
        if cand.is_dir():
            return cand
    return None


def _squash(s: str) -> str:
    return _WS.sub("", s)


def lint(paths: list[str], seeds: str | Path | None = None) -> tuple[list[str], int, int]:
    """Returns (problems, files checked, rules checked)."""
    seeds_dir = Path(seeds) if seeds else default_seeds_dir()
    problems: list[str] = []
    seen: dict[str, AuditRule] = {}
    texts: dict[str, str | None] = {}
    n_files = n_rules = 0
    for path in paths:
        p = Path(path)
        if not p.exists():
            problems.append(f"{p}: 路径不存在（请给出规则文件或 rules/ 目录）")
            continue
        for f in rule_files_in(p):
            n_files += 1
            errors: list[RuleFileError] = []
            try:
                rf = load_rule_file(f, errors)
            except RuleFileError as e:
                problems.append(str(e))
                continue
            problems.extend(str(e) for e in errors)
            for r in rf.rules:
                n_rules += 1
                loc = f"{f}:{r.line}"
                if r.id in seen:
                    o = seen[r.id]
                    problems.append(f"{loc}: 规则 id “{r.id}” 重复（已在 {o.file}:{o.line} 定义），请改名")
                else:
                    seen[r.id] = r
                if r.source.file and not r.draft and not r.source.quote:
                    problems.append(f"{loc}: 规则 {r.id} 缺少 source.quote（请摘录通知原文）")
                if r.source.file and r.source.quote and seeds_dir is not None:
                    if r.source.file not in texts:
                        sp = seeds_dir / r.source.file
                        texts[r.source.file] = _squash(sp.read_text(encoding="utf-8", errors="replace")) if sp.is_file() else None
                    text = texts[r.source.file]
                    if text is not None and _squash(r.source.quote) not in text:
                        problems.append(f"{loc}: 规则 {r.id} 的引文未在通知原文 {r.source.file} 中找到（请逐字摘录原文）")
    return problems, n_files, n_rules


def check_rule_paths(paths: list[str], seeds: str | None = None) -> int:
    problems, n_files, n_rules = lint(paths, seeds)
    for msg in problems:
        print(msg, file=sys.stderr)
    if problems:
        print(f"规则检查未通过：{len(problems)} 处问题（{n_files} 个文件，{n_rules} 条规则）", file=sys.stderr)
        return 2
    print(f"规则检查通过：{n_files} 个文件，{n_rules} 条规则")
    return 0
