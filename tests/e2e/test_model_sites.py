"""Adversarial end-to-end validation of the site model on three CMS conventions the bundled
sample site does not use (tests/fixtures/sites/: Hanweb JCMS portal, a GBK stand-alone
政府信息公开平台, a minimal 乡镇 site). The real CLI crawls each served site; the column
tree and the findings must match the site's ground truth (its manifest.json, written from
the site's definition in build_sites.py, not from the crawler)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support import ROOT
from tests.support.fixture_sites import SITES_DIR, manifest, serve_fixture_site

pytestmark = pytest.mark.slow  # long: deselect with -m "not slow"

SITES = ["hanweb", "xxgk-platform", "minimal-county"]


@pytest.fixture(scope="module", params=SITES)
def audit(request, tmp_path_factory):
    name = request.param
    m = manifest(name)
    tmp = tmp_path_factory.mktemp(name)
    with serve_fixture_site(name) as srv:
        r = subprocess.run([sys.executable, "-m", "crawler.cli", "audit", srv.url,
                            "--rules", str(SITES_DIR / name / "rules.yaml"), "--out", str(tmp / "out"),
                            "--as-of", m["as_of"], "--no-verify-links", "--max-pages", "150"],
                           capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    doc = json.loads((tmp / "out" / "findings.json").read_text(encoding="utf-8"))
    return name, m, doc, r


def _cols(doc):
    return {tuple(c["path"]): c for c in doc["columns"]}


def test_every_page_answered(audit):
    _, _, doc, r = audit
    assert r.returncode in (0, 1), r.stderr[-2000:]
    assert doc["site"]["reachable"]
    assert doc["failed_pages"] == []


def test_column_paths(audit):
    _, m, doc, _ = audit
    want = {tuple(c["path"]) for c in m["columns"]}
    got = set(_cols(doc))
    assert sorted(want - got) == [], "columns missed"
    assert sorted(got - want) == [], "columns that are not on the site"


@pytest.mark.parametrize("field", ["items", "newest", "newest_below", "empty"])
def test_column_facts(audit, field):
    _, m, doc, _ = audit
    cols = _cols(doc)
    wrong = []
    for c in m["columns"]:
        got = cols.get(tuple(c["path"]))
        if got is None or (c.get(field) is None and field in ("items",)):
            continue
        if field == "newest" and c["kind"] not in ("list",):
            continue
        if got[field] != c[field]:
            wrong.append((c["path"], got[field], c[field]))
    assert wrong == [], f"{field}: (path, model, truth)"


def test_findings(audit):
    _, m, doc, _ = audit
    f = {x["rule_id"]: x for x in doc["findings"]}
    wrong = []
    for rid, want in m["findings"].items():
        got = f[rid]
        for k, v in want.items():
            g = got.get(k)
            if k == "blank":
                g, v = sorted(g or []), sorted(v)
            if k == "found" and isinstance(v, list):  # column_exists: the column's path
                g = got.get("found")
            if g != v:
                wrong.append((rid, k, g, v, got.get("message")))
    assert wrong == [], "(rule, key, model, truth, message)"
