"""Report rendering: findings document → self-contained Chinese HTML, CSV and XLSX.

Build the data first (reports.view: plain dataclasses from crawler.evaluate's document),
then render with jinja2 templates that only print values and loop. Autoescape is always
on: every string in a report came from a hostile site.

- render_report(doc, out_dir): report.html + units/*.html (one gap list per unit)
- write_exports(doc, out_dir): findings.csv + 整改台账.xlsx
- render_dashboard(entries, out_dir): index.html over many sites (reports.dashboard)
"""
from __future__ import annotations

from reports.exports import write_combined_exports, write_exports
from reports.html import render_report, render_unit_pages, report_environment, safe_href

__all__ = ["render_report", "render_unit_pages", "report_environment", "safe_href", "write_combined_exports",
           "write_exports"]
