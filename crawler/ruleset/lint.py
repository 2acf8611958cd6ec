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


def default_law_file(seeds_dir: Path | None) -> Path | None:
    """The law's own sentences (shared/law.md), next to the seeds."""
    env = os.environ.get("GOVAUDIT_LAW")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[2]
    cands = [here.parent / "shared" / "law.md", Path.cwd().parent / "shared" / "law.md"]
    if seeds_dir is not None:
        cands.insert(0, seeds_dir.parent / "law.md")
    for cand in cands:
        if cand.is_file():
            return cand
    return None


def is_national(path: Path) -> bool:
    return path.name.startswith("national-")


_LATIN_WORDS = re.compile(r"[A-Za-z]{3,}(?:\s+[A-Za-z]{2,}){2,}")


def _squash(s: str) -> str:
    return _WS.sub("", s)


def lint(paths: list[str], seeds: str | Path | None = None, law: str | Path | None = None) -> tuple[list[str], int, int]:
    """Returns (problems, files checked, rules checked).

    Quotes are checked against their sources: a notice rule's against its seed file, a
    national rule's (rules/national-*.yaml) against the law's own sentences (law.md, next
    to the seeds). A missing source is a problem, never a silent skip."""
    seeds_dir = Path(seeds) if seeds else default_seeds_dir()
    law_file = Path(law) if law else default_law_file(seeds_dir)
    law_text: str | None = None
    if law_file is not None and law_file.is_file():
        law_text = _squash(law_file.read_text(encoding="utf-8", errors="replace"))
    problems: list[str] = []
    reported: set[str] = set()
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
                if r.source.quote and _LATIN_WORDS.search(r.source.quote):
                    problems.append(f"{loc}: 规则 {r.id} 的引文是英文（引文应为中文原文，无原文可引时不写 quote）")
                if r.source.file and r.source.quote:
                    if seeds_dir is None:
                        if "seeds" not in reported:
                            reported.add("seeds")
                            problems.append(f"{loc}: 找不到通知原文目录 seeds（请用 --seeds 指定，如 ../shared/seeds），无法核对引文")
                        continue
                    if r.source.file not in texts:
                        sp = seeds_dir / r.source.file
                        texts[r.source.file] = _squash(sp.read_text(encoding="utf-8", errors="replace")) if sp.is_file() else None
                    text = texts[r.source.file]
                    if text is None:
                        problems.append(f"{loc}: 规则 {r.id} 的通知原文 {seeds_dir / r.source.file} 不存在，无法核对引文")
                    elif _squash(r.source.quote) not in text:
                        problems.append(f"{loc}: 规则 {r.id} 的引文未在通知原文 {r.source.file} 中找到（请逐字摘录原文）")
                elif is_national(f) and r.source.quote:
                    if law_text is None:
                        if "law" not in reported:
                            reported.add("law")
                            problems.append(f"{loc}: 找不到法规原文 law.md（应在通知原文目录旁，如 ../shared/law.md；"
                                            f"或设环境变量 GOVAUDIT_LAW），无法核对国家规则的引文")
                    elif _squash(r.source.quote) not in law_text:
                        problems.append(f"{loc}: 规则 {r.id} 的引文未在法规原文 law.md 中找到（请逐字摘录法条原文）")
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
