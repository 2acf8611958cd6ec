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
