"""The breadcrumb (当前位置：首页 > 政务公开 > …): which container is it, and its names."""
from __future__ import annotations

import re
from typing import Any

from lxml import etree

from crawler.extract.common import CRUMB_LABEL_RE, SKIP_TEXT_TAGS, cap, norm
from crawler.extract.walk import Walk

CRUMB_SEP_MAIN_RE = re.compile(r"\s*(?:>+|＞+|»|›|→|＞|>>|〉|》)\s*")
_CRUMB_SEP_WEAK_RE = re.compile(r"\s*(?:/|\||-|—|－|·)\s*")
_CRUMB_LABEL_PREFIX_RE = re.compile(
    r"^.*?(?:位置|导航)\s*(?:是|为)?\s*[:：]?\s*"
)
_CRUMB_STRIP = " \u3000\xa0:：>»›→＞|/-·"


def _crumb_segments(container: Any) -> tuple[list[str], list[Any]]:
    """(names, anchor elements) of a breadcrumb container."""
    tokens: list[tuple[str, str]] = []  # ("a"|"t", text)
    anchors: list[Any] = []
    in_a = 0
    skip = 0
    for event, el in etree.iterwalk(container, events=("start", "end")):
        tag = el.tag
        if not isinstance(tag, str):
            continue
        tag = tag.lower()
        if event == "start":
            if tag in SKIP_TEXT_TAGS:
                skip += 1
                continue
            if tag == "a":
                if in_a == 0:
                    t = norm(el.text_content()) or norm(el.get("title"))
                    tokens.append(("a", t))
                    anchors.append(el)
                in_a += 1
            elif in_a == 0 and skip == 0 and el.text:
                tokens.append(("t", el.text))
        else:
            if tag in SKIP_TEXT_TAGS:
                skip -= 1
            elif tag == "a":
                in_a -= 1
            if el is not container and in_a == 0 and skip == 0 and el.tail:
                tokens.append(("t", el.tail))
    # drop everything up to and including the label
    label_at = -1
    for i, (k, t) in enumerate(tokens):
        if k == "t" and CRUMB_LABEL_RE.search(t):
            label_at = i
            break
    if label_at >= 0:
        k, t = tokens[label_at]
        rest = _CRUMB_LABEL_PREFIX_RE.sub("", norm(t), count=1)
        tokens = tokens[label_at + 1:]
        if rest:
            tokens.insert(0, ("t", rest))
    joined_text = " ".join(t for k, t in tokens if k == "t")
    main = CRUMB_SEP_MAIN_RE.search(joined_text) is not None
    has_links = any(k == "a" for k, _ in tokens)
    names: list[str] = []
    for k, t in tokens:
        if k == "a":
            name = t.strip(_CRUMB_STRIP)
            if name:
                names.append(name)
            continue
        t = norm(t)
        if not t:
            continue
        if main:
            parts = CRUMB_SEP_MAIN_RE.split(t)
        elif has_links:
            # between links: separators only; a weak separator can still stand alone
            parts = _CRUMB_SEP_WEAK_RE.split(t) if _CRUMB_SEP_WEAK_RE.fullmatch(t) is None else []
        else:
            parts = _CRUMB_SEP_WEAK_RE.split(t)
        for p in parts:
            p = p.strip(_CRUMB_STRIP)
            if p:
                names.append(p)
    return names, anchors


def find_breadcrumb(w: Walk) -> tuple[list[str], set[Any]]:
    candidates: list[Any] = []
    seen: set[Any] = set()

    def push(el: Any) -> None:
        if el is not None and el not in seen:
            seen.add(el)
            candidates.append(el)

    for el in w.label_els[:5]:
        # the label may sit in its own <span>: climb (a little) to the container of the links
        node, found = el, el
        for _ in range(3):
            if node is None:
                break
            if next(node.iter("a"), None) is not None or CRUMB_SEP_MAIN_RE.search(norm(node.text_content())):
                found = node
                break
            node = node.getparent()
        push(found)
    for el in w.crumb_els[:10]:
        push(el)
    if w.crumb_class_anchors:
        push(w.crumb_class_anchors[0].getparent())
    for el in candidates:
        try:
            text = norm(el.text_content())
        except ValueError:
            continue
        if not text or len(text) > 400:
            continue
        has_label = CRUMB_LABEL_RE.search(text) is not None
        names, anchors = _crumb_segments(el)
        if not names or len(names) > 15:
            continue
        if not has_label and len(names) < 2 and not (names and names[0] in ("首页", "网站首页", "主页")):
            continue
        if not has_label and not anchors and not CRUMB_SEP_MAIN_RE.search(text):
            continue
        names = [cap(n, 100) for n in names]
        return names, set(anchors)
    return [], set()


# ------------------------------------------------------------------------------------------
