"""Which rules apply to a site: applies_to in rule files (strict), the site's profile
(given or inferred from its name), not_applicable findings out of the counts, and each
notice's completion beside the rubric score."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from crawler.judge.applicability import (
    DEPARTMENT,
    PORTAL,
    TOWNSHIP,
    SiteProfile,
    applicability,
    infer_from_name,
    region_covers,
    resolve_profile,
)
from crawler.judge.evaluate import completion, evaluate, findings_document
from crawler.model.build import SiteModel
from crawler.ruleset.loader import RuleFileError, load_rule_file, load_rules
from rules import RULES_DIR

NOTICE = """\
document: 示例区2022年政务公开工作要点
year: 2022
applies_to: {kinds: [政府门户网站, 部门网站, 乡镇（街道）网站], region: 重庆市示例区}
rules:
  - {id: n-ipv6, title: 支持IPv6, check: ipv6_enabled}
  - {id: n-dept, title: 部门年报, check: ipv6_enabled, applies_to: {kinds: [部门网站]}}
"""


def write(tmp_path: Path, text: str, name: str = "n.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("name,kind,region", [
    ("重庆市渝中区人民政府", PORTAL, "重庆市渝中区"),
    ("首页 - 北京市东城区人民政府", PORTAL, "北京市东城区"),
    ("重庆市渝中区发展和改革委员会", DEPARTMENT, "重庆市渝中区"),
    ("渝中区市场监督管理局", DEPARTMENT, "渝中区"),
    ("重庆市渝中区七星岗街道办事处", TOWNSHIP, "重庆市渝中区"),
    ("武隆区仙女山镇人民政府", TOWNSHIP, "武隆区"),
    ("镇江市人民政府", PORTAL, "镇江市"),  # 镇 in a city's name is not a township
    ("重庆市人民政府门户网站", PORTAL, "重庆市"),
    ("江源区政府信息公开平台", PORTAL, "江源区"),
])
def test_profile_is_inferred_from_the_site_name(name, kind, region):
    assert infer_from_name(name) == (kind, region)


def test_given_profile_wins_and_is_completed_from_the_name():
    p = resolve_profile("部门", "", names=["重庆市渝中区人民政府"])
    assert (p.kind, p.region, p.source) == (DEPARTMENT, "重庆市渝中区", "option")
    p = resolve_profile("", "", names=["", "无关的标题"])
    assert (p.kind, p.region, p.source) == ("", "", "")


def test_region_covers():
    assert region_covers("重庆市", "重庆市渝中区") and region_covers("重庆市渝中区", "渝中区")
    assert not region_covers("重庆市渝中区", "重庆市武隆区") and not region_covers("重庆市渝中区", "重庆市")


def test_loader_reads_file_default_and_rule_override(tmp_path):
    rf = load_rule_file(write(tmp_path, NOTICE))
    a, b = rf.rules
    assert a.region == b.region == "重庆市示例区"
    assert len(a.kinds) == 3 and b.kinds == (DEPARTMENT,)


@pytest.mark.parametrize("bad,words", [
    ("applies_to: {kinds: [门户]}", "kinds"),
    ("applies_to: {kind: [政府门户网站]}", "未知的键"),
    ("applies_to: {region: 示例}", "region"),
    ("applies_to: [政府门户网站]", "映射"),
])
def test_loader_rejects_bad_applies_to(tmp_path, bad, words):
    text = NOTICE.replace("applies_to: {kinds: [政府门户网站, 部门网站, 乡镇（街道）网站], region: 重庆市示例区}", bad)
    with pytest.raises(RuleFileError) as e:
        load_rule_file(write(tmp_path, text))
    assert ":3:" in str(e.value) and words in str(e.value)


def test_folder_rules_are_filtered_files_apply_as_given(tmp_path):
    f = write(tmp_path, NOTICE)
    [folder_rule, _] = load_rules([tmp_path])
    [file_rule, _] = load_rules([f])
    other = SiteProfile(kind=PORTAL, region="重庆市武隆区")
    assert applicability(folder_rule, other)[0] == "not_applicable"
    assert "武隆区" in applicability(folder_rule, other)[1]
    assert applicability(file_rule, other) == ("apply", "")
    assert applicability(folder_rule, SiteProfile(kind=PORTAL, region="示例区"))[0] == "apply"
    assert applicability(folder_rule, SiteProfile(kind=PORTAL))[0] == "not_applicable"  # region unknown


def test_the_two_annual_report_rules_never_both_fire():
    rules = [r for r in load_rules([RULES_DIR]) if r.id.startswith("national-dates-disclosure-annual-report")]
    assert len(rules) == 2
    for kind in (PORTAL, DEPARTMENT, TOWNSHIP, ""):
        fits = [applicability(r, SiteProfile(kind=kind, region="重庆市渝中区"))[0] for r in rules]
        assert fits.count("apply") <= 1, (kind, fits)


def test_not_applicable_is_out_of_counts_and_completion(tmp_path):
    rules = load_rules([write(tmp_path, NOTICE)])
    rules = [r.__class__(**{**r.__dict__, "explicit": False}) for r in rules]
    site = SiteModel(site_url="http://a.gov.cn/", as_of=date(2022, 12, 31), homepage_url="http://a.gov.cn/",
                     facts={"ipv6": {"enabled": True}})
    findings = evaluate(rules, site, date(2022, 12, 31), profile=SiteProfile(kind=PORTAL, region="重庆市示例区"))
    assert [f.status for f in findings][1] == "not_applicable"
    doc = findings_document(site, findings, date(2022, 12, 31), profile=SiteProfile(kind=PORTAL, region="重庆市示例区"))
    assert doc["summary"]["not_applicable"] == 1
    [c] = doc["completion"]
    assert c["document"] == "示例区2022年政务公开工作要点" and c["not_applicable"] == 1 and c["due"] == 1
    assert doc["site"]["profile"]["kind"] == PORTAL


def test_completion_counts():
    rows = [
        {"status": "pass", "rule_file": "a.yaml", "notice": "甲通知", "deadline": "2022-06-30"},
        {"status": "fail", "rule_file": "a.yaml", "notice": "甲通知", "deadline": "2022-06-30"},
        {"status": "fail", "rule_file": "a.yaml", "notice": "甲通知", "deadline": "长期开展"},
        {"status": "pending", "rule_file": "a.yaml", "notice": "甲通知", "deadline": "2023-06-30"},
        {"status": "unknown", "rule_file": "a.yaml", "notice": "甲通知"},
        {"status": "not_applicable", "rule_file": "a.yaml", "notice": "甲通知"},
        {"status": "fail", "rule_file": "r.yaml", "rubric": {"category": "veto"}},  # the score, not a notice
    ]
    [c] = completion(rows, date(2022, 12, 31))
    assert (c["done"], c["due"], c["overdue"], c["not_done"], c["pending"], c["unknown"], c["not_applicable"]) == \
        (1, 4, 1, 2, 1, 1, 1)


def test_notice_annual_report_has_one_deadline_and_one_year():
    [r] = [r for r in load_rules([RULES_DIR / "yuzhong-2021.yaml"]) if r.id == "yuzhong-2021-rule-of-law-report-2020"]
    assert r.params.report_year == 2020 and r.deadline == date(2021, 5, 31)


def test_annual_report_deadline_and_due_must_agree(tmp_path):
    text = """rules:
  - id: x-report
    title: 年报
    check: annual_report
    params: {keywords: [年度报告], due: "01-31"}
    deadline: 2022-05-31
