"""The HTML reports, tested by parsing them (lxml) and against a committed expected file.

To refresh the expected file after an intended change to the templates:
    GOVAUDIT_UPDATE_EXPECTED=1 pytest tests/test_report.py
and review the diff of tests/expected/.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from lxml import html as lxml_html
from tests.support.reportdocs import JS_URL, XSS_ATTR, XSS_SCRIPT, hostile_doc, sample_doc

from reports import render_report
from reports.dashboard import SiteEntry, render_dashboard
from reports.html import TEMPLATES
from tests.support import TESTS

EXPECTED = TESTS / "expected"


def parse(path: Path) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(path.read_text(encoding="utf-8"))


def text(el: lxml_html.HtmlElement) -> str:
    """Visible text, block pieces separated by one space."""
    return re.sub(r"\s+", " ", " ".join(el.itertext())).strip()


@pytest.fixture
def report(tmp_path: Path) -> Path:
    return render_report(sample_doc(), tmp_path)


def assert_self_contained(tree: lxml_html.HtmlElement) -> None:
    """No external resource of any kind: one file that can be mailed and read offline."""
    assert not tree.xpath("//link[@rel='stylesheet'] | //script[@src] | //img | //iframe | //object | //embed")
    assert len(tree.xpath("//style")) == 1 and len(tree.xpath("//script")) == 1
    css = tree.xpath("//style")[0].text
    assert "@import" not in css and "url(" not in css and "@font-face" not in css
    assert tree.xpath("//script")[0].text.strip() == (TEMPLATES / "report.js").read_text(encoding="utf-8").strip()


def assert_no_injection(tree: lxml_html.HtmlElement) -> None:
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), (el.tag, name, value)
            if name in ("href", "src", "action", "formaction", "xlink:href"):
                v = value.strip().lower()
                assert not v.startswith(("javascript:", "data:", "vbscript:")), (el.tag, value)
    assert not tree.xpath("//img | //svg//script | //iframe")
    assert len(tree.xpath("//script")) == 1  # ours, nothing crawled


def test_summary_verdict_and_score(report: Path):
    t = parse(report)
    verdict = t.xpath("//div[contains(concat(' ', @class, ' '), ' verdict ')]")[0]
    assert "v-ok" in verdict.get("class")
    assert text(verdict.xpath(".//b[@class='v-text']")[0]) == "合格"
    assert "87.7" in text(verdict)
    ded = t.xpath("//table[@class='deductions']/tbody/tr")
    assert [text(r.xpath("td")[0]) for r in ded] == ["链接可用性", "发布解读（政策文件栏目更新）"]
    assert [text(r.xpath("td")[4]) for r in ded] == ["7.3", "5"]
    cards = {text(c.xpath("span")[0]): text(c.xpath("b")[0])
             for c in t.xpath("//section[@id='verdict']//div[contains(concat(' ', @class, ' '), ' card ')]")}
    assert cards == {"不通过": "5", "未到期": "2", "无法判断": "1", "已豁免": "1", "通过": "2", "预警": "1"}
    assert t.xpath("//section[@id='verdict']//svg//rect[contains(@class,'st-fail')]")
    assert t.xpath("//html/@lang") == ["zh-CN"]


def test_findings_table(report: Path):
    t = parse(report)
    rows = t.xpath("//table[@id='findings-table']/tbody/tr")
    assert len(rows) == 11
    statuses = [r.get("data-status") for r in rows]
    assert statuses == sorted(statuses, key=["fail", "pending", "unknown", "waived", "pass"].index)
    row = t.xpath("//tr[@id='f-yz-14th-plan']")[0]
    assert row.get("data-units") == "区发展改革委" and row.get("data-check") == "column_exists"
    cells = row.xpath("td")
    assert text(cells[0]) == "不通过"
    assert "公开渝中区“十四五”规划纲要" in text(cells[1])
    assert text(cells[1].xpath(".//blockquote")[0]) == "公开公开渝中区“十四五”规划纲要"
    assert cells[2].xpath(".//a/@href") == ["http://www.cqyz.test/zwgk/ghxx/"]
    assert "牵头： 区发展改革委" in text(cells[3])
    assert text(cells[4]) == "2021-12-31 逾期 90 天"
    pending = t.xpath("//tr[@id='f-yz-budget']/td")[4]
    assert text(pending) == "2022-04-30 剩余 30 天"
    waived = t.xpath("//tr[@id='f-yz-contact']")[0]
    assert "机构改革期间暂缓" in text(waived) and text(waived.xpath("td")[0]) == "已豁免"
    # long evidence lists are collapsed with a count
    video = t.xpath("//tr[@id='f-yz-video']/td[@class='ev']")[0]
    assert len(video.xpath("./div[@class='ev-item']")) == 5
    assert text(video.xpath(".//details/summary")[0]) == "另有 7 条证据"
    # filters are there but hidden until the script shows them (readable without JS)
    form = t.xpath("//form[@data-filter-for='findings-table']")[0]
    assert form.get("hidden") is not None
    assert form.xpath(".//input[@name='status']/@value") == ["fail", "pending", "unknown", "waived", "pass"]
    assert "区发展改革委" in form.xpath(".//select[@name='unit']/option/@value")


def test_gap_list_by_unit_and_unit_pages(report: Path):
    t = parse(report)
    units = t.xpath("//section[@id='gaps']/section[contains(@class,'unit-page')]")
    names = [text(u.xpath(".//b[@class='unit-name']")[0]) for u in units]
    assert names[:2] == ["区政府办公室", "区发展改革委"]  # most failures first
    office = units[0]
    ids = [r.xpath(".//code")[0].text for r in office.xpath(".//tr[@class='gap-row']")]
    # failures (most overdue first), then unknown, then waived; passes are not listed
    assert ids[0] == "yz-video" and "yz-guide" not in ids and ids[-1] == "yz-contact"
    lead = t.xpath("//details[contains(@class,'lead-groups')]//section[@class='lead-group']/h3")
    assert any(text(h).startswith("区财政局") for h in lead)
    # one mailable page per unit
    page_links = t.xpath("//section[@id='gaps']//summary/a/@href")
    assert len(page_links) == len(units)
    for href in page_links:
        p = report.parent / href
        assert p.is_file(), href
        u = parse(p)
        assert_self_contained(u)
        assert u.xpath("//h1")[0].text == "政务公开整改清单"
    tax = parse(report.parent / page_links[names.index("区财政局")])
    assert "剩余 30 天" in text(tax)
    assert "作为牵头单位督办的事项" in text(tax)


def test_report_is_self_contained(report: Path):
    assert_self_contained(parse(report))


def test_print_css_puts_each_unit_on_its_own_page():
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    media = css[css.index("@media print"):]
    assert ".unit-page{break-before:page}" in media
    assert ".filters" in media and "display:none" in media


def test_column_tree(report: Path):
    t = parse(report)
    rows = t.xpath("//table[@class='tree']/tbody/tr")
    assert [text(r.xpath("td")[0]) for r in rows] == ["政务公开", "政策解读", "规划信息"]
    assert "空白栏目" in text(rows[2])
    assert "共发现 3 个栏目，其中空白栏目 1 个" in text(t.xpath("//section[@id='columns']//summary")[0])


def test_crawled_markup_is_escaped_everywhere(tmp_path: Path):
    path = render_report(hostile_doc(), tmp_path)
    source = path.read_text(encoding="utf-8")
    assert "<script>alert" not in source and "<img" not in source and "onerror=alert(2)>" not in source
    t = parse(path)
    assert_no_injection(t)
    body = text(t)
    assert XSS_SCRIPT in body and XSS_ATTR in body  # shown as text
    # javascript: and data: URLs are shown as text, never as links
    assert not [h for h in t.xpath("//a/@href") if not h.startswith(("http://", "https://", "units/", "findings.csv", "整改台账.xlsx", "#"))]
    assert JS_URL in body
    assert t.xpath("//span[@class='nolink' and text()=$v]", v=XSS_SCRIPT)
    # the attribute-breaking text stays inside its attribute
    for row in t.xpath("//tr[@data-units]"):
        assert set(row.attrib) <= {"class", "id", "data-status", "data-units", "data-check", "data-rule", "data-sort-status",
                                   "data-sort-title", "data-sort-units", "data-sort-due"}
    for p in (tmp_path / "units").glob("*.html"):
        assert_no_injection(parse(p))
        assert "<script>alert" not in p.read_text(encoding="utf-8")


def test_unreachable_site_banner(tmp_path: Path):
    doc = sample_doc()
    doc["site"].update(reachable=False, unreachable_reason="连接超时")
    t = parse(render_report(doc, tmp_path))
    assert "连接超时" in text(t.xpath("//div[@id='unreachable']")[0])


def test_optional_sections_are_guarded(tmp_path: Path):
    doc = sample_doc()
    for k in ("waivers", "verdict", "failed_pages", "columns"):
        doc.pop(k)
    t = parse(render_report(doc, tmp_path))
    assert not t.xpath("//section[@id='waivers']") and not t.xpath("//section[@id='failed']")
    assert text(t.xpath("//b[@class='v-text']")[0]) == "无法判断"


def test_dashboard(tmp_path: Path):
    a, b, c = sample_doc(), sample_doc(), hostile_doc()
    b["verdict"]["verdict"], b["verdict"]["score"] = "不合格", 52.0
    a["verdict"]["score"] = 90.0
    entries = [SiteEntry("江北区", "jb", ["http://jb.test/"], "江北区政府办公室", doc=b),
               SiteEntry("渝中区", "yz", ["http://yz.test/"], "渝中区政府办公室", doc=a),
               SiteEntry(XSS_SCRIPT, "evil", [JS_URL], XSS_ATTR, doc=c),
               SiteEntry("巫山县", "ws", ["http://ws.test/"], "巫山县政府办公室", error="抓取失败：DNS 解析失败")]
    path = render_dashboard(entries, tmp_path)
    t = parse(path)
    assert_self_contained(t)
    assert_no_injection(t)
    rows = t.xpath("//table[@id='sites-table']/tbody/tr")
    ranking = [(text(r.xpath("td")[0]), r.get("data-verdict"), text(r.xpath("td")[3])) for r in rows]
    # 合格 by score (90 before 87.7), then 无法判断, then 不合格
    assert ranking == [("1", "合格", "90"), ("2", "合格", "87.7"), ("3", "无法判断", "—"), ("4", "不合格", "52")]
    assert "DNS 解析失败" in text(rows[2])
    assert rows[0].xpath(".//a[text()='查看报告']/@href") == ["yz/report.html"]
    rules = {r.xpath("td[1]//code")[0].text: text(r.xpath("td")[1]) for r in t.xpath("//table[@class='rules']/tbody/tr")}
    assert rules["yz-guide"] == "100%（3/3）"
    assert rules["yz-14th-plan"] == "0%（0/3）"
    assert t.xpath("//section[@id='rules']//svg//rect[contains(@class,'bar')]")


def test_expected_report_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The whole sample report, byte for byte (check names fixed so new checks do not matter)."""
    from reports import view

    monkeypatch.setattr(view, "_check_names", dict)
    html = render_report(sample_doc(), tmp_path).read_text(encoding="utf-8")
    expected = EXPECTED / "sample_report.html"
    if os.environ.get("GOVAUDIT_UPDATE_EXPECTED") == "1":
        expected.parent.mkdir(parents=True, exist_ok=True)
        expected.write_text(html, encoding="utf-8")
    assert html == expected.read_text(encoding="utf-8"), "report changed: see the module docstring to refresh"


