"""Render the HTML reports: one self-contained file each (inline CSS, JS and SVG; no
external fonts, scripts or images), readable offline and without JavaScript.

- `render_report(doc, out_dir)` → out_dir/report.html (the site report) and
  out_dir/units/NN-单位.html (one printable, mailable gap list per responsible unit).
- `render_dashboard(...)` lives in reports.dashboard (the multi-site index page).

The data is built first (reports.view), the templates only print and loop. Autoescape is
always on and undefined variables fail (StrictUndefined): every string came from a
hostile site.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from reports.view import SEVERITY_CN, STATUS_CN, UnitGroup, build_report, safe_href

TEMPLATES = Path(__file__).resolve().parent / "templates"

__all__ = [
    "SEVERITY_CN",
    "STATUS_CN",
    "TEMPLATES",
    "render_report",
    "render_unit_pages",
    "report_environment",
    "safe_href",
    "static_assets",
]


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


def static_assets() -> dict[str, Markup]:
    """Our own CSS and JS, inlined verbatim (trusted files: not escaped)."""
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    js = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    if "</" in css or "</script" in js.lower():
        raise ValueError("inline assets must not contain '</'")
    return {"css": Markup(css), "js": Markup(js)}


def _write(path: Path, html: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


def render_report(doc: dict[str, Any], out_dir: Path, name: str = "report.html") -> Path:
    """Write out_dir/report.html (and out_dir/units/*.html) from a findings document."""
    from reports.view import link

    env = report_environment()
    r = build_report(doc)
    r.exports = [link("findings.csv", "下载 CSV"), link("整改台账.xlsx", "下载整改台账")]
    for e in r.exports:  # local relative files, not site URLs
        e.href = e.url
    from reports.history import history_assets, history_view

    h = history_view(doc)
    html = env.get_template("report.html.j2").render(doc=doc, r=r, h=h, history_assets=history_assets() if h.present else {},
                                                     **static_assets())
    path = _write(Path(out_dir) / name, html)
    render_unit_pages(doc, Path(out_dir), r=r, env=env, h=h)
    return path


def render_unit_pages(doc: dict[str, Any], out_dir: Path, *, r: Any = None,
                      env: Environment | None = None, h: Any = None) -> list[Path]:
    """One self-contained page per responsible unit under out_dir/units/; with a run history
    (`h`, reports.history.HistoryView), each item's 变化 and the unit's change line, as the
    main report shows them."""
    from reports.history import history_assets, history_view, unit_changes

    env = env or report_environment()
    r = r or build_report(doc)
    h = h if h is not None else history_view(doc)
    extra: dict[str, Any] = {"h": h, "history_assets": history_assets() if h.present else {}}
    lead_by_unit: dict[str, UnitGroup] = {g.unit: g for g in r.by_lead}
    units_dir = Path(out_dir) / "units"
    if units_dir.is_dir():  # pages of an earlier run for units that no longer have gaps
        for old in units_dir.glob("*.html"):
            old.unlink()
    tpl = env.get_template("unit.html.j2")
    assets = static_assets()
    paths = []
    for g in r.by_unit:
        html = tpl.render(doc=doc, r=r, g=g, lead=lead_by_unit.get(g.unit), **assets, **extra,
                          unit_changes=unit_changes(doc, h, g.unit, g.items, r.findings) if h.present else None)
        paths.append(_write(Path(out_dir) / g.page, html))
    return paths
