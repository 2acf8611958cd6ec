"""The report's 变化 filter in a real browser (issue 11)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from reports import render_report
from tests.e2e.test_browser import browser, page, pytestmark, visible_rows  # noqa: F401 - fixtures
from tests.support.reportdocs import sample_doc
from tests.unit.test_history_report import with_history


def test_change_filter_with_the_other_filters(page: Any, tmp_path: Path) -> None:  # noqa: F811
    doc = with_history(sample_doc())
    ids = [f"f-{f['rule_id']}" for f in doc["findings"]]
    path = render_report(doc, tmp_path)
    page.goto(path.as_uri())
    page.wait_for_selector("form.filters:not([hidden])")
    total = len(visible_rows(page, "findings-table"))
    page.select_option("select[name=change]", "fixed")
    assert visible_rows(page, "findings-table") == [ids[1]]
    assert page.locator(".filters .count").inner_text() == f"显示 1 / {total} 项"
    page.fill("input[name=q]", "zzz-no-such-text")  # another filter still applies on top
    assert visible_rows(page, "findings-table") == []
    page.fill("input[name=q]", "")
    page.select_option("select[name=change]", "open")
    assert visible_rows(page, "findings-table") == [ids[0]]
    page.click("button.reset")
    assert len(visible_rows(page, "findings-table")) == total
    assert page.locator("#history svg polyline").count() >= 1
    assert page.errors == []
