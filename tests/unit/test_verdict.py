"""The 2019-rubric verdict, checked against hand-computed scores."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from crawler.judge.verdict import compute_verdict


def f(rule_id: str, status: str, category: str | None = None, indicator: str = "", points: float = 0.0,
      max_points: float | None = None, **kw) -> dict:
    rubric = None if category is None else {"category": category, "indicator": indicator or rule_id,
                                             "points": points, "max_points": max_points}
    return {"rule_id": rule_id, "title": rule_id, "status": status, "message": "", "rubric": rubric,
            "warning": False, **kw}


def test_a_failed_veto_is_unqualified_whatever_the_score():
    v = compute_verdict([f("home", "fail", "veto", "首页不更新"), f("search", "pass", "deduct", points=5)])
    assert v.verdict == "不合格"
    assert v.score == 100
    assert [x["indicator"] for x in v.vetoes] == ["首页不更新"]
    assert "首页不更新" in v.reason


def test_deductions_are_summed_and_capped_per_indicator():
    # 功能设计: 3 + 3 = 6, capped at its max_points 5; 发布解读: 4; total 9 → 91
    v = compute_verdict([
        f("a", "fail", "deduct", "功能设计", points=3, max_points=5),
        f("b", "fail", "deduct", "功能设计", points=3, max_points=5),
        f("c", "fail", "deduct", "发布解读", points=4),
        f("d", "pass", "deduct", "互动交流", points=10),
    ])
    assert v.verdict == "合格"
    assert v.score == 91
    by = {d.indicator: d for d in v.deductions}
    assert by["功能设计"].raw == 6 and by["功能设计"].points == 5 and by["功能设计"].capped
    assert by["发布解读"].points == 4 and not by["发布解读"].capped
    assert v.total_deduction == 9


def test_fixed_points_without_max_points_stop_at_the_points():
    # two failing rules of one indicator worth 5: the indicator deducts 5, not 10
    v = compute_verdict([f("a", "fail", "deduct", "发布解读", points=5), f("b", "fail", "deduct", "发布解读", points=5)])
    assert v.score == 95


def test_a_computed_deduction_is_used_and_capped_at_max_points():
    # broken links: 3 on the homepage (−3) and 95 elsewhere (−9.5) = 12.5, capped at 10
    v = compute_verdict([f("links", "fail", "deduct", "链接可用性", points=1, max_points=10, deduction=12.5)])
    assert v.deductions[0].raw == 12.5 and v.deductions[0].points == 10
    assert v.score == 90


def test_a_computed_deduction_without_max_points_stops_at_points_and_says_so():
    # as crawler.evaluate caps it: 2.3 computed, the rule says points 1 and no max_points
    v = compute_verdict([f("links", "fail", "deduct", "链接可用性", points=1, deduction=1.0, deduction_uncapped=2.3)])
    assert v.score == 99
    assert v.deductions[0].cap == 1
    assert any("扣分上限" in n and "2.3" in n and "max_points" not in n for n in v.notes)
    # an indicator with neither max_points nor points is not capped
    free = compute_verdict([f("links", "fail", "deduct", "链接可用性", deduction=2.3)])
    assert free.score == 97.7 and free.deductions[0].cap is None


def test_below_sixty_is_unqualified_and_sixty_is_not():
    below = compute_verdict([f("x", "fail", "deduct", "X", points=1, max_points=40, deduction=30.1),
                             f("y", "fail", "deduct", "Y", points=10)])
    assert below.score == 59.9
    assert below.verdict == "不合格"
    assert "低于 60" in below.reason
    at = compute_verdict([f("x", "fail", "deduct", "X", points=40)])
    assert at.score == 60 and at.verdict == "合格"


def test_score_never_goes_below_zero():
    v = compute_verdict([f(str(i), "fail", "deduct", str(i), points=30) for i in range(5)])
    assert v.score == 0 and v.verdict == "不合格"


def test_an_unknown_veto_item_means_undecided_not_qualified():
    v = compute_verdict([f("avail", "unknown", "veto", "站点无法访问"), f("c", "fail", "deduct", "X", points=5)])
    assert v.verdict == "无法判断"
    assert v.score == 95
    assert [x["indicator"] for x in v.unknown_vetoes] == ["站点无法访问"]
    assert "“站点无法访问”" in v.reason and "核查" in v.reason


def test_a_failed_veto_or_low_score_decides_even_with_unknown_vetoes():
    assert compute_verdict([f("a", "unknown", "veto"), f("b", "fail", "veto")]).verdict == "不合格"
    low = compute_verdict([f("a", "unknown", "veto"), f("x", "fail", "deduct", "X", points=45)])
    assert low.verdict == "不合格"


def test_unknown_deductions_that_could_sink_the_score_mean_undecided():
    v = compute_verdict([f("x", "fail", "deduct", "X", points=30), f("y", "unknown", "deduct", "Y", points=20)])
    assert v.score == 70
    assert v.verdict == "无法判断"  # 70 − 20 = 50 < 60 if Y failed
    ok = compute_verdict([f("x", "fail", "deduct", "X", points=5), f("y", "unknown", "deduct", "Y", points=20)])
    assert ok.verdict == "合格"  # 95 − 20 = 75 ≥ 60 either way


def test_pending_and_waived_items_do_not_count():
    v = compute_verdict([f("a", "pending", "veto"), f("b", "waived", "veto"), f("c", "waived", "deduct", points=50)])
    assert v.verdict == "合格" and v.score == 100
    assert [w["rule_id"] for w in v.waived] == ["b", "c"]


def test_warnings_are_listed_and_do_not_change_the_verdict():
    v = compute_verdict([f("https", "fail", "warn", "HTTPS"), f("home", "pass", "veto", warning=True),
                         f("local", "pass", warning=True)])
    assert v.verdict == "合格" and v.score == 100
    assert {w["rule_id"] for w in v.warnings} == {"https", "home", "local"}


def test_failing_deduct_item_without_points_is_unscored_and_noted():
    v = compute_verdict([f("ipv6", "fail", "deduct", "功能设计（IPv6）")])
    assert v.score == 100
    assert [u["rule_id"] for u in v.unscored] == ["ipv6"]
    assert any("人工核定" in n for n in v.notes)


def test_bonus_is_listed_but_not_added():
    v = compute_verdict([f("b", "pass", "bonus", "创新", points=5), f("x", "fail", "deduct", "X", points=10)])
    assert v.score == 90 and v.bonuses[0]["rule_id"] == "b"


def test_no_rubric_rules_means_undecided_without_a_score():
    v = compute_verdict([f("local", "fail"), f("other", "pass")])
    assert v.verdict == "无法判断" and v.score is None
    assert "检查指标" in v.reason and "rubric" not in v.reason


def test_thresholds_are_arguments_not_constants_in_the_code_path():
    v = compute_verdict([f("x", "fail", "deduct", "X", points=25)], pass_score=80)
    assert v.score == 75 and v.verdict == "不合格"


def test_to_dict_is_json_ready():
    import json

    d = compute_verdict([f("a", "fail", "deduct", "A", points=3, max_points=2)]).to_dict()
    assert json.loads(json.dumps(d, ensure_ascii=False))["deductions"][0]["capped"] is True


RUBRIC_RULES = """\
schema: govaudit.rules/1
document: 测试检查指标
year: 2021
rules:
  - id: t-home
    title: 首页不更新
    check: homepage_updated
    params: {max_days: 14}
    severity: veto
    rubric: {category: veto, indicator: 首页不更新}
  - id: t-policy
    title: 设置政策文件栏目
    check: column_exists
    path: 政策文件
    rubric: {category: deduct, indicator: 发布解读, points: 7.5}
  - id: t-zcjd
    title: 设置政策解读栏目
    check: column_exists
    path: 政策解读
    rubric: {category: deduct, indicator: 发布解读（解读）, points: 2}
