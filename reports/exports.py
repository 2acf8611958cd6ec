"""Exports for spreadsheets: findings.csv and the 整改台账 workbook.

- findings.csv: every finding, UTF-8 with BOM (Excel on Windows then reads the Chinese).
- 整改台账.xlsx: a 汇总 sheet, then one sheet per responsible unit with the unit's gap
  items (columns 序号, 问题, 依据, 责任单位, 时限, 结论, 证据链接, 整改情况 — left empty
  for the office — and 规则编号); frozen header row, auto-filter, wrapped text.

Every cell is text from a hostile site. A value starting with = + - @ (or a tab / CR)
would become a formula in Excel or LibreOffice: it is prefixed with a single quote in
both files, and in the workbook every text cell is also stored with data type string.
Control characters that XML cannot hold are removed.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from crawler.judge.status import STATUS_CN
from reports.view import FindingView, build_report, gap_order, verdict_view

_COUNTED = ("fail", "pending", "unknown", "waived", "pass")  # the summary sheet's count columns

CSV_NAME = "findings.csv"
XLSX_NAME = "整改台账.xlsx"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
CELL_MAX = 32000  # Excel's cell limit is 32,767 characters


def safe_cell(value: Any) -> Any:
    """A value for a spreadsheet cell: numbers stay numbers; text never becomes a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return value
    s = _ILLEGAL.sub("", str(value))
    if len(s) > CELL_MAX:
        s = s[:CELL_MAX] + "…"
    if s.startswith(_FORMULA_START):
        s = "'" + s
    return s


def sheet_title(name: str, taken: set[str]) -> str:
    """Excel's rules: 1-31 characters, none of []:*?/\\, not starting or ending with ',
    unique regardless of case, not the reserved name History."""
    base = _SHEET_BAD.sub("_", name).strip().strip("'").strip() or "未命名单位"
    if base.lower() == "history":
        base = "History_"
    base = base[:31]
    title, n = base, 1
    while title.lower() in taken:
        n += 1
        suffix = f"({n})"
        title = base[: 31 - len(suffix)].rstrip("'") + suffix
    taken.add(title.lower())
    return title


def _requirement(v: FindingView) -> str:
    return v.title + (f"\n{v.message}" if v.message else "")


def _basis(v: FindingView) -> str:
    head = " ".join(x for x in (v.document, v.section) if x)
    return head + (f"\n“{v.quote}”" if v.quote else "")


def _due_text(v: FindingView) -> str:
    s = v.deadline or ("立即整改" if v.status == "fail" else "—")
    if v.due and v.due != v.deadline:
        s += f"（到期日 {v.due}）"
    if v.days_text:
        s += f"（{v.days_text}）"
    return s


def _status_text(v: FindingView) -> str:
    s = v.status_cn + ("（预警）" if v.warning else "")
    if v.waiver:
        s += f"：{v.waiver.get('reason', '')}（{v.waiver.get('approved_by', '')} 批准，有效至 {v.waiver.get('expires', '')}）"
    return s


def _evidence(v: FindingView, limit: int = 20) -> str:
    links = [*v.evidence, *v.evidence_more]
    lines = [e.url if not e.text or e.text == e.url else f"{e.text} {e.url}" for e in links[:limit]]
    if v.evidence_total > limit:
        lines.append(f"……共 {v.evidence_total} 条")
    return "\n".join(lines)


CSV_HEADER = ["序号", "网站", "规则编号", "问题", "结论", "说明", "依据文件", "条款", "依据原文", "牵头单位",
              "责任单位", "时限", "到期日", "剩余天数", "逾期/剩余", "证据链接", "豁免", "严重程度", "检查项"]


def _csv_rows(docs: list[dict[str, Any]], with_site: bool) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for doc in docs:
        r = build_report(doc)
        site = r.site_name or r.site_url
        for v in r.findings:
            w = v.waiver or {}
            rows.append([len(rows) + 1, site, v.rule_id, v.title, v.status_cn + ("（预警）" if v.warning else ""), v.message,
                         v.document, v.section, v.quote, "、".join(v.lead_units), "、".join(v.units),
                         v.deadline, v.due, v.days if v.days is not None else "", v.days_text,
                         "\n".join(e.url for e in [*v.evidence, *v.evidence_more]),
                         f"{w.get('reason', '')}（{w.get('approved_by', '')}，至 {w.get('expires', '')}）" if w else "",
                         v.severity_cn, v.check_name])
    if not with_site:
        for row in rows:
            del row[1]
    return rows


