"""The run-history parts of the report and the index (issue 11), and adopting a queued run."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html as lxml_html

from crawler.store.results import ResultsStore
from reports import render_report
from reports.dashboard import SiteEntry, render_dashboard
from reports.history import history_view, trend_view
from tests.support.reportdocs import TREND, XSS_SCRIPT, hostile_doc, sample_doc, with_history


def test_trend_geometry() -> None:
    t = trend_view(TREND)
    assert t.shown and t.max_fail == 10 and len(t.points) == 3
    ys = [p.y_fail for p in t.points]
    assert ys[0] < ys[1] < ys[2]  # fewer failures: lower on the chart (SVG y grows downwards)
    assert t.points[2].y_score is None and t.score_path.count(",") == 2
    assert "复查" in t.points[2].text and not trend_view(TREND[:1]).shown


def test_report_shows_changes_filter_and_trend(tmp_path: Path) -> None:
    doc = with_history(sample_doc())
    t = lxml_html.fromstring(render_report(doc, tmp_path).read_text(encoding="utf-8"))
    line = t.xpath("//section[@id='history']//p[@class='change-line']")[0].text_content()
    assert line.startswith("较上次（2021-11-01）：新增 1，已整改 1，反复 0") and "结论由“不合格”变为" in line
    rows = {r.get("data-rule"): r for r in t.xpath("//table[@id='findings-table']/tbody/tr")}
    first = doc["findings"][0]["rule_id"]
    assert rows[first].get("data-change") == "open"
    assert rows[first].xpath("td[@data-label='变化']")[0].text_content() == "仍未整改（2021-11-01 起，连续 2 次）"
    opts = t.xpath("//form[@data-filter-for='findings-table']//select[@name='change']/option/@value")
    assert opts == ["", "new", "open", "fixed"]
    assert t.xpath("//section[@id='history']//svg/polyline") and t.xpath("//nav//a[@href='#history']")


def test_hostile_urls_in_history_stay_text(tmp_path: Path) -> None:
    doc = with_history(hostile_doc(), url=XSS_SCRIPT)
    doc["recheck"] = {"base_run": 1, "rules": ["x"], "refetched": ["javascript:alert(1)", XSS_SCRIPT],
                      "refetched_total": 2, "links_rechecked": [XSS_SCRIPT], "links_rechecked_total": 1,
                      "pages_kept": 3, "pages_fetched": 2, "links_verified": 1, "measured": False, "notes": []}
    html = render_report(doc, tmp_path).read_text(encoding="utf-8")
    assert "<script>alert" not in html and 'href="javascript:' not in html
    assert XSS_SCRIPT in lxml_html.fromstring(html).xpath("//section[@id='history']")[0].text_content()


def test_index_shows_each_sites_change_and_trend(tmp_path: Path) -> None:
    entries = [SiteEntry(name="甲", slug="a", urls=["http://a.test/"], doc=with_history(sample_doc())),
               SiteEntry(name="乙", slug="b", urls=["http://b.test/"], doc=sample_doc())]
    t = lxml_html.fromstring(render_dashboard(entries, tmp_path).read_text(encoding="utf-8"))
    cells = t.xpath("//td[@class='site-history']")
    text = " ".join(c.text_content() for c in cells)
    assert "较 2021-11-01：新增 1 · 已整改 1 · 反复 0" in text and "结论变化：不合格 →" in text
    assert len(cells) == 2 and t.xpath("//td[@class='site-history']//svg/polyline")


def test_unit_pages_carry_the_changes_the_report_shows(tmp_path: Path) -> None:
    doc = with_history(sample_doc())
    render_report(doc, tmp_path)
    pages = {lxml_html.fromstring(p.read_text(encoding="utf-8")).xpath("//div[@class='site']/b")[0].text:
             lxml_html.fromstring(p.read_text(encoding="utf-8")) for p in (tmp_path / "units").glob("*.html")}
    fgw = pages["区发展改革委"]  # yz-14th-plan: failing since 2021-11-01
    row = next(r for r in fgw.xpath("//tr[@class='gap-row']") if r.xpath(".//code")[0].text == "yz-14th-plan")
    assert row.get("data-change") == "open"
    assert row.xpath("td[@data-label='变化']")[0].text_content() == "仍未整改（2021-11-01 起，连续 2 次）"
    assert "变化" in [th.text_content() for th in fgw.xpath("//table[@class='gap']/thead//th")]
    line = fgw.xpath("//p[@id='unit-changes']")[0].text_content()
    assert line == "较上次（2021-11-01），本单位：新增 0，反复 0，仍未整改 1，已整改 0"
    tax = pages["区税务局"]
    assert tax.xpath("//td[@data-label='变化']")[0].text_content() == "新增"
    assert "新增 1" in tax.xpath("//p[@id='unit-changes']")[0].text_content()
    fin = pages["区财政局"]  # what the unit fixed since the last run is said too
    assert "已整改 1" in fin.xpath("//p[@id='unit-changes']")[0].text_content()
    assert "公开2022年部门预算" in fin.text_content()
    # the report's own gap lists (by unit, by lead unit) carry the same marks
    t = lxml_html.fromstring((tmp_path / "report.html").read_text(encoding="utf-8"))
    cells = t.xpath("//section[@id='gaps']//table[@class='gap']//td[@data-label='变化']")
    assert "仍未整改（2021-11-01 起，连续 2 次）" in [c.text_content() for c in cells]


def test_report_without_history_has_no_history_parts(tmp_path: Path) -> None:
    html = render_report(sample_doc(), tmp_path).read_text(encoding="utf-8")
    assert 'id="history"' not in html and "data-change" not in html and history_view(sample_doc()).present is False
    for page in (tmp_path / "units").glob("*.html"):
        unit_html = page.read_text(encoding="utf-8")
        assert "data-change" not in unit_html and "unit-changes" not in unit_html and "<th>变化</th>" not in unit_html


def test_a_queued_run_is_adopted_by_the_audit(tmp_path: Path) -> None:
    from crawler.cli.common import InputError
    from crawler.runner.history import begin_run

    with ResultsStore(tmp_path / "h.db") as rs:
        q = rs.start_run("shancheng", as_of="2021-12-01", state="queued")
        assert rs.runs(state="queued")[0].id == q
        got = begin_run(rs, "shancheng", ["http://a.test/"], [], "2021-12-02", crawl_store="crawl.db", run_id=q)
        run = rs.run(q)
        assert got == q and run.state == "running" and run.as_of == "2021-12-02" and run.urls == ["http://a.test/"]
        assert run.crawl_store == str((Path.cwd() / "crawl.db").resolve())
        with pytest.raises(InputError, match="属于网站"):
            begin_run(rs, "other", ["http://b.test/"], [], "2021-12-02", crawl_store="c.db", run_id=q)
        rs.fail_run(q, "worker 退出")
        with pytest.raises(InputError, match="不能再次使用"):
            begin_run(rs, "shancheng", ["http://a.test/"], [], "2021-12-02", crawl_store="c.db", run_id=q)
        assert len(rs.runs()) == 1
