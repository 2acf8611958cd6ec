"""Report rendering: findings document → self-contained Chinese HTML.

Build the data first (plain dicts/dataclasses from crawler.evaluate), then render with a
jinja2 template that only prints values and loops. Autoescape is always on: every string
in a report came from a hostile site.
"""
from __future__ import annotations

from .html import render_report, report_environment

__all__ = ["render_report", "report_environment"]
