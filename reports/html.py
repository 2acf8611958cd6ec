"""Render the single-site HTML report (one file, inline CSS, no external resources)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent / "templates"

STATUS_CN = {"pass": "通过", "fail": "不通过", "pending": "未到期", "unknown": "无法判断", "waived": "已豁免"}
SEVERITY_CN = {"veto": "单项否决", "major": "重要", "minor": "一般", "warning": "预警", "info": "提示"}


def safe_href(url: Any) -> str:
    """Only http(s) URLs become links; anything else (javascript:, data:) is shown as text."""
    s = str(url or "")
    return s if s.lower().startswith(("http://", "https://")) else ""


def report_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["status_cn"] = lambda s: STATUS_CN.get(s, s)
    env.filters["severity_cn"] = lambda s: SEVERITY_CN.get(s, s)
    env.filters["safe_href"] = safe_href
    env.globals["STATUS_CN"] = STATUS_CN
    return env


def _tree(columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Columns in tree order with their depth, for an indented listing."""
    rows = sorted(columns, key=lambda c: c["path"])
    return [{**c, "depth": len(c["path"]) - 1, "name": c["path"][-1]} for c in rows]


def render_report(doc: dict[str, Any], out_dir: Path, name: str = "report.html") -> Path:
    """Write out_dir/report.html from a findings document (see crawler.evaluate)."""
    env = report_environment()
    order = {"fail": 0, "pending": 1, "unknown": 2, "pass": 3, "waived": 4}
    findings = sorted(doc["findings"], key=lambda f: (order.get(f["status"], 9), f["rule_id"]))
    html = env.get_template("report.html.j2").render(
        doc=doc, findings=findings, tree=_tree(doc.get("columns", [])),
        css=(TEMPLATES / "report.css").read_text(encoding="utf-8"),
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    path.write_text(html, encoding="utf-8")
    return path
