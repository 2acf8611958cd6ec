"""The run-history parts of the report and the index (issue 11), and adopting a queued run."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html as lxml_html

from crawler.store.results import ResultsStore
from reports import render_report
from reports.dashboard import SiteEntry, render_dashboard
from reports.history import history_view, trend_view
from tests.support.reportdocs import XSS_SCRIPT, hostile_doc, sample_doc

TREND = [{"run": 1, "date": "2021-11-01", "kind": "audit", "fail": 10, "score": 70.0, "verdict": "不合格"},
         {"run": 2, "date": "2021-12-01", "kind": "audit", "fail": 4, "score": 92.0, "verdict": "合格"},
         {"run": 3, "date": "2021-12-05", "kind": "recheck", "fail": 1, "score": None, "verdict": None}]


def with_history(doc: dict, url: str = "http://site.test/gone.html") -> dict:
    fs = doc["findings"]
    fs[0]["change"], fs[0]["first_seen"], fs[0]["open_runs"] = "open", "2021-11-01", 2
    fs[1]["change"], fs[1]["first_seen"], fs[1]["open_runs"] = "fixed", "2021-11-01", 0
    fs[2]["change"], fs[2]["first_seen"], fs[2]["open_runs"] = "new", "2021-12-01", 1
    fs[2]["item_changes"] = {"new": [url], "open": [], "fixed": [], "regressed": []}
    doc["history"] = {"run_id": 2, "kind": "audit", "base_run": None,
                      "previous_run": {"id": 1, "date": "2021-11-01", "verdict": "不合格", "score": 70.0, "kind": "audit"},
                      "verdict_changed": True, "site_down": False,
                      "changes": {"new": 1, "fixed": 1, "regressed": 0, "open": 1, "waived": 0},
                      "item_changes": {"new": 1, "open": 0, "fixed": 0, "regressed": 0}, "trend": TREND}
    return doc


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


def test_report_without_history_has_no_history_parts(tmp_path: Path) -> None:
    html = render_report(sample_doc(), tmp_path).read_text(encoding="utf-8")
    assert 'id="history"' not in html and "data-change" not in html and history_view(sample_doc()).present is False


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
