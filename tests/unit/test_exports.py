"""CSV and XLSX exports: readable by Excel, and no crawled text becomes a formula."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from tests.support.reportdocs import FORMULAS, XSS_SCRIPT, hostile_doc, sample_doc

from reports import write_exports
from reports.exports import safe_cell, sheet_title, write_combined_exports

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def test_safe_cell():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("+86 23 6388") == "'+86 23 6388"
    assert safe_cell("-5") == "'-5"
    assert safe_cell("@x") == "'@x"
    assert safe_cell("\t=1") == "'\t=1"
    assert safe_cell("＝1") == "'＝1"  # full-width = is read as a formula by some spreadsheets
    assert safe_cell("正常文字") == "正常文字"
    assert safe_cell(-3) == -3 and safe_cell(2.5) == 2.5
    assert safe_cell("a\x00b\x1fc") == "abc"
    assert safe_cell(None) == ""


def test_sheet_titles_follow_excels_rules():
    taken: set[str] = set()
    names = [sheet_title(n, taken) for n in [
        "区发展改革委", "a[b]c:d*e?f/g\\h", "很长的单位名称" * 6, "很长的单位名称" * 6, "History", "'引号'", "",
        "ABC", "abc"]]
    assert names[0] == "区发展改革委"
    assert names[1] == "a_b_c_d_e_f_g_h"
    assert len(names[2]) == 31 and len(names[3]) <= 31 and names[2] != names[3]
    assert names[4] != "History" and names[5] == "引号" and names[6] == "未命名单位"
    assert names[7].lower() != names[8].lower()
    assert len({n.lower() for n in names}) == len(names)
    for n in names:
        assert 1 <= len(n) <= 31 and not any(c in n for c in "[]:*?/\\") and not n.startswith("'")


def test_csv_has_a_bom_and_every_finding(tmp_path: Path):
    doc = sample_doc()
    out = write_exports(doc, tmp_path)
    raw = out["csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:5] == ["序号", "规则编号", "问题", "结论", "说明"]
    assert len(rows) == 1 + len(doc["findings"])
    by_id = {r[1]: r for r in rows[1:]}
    assert by_id["yz-14th-plan"][3] == "不通过"
    assert by_id["yz-contact"][3] == "已豁免" and "机构改革期间暂缓" in by_id["yz-contact"][rows[0].index("豁免")]
    assert by_id["yz-14th-plan"][rows[0].index("逾期/剩余")] == "逾期 90 天"


def test_csv_never_starts_a_cell_with_a_formula(tmp_path: Path):
    out = write_exports(hostile_doc(), tmp_path)
    text = out["csv"].read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(text.splitlines(keepends=True)))
    cells = [c for r in rows for c in r]
    assert cells, "no cells"
    for c in cells:
        if re.fullmatch(r"-?\d+(\.\d+)?", c):  # our own numbers (days left, negative when overdue)
            continue
        assert not c.startswith(FORMULA_START), repr(c)
    for formula in FORMULAS:  # the text is kept, behind a quote
        assert any(c == "'" + formula for c in cells), formula
    assert any(XSS_SCRIPT in c for c in cells)  # CSV holds text; it is not HTML


def test_xlsx_sheets_columns_frozen_header_filter_and_no_formulas(tmp_path: Path):
    doc = hostile_doc()
    out = write_exports(doc, tmp_path)
    wb = load_workbook(out["xlsx"])  # formulas would load as data_type "f"
    assert wb.sheetnames[0] == "汇总"
    units = wb.sheetnames[1:]
    assert "区发展改革委" in units and "区政府办公室" in units
    assert len({n.lower() for n in wb.sheetnames}) == len(wb.sheetnames)
    for ws in wb.worksheets:
        assert len(ws.title) <= 31
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref, ws.title
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_START), (ws.title, cell.coordinate, cell.value)
    ws = wb["区发展改革委"]
    header = [c.value for c in ws[1]]
    assert header[:8] == ["序号", "问题", "依据", "责任单位", "时限", "结论", "证据链接", "整改情况"]
    assert all(ws.column_dimensions[c].width >= 6 for c in "ABCDEFGH")
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert all(r[7] in (None, "") for r in rows)  # 整改情况: for the office
    first = rows[0]  # the most overdue failure first
    assert first[1].startswith("政策解读设置视频子栏目") and "逾期 274 天" in first[4] and first[5] == "不通过"
    assert "“公开政策解读设置视频子栏目”" in first[2]
    assert "http://www.cqyz.test/zwgk/zcjd/0.html" in first[6]
    # the summary names the verdict and the score
    summary = [c.value for c in wb["汇总"][2]]
    assert summary[3] == "合格" and summary[4] == 87.7


def test_xlsx_formula_texts_are_kept_as_text(tmp_path: Path):
    out = write_exports(hostile_doc(), tmp_path)
    wb = load_workbook(out["xlsx"])
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    for formula in FORMULAS:
        assert any(v.startswith("'" + formula) for v in values), formula


def test_pending_items_are_ordered_by_due_date(tmp_path: Path):
    doc = sample_doc()
    for f in doc["findings"]:
        if f["status"] == "pending":
            f["responsible_units"] = ["区财政局"]
    out = write_exports(doc, tmp_path)
    ws = load_workbook(out["xlsx"])["区财政局"]
    dues = [r[4] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert dues[0].startswith("2022-04-30") and dues[1].startswith("2022-06-30")
    assert "剩余 30 天" in dues[0]


def test_combined_exports_have_a_site_column(tmp_path: Path):
    a, b = sample_doc(), sample_doc()
    b["site"]["name"] = "江北区人民政府"
    out = write_combined_exports([a, b], tmp_path)
    wb = load_workbook(out["xlsx"])
    ws = wb["区发展改革委"]
    assert [c.value for c in ws[1]][1] == "网站"
    assert {r[1] for r in ws.iter_rows(min_row=2, values_only=True)} == {"重庆市渝中区人民政府", "江北区人民政府"}
    rows = list(csv.reader(out["csv"].read_bytes().decode("utf-8-sig").splitlines()))
    assert rows[0][1] == "网站"


@pytest.mark.parametrize("status", ["pass"])
def test_passed_findings_are_not_in_the_ledger(tmp_path: Path, status: str):
    out = write_exports(sample_doc(), tmp_path)
    wb = load_workbook(out["xlsx"])
    ids = {r[8] for ws in wb.worksheets[1:] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert "yz-guide" not in ids and "yz-14th-plan" in ids and "yz-contact" in ids


def test_ledger_has_state_dropdown_done_date_and_link(tmp_path: Path):
    out = write_exports(sample_doc(), tmp_path)
    ws = load_workbook(out["xlsx"])["区发展改革委"]
    header = [c.value for c in ws[1]]
    assert {"整改状态", "完成日期", "链接", "整改位置"} <= set(header)
    col = header.index("整改状态") + 1
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert lists and lists[0].formula1 == '"未整改,整改中,已整改,无法整改"'
    letter = ws.cell(row=1, column=col).column_letter
    assert f"{letter}2" in str(lists[0].sqref)
    assert any(dv.type == "date" for dv in ws.data_validations.dataValidation)
    link_col = header.index("链接") + 1
    links = [ws.cell(row=r, column=link_col) for r in range(2, ws.max_row + 1)]
    assert any(c.hyperlink is not None and str(c.value).startswith("http") for c in links)