def test_two_scores_profile_and_not_applicable(tmp_path: Path):
    """The rubric verdict and each notice's completion, each with its meaning; the site's
    profile; a rule that does not apply is listed apart and counted nowhere; no reviewer
    marks or parameter names reach the clerk."""
    from crawler.judge.evaluate import completion

    doc = sample_doc()
    na = dict(doc["findings"][0], rule_id="yz-other-district", status="not_applicable",
              message="本条为重庆市武隆区的工作要点，本站属于重庆市渝中区", note="[unverified] 分值 max_points 未核实")
    doc["findings"].append(na)
    doc["findings"][1]["note"] = "**[unverified]** rubric.points 取自 standards.md"
    doc["site"]["profile"] = {"kind": "政府门户网站", "region": "重庆市渝中区", "source_cn": "根据网站名称推断",
                              "basis": "重庆市渝中区人民政府"}
    doc["completion"] = completion(doc["findings"], __import__("datetime").date(2022, 3, 31))
    tree = parse(render_report(doc, tmp_path))
    rubric = text(tree.xpath("//tr[@id='score-rubric']")[0])
    assert "国家检查指标" in rubric and doc["verdict"]["verdict"] in rubric and "不含各通知的工作要点" in rubric
    notices = [text(r) for r in tree.xpath("//tr[@class='score-notice']")]
    assert notices and all(re.search(r"已完成 \d+ / 应完成 \d+，逾期 \d+，未到期 \d+", n) for n in notices)
    assert "政府门户网站" in text(tree.xpath("//*[@id='profile']")[0])
    assert tree.xpath("//tr[@class='na'][@data-rule='yz-other-district']")
    assert not tree.xpath("//table[@id='findings-table']//tr[@data-rule='yz-other-district']")
    cards = [text(c) for c in tree.xpath("//div[contains(@class,'cards')]/div")]
    assert cards and not any("不适用" in c for c in cards)
    body = text(tree.xpath("//body")[0])
    for word in ("[unverified]", "max_points", "rubric.points", "standards.md", "**"):
        assert word not in body, word