"""
    with pytest.raises(RuleFileError) as e:
        load_rule_file(write(tmp_path, text))
    assert "不一致" in str(e.value)


def test_annual_report_with_a_report_year_searches_that_year():
    """yuzhong-2021-rule-of-law-report-2020 audited in 2022 looks for the 2020 report due
    2021-05-31, not the 2021 one due 2022-05-31."""
    import dataclasses

    from crawler.checks import REGISTRY, CheckContext
    from crawler.model.build import SiteItem
    from crawler.text.names import default_synonyms

    [rule] = [r for r in load_rules([RULES_DIR / "yuzhong-2021.yaml"]) if r.id == "yuzhong-2021-rule-of-law-report-2020"]
    rule = dataclasses.replace(rule, params=dataclasses.replace(rule.params, column=None))
    site = SiteModel(site_url="http://a.gov.cn/", as_of=date(2022, 7, 10), homepage_url="http://a.gov.cn/")
    site.items = [SiteItem("渝中区2021年法治政府建设年度报告", "http://a.gov.cn/fz/2021.html", date(2022, 3, 1), ()),
                  SiteItem("渝中区2020年法治政府建设年度报告", "http://a.gov.cn/fz/2020.html", date(2021, 3, 1), ())]
    out = REGISTRY["annual_report"](site, rule.params, CheckContext(date(2022, 7, 10), default_synonyms()))
    assert out.status == "pass" and "2020" in out.message and out.details["due"] == "2021-05-31"
    [f] = evaluate([rule], site, date(2022, 7, 10))
    assert f.deadline == "2021-05-31" and f.to_dict()["due"] == "2021-05-31"
