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


NATIONAL = """\
document: 中华人民共和国政府信息公开条例
year: 2019
rules:
  - id: n-1
    title: 二十个工作日内公开
    check: publish_delay
    source: {section: 第二十六条, quote: "{QUOTE}"}
"""
LAW = "第二十六条 属于主动公开范围的政府信息，应当自该政府信息形成或者变更之日起20个工作日内及时公开。"


def _national(tmp_path: Path, quote: str) -> Path:
    p = tmp_path / "rules" / "national-x.yaml"
    p.parent.mkdir(exist_ok=True)
    p.write_text(NATIONAL.replace("{QUOTE}", quote), encoding="utf-8")
    (tmp_path / "law.md").write_text(LAW, encoding="utf-8")
    return p


def test_national_quotes_are_checked_against_the_law(tmp_path):
    p = _national(tmp_path, "应当自该政府信息形成或者变更之日起20个工作日内及时公开。")
    assert lint([str(p)], law=tmp_path / "law.md")[0] == []
    p = _national(tmp_path, "应当自该政府信息形成之日起15个工作日内公开。")
    problems = lint([str(p)], law=tmp_path / "law.md")[0]
    assert len(problems) == 1 and "law.md" in problems[0] and ":4:" in problems[0]


def test_english_quotes_fail(tmp_path):
    p = _national(tmp_path, "Proactive information public within 20 working days")
    assert any("英文" in m for m in lint([str(p)], law=tmp_path / "law.md")[0])


def test_missing_sources_fail_not_skip(tmp_path, monkeypatch):
    p = _national(tmp_path, "应当自该政府信息形成或者变更之日起20个工作日内及时公开。")
    problems = lint([str(p)], law=tmp_path / "nope.md")[0]
    assert len(problems) == 1 and "找不到法规原文" in problems[0]
    monkeypatch.setattr("crawler.ruleset.lint.default_seeds_dir", lambda: None)
    r = tmp_path / "n.yaml"
    r.write_text(RULE.replace("{QUOTE}", "公开渝中区"), encoding="utf-8")
    problems = lint([str(r)])[0]
    assert any("找不到通知原文目录" in m for m in problems)


def test_bundled_national_rules_quote_the_law_verbatim():
    problems, _, _ = lint([str(p) for p in sorted((ROOT / "rules").glob("national-*.yaml"))], seeds=SEEDS)
    assert problems == []
