from __future__ import annotations

from pathlib import Path

from tests.support import ROOT, SEEDS
from crawler.ruleset.lint import check_rule_paths, lint

RULE = """\
schema: govaudit.rules/1
document: 渝中区2021年政务公开工作要点任务分工
file: 003_f1f23c2a90ae0336.txt
year: 2021
rules:
  - id: a-1
    title: 规划信息
    check: column_exists
    path: 政府信息公开>法定主动公开内容>规划信息>专项规划
    source: {quote: "{QUOTE}"}
"""


def _seed(tmp_path: Path) -> Path:
    d = tmp_path / "seeds"
    d.mkdir()
    (d / "003_f1f23c2a90ae0336.txt").write_text("公开渝中区“十四五”重点专项规划（公开路径：…）。", encoding="utf-8")
    return d


def test_quote_found_passes(tmp_path, capsys):
    seeds = _seed(tmp_path)
    (tmp_path / "r.yaml").write_text(RULE.replace("{QUOTE}", "公开渝中区“十四五”重点专项规划"), encoding="utf-8")
    assert check_rule_paths([str(tmp_path / "r.yaml")], seeds=str(seeds)) == 0
    assert "规则检查通过" in capsys.readouterr().out


def test_quote_not_in_notice_fails_with_line(tmp_path):
    seeds = _seed(tmp_path)
    (tmp_path / "r.yaml").write_text(RULE.replace("{QUOTE}", "公开渝中区十五五规划"), encoding="utf-8")
    problems, _, _ = lint([str(tmp_path / "r.yaml")], seeds)
    assert len(problems) == 1 and f"{tmp_path / 'r.yaml'}:6:" in problems[0] and "引文" in problems[0]


def test_all_errors_of_a_file_are_reported(tmp_path):
    text = RULE.replace("{QUOTE}", "x") + RULE.split("rules:\n")[1].replace("a-1", "a-2").replace("column_exists", "bogus")
    text += RULE.split("rules:\n")[1]  # duplicate a-1
    (tmp_path / "r.yaml").write_text(text, encoding="utf-8")
    problems, _, _ = lint([str(tmp_path / "r.yaml")], None)
    assert any("bogus" in p for p in problems) and any("重复" in p for p in problems)


def test_bundled_rules_pass_lint():
    """CI runs `govaudit rules check rules/` too; quotes are checked against shared/seeds."""
    problems, n_files, n_rules = lint([str(ROOT / "rules")], SEEDS if SEEDS.is_dir() else None)
    assert problems == []
    assert n_files >= 8 and n_rules >= 200