"""


@pytest.fixture
def rubric_file(tmp_path: Path) -> Path:
    p = tmp_path / "rubric.yaml"
    p.write_text(RUBRIC_RULES, encoding="utf-8")
    return p


def test_findings_document_carries_the_verdict_with_weights_from_the_rule_file(rubric_file: Path):
    import tests.support.sitebuilder as sb

    from crawler.ruleset.loader import load_rules
    from crawler.judge.evaluate import evaluate, findings_document

    rules = load_rules([rubric_file])
    site = sb.disclosure_site(home_items=[("要闻", "2021-12-28")])
    findings = evaluate(rules, site, date(2021, 12, 31))
    doc = findings_document(site, findings, date(2021, 12, 31))
    v = doc["verdict"]
    # 政策解读 exists, 政策文件 does not: −7.5 from the rule file
    assert {x["rule_id"]: x["status"] for x in doc["findings"]} == {"t-home": "pass", "t-policy": "fail",
                                                                   "t-zcjd": "pass"}
    assert v["score"] == 92.5 and v["verdict"] == "合格"
    stale = sb.disclosure_site(home_items=[("要闻", "2021-10-01")])
    doc2 = findings_document(stale, evaluate(rules, stale, date(2021, 12, 31)), date(2021, 12, 31))
    assert doc2["verdict"]["verdict"] == "不合格"
    assert doc2["verdict"]["vetoes"][0]["rule_id"] == "t-home"
