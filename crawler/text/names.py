"""Column-name matching: normalisation and synonyms (rules/synonyms.yaml).

Notices and sites name one column many ways (图片 / 图片解读 / 图解 / 一图读懂). Every
comparison of a rule's name with a site's name goes through `Synonyms.score`, so the
policy lives in one place:

  3  same name after normalisation (whitespace, punctuation, full-width forms, suffixes
     such as 栏目/专栏 removed)
  2  same synonym group
  1  the site's name contains the rule's name (视频 ⊂ 视频解读专区), rule name ≥ 2 chars;
     or the rule's name contains a long site name (法治政府建设 ⊂ 法治政府建设年度报告:
     ≥ 4 chars and ≥ 60 % of the rule's name)
  0  no match (also: containment never matches a site name that synonyms.yaml knows as
     a different column)
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

_PUNCT = re.compile(r"[\s\u3000·•、，,。.:：;；!！?？“”\"'‘’《》<>〈〉()（）\[\]【】{}|/\\\-—_~～+＋*&＆#＃]+")


@lru_cache(maxsize=8192)
def normalize(name: str) -> str:
    """Fold width, drop whitespace and punctuation: '政策 解读（图片）' → '政策解读图片'."""
    s = unicodedata.normalize("NFKC", name or "")
    return _PUNCT.sub("", s).lower()


@dataclass
class Synonyms:
    groups: dict[str, list[str]] = field(default_factory=dict)
    disclosure_roots: list[str] = field(default_factory=list)
    suffixes: list[str] = field(default_factory=list)
    _canon: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._suffixes = sorted({normalize(s) for s in self.suffixes}, key=len, reverse=True)
        for canon, variants in self.groups.items():
            for n in [canon, *variants]:
                self._canon.setdefault(self.key(n), self.key(canon))
        self._roots = {self.canonical(r) for r in self.disclosure_roots}

    @classmethod
    def load(cls, path: str | Path | None = None) -> Synonyms:
        from rules import SYNONYMS_FILE

        p = Path(path) if path else SYNONYMS_FILE
        data: dict[str, Any] = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        return cls(
            groups={str(k): [str(x) for x in (v or [])] for k, v in (data.get("groups") or {}).items()},
            disclosure_roots=[str(x) for x in data.get("disclosure_roots") or []],
            suffixes=[str(x) for x in data.get("suffixes") or []],
        )

    def key(self, name: str) -> str:
        """Normalised name with a trailing generic suffix removed (视频专栏 → 视频)."""
        n = normalize(name)
        for suf in self._suffixes:
            if n.endswith(suf) and len(n) - len(suf) >= 2:
                return n[: -len(suf)]
        return n

    def canonical(self, name: str) -> str:
        k = self.key(name)
        return self._canon.get(k, k)

    def score(self, wanted: str, have: str) -> int:
        """How well a site's column name `have` matches a rule's name `wanted` (0–3)."""
        w, h = self.key(wanted), self.key(have)
        if not w or not h:
            return 0
        if w == h:
            return 3
        if self._canon.get(w, w) == self._canon.get(h, h):
            return 2
        if h in self._canon or (w in self._canon and len(h) < len(w)):
            # a name the synonyms know as another column is that column, not a variant:
            # 政府信息公开指南 is not 政府信息公开, though it contains it
            return 0
        if len(w) >= 2 and w in h:
            return 1
        if len(h) >= 4 and h in w and len(h) >= 0.6 * len(w):
            return 1
        return 0

    def matches(self, wanted: str, have: str) -> bool:
        return self.score(wanted, have) > 0

    def is_disclosure_root(self, name: str) -> bool:
        return self.canonical(name) in self._roots or self.key(name) in self._roots


@lru_cache(maxsize=4)
def default_synonyms() -> Synonyms:
    return Synonyms.load()
