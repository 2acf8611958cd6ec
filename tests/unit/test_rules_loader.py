from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from crawler.ruleset.loader import RuleFileError, load_rule_file, load_rules, parse_deadline

GOOD = """\
schema: govaudit.rules/1
document: 测试通知
file: 003_f1f23c2a90ae0336.txt
year: 2021
rules:
  - id: t-zcjd
    title: 政策解读设视频、图片、文字子栏目
    check: subcolumns
    path: 政府网站>政务公开>政府信息公开目录>政策解读
    children: 视频、图片、文字
    severity: major
    source: {section: 一、（一）, quote: 政策解读}
    deadline: 2021-06-30
    lead_units: [区政府办公室]
    responsible_units: 区发展改革委、区财政局
  - id: t-tax
    title: 公开税费优惠指南
    check: content_published
    params: {keywords: [税费优惠|税收优惠, 指南], year: 2022}
    deadline: 长期开展
"""


def write(tmp_path: Path, text: str, name: str = "r.yaml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def test_shorthand_is_parsed_once(tmp_path):
    rules = load_rule_file(write(tmp_path, GOOD)).rules
    sub, tax = rules
    assert sub.params.path == ("政务公开", "政府信息公开目录", "政策解读")  # 政府网站 dropped
    assert sub.params.children == ("视频", "图片", "文字")
    assert sub.deadline == date(2021, 6, 30) and sub.cadence is None
    assert sub.responsible_units == ("区发展改革委", "区财政局")
    assert sub.source.file == "003_f1f23c2a90ae0336.txt" and sub.source.document == "测试通知"
    assert tax.params.keywords == (("税费优惠", "税收优惠"), ("指南",))
    assert tax.deadline is None and tax.cadence == "长期开展"


def test_slash_inside_a_path_level_is_kept(tmp_path):
    p = write(tmp_path, GOOD.replace("path: 政府网站>政务公开>政府信息公开目录>政策解读",
                                     "path: 政府信息公开>法定主动公开内容>预算/决算"))
    assert load_rule_file(p).rules[0].params.path[-1] == "预算/决算"


@pytest.mark.parametrize("old,new,line,words", [
    ("check: subcolumns", "check: subcolumn", 8, "未知的检查 “subcolumn”"),
    ("params: {keywords: [税费优惠|税收优惠, 指南], year: 2022}", "params: {keyword: [指南]}", 19, "没有参数 “keyword”"),
    ("year: 2022}", "year: 二〇二二}", 19, "应为整数"),
    ("deadline: 2021-06-30", "deadline: 2021年6月底前", 13, "ISO"),
    ("deadline: 2021-06-30", "deadline: 2021-02-30", 13, "不存在"),
    ("severity: major", "severity: high", 11, "severity"),
    ("    title: 公开税费优惠指南\n", "    title: 公开税费优惠指南\n    titel: x\n", 18, "未知的键 “titel”"),
    ("id: t-tax", "id: T_Tax", 16, "id"),
    ("children: 视频、图片、文字", "", 6, "缺少必填参数 “children”"),
])
def test_errors_name_file_line_and_fix(tmp_path, old, new, line, words):
    p = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(RuleFileError) as e:
        load_rule_file(p)
    assert e.value.file == str(p)
    assert e.value.line == line, str(e.value)
    assert words in str(e.value)
    assert str(e.value).startswith(f"{p}:{line}: ")


def test_yaml_syntax_error_has_a_line(tmp_path):
    p = write(tmp_path, GOOD.replace("    check: content_published", "    check: [content_published"))
    with pytest.raises(RuleFileError) as e:
        load_rule_file(p)
    assert e.value.line is not None and "YAML" in str(e.value)


def test_duplicate_ids_across_files(tmp_path):
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(RuleFileError, match="重复"):
        load_rules([tmp_path])


def test_deadline_forms():
    assert parse_deadline("2022-06-30") == (date(2022, 6, 30), None)
    assert parse_deadline("每月底前") == (None, "每月底前")
    with pytest.raises(ValueError):
        parse_deadline("2022/06/30")


def test_cli_bad_rules_exit_2_one_line(tmp_path):
    p = write(tmp_path, GOOD.replace("check: subcolumns", "check: nope"))
    r = subprocess.run([sys.executable, "-m", "crawler.cli", "audit", "http://127.0.0.1:9/", "--rules", str(p),
                        "--out", str(tmp_path / "o")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and f"{p}:8:" in lines[0] and "Traceback" not in r.stderr
    assert not (tmp_path / "o" / "crawl.db").exists()  # nothing crawled on bad input


def test_cli_bad_as_of_and_url(tmp_path):
    for argv, words in ((["audit", "ftp://x", "--out", str(tmp_path)], "网址"),
                        (["audit", "http://x.test/", "--as-of", "2022-13-01", "--out", str(tmp_path)], "--as-of")):
        r = subprocess.run([sys.executable, "-m", "crawler.cli", *argv], capture_output=True, text=True, timeout=60)
        assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr


def test_cli_usage_errors_are_one_line_exit_2():
    for argv in (["audit", "--render", "always", "http://x.test/"], ["nosuch"], ["rules"]):
        r = subprocess.run([sys.executable, "-m", "crawler.cli", *argv], capture_output=True, text=True, timeout=60)
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert r.returncode == 2 and len(lines) == 1 and "--help" in lines[0], (argv, r.stderr)
