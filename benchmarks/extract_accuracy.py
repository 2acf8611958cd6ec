"""How well `govaudit rules extract` drafts match the hand-made rule files.

For every hand-made rule file in rules/ whose `file:` names a seed notice in
shared/seeds/, run the extractor on that seed and compare:

  recall     share of the hand-made column rules (column_exists, subcolumns, column_order)
             that some draft column rule matches;
  precision  share of draft rules that are right: a draft column rule is right when it
             matches a hand-made column rule; any other draft is right when the hand-made
             file has a rule whose quote overlaps the draft's quote.

Two column rules match when they are the same family (column_exists / subcolumns /
column_order) and either their full paths are equal after normalisation, or the leaf of
one (path's last level, synonyms and whitespace folded with rules/synonyms.yaml) is the
leaf of the other or one of its children.

    python benchmarks/extract_accuracy.py [--seeds DIR] [--rules DIR] [--show]

Prints a table and exits 0 (also when hand-made files are missing: they are reported).
"""
from __future__ import annotations

import argparse
import difflib
import re
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.notice.draft import extract_rules  # noqa: E402

COLUMN_CHECKS = ("column_exists", "subcolumns", "column_order")
EXPECTED = ("wulong-2022", "wushan-2021", "yanjiang-2022", "yuzhong-2021", "chongqing-2020")

try:  # the project's own name matching, if present
    from crawler.text.names import Synonyms

    _SYN: Any = Synonyms.load()
except Exception:  # noqa: BLE001  # pragma: no cover - fallback when names.py is not there
    _SYN = None

_PUNCT = re.compile(r"[\s\u3000·•、，,。.:：;；!！?？“”\"'‘’《》<>〈〉()（）\[\]【】{}|\\\-—_~～]+")


def canon(name: str) -> str:
    """Column name → comparable key (width, whitespace, quotes, suffixes, synonyms)."""
    if _SYN is not None:
        return str(_SYN.canonical(name))
    s = unicodedata.normalize("NFKC", name)
    s = _PUNCT.sub("", s)
    return re.sub(r"(栏目|专栏|专区|专题)$", "", s) or s


def split_path(v: Any) -> list[str]:
    if isinstance(v, list):
        return [str(x) for x in v]
    return [x for x in re.split(r"\s*>\s*", str(v or "")) if x.strip()]


def split_children(v: Any) -> list[str]:
    if isinstance(v, list):
        return [str(x) for x in v]
    return [x for x in re.split(r"[、/]", str(v or "")) if x.strip()] if v else []


@dataclass
class ColRule:
    check: str
    path: list[str]
    children: list[str]

    @property
    def leaf(self) -> str:
        return canon(self.path[-1]) if self.path else ""

    @property
    def keys(self) -> set[str]:
        return {self.leaf} | {canon(c) for c in self.children}

    @property
    def full(self) -> str:
        return ">".join(canon(p) for p in self.path)


def col_rule(r: dict[str, Any]) -> ColRule:
    params = r.get("params") or {}
    path = r.get("path", params.get("path"))
    children = r.get("children", params.get("children"))
    return ColRule(r["check"], split_path(path), split_children(children))


def col_match(a: ColRule, b: ColRule) -> bool:
    if not a.path or not b.path:
        return False
    return a.full == b.full or a.leaf in b.keys or b.leaf in a.keys


