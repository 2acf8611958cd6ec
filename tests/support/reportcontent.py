"""A report's content, parsed: what a reader sees (headings, tables, links, text blocks),
without the inline CSS and JS, so a style change does not change the golden file."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from lxml import html as lxml_html

UPDATE_ENV = "GOVAUDIT_UPDATE_GOLDEN"


def _text(el: Any) -> str:
    return re.sub(r"\s+", " ", " ".join(el.itertext())).strip()


def report_content(page: str) -> dict[str, Any]:
    """Title, headings, every table (header and rows as cell texts), links and text blocks."""
    tree = lxml_html.fromstring(page)
    for el in tree.xpath("//style | //script"):
        el.drop_tree()
    tables = []
    for t in tree.xpath("//table"):
        tables.append({
            "id": t.get("id", ""),
            "class": t.get("class", ""),
            "head": [_text(c) for c in t.xpath("./thead/tr/th | ./thead/tr/td | ./tr[1]/th")],
            "rows": [[_text(c) for c in r.xpath("./td | ./th")] for r in t.xpath("./tbody/tr")],
        })
    return {
        "title": _text(tree.xpath("//title")[0]) if tree.xpath("//title") else "",
        "headings": [f"{h.tag}: {_text(h)}" for h in tree.xpath("//h1 | //h2 | //h3 | //h4")],
        "tables": tables,
        "links": [[_text(a), a.get("href")] for a in tree.xpath("//a[@href]")],
        "blocks": [_text(b) for b in tree.xpath("//p | //li | //dt | //dd | //summary | //figcaption") if _text(b)],
    }


def assert_matches_golden(page: str, golden: Path) -> None:
    """Compare the parsed content with the committed JSON; GOVAUDIT_UPDATE_GOLDEN=1 rewrites it."""
    content = report_content(page)
    if os.environ.get(UPDATE_ENV) == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(content, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    expected = json.loads(golden.read_text(encoding="utf-8"))
    for key in expected.keys() | content.keys():
        assert content.get(key) == expected.get(key), (
            f"report content changed in “{key}”: if intended, run {UPDATE_ENV}=1 pytest tests/unit/test_report.py "
            f"and review the diff of {golden.name}")
