"""Hostile content never breaks an output or injects anything into it.

A local site (`HostileSite`, tests/support/faultserver.py) whose titles, menu names, breadcrumbs,
anchor texts and URLs carry markup (`<script>`, `"><img src=x onerror=…>`), `javascript:`
and `data:` URLs, spreadsheet formulas, control characters, a bidi override and 100 KB
strings is audited with the real CLI. Then:

- report.html parses, has no element or attribute the templates did not put there, no
  script but the report's own, no link to javascript:/data:/vbscript:, and shows the
  hostile strings as text;
- findings.json is valid JSON of bounded size;
- findings.csv / 整改台账.xlsx (when reports/exports.py writes them) have no cell that a
  spreadsheet would run as a formula;
- extraction capped every string it kept (titles, anchor texts).

The same checks run on a findings document whose every free-text field was replaced by
hostile values (fields the crawl never fills from a page, too).
"""
from __future__ import annotations

import csv
import itertools
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lhtml

from crawler.model.page import PageRecord
from tests.support import ROOT
from tests.support.faultserver import (
    HOSTILE_STRINGS,
    HostileSite,
    run_cli,
    write_rules,
)
from tests.support.mockserver import MockServer

pytestmark = pytest.mark.slow  # long: deselect with -m "not slow"

TEMPLATES = ROOT / "reports" / "templates"
AS_OF = "2021-12-31"
MAX_KEPT = 1000  # no string the crawl keeps from a page may be longer than this
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_NUMBER = re.compile(r"^[-+]?\d+(?:\.\d+)?$")
BAD_SCHEMES = ("javascript:", "data:", "vbscript:", "file:")
INJECTED_TAGS = {"img", "svg", "iframe", "object", "embed", "frame", "frameset", "base", "form", "input",
                 "meta", "link", "math", "video", "audio", "source"}

RULES = [
    {"id": "hostile-tzgg", "title": "设置通知公告栏目", "check": "column_exists", "path": "通知公告"},
    {"id": "hostile-alert", "title": "发布含 alert 的信息", "check": "content_published",
     "params": {"keywords": ["alert"]}},
    {"id": "hostile-formula", "title": "发布含 HYPERLINK 的信息", "check": "content_published",
     "params": {"keywords": ["HYPERLINK"]}},
    {"id": "hostile-js-link", "title": "首页有 javascript 链接", "check": "link_present",
     "params": {"text": ["javascript链接"]}},
    {"id": "hostile-missing", "title": "设置不存在的栏目", "check": "column_exists", "path": "政务公开>财政预决算"},
    {"id": "hostile-blank", "title": "无空白栏目", "check": "blank_columns"},
]


# --------------------------------------------------------------------------- the audit
@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile")
    out = tmp / "out"
    rules = write_rules(str(tmp / "rules.yaml"), RULES)
    with MockServer(HostileSite()) as srv:
        r, _secs = run_cli(["audit", srv.url, "--rules", rules, "--out", str(out), "--as-of", AS_OF,
                           "--max-pages", "80", "--timeout", "5", "--delay", "0"], timeout=240)
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    assert r.returncode in (0, 1), (r.returncode, r.stdout[-2000:], r.stderr[-3000:])
    return out


def _allowed_scripts() -> set[str]:
    return {p.read_text(encoding="utf-8").strip() for p in TEMPLATES.glob("*.js")}


def assert_report_clean(path: Path, *, expect_text: list[str] = ()) -> None:  # type: ignore[assignment]
    raw = path.read_bytes()
    assert len(raw) < 20_000_000
    root = lhtml.fromstring(raw)
    assert root.find(".//body") is not None
    allowed = _allowed_scripts()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        assert tag not in INJECTED_TAGS or _from_template(tag), f"injected <{tag}> {lhtml.tostring(el)[:200]!r}"
        if tag == "script":
            assert not el.get("src"), lhtml.tostring(el)[:200]
            assert (el.text or "").strip() in allowed, f"unexpected script: {(el.text or '')[:200]!r}"
        for name, value in el.attrib.items():
            low = name.lower()
            assert not low.startswith("on"), f"event handler attribute {name}={value!r} on <{tag}>"
            assert low not in ("srcdoc", "formaction", "xlink:href"), name
            if low in ("href", "src", "action", "background", "poster", "data"):
                v = re.sub(r"[\x00-\x20]", "", value).lower()
                assert not v.startswith(BAD_SCHEMES), f"{name}={value!r}"
            if low == "style":
                assert "expression(" not in value.lower() and "url(" not in value.lower(), value
    text = root.text_content()
    for s in expect_text:
        assert s in text, f"{s!r} not shown as text"


_TEMPLATE_TAGS: set[str] | None = None