def write_csv(docs: list[dict[str, Any]], path: Path, *, with_site: bool = False) -> Path:
    header = list(CSV_HEADER) if with_site else [h for h in CSV_HEADER if h != "网站"]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_MINIMAL)
        w.writerow(header)
        for row in _csv_rows(docs, with_site):
            w.writerow([safe_cell(c) for c in row])
    return path


XLSX_COLUMNS = [("序号", 6), ("问题", 42), ("依据", 46), ("责任单位", 16), ("时限", 20), ("结论", 14),
                ("证据链接", 46), ("整改情况", 30), ("规则编号", 24), ("整改位置", 30), ("链接", 40),
                ("整改状态", 12), ("完成日期", 12)]
FIX_STATES = ("未整改", "整改中", "已整改", "无法整改")


def _gap_views(doc: dict[str, Any]) -> dict[str, list[FindingView]]:
    r = build_report(doc)
    return {g.unit: g.items for g in r.by_unit}


def _put(ws: Any, row: int, col: int, value: Any) -> Any:
    cell = ws.cell(row=row, column=col, value=safe_cell(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"  # never a formula, whatever the text
    return cell


_WRAP_TOP = {"wrap_text": True, "vertical": "top"}


def write_xlsx(docs: list[dict[str, Any]], path: Path, *, with_site: bool = False) -> Path:
    """整改台账.xlsx: a 汇总 sheet (one row per site, then one per unit) and a sheet per unit."""
    from openpyxl import Workbook

    wb = Workbook()
    taken: set[str] = set()
    summary = wb.active
    summary.title = sheet_title("汇总", taken)
    per_unit, row0 = _summary_sheet(summary, docs)
    columns = list(XLSX_COLUMNS)
    if with_site:
        columns.insert(1, ("网站", 20))
    units = sorted(per_unit, key=lambda u: (-sum(1 for _, f in per_unit[u] if f.status == "fail"), u))
    for k, unit in enumerate(units, 1):
        ws = wb.create_sheet(sheet_title(unit, taken))
        entries = sorted(per_unit[unit], key=lambda x: gap_order(x[1]))
        _unit_sheet(ws, entries, columns, with_site)
        fails = sum(1 for _, f in entries if f.status == "fail")
        for c, val in enumerate([unit, ws.title, len(entries), fails], 1):
            _put(summary, row0 + k, c, val)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _summary_sheet(summary: Any, docs: list[dict[str, Any]]
                   ) -> tuple[dict[str, list[tuple[dict[str, Any], FindingView]]], int]:
    """One row per site; returns each unit's items and the row where the unit table starts."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    bold, wrap = Font(bold=True), Alignment(**_WRAP_TOP)
    s_head = ["网站", "网址", "检查日期", "国家检查指标结论", "指标得分", "理由", *(STATUS_CN[s] for s in _COUNTED),
              "工作要点落实"]
    for c, h in enumerate(s_head, 1):
        _put(summary, 1, c, h).font = bold
    per_unit: dict[str, list[tuple[dict[str, Any], FindingView]]] = {}
    for i, doc in enumerate(docs, 2):
        r = build_report(doc)
        verdict = verdict_view(doc.get("verdict"))
        counts = {s: sum(1 for f in r.findings if f.status == s) for s in _COUNTED}
        score = (doc.get("verdict") or {}).get("score")  # a number, so the column sorts and sums
        site_vals = [r.site_name, r.site_url, r.as_of, verdict.verdict, "—" if score is None else score, verdict.reason,
                     *counts.values(), "\n".join(f"{c['document']}：{c['text']}" for c in r.completion)
                     if r.reachable else f"未能检查（站点无法访问：{r.unreachable_reason or '首页未能打开'}）"]
        for c, val in enumerate(site_vals, 1):
            _put(summary, i, c, val).alignment = wrap
        for unit, items in _gap_views(doc).items():
            per_unit.setdefault(unit, []).extend((doc, f) for f in items)
    for c, w in enumerate([24, 34, 12, 10, 8, 50, 8, 8, 8, 8, 8, 50], 1):
        summary.column_dimensions[get_column_letter(c)].width = w
    summary.freeze_panes = "A2"
    summary.auto_filter.ref = f"A1:{get_column_letter(len(s_head))}{max(summary.max_row, 2)}"
    row0 = summary.max_row + 2
    for c, h in enumerate(["责任单位", "工作表", "事项数", "不通过"], 1):
        _put(summary, row0, c, h).font = bold
    return per_unit, row0


def _unit_sheet(ws: Any, entries: list[tuple[dict[str, Any], FindingView]], columns: list[tuple[str, int]],
                with_site: bool) -> None:
    """One unit's items: header, one row per item, the 整改状态/完成日期 inputs, print setup."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold, head_fill, wrap = Font(bold=True), PatternFill("solid", fgColor="DDE6F0"), Alignment(**_WRAP_TOP)
    for c, (h, width) in enumerate(columns, 1):
        cell = _put(ws, 1, c, h)
        cell.font, cell.fill = bold, head_fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(c)].width = width
    names = [h for h, _ in columns]
    link_idx = names.index("链接") + 1
    for n, (doc, v) in enumerate(entries, 1):
        href = v.where.href if v.where and v.where.href else next(
            (e.href for e in [*v.evidence, *v.evidence_more] if e.href), "")
        vals: list[Any] = [n, _requirement(v), _basis(v), "、".join(v.units), _due_text(v), _status_text(v),
                           _evidence(v), "", v.rule_id, v.where.text if v.where else "", href,
                           "未整改" if v.status == "fail" else "", ""]
        if with_site:
            site = doc.get("site") or {}
            vals.insert(1, site.get("name") or site.get("url") or "")
        for c, val in enumerate(vals, 1):
            _put(ws, n + 1, c, val).alignment = wrap
        if href:
            cell = ws.cell(row=n + 1, column=link_idx)
            cell.hyperlink = href
            cell.style = "Hyperlink"
            cell.alignment = wrap
    _fix_inputs(ws, names, len(entries))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(entries) + 1}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1


