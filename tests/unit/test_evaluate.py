"""The evaluator: deadlines make pending, an unreachable site makes unknown, a crashing
check makes unknown — and nothing is lost."""
from __future__ import annotations

from datetime import date

from tests.support import ROOT

from crawler.ruleset.loader import load_rules
from crawler.judge.evaluate import evaluate, findings_document
from crawler.model.build import build_site_model
from crawler.model.page import PageRecord


def test_every_bundled_rule_is_unknown_on_an_unreachable_site():
    rules = load_rules([ROOT / "rules"])
    site = build_site_model([PageRecord(url="http://down.test/", status=0, error="refused")],
                            site_url="http://down.test/", as_of=date(2022, 12, 31))
    findings = evaluate(rules, site, date(2022, 12, 31))
    assert len(findings) == len(rules) > 300
    not_unknown = [(f.rule_id, f.status, f.message) for f in findings if f.status != "unknown"]
    assert not_unknown == []
    doc = findings_document(site, findings, date(2022, 12, 31))
    assert doc["verdict"]["verdict"] == "无法判断"  # never 不合格 for a site nobody could see


def test_a_challenged_homepage_is_not_reported_as_down():
    site = build_site_model([PageRecord(url="http://waf.test/", status=521, challenge="jsluid")],
                            site_url="http://waf.test/", as_of=date(2022, 12, 31))
    assert site.challenged == "jsluid" and "防护验证" in site.unreachable_reason


def test_failing_column_rules_say_where_to_fix(tmp_path):
    """整改位置: a failing rule bound to a column names that column, or the nearest existing
    column on its path when the column itself is missing."""
    from crawler.judge.evaluate import evaluate
    from crawler.model.build import Column, SiteModel
    from crawler.ruleset.loader import load_rules

    p = tmp_path / "r.yaml"
    p.write_text("""rules:
  - {id: r-missing, title: 规划, check: column_exists, path: 政府信息公开>法定主动公开内容>规划信息}
  - {id: r-stale, title: 动态, check: column_freshness, path: 政府信息公开>法定主动公开内容, params: {max_days: 1}}
""", encoding="utf-8")
    site = SiteModel(site_url="http://a.gov.cn/", as_of=date(2022, 12, 31), homepage_url="http://a.gov.cn/")
    root = Column(path=("政府信息公开",), url="http://a.gov.cn/xxgk/", items=1)
    fd = Column(path=("政府信息公开", "法定主动公开内容"), url="http://a.gov.cn/xxgk/fd/", items=3,
                newest=date(2022, 1, 1))
    root.children.append(fd)
    site.root.children.append(root)
    by = {f.rule_id: f.to_dict() for f in evaluate(load_rules([p]), site, date(2022, 12, 31))}
    assert by["r-missing"]["status"] == "fail"
    assert by["r-missing"]["where"] == {"path": fd.display_path(), "url": "http://a.gov.cn/xxgk/fd/"}
    assert by["r-stale"]["status"] == "fail" and by["r-stale"]["where"]["url"] == "http://a.gov.cn/xxgk/fd/"