def test_dashboard_ranks_by_overdue_rates_over_applicable_and_keeps_units_apart(tmp_path: Path):
    from reports.dashboard import build_dashboard

    a, b = sample_doc(), sample_doc()
    a["verdict"]["score"] = b["verdict"]["score"] = 90.0
    a["completion"] = [{"document": "甲", "overdue": 5}]
    b["completion"] = [{"document": "甲", "overdue": 1}]
    for f in a["findings"]:
        if f["rule_id"] == "yz-14th-plan":
            f["status"] = "not_applicable"
    view = build_dashboard([SiteEntry("甲区", "a", ["http://a.test/"], doc=a),
                            SiteEntry("乙区", "b", ["http://b.test/"], doc=b)])
    assert [r.name for r in view.rows] == ["乙区", "甲区"]  # same verdict and score: fewer overdue first
    plan = next(r for r in view.rules if r.rule_id == "yz-14th-plan")
    assert plan.judged == 1 and plan.counts.get("not_applicable", 0) == 0  # only where it applies
    same = [u for u in view.units if u.unit == "区发展改革委"]
    assert sorted(u.site for u in same) == ["乙区", "甲区"] and all(u.sites == 1 for u in same)


def test_unit_pages_print_on_a4_and_say_where_to_fix(tmp_path: Path):
    doc = sample_doc()
    f = next(x for x in doc["findings"] if x["status"] == "fail")
    f["where"] = {"path": "政府信息公开 > 法定主动公开内容", "url": "http://www.cqyz.test/zwgk/fdzdgknr/"}
    render_report(doc, tmp_path)
    page = min((tmp_path / "units").glob("*.html"))
    html = page.read_text(encoding="utf-8")
    assert re.search(r"@page\s*\{\s*size:\s*A4", html)
    tree = parse(tmp_path / "report.html")
    wheres = [text(w) for w in tree.xpath("//div[@class='where']")]
    assert any("政府信息公开 > 法定主动公开内容" in w for w in wheres)