def _fix_inputs(ws: Any, names: list[str], n_rows: int) -> None:
    """The 整改状态 dropdown and the 完成日期 date check on the item rows."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    state_col = get_column_letter(names.index("整改状态") + 1)
    done_col = get_column_letter(names.index("完成日期") + 1)
    dv = DataValidation(type="list", formula1='"' + ",".join(FIX_STATES) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle="整改状态", error="请从列表中选择：" + "、".join(FIX_STATES))
    dv.prompt, dv.promptTitle, dv.showInputMessage = "请选择整改状态", "整改状态", True
    ws.add_data_validation(dv)
    dates = DataValidation(type="date", operator="greaterThan", formula1="DATE(2000,1,1)", allow_blank=True,
                           showErrorMessage=True, errorTitle="完成日期", error="请填写日期，如 2023-06-30")
    ws.add_data_validation(dates)
    if n_rows:
        dv.add(f"{state_col}2:{state_col}{n_rows + 1}")
        dates.add(f"{done_col}2:{done_col}{n_rows + 1}")
        for row_n in range(2, n_rows + 2):
            ws[f"{done_col}{row_n}"].number_format = "yyyy-mm-dd"


def write_exports(doc: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """Write findings.csv and 整改台账.xlsx for one site's findings document."""
    out = Path(out_dir)
    return {"csv": write_csv([doc], out / CSV_NAME), "xlsx": write_xlsx([doc], out / XLSX_NAME)}


def write_combined_exports(docs: list[dict[str, Any]], out_dir: Path) -> dict[str, Path]:
    """The same for many sites at once (a 网站 column; one sheet per unit across sites)."""
    out = Path(out_dir)
    return {"csv": write_csv(docs, out / CSV_NAME, with_site=True),
            "xlsx": write_xlsx(docs, out / XLSX_NAME, with_site=True)}


__all__ = ["CSV_NAME", "XLSX_NAME", "safe_cell", "sheet_title", "write_combined_exports", "write_csv",
           "write_exports", "write_xlsx"]
