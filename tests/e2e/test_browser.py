"""The reports in a real browser (Debian chromium), opened from disk as an office would.

Never downloads a browser: Playwright drives /usr/bin/chromium (CI installs it with
`apt-get install chromium fonts-wqy-zenhei`). Screenshots go to the pytest tmp dir.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from reports import render_report
from reports.dashboard import SiteEntry, render_dashboard
from tests.support.browser import BROWSER_MARKS, visible_rows
from tests.support.reportdocs import hostile_doc, sample_doc

pytestmark = BROWSER_MARKS


def statuses(pg: Any) -> list[str]:
    return pg.eval_on_selector_all("#findings-table tbody tr", "rs => rs.filter(r => !r.hidden).map(r => r.dataset.status)")


def test_report_filters_and_sorting(page: Any, tmp_path: Path):
    path = render_report(sample_doc(), tmp_path / "site")
    page.goto(path.as_uri())
    page.wait_for_selector("form.filters:not([hidden])")
    assert page.locator(".filters .count").inner_text() == "显示 11 / 11 项"
    assert len(statuses(page)) == 11
    # click the 不通过 status filter: the 5 failures disappear, the rest stays
    page.locator("label.chip.c-fail").click()
    shown = statuses(page)
    assert "fail" not in shown and len(shown) == 6
    assert page.locator("#f-yz-14th-plan").is_hidden() and page.locator("#f-yz-budget").is_visible()
    assert page.locator(".filters .count").inner_text() == "显示 6 / 11 项"
    page.locator("label.chip.c-fail").click()
    # a unit: only its items
    page.select_option("select[name=unit]", "区财政局")
    assert visible_rows(page, "findings-table") == ["f-yz-budget"]
    page.select_option("select[name=unit]", "")
    # a check
    page.select_option("select[name=check]", "content_published")
    assert sorted(visible_rows(page, "findings-table")) == ["f-yz-budget", "f-yz-tax-guide"]
    page.select_option("select[name=check]", "")
    # free text
    page.fill("input[name=q]", "十四五")
    assert visible_rows(page, "findings-table") == ["f-yz-14th-plan"]
    page.click("button.reset")
    assert len(statuses(page)) == 11
    # sort by due date (click the 时限 header)
    page.click("#findings-table th[data-sort=due]")
    dues = page.eval_on_selector_all("#findings-table tbody tr", "rs => rs.map(r => r.dataset.sortDue)")
    assert dues == sorted(dues)
    page.click("#findings-table th[data-sort=due]")
    dues = page.eval_on_selector_all("#findings-table tbody tr", "rs => rs.map(r => r.dataset.sortDue)")
    assert dues == sorted(dues, reverse=True)
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 10_000
    assert page.errors == []


def test_report_without_javascript_shows_everything(browser: Any, tmp_path: Path):
    path = render_report(sample_doc(), tmp_path)
    ctx = browser.new_context(java_script_enabled=False)
    pg = ctx.new_page()
    pg.goto(path.as_uri())
    assert pg.locator("form.filters").is_hidden()
    assert pg.locator("#findings-table tbody tr:visible").count() == 11
    assert pg.locator("#gaps .unit-page").count() == 5
    ctx.close()


def test_hostile_report_runs_no_crawled_script(page: Any, tmp_path: Path):
    path = render_report(hostile_doc(), tmp_path)
    page.goto(path.as_uri())
    page.wait_for_selector("form.filters:not([hidden])")
    for el in page.locator("tr.finding").all()[:3]:
        el.hover()
    assert page.locator("img").count() == 0
    assert page.evaluate("() => document.scripts.length") == 1
    page.screenshot(path=str(tmp_path / "hostile.png"), full_page=True)
    assert page.errors == []  # no alert() dialog, no script error


def test_unit_page_prints_one_unit_per_page(page: Any, tmp_path: Path):
    from pypdf import PdfReader

    path = render_report(sample_doc(), tmp_path)
    page.goto(path.as_uri())
    page.emulate_media(media="print")
    assert page.locator("form.filters").is_hidden()
    breaks = page.eval_on_selector_all("#gaps .unit-page", "els => els.map(e => getComputedStyle(e).breakBefore)")
    assert breaks and set(breaks) == {"page"}
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    assert len(pdf.pages) >= 1 + len(breaks)
    unit = min((tmp_path / "units").glob("*.html"))
    page.goto(unit.as_uri())
    page.screenshot(path=str(tmp_path / "unit.png"), full_page=True)
    assert page.errors == []


def test_dashboard_filters(page: Any, tmp_path: Path):
    a, b = sample_doc(), sample_doc()
    b["verdict"].update(verdict="不合格", score=52.0, reason="得分 52 分，低于 60 分。")
    entries = [SiteEntry("渝中区人民政府", "yz", ["http://yz.test/"], "渝中区政府办公室", doc=a),
               SiteEntry("江北区人民政府", "jb", ["http://jb.test/"], "江北区政府办公室", doc=b),
               SiteEntry("巫山县人民政府", "ws", ["http://ws.test/"], "巫山县政府办公室", error="抓取失败：连接超时")]
    path = render_dashboard(entries, tmp_path)
    page.goto(path.as_uri())
    page.wait_for_selector("form.filters:not([hidden])")
    assert visible_rows(page, "sites-table") == ["合格", "无法判断", "不合格"]
    page.locator("label.chip", has_text="合格").first.click()  # uncheck 合格
    assert visible_rows(page, "sites-table") == ["无法判断", "不合格"]
    page.select_option("select[name=unit]", "江北区政府办公室")
    assert visible_rows(page, "sites-table") == ["不合格"]
    page.click("button.reset")
    page.click("#sites-table th[data-sort=score]")
    names = page.eval_on_selector_all("#sites-table tbody tr", "rs => rs.map(r => r.dataset.sortName)")
    assert names == ["巫山县人民政府", "江北区人民政府", "渝中区人民政府"]
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    assert page.errors == []
