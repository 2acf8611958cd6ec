"""Columns measured the way a person reads them (issue 13), on hand-written pages in the
shapes real government sites use (tests/fixtures/shapes/: entries without followable links,
tabs, weui mobile markup, table lists, attachment-only and off-site lists, single-article
columns, JSON and Vue lists, pinned entries, implied years, list vs PubDate disagreement,
an empty column beside a dated sidebar).

The real CLI crawls the served site; each column's items, newest date and emptiness must
match the column folder's `_truth.json` (what a person reading the page sees)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support import FIXTURES, ROOT
from tests.support.fixture_sites import HIDDEN
from tests.support.mockserver import serve_static

SHAPES = FIXTURES / "shapes"
AS_OF = "2024-08-01"


def truths() -> dict[str, dict]:
    out = {}
    for f in sorted(SHAPES.glob("*/_truth.json")):
        out[f.parent.name] = json.loads(f.read_text(encoding="utf-8"))
    return out


TRUTHS = truths()


@pytest.fixture(scope="module")
def doc(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("shapes")
    rules = tmp / "rules.yaml"
    lines = ["schema: govaudit.rules/1", "document: 页面形态测试规则", "year: 2024", "rules:"]
    for i, t in enumerate(TRUTHS.values()):
        lines.append(f"  - {{id: col-{i}, title: {t['column']}, check: column_exists, path: {t['column']}}}")
    rules.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with serve_static(SHAPES, hidden=HIDDEN) as srv:
        r = subprocess.run([sys.executable, "-m", "crawler.cli", "audit", srv.url, "--rules", str(rules),
                            "--out", str(tmp / "out"), "--as-of", AS_OF, "--no-verify-links",
                            "--max-pages", "120", "--delay", "0"],
                           capture_output=True, text=True, timeout=600, cwd=ROOT, check=False)
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    return json.loads((tmp / "out" / "findings.json").read_text(encoding="utf-8"))


def _column(doc: dict, name: str) -> dict | None:
    rows = [c for c in doc["columns"] if c["path"] and c["path"][-1] == name]
    return rows[0] if rows else None


@pytest.mark.parametrize("folder", sorted(TRUTHS))
def test_column_found(doc, folder):
    t = TRUTHS[folder]
    f = {x["title"]: x for x in doc["findings"]}[t["column"]]
    assert f["status"] == "pass", f["message"]


@pytest.mark.parametrize("folder", sorted(TRUTHS))
def test_newest_as_a_person_reads_it(doc, folder):
    t = TRUTHS[folder]
    col = _column(doc, t["column"])
    assert col is not None
    assert col["newest"] == t["newest"], (t["shape"], col)


@pytest.mark.parametrize("folder", sorted(TRUTHS))
def test_empty_as_a_person_sees_it(doc, folder):
    t = TRUTHS[folder]
    col = _column(doc, t["column"])
    assert col is not None
    assert col["empty"] is t["empty"], (t["shape"], col)


@pytest.mark.parametrize("folder", sorted(k for k, t in TRUTHS.items() if t["items"]))
def test_items_counted(doc, folder):
    t = TRUTHS[folder]
    col = _column(doc, t["column"])
    assert col is not None
    assert col["items"] == t["items"], (t["shape"], col)


@pytest.mark.parametrize("folder", sorted(TRUTHS))
def test_dead_entries_and_date_disagreements_noted(doc, folder):
    """Entries nothing opens are counted per column and listed for the report; a list date
    that differs from the article's PubDate is used, and the disagreement is listed."""
    t = TRUTHS[folder]
    col = _column(doc, t["column"])
    assert col is not None
    dead = t.get("dead", 0 if t["openable"] else t["items"])
    assert col["not_openable"] == dead, (t["shape"], col)
    listed = [d for d in doc["links"]["dead_entries"] if d["column"] and d["column"][-1] == t["column"]]
    assert len(listed) == dead
    noted = [d for d in doc["date_disagreements"] if d["column"] and d["column"][-1] == t["column"]]
    assert col["date_disagreements"] == len(noted) == t.get("date_disagreements", 0), (t["shape"], col)