def _from_template(tag: str) -> bool:
    """Whether the templates themselves use this tag (e.g. <meta>, <link>)."""
    global _TEMPLATE_TAGS
    if _TEMPLATE_TAGS is None:
        src = " ".join(p.read_text(encoding="utf-8") for p in TEMPLATES.glob("*.j2"))
        _TEMPLATE_TAGS = {t.lower() for t in re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", src)}
    return tag in _TEMPLATE_TAGS


def assert_exports_clean(out: Path) -> None:
    for p in out.glob("*.csv"):
        with p.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    assert not (cell.startswith(FORMULA_START) and not _NUMBER.match(cell)), (p.name, cell[:80])
    xlsx = list(out.glob("*.xlsx"))
    if not xlsx:
        return
    from openpyxl import load_workbook

    for p in xlsx:
        wb = load_workbook(p)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    assert c.data_type != "f", (p.name, ws.title, c.coordinate, c.value)
                    if isinstance(c.value, str):
                        assert not c.value.startswith(FORMULA_START) or _NUMBER.match(c.value), \
                            (p.name, ws.title, c.coordinate, c.value[:80])


def test_report_has_nothing_injected(audited: Path) -> None:
    doc = json.loads((audited / "findings.json").read_text(encoding="utf-8"))
    names = {c["path"][-1] for c in doc["columns"]}
    shown = [n for n in names if "<script>" in n or "<img" in n or "<svg" in n]
    assert len(shown) >= 2, f"hostile column names were not kept as text: {sorted(names)[:10]}"
    assert_report_clean(audited / "report.html", expect_text=shown)


INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def _strings(v: Any) -> list[str]:
    if isinstance(v, str):
        return [v]
    if isinstance(v, dict):
        return [x for k, val in v.items() for x in (*_strings(k), *_strings(val))]
    if isinstance(v, list):
        return [x for val in v for x in _strings(val)]
    return []


def test_control_characters_dropped(audited: Path) -> None:
    """Control characters and bidi overrides from the site reach no output (they would
    hide or reorder text an inspector reads)."""
    for name in ("report.html", "findings.json", "findings.csv"):
        p = audited / name
        if p.exists():
            text = p.read_text(encoding="utf-8-sig")
            if name == "findings.json":
                text = " ".join(_strings(json.loads(text)))  # the \u escapes decoded
            found = {hex(ord(c)) for c in INVISIBLE.findall(text)}
            assert not found, (name, found)


def test_findings_json_valid_and_bounded(audited: Path) -> None:
    raw = (audited / "findings.json").read_bytes()
    assert len(raw) < 5_000_000
    doc = json.loads(raw.decode("utf-8"))
    assert {f["rule_id"] for f in doc["findings"]} == {r["id"] for r in RULES}
    for f in doc["findings"]:
        for e in f.get("evidence") or []:
            assert len(e.get("text", "")) <= MAX_KEPT and len(e.get("url", "")) <= 10_000


def test_exports_have_no_formulas(audited: Path) -> None:
    assert list(audited.glob("*.csv")), "findings.csv missing"
    assert_exports_clean(audited)


def test_extraction_capped_strings(audited: Path) -> None:
    con = sqlite3.connect(str(audited / "crawl.db"))
    recs = [PageRecord.from_dict(json.loads(d)) for (d,) in con.execute("SELECT data FROM pages")]
    con.close()
    assert len(recs) > 5
    longest = 0
    for r in recs:
        strings = [r.title, *r.breadcrumb, *(lk.text for lk in r.links), *(it.title for it in r.items),
                   *r.meta.values()]
        for s in strings:
            longest = max(longest, len(s))
            assert len(s) <= MAX_KEPT, (r.url, len(s), s[:60])
    assert longest > 50  # the long strings were there, and were cut
    for r in recs:
        assert all(len(lk.url) <= 2083 for lk in r.links), r.url  # a 100 KB "URL" is no link
    home = next(r for r in recs if r.depth == 0)
    assert home.title, "the homepage title was lost"


# --------------------------------------------------------------------------- every field hostile
ENUM_KEYS = {"status", "severity", "schema", "check", "as_of", "kind", "state", "category", "verdict_code",
             "deadline", "due", "expires", "newest", "newest_below", "fetched_at", "started_at",
             "finished_at", "date", "level", "region"}
PAYLOADS = [*HOSTILE_STRINGS, "x" * 100_000, "javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
            " javascript:alert(2)", "JaVaScRiPt:alert(3)", "http://ok.invalid/\"><script>alert(4)</script>"]


def _poison(value: Any, gen: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _poison(v, gen, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_poison(v, gen, key) for v in value]
    if isinstance(value, str) and key not in ENUM_KEYS and value:
        return next(gen)
    return value


def test_every_field_hostile(audited: Path, tmp_path: Path) -> None:
    """Replace every free-text value of the findings document with hostile payloads and
    render again: the report and exports stay clean (the renderer escapes everything,
    not just what the crawl happened to fill)."""
    from crawler.runner.audit import write_outputs

    doc = json.loads((audited / "findings.json").read_text(encoding="utf-8"))
    for i, f in enumerate(doc["findings"]):  # make sure evidence exists to be poisoned
        f.setdefault("evidence", []).append({"url": "http://example.invalid/a", "text": f"证据{i}"})
    doc["failed_pages"] = [{"url": "http://example.invalid/f", "status": 0, "error": "timeout"}] * 3
    poisoned = _poison(doc, itertools.cycle(PAYLOADS))
    out = tmp_path / "poisoned"
    outputs = write_outputs(poisoned, out)
    assert (out / "report.html").is_file()
    assert_report_clean(out / "report.html")
    json.loads((out / "findings.json").read_text(encoding="utf-8"))
    if "findings.csv" in {p.name for p in outputs.values()} or list(out.glob("*.csv")):
        assert_exports_clean(out)
