"""End to end: the CLI audits the bundled sample site served on 127.0.0.1 and the
findings match what is really on the site (crawler/demo/site/manifest.json)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from lxml import html as lxml_html

from crawler.demo.server import SITE_DIR
from tests.support import ROOT
from tests.support.mockserver import serve_static

pytestmark = pytest.mark.slow  # long: deselect with -m "not slow"

MANIFEST = json.loads((ROOT / "crawler" / "demo" / "site" / "manifest.json").read_text(encoding="utf-8"))

RULES = """\
schema: govaudit.rules/1
document: 测试规则
year: 2021
rules:
  - {id: e2e-zcjd, title: 政策解读子栏目, check: subcolumns, path: 政务公开>政府信息公开目录>政策解读,
     children: 视频/图片/文字, deadline: 2021-06-30, lead_units: [区政府办公室], responsible_units: [区政府各部门]}
  - {id: e2e-negative-list, title: 市场准入负面清单, check: column_exists, path: 政务公开>政府信息公开目录>市场准入负面清单}
  - {id: e2e-budget, title: 预算/决算, check: column_exists, path: 政府信息公开>法定主动公开内容>预算/决算}
  - {id: e2e-plan, title: 专项规划, check: column_exists, path: 政府信息公开>法定主动公开内容>规划信息>专项规划}
  - {id: e2e-tax, title: 税费指南, check: content_published, params: {keywords: [税费, 优惠指南], year: 2021}}
  - {id: e2e-later, title: 未到期, check: column_exists, path: 政务公开>疫情防控, deadline: 2022-06-30}
  - {id: e2e-blank, title: 空白栏目, check: blank_columns, params: {threshold: 1}}
  - {id: e2e-news-fresh, title: 要闻更新, check: column_freshness, path: 政务要闻, params: {max_days: 14}}
  - {id: e2e-dept-stale, title: 部门动态更新, check: column_freshness, path: 部门动态, params: {max_days: 14}}
  - {id: e2e-home, title: 首页更新, check: homepage_updated, params: {max_days: 14}}
  - {id: e2e-rule-of-law, title: 法治政府建设年度报告, check: annual_report, params: {keywords: [法治政府建设, 年度报告], due: "04-01"}}
"""


@pytest.fixture(scope="module")
def audit(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    (tmp / "rules.yaml").write_text(RULES, encoding="utf-8")
    with serve_static(SITE_DIR) as srv:
        r = subprocess.run([sys.executable, "-m", "crawler.cli", "audit", srv.url, "--rules", str(tmp / "rules.yaml"),
                            "--out", str(tmp / "out"), "--as-of", MANIFEST["as_of"]],
                           capture_output=True, text=True, timeout=600, cwd=ROOT)
        url = srv.url
    doc = json.loads((tmp / "out" / "findings.json").read_text(encoding="utf-8"))
    return r, doc, tmp / "out", url


def test_exit_code_and_outputs(audit):
    r, doc, out, _ = audit
    assert r.returncode == 1, r.stderr  # something fails
    assert "Traceback" not in r.stderr
    assert (out / "report.html").is_file() and doc["schema"] == "govaudit.findings/1"


def test_column_tree_matches_the_site(audit):
    _, doc, _, _ = audit
    cols = {tuple(c["path"]): c for c in doc["columns"]}
    for m in MANIFEST["columns"]:
        c = cols.get(tuple(m["path"]))
        assert c is not None, m["path"]
        assert c["items"] == m["items"], m["path"]
        assert c["empty"] == m["empty"], m["path"]
        if m.get("kind") == "nav":  # a menu-only column: its newest date comes from below
            assert c["newest_below"] == m.get("newest_below", m["newest"]), m["path"]
        else:
            assert c["newest"] == m["newest"], m["path"]


def test_specific_findings(audit):
    _, doc, _, _ = audit
    f = {x["rule_id"]: x for x in doc["findings"]}
    assert f["e2e-zcjd"]["status"] == "fail" and f["e2e-zcjd"]["missing"] == ["视频"]
    assert f["e2e-zcjd"]["found"] == {"图片": "图解", "文字": "文字解读"}
    assert f["e2e-zcjd"]["responsible_units"] == ["区政府各部门"]
    assert f["e2e-negative-list"]["status"] == "fail"
    assert f["e2e-budget"]["status"] == "pass" and "财政预决算" in f["e2e-budget"]["message"]
    assert f["e2e-plan"]["status"] == "pass"
    assert f["e2e-tax"]["status"] == "pass"
    assert f["e2e-later"]["status"] == "pending"
    assert f["e2e-blank"]["status"] == "fail" and sorted(p[-1] for p in f["e2e-blank"]["blank"]) == ["地方政府债务", "建设高标准市场体系"]
    assert f["e2e-news-fresh"]["status"] == "pass" and f["e2e-news-fresh"]["newest"] == "2021-12-28"
    assert f["e2e-dept-stale"]["status"] == "fail" and f["e2e-dept-stale"]["newest"] == "2021-05-10"
    assert f["e2e-home"]["status"] == "pass"
    assert f["e2e-rule-of-law"]["status"] == "pass"


def test_gbk_pages_read_correctly(audit):
    _, doc, _, _ = audit
    names = {c["path"][-1] for c in doc["columns"]}
    assert {"部门动态", "政府信息公开年报"} <= names  # both GBK pages, one with no charset anywhere


def test_report_shows_findings_and_tree(audit):
    _, _doc, out, _ = audit
    tree = lxml_html.fromstring((out / "report.html").read_text(encoding="utf-8"))
    text = tree.text_content()
    assert "缺少子栏目：视频" in text and "地方政府债务" in text
    assert not tree.xpath("//link[@rel='stylesheet']") and not tree.xpath("//script[@src]")


def test_evaluate_stored_crawl_without_network(audit, tmp_path):
    _, doc, out, _ = audit
    rules = tmp_path / "r.yaml"
    rules.write_text(RULES.replace("2022-06-30", "2021-06-30"), encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "crawler.cli", "evaluate", "--store", str(out / "crawl.db"),
                        "--rules", str(rules), "--out", str(tmp_path / "o2"), "--as-of", "2021-12-31"],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 1, r.stderr
    doc2 = json.loads((tmp_path / "o2" / "findings.json").read_text(encoding="utf-8"))
    f = {x["rule_id"]: x for x in doc2["findings"]}
    assert f["e2e-later"]["status"] == "fail"  # now due
    assert doc2["columns"] == doc["columns"]


def test_unreachable_site_gives_a_report_not_a_traceback(tmp_path):
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "crawler.cli", "audit", "http://127.0.0.1:9/", "--rules",
                        str(tmp_path / "rules.yaml"), "--out", str(tmp_path / "o"), "--as-of", "2021-12-31",
                        "--no-verify-links"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert "Traceback" not in r.stderr and r.returncode in (0, 1)
    doc = json.loads((tmp_path / "o" / "findings.json").read_text(encoding="utf-8"))
    assert doc["site"]["reachable"] is False
    assert {x["status"] for x in doc["findings"] if x["check"] != "blank_columns"} <= {"unknown", "pending"}
    assert "站点无法访问" in (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