def _norm_quote(q: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", q or ""))


def quotes_overlap(a: str, b: str) -> bool:
    """True when the quotes share a run of at least 12 characters (or most of the shorter)."""
    a, b = _norm_quote(a), _norm_quote(b)
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    m = difflib.SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return m.size >= min(12, max(4, int(0.6 * min(len(a), len(b)))))


@dataclass
class Score:
    name: str
    hand_cols: int = 0
    recovered: int = 0
    drafts: int = 0
    right: int = 0
    draft_cols: int = 0
    right_cols: int = 0
    seconds: float = 0.0
    missing: str = ""


def score_notice(name: str, hand: dict[str, Any], seed: Path, show: bool) -> Score:
    sc = Score(name)
    t0 = time.perf_counter()
    draft = extract_rules(seed)
    sc.seconds = time.perf_counter() - t0
    hand_rules = hand.get("rules") or []
    hand_cols = [col_rule(r) for r in hand_rules if r.get("check") in COLUMN_CHECKS]
    hand_quotes = [str((r.get("source") or {}).get("quote") or "") for r in hand_rules]
    drafts = draft["rules"]
    draft_cols = [(r, col_rule(r)) for r in drafts if r["check"] in COLUMN_CHECKS]
    sc.hand_cols = len(hand_cols)
    missed = []
    for h in hand_cols:
        if any(col_match(h, d) for _, d in draft_cols):
            sc.recovered += 1
        else:
            missed.append(h)
    wrong = []
    for r in drafts:
        sc.drafts += 1
        if r["check"] in COLUMN_CHECKS:
            sc.draft_cols += 1
            ok = any(col_match(col_rule(r), h) for h in hand_cols)
            sc.right_cols += ok
        else:
            q = str(r["source"].get("quote") or "")
            ok = any(quotes_overlap(q, hq) for hq in hand_quotes)
        sc.right += ok
        if not ok:
            wrong.append(r)
    if show:
        print(f"\n## {name}")
        for h in missed:
            print(f"  missed   {h.check:14} {'>'.join(h.path)} {'/'.join(h.children)}")
        for r in wrong:
            what = r.get("path") or r.get("params") or ""
            print(f"  wrong    {r['check']:14} {what}  « {str(r['source'].get('quote'))[:50]}")
    return sc


def pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:5.1f}%" if b else "   — "


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=Path, default=ROOT.parent / "shared" / "seeds")
    ap.add_argument("--rules", type=Path, default=ROOT / "rules")
    ap.add_argument("--show", action="store_true", help="list missed hand-made rules and wrong drafts")
    args = ap.parse_args(argv)

    pairs: list[tuple[str, dict[str, Any], Path]] = []
    reported: list[Score] = []
    found_names = set()
    for f in sorted(args.rules.glob("*.yaml")):
        try:
            data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            continue
        seed_name = data.get("file") if isinstance(data, dict) else None
        if not seed_name:
            continue
        seed = args.seeds / str(seed_name)
        if seed.exists():
            pairs.append((f.stem, data, seed))
            found_names.add(f.stem)
    for name in EXPECTED:
        if name not in found_names:
            reported.append(Score(name, missing="hand-made file or seed not found"))

    scores = [score_notice(n, d, s, args.show) for n, d, s in pairs]
    print()
    hdr = f"{'notice':16} {'hand cols':>9} {'found':>6} {'recall':>7}   {'drafts':>6} {'right':>6} {'precision':>9}   {'col drafts':>10} {'col right':>9}  {'sec':>5}"
    print(hdr)
    print("-" * len(hdr))
    for sc in scores:
        print(
            f"{sc.name:16} {sc.hand_cols:9d} {sc.recovered:6d} {pct(sc.recovered, sc.hand_cols):>7}   "
            f"{sc.drafts:6d} {sc.right:6d} {pct(sc.right, sc.drafts):>9}   {sc.draft_cols:10d} {sc.right_cols:9d}  {sc.seconds:5.2f}"
        )
    for sc in reported:
        print(f"{sc.name:16} ({sc.missing})")
    tot = Score("TOTAL")
    for sc in scores:
        tot.hand_cols += sc.hand_cols
        tot.recovered += sc.recovered
        tot.drafts += sc.drafts
        tot.right += sc.right
        tot.draft_cols += sc.draft_cols
        tot.right_cols += sc.right_cols
        tot.seconds += sc.seconds
    print("-" * len(hdr))
    print(
        f"{'TOTAL':16} {tot.hand_cols:9d} {tot.recovered:6d} {pct(tot.recovered, tot.hand_cols):>7}   "
        f"{tot.drafts:6d} {tot.right:6d} {pct(tot.right, tot.drafts):>9}   {tot.draft_cols:10d} {tot.right_cols:9d}  {tot.seconds:5.2f}"
    )
    print("\ntarget: recall ≥ 80 % of hand-made column/path rules, precision ≥ 80 % of drafts right")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
