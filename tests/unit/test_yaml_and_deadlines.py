"""The one YAML reader (rules, sites, waivers) and the one deadline grammar (notices, rule files)."""
from __future__ import annotations

from pathlib import Path

import pytest

from crawler.ruleset.loader import RuleFileError, load_rule_file, parse_deadline
from crawler.ruleset.sites import SitesFileError, load_sites
from crawler.ruleset.waivers import WaiverFileError, load_waivers
from crawler.ruleset.yamlfile import YamlFileError, line_of, load_yaml
from crawler.text.deadlines import normalize_deadline, sentence_deadline


def test_mappings_know_their_lines(tmp_path: Path):
    f = tmp_path / "a.yaml"
    f.write_text("schema: x\nitems:\n  - name: 甲\n    when: 2022-06-30\n", encoding="utf-8")
    data = load_yaml(f)
    assert line_of(data, "items") == 2 and line_of(data["items"][0]) == 3
    assert line_of(data["items"][0], "when") == 4 and data["items"][0]["when"] == "2022-06-30"  # dates stay text
    assert line_of("not a mapping") is None


def test_keys_yaml_1_1_reads_as_booleans_stay_the_word_written(tmp_path: Path):
    f = tmp_path / "b.yaml"
    f.write_text("on: [down]\nOff: 1\nyes: 2\n'true': 3\nenabled: on\n", encoding="utf-8")
    data = load_yaml(f)
    assert list(data) == ["on", "Off", "yes", "true", "enabled"] and True not in data
    assert line_of(data, "on") == 1 and line_of(data, "yes") == 3
    assert data["enabled"] is True  # values keep YAML's meaning; only keys are names


@pytest.mark.parametrize("loader, error, option", [
    (load_rule_file, RuleFileError, "--rules"),
    (load_sites, SitesFileError, "--sites"),
    (load_waivers, WaiverFileError, "--waivers"),
])
def test_every_input_file_reports_file_and_line_the_same_way(tmp_path: Path, loader, error, option):
    dup = tmp_path / "dup.yaml"
    dup.write_text("schema: x\nschema: y\n", encoding="utf-8")
    with pytest.raises(error) as e:
        loader(dup)
    assert isinstance(e.value, YamlFileError) and e.value.line == 2
    assert str(e.value).startswith(f"{dup}:2: ") and "重复的键" in str(e.value)
    with pytest.raises(error) as e:
        loader(tmp_path / "missing.yaml")
    assert option in str(e.value) and e.value.line is None
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * 5000, encoding="utf-8")
    with pytest.raises(error) as e:
        loader(deep)
    assert "YAML" in str(e.value)


def test_rule_file_deadline_written_the_chinese_way_names_its_iso_form():
    with pytest.raises(ValueError, match="即 2021-06-30"):
        parse_deadline("2021年6月底前")
    with pytest.raises(ValueError, match="即 2022-05-31"):
        parse_deadline("2022年5月31日前")
    assert parse_deadline("长期开展") == (None, "长期开展")


def test_notice_deadlines_use_the_same_grammar():
    assert normalize_deadline("2021年6月底前", None)[0] == "2021-06-30"
    assert normalize_deadline("第三季度", 2021)[0] == "2021-09-30"
    assert normalize_deadline("长期 开展", 2021) == ("长期开展", "")
    assert sentence_deadline("请于2021年 5月底前完成栏目调整。", None) == ("2021-05-31", "于2021年5月底前")
