"""Draft a rule file from a task-division notice (政务公开工作要点任务分工).

`extract_rules(path)` reads the notice (see readers.py), finds the task table (or, for
flattened PDF text, the sentences), and turns every checkable demand into a draft rule in
the docs/CONTRACTS.md format: column paths (公开路径：政府网站>A>B), columns to set up
(设置“X”栏目, 3个子栏目), content to publish (公开…), links, IPv6, broken media, search,
解读关联 and so on, each with a verbatim quote, section, deadline and units. Everything is
marked `draft: true`: an inspector reviews the file before it is used.

Nothing here knows a particular notice; the rules are about how such notices are written.
"""
from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from crawler.notice.readers import NoticeReadError, NoticeText, Paragraph, Table, header_roles, read_notice
from crawler.text.deadlines import normalize_deadline, sentence_deadline

SCHEMA = "govaudit.rules/1"

# --------------------------------------------------------------------------- small helpers

_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_HTMLISH = re.compile(r"<[^>]{1,80}>")
_OPEN = "（(《“「『【〔[‘"
_CLOSE = "）)》”」』】〕]’"
_PAIR = dict(zip(_OPEN, _CLOSE))


def compact(s: str) -> str:
    """Drop whitespace, bookmark artefacts and inline tags (for names, titles, units)."""
    s = _BOOKMARK.sub("", s)
    s = _HTMLISH.sub("", s)
    return re.sub(r"\s+", "", s.replace("\u3000", ""))


def _paren_mask(line: str) -> list[int]:
    """Nesting depth per character, counting only brackets that close on the same line."""
    depth = [0] * len(line)
    stack: list[tuple[str, int]] = []
    pairs: list[tuple[int, int]] = []
    for i, ch in enumerate(line):
        if ch in _PAIR and not (ch == "“" and stack and stack[-1][0] == "“"):
            stack.append((ch, i))
        elif ch in _CLOSE:
            for k in range(len(stack) - 1, -1, -1):
                if _PAIR[stack[k][0]] == ch:
                    pairs.append((stack[k][1], i))
                    del stack[k:]
                    break
    for a, b in pairs:
        for j in range(a + 1, b):
            depth[j] += 1
    return depth


# --------------------------------------------------------------------------- units

_UNIT_SPLIT = re.compile(r"[、，,；;\n/／]+")
_UNIT_WORD = re.compile(
    r"(办公室|办公厅|政府|委员会|委|局|厅|办|院|中心|部|处|所|馆|站|队|街道|乡镇|镇|乡|社区|部门|单位|管委会|集团|公司|小组|银行|分局|支队|大队|会|室|校|网信办|新闻办|学校)"
)


def split_units(cell: str) -> list[str]:
    """'区发展改革委、区商务委\\n区财政局' → ['区发展改革委', '区商务委', '区财政局']."""
    t = _BOOKMARK.sub("", cell)
    t = _HTMLISH.sub("", t)
    if re.fullmatch(r"[\s—–\-－/／无]*", t):
        return []
    # join wraps inside a name: "…等\n相关部门", "区政府办及相关部门"
    t = re.sub(r"等\s*\n\s*", "等", t)
    t = re.sub(r"\n\s*(?=(相关|有关|部门|单位|（|\())", "", t)
    out: list[str] = []
    for part in _UNIT_SPLIT.split(t):
        p = re.sub(r"\s+", "", part).strip("。.：:")
        if p and p not in out and not re.fullmatch(r"[—–\-－]+", p):
            out.append(p)
    return out


# --------------------------------------------------------------------------- sections

_TASK_NUM = re.compile(r"^\s*([一二三四五六七八九十百]+)\s*[、.．]")
_SUB_NUM = re.compile(r"^\s*[（(]\s*([一二三四五六七八九十百]+)\s*[）)]")
_ITEM_NUM = re.compile(r"^\s*(?:(\d{1,2})\s*[．.、](?!\d)|[（(](\d{1,2})[）)]|([①②③④⑤⑥⑦⑧⑨⑩]))\s*")


def task_number(cell: str) -> str:
    m = _TASK_NUM.match(compact(cell))
    return f"{m.group(1)}、" if m else ""


def sub_number(cell: str) -> str:
    m = _SUB_NUM.match(compact(cell))
    return f"（{m.group(1)}）" if m else ""


# --------------------------------------------------------------------------- table reading


@dataclass
class TaskRow:
    """One row of the task table after merged cells were carried down."""

    task: str = ""
    subtask: str = ""
    seq: str = ""
    measure: str = ""  # the 贯彻举措 / 任务内容 cell, verbatim
    lead: list[str] = field(default_factory=list)
    resp: list[str] = field(default_factory=list)
    deadline_text: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def section(self) -> str:
        task = compact(self.task)
        sub = sub_number(self.subtask)
        if not sub:  # 一、（一）… written in one cell
            sub = sub_number(re.sub(r"^[一二三四五六七八九十百]+[、.．]", "", task))
        sec = task_number(self.task) + sub
        if not sec and self.seq:
            sec = f"第{self.seq}项"
        return sec


_DEADLINE_LIKE = re.compile(r"\d{1,2}\s*月|年底|年内|年末|季度|半年|长期|持续|全年|每[年月周季]|常态|定期|及时|动态|底前")
_HEADING_LIKE = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[）)])")


def _is_unit_like(cell: str) -> bool:
    t = compact(cell)
    if not t or len(t) > 120:
        return False
    parts = split_units(cell)
    if not parts:
        return False
    hits = sum(1 for p in parts if len(p) <= 25 and _UNIT_WORD.search(p))
    return hits >= max(1, len(parts) // 2) and "。" not in t


def _column_stats(rows: list[list[str]], width: int) -> list[dict[str, float]]:
    stats = []
    for c in range(width):
        vals = [r[c] for r in rows if c < len(r) and compact(r[c])]
        n = len(vals) or 1
        stats.append(
            {
                "filled": len(vals) / max(1, len(rows)),
                "avg": sum(len(compact(v)) for v in vals) / n,
                "digits": sum(1 for v in vals if re.fullmatch(r"\d{1,3}[.、．]?", compact(v))) / n,
                "deadline": sum(1 for v in vals if len(compact(v)) <= 30 and _DEADLINE_LIKE.search(v)) / n,
                "unit": sum(1 for v in vals if _is_unit_like(v)) / n,
                "heading": sum(1 for v in vals if _HEADING_LIKE.match(v)) / n,
            }
        )
    return stats


def assign_roles(header: list[str] | None, data: list[list[str]], width: int) -> dict[int, str]:
    """Column index → role (seq, task, subtask, measure, lead, resp, deadline)."""
    stats = _column_stats(data, width)
    roles: dict[int, str] = {}
    cand = [c for c in range(width) if stats[c]["digits"] < 0.6]
    if not cand:
        return {}
    measure = max(cand, key=lambda c: (stats[c]["avg"] * (0.3 + stats[c]["filled"]), -c))
    if header:
        hr = header_roles(header)
        m_cols = [i for i, r in hr.items() if r == "measure"]
        if len(m_cols) == 1:
            # the header names the measure column; right-align it onto the data columns
            col = width - (len(header) - m_cols[0])
            if 0 <= col < width and col in cand and stats[col]["avg"] >= 0.4 * stats[measure]["avg"]:
                measure = col
    roles[measure] = "measure"
    left = [c for c in range(measure)]
    level = 0
    for c in left:
        if stats[c]["digits"] >= 0.6:
            roles[c] = "seq"
        else:
            roles[c] = "task" if level == 0 else "subtask"
            level += 1
    right = list(range(measure + 1, width))
    hroles: dict[int, str] = {}
    if header:
        hr = header_roles(header)
        trailing = [hr.get(i, "") for i in range(len(header))]
        # the header cells after its measure cell, right-aligned onto the data columns
        m_idx = max((i for i, r in hr.items() if r == "measure"), default=None)
        after = trailing[m_idx + 1:] if m_idx is not None else [r for r in trailing if r in ("lead", "resp", "deadline")]
        for k, role in enumerate(reversed(after)):
            col = width - 1 - k
            if col > measure and role in ("lead", "resp", "deadline"):
                hroles[col] = role
    unlabeled_units: list[int] = []
    for c in right:
        if c in hroles:
            roles[c] = hroles[c]
        elif stats[c]["deadline"] >= 0.4 and stats[c]["unit"] < 0.5:
            roles[c] = "deadline"
        elif stats[c]["filled"] > 0:
            unlabeled_units.append(c)
    for i, c in enumerate(unlabeled_units):
        if "lead" not in roles.values() and len(unlabeled_units) >= 2 and i == 0:
            roles[c] = "lead"
        elif "resp" not in roles.values():
            roles[c] = "resp"
        elif "lead" not in roles.values():
            roles[c] = "lead"
    return roles


_LEAD_MARK = re.compile(r"[（(]\s*牵头(?:单位)?\s*[)）]|\s*牵头$")
_EXPLICIT_NONE = re.compile(r"^[—–\-－/／]+$|^无$")


def table_rows(tables: list[Table], year: int | None) -> list[TaskRow]:
    """All task rows of the notice's task tables, merged cells carried down."""
    out: list[TaskRow] = []
    carry: dict[str, str] = {}
    prev_width = None
    prev_roles: dict[int, str] | None = None
    for table in tables:
        rows = table.rows
        if not rows:
            continue
        header: list[str] | None = None
        data_idx: list[int] = []
        for i, row in enumerate(rows):
            if header_roles(row):
                if header is None:
                    header = row
                continue
            if sum(1 for c in row if compact(c)) == 0:
                continue
            data_idx.append(i)
        if not data_idx:
            continue
        width = Counter(len(rows[i]) for i in data_idx).most_common(1)[0][0]
        if width < 2:
            continue
        data = [rows[i] + [""] * (width - len(rows[i])) for i in data_idx]
        if header is None and prev_roles is not None and width == prev_width:
            roles = prev_roles
        else:
            roles = assign_roles(header, data, width)
            if header is None and width < 3:
                continue  # a two-column layout table is not a task table
        if "measure" not in roles.values():
            continue
        if header is not None or width != prev_width:
            if prev_roles != roles:
                carry = {}
        prev_width, prev_roles = width, roles
        by_role = {r: c for c, r in roles.items()}
        for i, row in zip(data_idx, data):
            tr = TaskRow()

            def cell(role: str, row: list[str] = row) -> str:
                c = by_role.get(role)
                return row[c] if c is not None and c < len(row) else ""

            def merged(role: str, i: int = i) -> bool:
                c = by_role.get(role)
                return c is not None and (i, c) in table.merged

            new_group = bool(compact(cell("task")) or compact(cell("subtask")))
            for role in ("task", "subtask"):
                v = cell(role)
                if compact(v):
                    carry[role] = v
                    if role == "task" and not compact(cell("subtask")) and "subtask" in by_role:
                        carry.pop("subtask", None)
                setattr(tr, role, carry.get(role, "") if not compact(v) else v)
            tr.seq = compact(cell("seq"))
            tr.measure = cell("measure")
            lead_v, resp_v, dl_v = cell("lead"), cell("resp"), cell("deadline")
            for role, v in (("lead", lead_v), ("resp", resp_v), ("deadline", dl_v)):
                if role not in by_role:
                    continue
                if compact(v):
                    carry[role] = v
                    continue
                if table.exact_merges:
                    use = merged(role)
                elif role == "resp":
                    # a blank 责任单位 next to a filled 牵头单位 at a new group is just empty
                    use = not (compact(lead_v) and new_group)
                else:
                    use = True
                if use and role in carry:
                    if role == "lead":
                        lead_v = carry[role]
                    elif role == "resp":
                        resp_v = carry[role]
                    else:
                        dl_v = carry[role]
                elif not use:
                    carry.pop(role, None)
            if not compact(tr.measure):
                continue
            tr.lead = [] if _EXPLICIT_NONE.match(compact(lead_v) or "x") else split_units(lead_v)
            tr.resp = [] if _EXPLICIT_NONE.match(compact(resp_v) or "x") else split_units(resp_v)
            if not tr.lead and any(_LEAD_MARK.search(u) for u in tr.resp):
                # one unit column where the lead is marked: 区政府办公室（牵头）、区财政局
                tr.lead = [_LEAD_MARK.sub("", u) for u in tr.resp if _LEAD_MARK.search(u)]
                tr.resp = [u for u in tr.resp if not _LEAD_MARK.search(u)]
            tr.deadline_text = dl_v
            out.append(tr)
    return out


def is_task_table(table: Table) -> bool:
    if any(header_roles(r) for r in table.rows[:3]):
        return True
    widths = Counter(len(r) for r in table.rows)
    w = widths.most_common(1)[0][0] if widths else 0
    if w < 3 or len(table.rows) < 2:
        return False
    long_cells = sum(1 for r in table.rows for c in r if len(compact(c)) >= 20)
    return long_cells >= len(table.rows) // 2


# --------------------------------------------------------------------------- sentences


@dataclass
class Sentence:
    text: str  # verbatim, leading item number removed
    item: str  # "2", "1.（3）" … ("" when the cell does not number its items)
    start: int  # offset in the cell / paragraph


_SPLIT_CHARS = "。；;！!？?"
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]{0,200})?/?>")


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of a cell, with the item number (1．/（1）) each one falls under."""
    out: list[Sentence] = []
    item_top = ""
    item_sub = ""
    offset = 0
    for line in text.split("\n"):
        depth = _paren_mask(line)
        tags = {m.start(): m.end() for m in _TAG.finditer(line)}
        pieces: list[tuple[int, int]] = []
        start = 0
        i = 0
        while i < len(line):
            ch = line[i]
            if i in tags:  # inline markup (<li>, <br>) separates sentences and is left out
                if i > start:
                    pieces.append((start, i))
                start = i = tags[i]
                continue
            if ch in _SPLIT_CHARS and depth[i] == 0:
                pieces.append((start, i + 1))
                start = i + 1
            elif (
                depth[i] == 0
                and i > start
                and line[i - 1] in " \t\u3000"
                and _ITEM_NUM.match(line[i:])
                and not line[start:i].strip() == ""
                and re.match(r"\d{1,2}\s*[．.、]\s*\S|[（(]\d{1,2}[）)]", line[i:])
            ):
                pieces.append((start, i))
                start = i
            i += 1
        if start < len(line):
            pieces.append((start, len(line)))
        for a, b in pieces:
            seg = line[a:b]
            lead_ws = len(seg) - len(seg.lstrip())
            seg_s = seg.strip()
            m = _ITEM_NUM.match(seg_s)
            if m:
                if m.group(1):
                    item_top, item_sub = m.group(1), ""
                else:
                    item_sub = f"（{m.group(2) or m.group(3)}）"
                rest = seg_s[m.end():]
                skip = lead_ws + m.end()
            else:
                rest = seg_s
                skip = lead_ws
            rest = rest.strip()
            if len(compact(rest)) < 4:
                continue
            label = item_top + ("．" if item_top else "") + item_sub if (item_top or item_sub) else ""
            out.append(Sentence(rest, label, offset + a + skip))
        offset += len(line) + 1
    return out


def clauses(sentence: str) -> list[tuple[int, str]]:
    """(offset, clause) split on ，,：: outside brackets."""
    depth = _paren_mask(sentence)
    out: list[tuple[int, str]] = []
    start = 0
    for i, ch in enumerate(sentence):
        if ch in "，,：:；;。" and depth[i] == 0:
            if sentence[start:i].strip():
                out.append((start, sentence[start:i]))
            start = i + 1
    if sentence[start:].strip():
        out.append((start, sentence[start:]))
    return out


# --------------------------------------------------------------------------- detectors

_Q_OPEN = "“\"「『‘"
_Q_CLOSE = "”\"」』’"
_QUOTED = re.compile(r"[“\"「『‘]([^“”\"「」『』‘’\n]{1,40})[”\"」』’]")
_COLUMN_WORD = r"(?:子栏目|栏目|专栏|专题|板块|版块|频道|专区|子栏)"
_OFFLINE = re.compile(r"档案馆|图书馆|大厅|服务中心|查阅场所|查阅点|场所|窗口|村务|居务|公开栏|宣传栏|社区|村（居）|便民服务")
_OWN_SITE = re.compile(r"(门户网站|政府网站|本级网站|本网站|区县网站|部门网站|网站首页|首页|网页|政务公开|信息公开目录|信息公开专栏|信息公开平台)$")
_EXTERNAL_OWNER = re.compile(r"(局|委|部|厅|院|署|中心|信息网|网|平台|系统)(网站|官网)?$")
_GENERIC_NAME = re.compile(
    r"^(相关|有关|各类|各级|对应|专门|特色|重点|常态化|网站|互动|各|该|本|上述|以上|新|这|其他|一个|多个|若干|统一的?)"
    r"|^(政府信息公开|信息公开|政务公开|政府网站|门户网站|网站)$"
)
_ROOT_NAMES = ("政府信息公开", "政府信息公开目录", "政务公开", "信息公开", "政府信息公开专栏", "政府信息公开平台")
_SITE_PREFIX = re.compile(r"^(?:政府网站|门户网站|政府门户网站|[区县市]政府门户网站|网站|首页|网站首页|主页)$")


@dataclass
class Draft:
    """A draft rule before ids are assigned."""

    check: str
    title: str
    quote: str
    path: str | None = None
    children: list[str] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    deadline: str | None = None
    note: str = ""
    implied: bool = False  # column inferred from the wording, not named: once per notice


def _strip_quotes(s: str) -> str:
    s = s.strip()
    while s and s[0] in _Q_OPEN and s.count(s[0]) + s.count(_Q_CLOSE[_Q_OPEN.index(s[0])]) < 2:
        s = s[1:]
    while s and s[-1] in _Q_CLOSE and s.count(s[-1]) + s.count(_Q_OPEN[_Q_CLOSE.index(s[-1])]) < 2:
        s = s[:-1]
    if len(s) >= 2 and s[0] in _Q_OPEN and s[-1] == _Q_CLOSE[_Q_OPEN.index(s[0])] and s.count(s[0]) == 1:
        s = s[1:-1]
    return s.strip()


_PATH_CHAR = re.compile(r"[\u4e00-\u9fa5A-Za-z0-9“”\"「」/／·（）()、\-—_]")
_PATH_SEPS = ">＞›»"


@dataclass
class PathHit:
    start: int
    end: int
    segments: list[str]
    quoted: bool  # written inside “…”


def _scan_left(t: str, i: int) -> int:
    """Start of the first path segment ending at t[i] (a separator)."""
    a = i
    while a > 0:
        ch = t[a - 1]
        if ch in _PATH_SEPS or not _PATH_CHAR.match(ch):
            break
        if ch in "“\"「":
            seg = t[a:i]
            if seg.count("”") + seg.count("\"") - (1 if ch == "\"" else 0) <= seg.count("“"):
                break  # an opening quote with nothing to close inside: the path starts after it
        if ch in "（(":
            seg = t[a:i]
            if seg.count("）") + seg.count(")") <= seg.count("（") + seg.count("("):
                break
        if ch == "、":
            break
        a -= 1
    return a


def _scan_right(t: str, j: int) -> int:
    """End of a path segment starting at t[j]."""
    b = j
    n = len(t)
    while b < n:
        ch = t[b]
        if ch in _PATH_SEPS or not _PATH_CHAR.match(ch):
            break
        seg = t[j:b]
        if ch in "”」" and seg.count("“") + seg.count("「") <= seg.count("”") + seg.count("」"):
            break  # a closing quote with no opener inside: the path ends here
        if ch in "）)" and seg.count("（") + seg.count("(") <= seg.count("）") + seg.count(")"):
            break
        b += 1
    return b


def find_paths(text: str) -> list[PathHit]:
    """Column paths written with '>' (also ＞, ›, »): 政府网站>政府信息公开>…>专项规划."""
    t = text
    hits: list[PathHit] = []
    i = 0
    n = len(t)
    while i < n:
        if t[i] not in _PATH_SEPS:
            i += 1
            continue
        i0 = i
        while i0 > 0 and t[i0 - 1] in " \u3000":
            i0 -= 1
        a = _scan_left(t, i0)
        segs: list[str] = [t[a:i0]]
        j = i
        end = i
        while j < n and t[j] in _PATH_SEPS:
            j1 = j + 1
            while j1 < n and t[j1] in " \u3000":
                j1 += 1
            k = _scan_right(t, j1)
            segs.append(t[j1:k])
            end = k
            j = k
            while j < n and t[j] in " \u3000" and j + 1 < n and (t[j + 1] in _PATH_SEPS or t[j + 1] in " \u3000"):
                j += 1
        cleaned = [x.strip().strip("、") for x in segs]
        if len(cleaned) >= 2 and all(re.search(r"[\u4e00-\u9fa5]", c) for c in cleaned):
            quoted = a > 0 and t[a - 1] in _Q_OPEN
            hits.append(PathHit(a, end, cleaned, quoted))
        i = max(end, i + 1)
    return hits


def _clean_path(segments: list[str]) -> list[str]:
    segs = [compact(s) for s in segments if compact(s)]
    while segs and (_SITE_PREFIX.match(segs[0]) or segs[0].endswith("门户网站") or segs[0] in ("政府网站", "网站")):
        segs = segs[1:]
    return segs


def _is_combined_name(leaf: str) -> bool:
    """'预算/决算', '失效/废止' are one column; '重要政策/政策解读' are two."""
    parts = [p for p in re.split(r"[/／]", leaf) if p]
    return len(parts) <= 1 or all(len(p) <= 2 for p in parts)


def _name_list(s: str) -> list[str]:
    """'视频、图片、文字' / '“视频”“图片”“文字”' / '视频和图片' → names."""
    q = [m.group(1) for m in _QUOTED.finditer(s)]
    body = "、".join(q) if q and len("".join(q)) >= len(compact(s)) * 0.5 else s
    parts = re.split(r"[、，,和及与/／]|以及", body)
    out = []
    for p in parts:
        p = compact(_strip_quotes(p)).strip("“”\"")
        p = re.sub(r"^(至少|分别|包括|设置|开设|增设|设立|含)", "", p)
        p = re.sub(r"(等|等形式)$", "", p)
        if p and p not in out and len(p) <= 20:
            out.append(p)
    return out


def _short(s: str, n: int = 40) -> str:
    s = compact(s)
    s = re.sub(r"[（(]公开路径[：:].*$", "", s)
    s = s.strip("，,。；;：:")
    return s if len(s) <= n else s[: n - 1] + "…"


_SUBCOL = re.compile(
    r"(?:设置|开设|设立|增设|建立|开辟|分设|下设|包含|包括)\s*(?P<list>[^，。；;]{2,60}?)\s*(?:等)?\s*"
    r"(?:(?P<n>\d+|[一二三四五六七八九十两])\s*个)?\s*(?:子栏目|二级栏目|子专栏|子栏)"
)


def _column_parent_before(sentence: str, pos: int) -> list[str] | None:
    """'在政府网站“政务公开>政府信息公开目录”中设置…' → ['政务公开', '政府信息公开目录']."""
    head = sentence[:pos]
    for hit in reversed(find_paths(head)):
        tail = head[hit.end: hit.end + 6]
        if re.match(r"^[”\"」』]?\s*(栏目|专栏)?\s*(中|下|内|里)", tail):
            return _clean_path(hit.segments)
    m = None
    for m in re.finditer(
        r"在\s*(?:[\u4e00-\u9fa5]{0,6}?(?:政府网站|门户网站|网站|网页))?(?:的)?\s*[“\"「]?([\u4e00-\u9fa5]{2,14}?)[”\"」]?\s*"
        r"(?:(?:栏目|专栏)?\s*(?:中|下|内|里)|(?:专栏|栏目|目录|平台)\s*(?=(?:设置|开设|设立|增设|开辟|新增|下设)))",
        head,
    ):
        pass
    if m:
        name = re.sub(r"^(?:政府网站|门户网站|网站)(?:的)?", "", m.group(1))
        tail = head[m.end(1): m.end()]
        if name in _ROOT_NAMES or name.endswith(("专栏", "目录", "平台")) or re.match(r"[”\"」]?\s*(专栏|目录|平台)", tail):
            base = re.sub(r"(专栏|平台)$", "", name) or name
            return ["政府信息公开" if base in ("政府信息公开", "政府信息公开专栏", "政府信息公开平台") else base]
        if not _GENERIC_NAME.search(name) and not name.endswith(("网站", "首页")):
            return [name]
    return None


def _is_external(sentence: str, qstart: int) -> bool:
    """Is the quoted name at `qstart` a column of another site (市税务局网站“…”)?"""
    before = compact(sentence[max(0, qstart - 20): qstart])
    if not before:
        return False
    m = re.search(r"([\u4e00-\u9fa5A-Za-z]{0,12})(网站|官网|网|平台|系统)$", before)
    if not m:
        return False
    owner = m.group(0)
    if _OWN_SITE.search(owner) or re.search(r"(门户|本级|本区|本县|本市|区县|县级|区级|部门|本部门|本单位)", owner):
        return False
    return bool(_EXTERNAL_OWNER.search(owner))


def detect_columns(sentence: str) -> list[Draft]:
    """Column rules: explicit paths, 设置“X”栏目, N个子栏目, column_order of the root."""
    drafts: list[Draft] = []
    seen_paths: set[str] = set()

    def add(check: str, segs: list[str], children: list[str] | None, title: str, note: str = "") -> None:
        if not segs:
            return
        key = check + ">".join(segs) + "|" + "/".join(children or [])
        if key in seen_paths:
            return
        seen_paths.add(key)
        drafts.append(Draft(check, title, sentence, path=">".join(segs), children=children, note=note))

    # --- "至少设置视频、图片、文字3个子栏目"
    sub_parents: set[str] = set()
    for m in _SUBCOL.finditer(sentence):
        names = _name_list(m.group("list"))
        names = [n for n in names if not n.endswith(("栏目", "专栏")) or len(n) <= 6]
        if len(names) < 2 and not m.group("n"):
            continue
        parent = None
        # the column named just before: 设置“政策解读”栏目，并至少设置…子栏目
        before = sentence[: m.start()]
        qs = [
            q for q in _QUOTED.finditer(before)
            if re.match(r"\s*(等)?\s*" + _COLUMN_WORD, before[q.end():]) and ">" not in q.group(1)
        ]
        if not qs:
            parent = _column_parent_before(sentence, m.start())
        else:
            if qs:
                parent_name = qs[-1].group(1)
                pp = _column_parent_before(sentence, qs[-1].start()) or []
                parent = pp + [compact(parent_name)]
                if re.search(r"(设置|开设|设立|增设|开辟|新增|建立)\s*$", before[: qs[-1].start()]):
                    # the column itself is set up in the same sentence: a rule of its own
                    add("column_exists", parent, None, f"设有“{parent[-1]}”栏目")
        if not parent or not names:
            continue
        sub_parents.add(">".join(parent))
        add("subcolumns", parent, names, f"{parent[-1]}下设置{'、'.join(names)}子栏目")

    # --- explicit paths (公开路径：政府网站>A>B>C; “政务公开>政府信息公开目录>政策解读”)
    for hit in find_paths(sentence):
        tail = sentence[hit.end: hit.end + 8]
        segs = _clean_path(hit.segments)
        if not segs:
            continue
        is_parent = bool(re.match(r"^[”\"」』]?\s*(栏目|专栏)?\s*(中|下|内|里)", tail))
        if is_parent or ">".join(segs) in sub_parents:
            if ">".join(segs) in sub_parents:
                continue
            # a parent of a column set up later in the sentence: only the child is a rule
            if re.search(r"(设置|开设|设立|增设|开辟|新增)", sentence[hit.end:]):
                continue
        leaf = segs[-1]
        if "/" in leaf or "／" in leaf:
            if not _is_combined_name(leaf):
                kids = [k for k in re.split(r"[/／]", leaf) if k]
                if len(segs) >= 2:
                    add("subcolumns", segs[:-1], kids, f"{segs[-2]}下设{'、'.join(kids)}栏目")
                else:
                    for k in kids:
                        add("column_exists", [k], None, f"设有“{k}”栏目")
                continue
        add("column_exists", segs, None, f"设有“{leaf}”栏目（{'>'.join(segs)}）" if len(segs) > 1 else f"设有“{leaf}”栏目")

    # --- quoted column names: 设置“减税降费”栏目, “政策解读”栏目集中展示, 链接到…“履职依据”栏目
    qmatches = list(_QUOTED.finditer(sentence))
    groups: list[tuple[int, int, list[str]]] = []
    k = 0
    while k < len(qmatches):
        q = qmatches[k]
        names = [q.group(1)]
        start, end = q.start(), q.end()
        joined = q.group(0)
        while k + 1 < len(qmatches) and re.fullmatch(r"\s*(、|和|及|与|,|，)?\s*", sentence[end: qmatches[k + 1].start()]):
            sep = sentence[end: qmatches[k + 1].start()]
            nxt = qmatches[k + 1]
            if compact(sep):
                names.append(nxt.group(1))
            else:
                joined += nxt.group(0)
                names[-1] = joined  # “六稳”“六保” written together: one column
            end = nxt.end()
            k += 1
        groups.append((start, end, names))
        k += 1
    for start, end, names in groups:
        after = sentence[end: end + 8]
        m = re.match(r"\s*(?:等|等相关|相关)?\s*(" + _COLUMN_WORD + ")", after)
        if not m:
            continue
        word = m.group(1)
        if word in ("子栏目", "子栏"):
            continue  # handled above
        if any(">" in n for n in names):
            continue  # a path, handled above
        if _is_external(sentence, start):
            continue  # another site's column: a link target
        if word == "专区" and _OFFLINE.search(sentence):
            continue
        clause_start = max(sentence.rfind(c, 0, start) for c in "，,；;。") + 1
        clause = sentence[clause_start:start]
        if re.search(r"(链接|挂链|链到)", clause) and not re.search(r"(链接到|链接至|挂链到|链到)", clause):
            continue  # 链接…网站“X”等栏目: X is the target
        parent = _column_parent_before(sentence, start) or []
        if re.match(r"\s*(?:栏目|专栏)?\s*(?:中|下|内|里)", sentence[end:end + 6]) and re.search(
            r"(设置|开设|设立|增设|开辟|新增|下设)", sentence[end:]
        ):
            continue  # the parent of a column set up later in the sentence
        for name in names:
            nm = compact(name)
            if ">" in nm or not nm or len(nm) > 20:
                continue
            segs = parent + [nm] if parent and parent[-1] != nm else [nm]
            key = ">".join(segs)
            if key in sub_parents:
                continue
            add("column_exists", segs, None, f"设有“{nm}”栏目")

    # --- unquoted: 设置减税降费专栏, 加强政府网站公报专栏建设
    for m in re.finditer(
        r"(?:设置|开设|设立|增设|开辟|新增|开通|建设|建好|完善|优化|规范)(?:好)?(?:政府网站|门户网站|网站)?"
        r"(?:的)?([\u4e00-\u9fa5]{2,10}?)(栏目|专栏)(?!中|下|内)",
        sentence,
    ):
        name = m.group(1)
        name = re.sub(r"^(政府网站|门户网站|网站|首页)", "", name)
        if not name or _GENERIC_NAME.search(name) or len(name) < 2:
            continue
        if any(name in compact(d.path or "") for d in drafts):
            continue
        if sentence[max(0, m.start(1) - 1): m.start(1)] in _Q_OPEN:
            continue
        if name in _ROOT_NAMES:
            continue
        add("column_exists", [name], None, f"设有“{name}”{m.group(2)}")

    # --- the disclosure root itself: 规范政府信息公开专栏/平台 (国办公开办函〔2019〕61号)
    if re.search(r"(规范|统一|按照[^，。]{0,30}(格式|模板|要求))[^。]{0,20}政府信息公开(专栏|平台|目录)", sentence) or re.search(
        r"政府信息公开(专栏|平台)[^。]{0,20}(统一名称|统一格式|统一位置|格式模板|规范)", sentence
    ):
        add(
            "column_order",
            ["政府信息公开"],
            ["政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "政府信息公开年报"],
            "政府信息公开专栏按规范设置四个一级子栏目",
            note="按国办公开办函〔2019〕61号的标准结构补出子栏目，需人工核对通知是否要求",
        )
    return drafts


# Columns every 政务公开 site has (国办公开办函〔2019〕61号, 条例第二十条) or that notices name
# without calling them a column. (pattern in a demand, column path, extra condition)
_IMPLIED_NOTE = "栏目由通知内容推断（通知未写明栏目），需人工核对栏目名和位置"
_PUBLISH_CTX = re.compile(r"公开|公布|发布|展示|更新|归集|汇集|网站|网页|栏目|专栏|查询|查阅|数据库|数字化|检索|浏览|下载")
_OFFLINE_CLAUSE = re.compile(r"摆放|置放|放置|粘贴|张贴|档案馆|图书馆|大厅|查阅场所|查阅点|公开栏|宣传栏|村务|居务|纸质")
_IMPLIED: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"机构职能|机关职能|工作职能|机构设置|内设机构设置|机构概况"), "机构职能"),
    (re.compile(r"规划信息|规划体系"), "规划信息"),
    (re.compile(r"统计信息|统计数据|统计公报"), "统计信息"),
    (re.compile(r"政府公报|公报专栏|公报数据库"), "政府公报"),
    (re.compile(r"(?:政府)?信息公开指南|公开指南"), "政府信息公开>政府信息公开指南"),
    (re.compile(r"法定主动公开内容"), "政府信息公开>法定主动公开内容"),
    (re.compile(r"(?:更新|调整|编制|梳理|完善|公开|发布)[^。；，]{0,6}基层政务公开(?:标准|事项)?目录|基层政务公开(?:专栏|栏目|专区)|公开目录[^。；]{0,12}基层政务公开"), "基层政务公开"),
]
_LAW_NAME = r"(行政法规|地方性法规|国务院部门规章|部门规章|(?:省|市|自治区)?政府规章)"
_LAW_TEXT = re.compile(
    r"(?:网站|网页)上?的?" + _LAW_NAME + r"(?:文本|正式版本)"
    r"|(?:更新|公开|展示)[^。；，]{0,12}?" + _LAW_NAME + r"(?:文本|正式版本)"
)
_LIBRARY = re.compile(
    r"(?:完善|建立|建设|建成|形成|打造|探索建立|健全)[^，。；]{0,24}?((?:行政)?规范性文件库|规章库|法规库|政策文件库|规范性文件数据库)"
)
_DOC_COLUMN = re.compile(
    r"(?:集中|统一|对外|全面|分类)[^。；]{0,8}(?:公开|公布|展示|发布)[^。；]{0,20}?((?:行政)?规范性文件|国务院部门规章|(?:市|省)?政府规章)"
    r"|((?:行政)?规范性文件|国务院部门规章|(?:市|省)?政府规章)[^。；]{0,30}?(?:集中|统一)[^。；]{0,6}(?:对外)?(?:公开|公布|展示)"
)
_CLASSIFY = re.compile(
    r"按照?\s*[“\"]([^”\"]{1,12})[”\"]\s*(?:和|、|与|及|以及)\s*[“\"]([^”\"]{1,12})[”\"](?:\s*(?:和|、|与|及)\s*[“\"]([^”\"]{1,12})[”\"])?"
    r"\s*(?:等)?\s*(?:进行|实行|实施)?\s*分类\s*(?:展示|公开|发布|管理|标注)"
)
_FORMS = [
    (re.compile(r"图片|图解|图文|图表|一图读懂|漫画"), "图片"),
    (re.compile(r"视频|短视频|音视频|动画|动漫|微视频"), "视频"),
    (re.compile(r"文字"), "文字"),
]


def _strip_library_name(name: str) -> str:
    n = compact(name)
    n = re.sub(r"^(?:本地本系统|本地|本系统|本级|统一的?|现行有效的?|全[区县市]|[区县市](?:政府)?|的)+", "", n)
    return n


def detect_implied_columns(sentence: str) -> list[Draft]:
    """Columns a demand implies without naming a 栏目: 公开指南, 政府公报, 解读形式, 分类展示 …"""
    out: list[Draft] = []
    s = sentence
    online = not _OFFLINE.search(s) or re.search(r"网站|网页|栏目|专栏|平台|数据库", s)
    explicit = bool(find_paths(s)) or bool(re.search(r"[”\"]\s*(?:等)?\s*(?:栏目|专栏)", s))

    def clause_online(pos: int) -> bool:
        a = max(s.rfind(c, 0, pos) for c in "，,。；;") + 1
        ends = [e for e in (s.find(c, pos) for c in "，,。；;") if e >= 0]
        b = min(ends) if ends else len(s)
        return not _OFFLINE_CLAUSE.search(s[a:b])

    cm = _CLASSIFY.search(s)
    if online and _PUBLISH_CTX.search(s) and not explicit:
        for pat, path in _IMPLIED:
            m = pat.search(s)
            if m and clause_online(m.start()):
                leaf = path.split(">")[-1]
                out.append(Draft("column_exists", f"设有“{leaf}”栏目", s, path=path, note=_IMPLIED_NOTE, implied=True))
    for m in _LAW_TEXT.finditer(s):
        name = compact(m.group(1) or m.group(2) or "")
        if len(name) >= 2:
            out.append(Draft("column_exists", f"设有“{name}”栏目", s, path=name, note=_IMPLIED_NOTE, implied=True))
    if not cm:
        for m in _LIBRARY.finditer(s):
            name = _strip_library_name(m.group(1))
            if name and not re.search(r"全市|全省|全国|市级|省级", s[max(0, m.start(1) - 6): m.start(1)]):
                out.append(Draft("column_exists", f"设有“{name}”", s, path=name, note=_IMPLIED_NOTE, implied=True))
    if online and not explicit and not re.search(r"上传至|上传到|报送|全市政策文件库|全省", s):
        for m in _DOC_COLUMN.finditer(s):
            name = compact(m.group(1) or m.group(2) or "")
            name = re.sub(r"^行政", "", name) if name.endswith("规范性文件") else name
            if name:
                out.append(Draft("column_exists", f"设有“{name}”栏目", s, path=name, note=_IMPLIED_NOTE, implied=True))
    if cm:
        kids = [compact(x) for x in cm.groups() if x]
        parent = None
        for hit in find_paths(s):
            segs = _clean_path(hit.segments)
            if segs:
                parent = ">".join(segs)
        if parent is None:
            dm = re.search(r"(规范性文件|政策文件|规章|文件)", s)
            parent = "规范性文件" if dm and dm.group(1) in ("规范性文件", "文件") else (dm.group(1) if dm else None)
        if parent:
            out.append(Draft("subcolumns", f"{parent.split('>')[-1]}按{'、'.join(kids)}分类展示", s, path=parent, children=kids,
                             note="按通知所述分类推断子栏目，需人工核对"))
    # interpretation in several forms → 政策解读 sub-columns
    if re.search(r"解读", s) and re.search(r"(形式|方式|多元化|多样化|使用|采用|通过|丰富)", s):
        kids = [name for pat, name in _FORMS if pat.search(s)]
        if len(kids) >= 2 or (kids and re.search(r"解读", s) and re.search(r"视频", s)):
            out.append(Draft("subcolumns", f"政策解读下设{'、'.join(kids)}等形式", s, path="政策解读", children=kids,
                             note="由“图文、视频等形式解读”推断政策解读子栏目，需人工核对", implied=True))
    # one rule per name: drop a name contained in a longer one (部门规章 ⊂ 国务院部门规章)
    kept: list[Draft] = []
    names = [d.path or "" for d in out if d.check == "column_exists"]
    for d in out:
        p = d.path or ""
        if d.check == "column_exists":
            if any(p != n and p in n for n in names) or any(k.check == "column_exists" and k.path == p for k in kept):
                continue
        kept.append(d)
    out = kept
    # a quoted name a site must show: 做优做实“政策直通车”，汇集…
    for q in _QUOTED.finditer(s):
        name = compact(q.group(1))
        if not (2 <= len(name) <= 12) or ">" in name:
            continue
        after = s[q.end(): q.end() + 4]
        before = compact(s[max(0, q.start() - 8): q.start()])
        if re.match(r"^[，,]?\s*(汇集|归集|集中展示|集中发布|集中公开|展示)", after) and re.search(r"网站|网页", s):
            out.append(Draft("column_exists", f"设有“{name}”", s, path=name, note=_IMPLIED_NOTE))
        elif re.search(r"(做优做实|做优|做实|办好|开办|开设)$", before) and re.search(r"网站|网页", s):
            out.append(Draft("column_exists", f"设有“{name}”", s, path=name, note=_IMPLIED_NOTE))
    return out


# verbs that demand publication; objects that are about process, not content
_ADVERBS = (
    r"(?:要|应|应当|须|需|必须|并|同时|且|还|及时|主动|依法依规|依法|全面|集中|定期|统一|按要求|按规定|规范|动态|同步|实时|逐步|分类|准确|"
    r"向社会|面向社会|汇总|梳理|全面梳理并|梳理并|汇总并|重点|进一步|认真|切实|严格|做好|加强|加大|持续|不断|常态化|在政府网站|通过政府网站|"
    r"在门户网站|以适当方式|规范公布并|编制并|制定并|建立并|更新并|整理并|按程序|按时|每年|每月|每季度|第一时间|限时|如实|主动向社会|"
    r"分领域|分类别|逐项|逐条|全面及时|及时准确|准确及时|统一对外|对外|集中统一|集中统一对外)*"
)
_BAD_OBJECT = re.compile(
    r"^(征求意见|发布会|透明|属性|方式|渠道|信箱|工作|力度|承诺|的|时|后|前|等|和|范围|内容|形式|平台|意见|"
    r"权威信息|权威声音|信息$|情况$|相关信息$|有关信息$|到位|解读$|机制|制度$|效果|质量|水平|能力|时机|"
    r"要求|规定|标准$|流程$|办理|处理|审查|给你们|印发|执行|落实)"
)


_DOC_NOUN = r"(报告|方案|目录|清单|名单|名录|指南|办法|通知|意见|文件|规划|计划|公告|公报|纲要|条例|规定|标准|细则)"
_PROCESS_TAIL = re.compile(r"的?(归集整理|归集|整理|管理|建设|工作|编制|清理|更新|维护)")
_ATTR_WORDS = re.compile(r"^(名称|地址|联系电话|电话|办公时间|营业时间|办公地址|资质|等级|服务区域|业务范围|类别|联系人|性质)")


def _object_keywords(obj: str, places: tuple[str, ...] = ()) -> tuple[list[str], int | None]:
    """'2022年度税费政策优惠指南' → (['税费政策优惠指南'], 2022)."""
    o = compact(obj)
    o = re.sub(r"[（(]公开路径[：:].*$", "", o)
    year = None
    ym = re.search(r"(20\d{2})\s*年", o)
    if ym:
        year = int(ym.group(1))
    o = re.sub(r"^(?:并|及时|动态|更新|和|及|向社会|主动|依法|全面)+", "", o)
    o = re.sub(r"(?:关于)?(20\d{2})\s*年度?(?:版)?", "", o)
    o = re.sub(r"[《》“”\"]", "", o)
    o = re.sub(r"[（(][^）)]*[）)]", "", o)
    det = (
        r"^(?:本机关的?|本级政府的?|本级的?|本部门的?|本单位的?|本地区的?|本行政区域的?|本区县的?|本领域的?|本地的?|"
        r"我县的?|我区的?|我市的?|本县的?|本区的?|本市的?|全区的?|全县的?|全市的?|全国统一的?|各级政府及其部门的?|"
        r"[\u4e00-\u9fa5]{0,4}政府及其(?:所属)?部门的?|有关|相关|各类|各项|其|的"
        + "".join(f"|{re.escape(pl)}的?" for pl in places if pl)
        + r")+"
    )
    o = re.sub(det, "", o)
    o = re.sub(r"(?:等|及其他|以及其他)?(?:基本|相关|有关|各类|重要)?(?:信息|情况|内容|材料|资料|事项|工作)$", "", o) or o
    o = o.strip("，,、的等")
    if not o:
        return [], year
    head = o
    extra: list[str] = []
    if "的" in o:
        left, right = o.rsplit("的", 1)
        left = re.sub(r"^涉及(?:本[区县市镇]|本地区?|本区县|本领域)?的?", "", left)
        if _ATTR_WORDS.match(right) or _PROCESS_TAIL.fullmatch("的" + right) or right.startswith(("归集", "整理")):
            head = left
        elif re.fullmatch(_DOC_NOUN, right) and len(left) >= 4:
            head = re.split(r"以及|及其|及|、", left)[0][:18]
            extra = [right]
        elif len(right) >= 2:
            head = right if len(left) > 6 or not left or re.search(r"(一定|代表性|对应|相应|重要|重大|有关|相关|涉及)", left) else o
    head = re.sub(_PROCESS_TAIL.pattern + "$", "", head) if len(head) > 6 else head
    if extra and head:
        return [head, *extra], year
    if "、" in head:
        items = [re.sub(r"(等.*|名称)$", "", x) for x in head.split("、")]
        items = [x for x in items if len(x) >= 2 and not _ATTR_WORDS.match(x)][:8]
        if len(items) >= 2:
            return ["|".join(items)], year
        if items:
            head = items[0]
    if len(head) > 18:
        parts = [p for p in re.split(r"以及|及其|及|和|与|同|、", head) if len(p) >= 2]
        if len(parts) >= 2:
            return ["|".join(parts[:6])], year
        head = head[:18]
    return [head], year


_GENERIC_KEYWORD = re.compile(
    r"基础|工作|信息|情况|力度|质量|水平|要求|内容|事项|主动|政务|政府|相关|有关|政策|文件|数据|资料|材料|结果|成果|举措|措施"
)
_TEMPORAL_END = re.compile(r"(前|后|时|之前|之后|以后|以前|期间)$")


_EMBEDDED_UNIT = re.compile(r"(?:[市区县]政府|[市区县][\u4e00-\u9fa5]{1,4}(?:局|委|办)|有关部门|各部门|各区县)")


def detect_content(
    sentence: str, column: str | None, places: tuple[str, ...] = (), flattened: bool = False
) -> list[Draft]:
    """content_published for 公开…/公布…/发布… demands with a concrete object."""
    out: list[Draft] = []
    if _OFFLINE.search(sentence) and not re.search(r"网站|网页|栏目|专栏|平台", sentence):
        return out
    for off, cl in clauses(sentence):
        c = cl.strip()
        c = re.sub(r"^" + _ITEM_NUM.pattern, "", c)
        m = re.match(
            r"^(?:[\u4e00-\u9fa5]{0,12}?(?:要|应当|应|须|将|并))?" + _ADVERBS
            + r"(公开|公布|发布|晒出)(?!征求|发布|透明|属性|方式|渠道|的|工作|力度|承诺|时|后|前|范围|内容要|形式|平台)",
            c,
        )
        obj = None
        if m:
            obj = c[m.end():]
        else:
            m2 = re.search(
                r"^(?:深入推进|持续推进|做好|加强|推进|深化|规范|强化|加大|推动|抓好|做实|落实|加快)"
                r"([\u4e00-\u9fa5、“”《》（）]{2,60}?)的?(?:信息)?(?:公开|发布|推送|公布)(?:工作|力度)?$",
                c,
            )
            m3 = re.search(r"(?:编制|制定|形成|编写|整理|汇总|梳理)(?:完成)?([\u4e00-\u9fa5、“”《》（）\d]{2,40}?)并(?:向社会|对外|主动|及时|统一)*(?:公开|公布|发布)$", c)
            if m2 and not re.search(r"^(重点领域|政务|政府|基层政务|各类|相关|有关|信息|新闻|政府信息|各领域|领域)$", m2.group(1)):
                obj = re.sub(r"(?:集中|规范|及时|主动|全面|依法|统一|准确|动态)+$", "", m2.group(1))
            elif m3:
                obj = m3.group(1)
        if not obj:
            continue
        obj_c = compact(obj)
        if len(obj_c) < 2 or _BAD_OBJECT.match(obj_c) or obj_c[0] in "、，,；;。" or _TEMPORAL_END.search(obj_c):
            continue
        if flattened:  # table cells run together: a unit name inside the object ends it
            um = _EMBEDDED_UNIT.search(obj, 4)
            if um:
                obj = obj[: um.start()]
        kws, year = _object_keywords(obj, places)
        if not kws or not kws[0] or len(kws[0].replace("|", "")) < 2 or _GENERIC_KEYWORD.fullmatch(kws[0]):
            continue
        params: dict[str, Any] = {"keywords": kws}
        if year:
            params["year"] = year
        if column:
            params["column"] = column
        out.append(Draft("content_published", _short(c), sentence, params=params))
    return out


def detect_annual_report(sentence: str, year: int | None) -> list[Draft]:
    out: list[Draft] = []
    m = re.search(r"([\u4e00-\u9fa5]{2,14}?)(?:工作)?(年度报告|年报)", sentence)
    if not m or not re.search(r"(公开|发布|公布|编制|报告予以|报送)", sentence):
        return out
    name = compact(m.group(0))
    dm = re.search(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*(?:之)?前\s*(?:集中|统一|全面)?\s*(?:发布|公开|公布|上网)", sentence)
    due = f"{int(dm.group(1)):02d}-{int(dm.group(2)):02d}" if dm else None
    if "政府信息公开" in name:
        kws = ["政府信息公开工作年度报告|政府信息公开年度报告|政府信息公开年报"]
        due = due or "01-31"
    elif "法治政府" in name:
        kws = ["法治政府建设", "年度报告|工作报告|情况的报告"]
        due = due or "03-31"
    elif "政府网站" in name:
        kws = ["政府网站", "年度报表|工作年度报表|年报"]
        due = due or "01-31"
    else:
        if not due:
            return out
        core = re.sub(r"(年度报告|年报)$", "", name)
        kws = [core, "年度报告|年报"]
    out.append(Draft("annual_report", _short(f"公开{name}"), sentence, params={"keywords": kws, "due": due}))
    return out


_LINK_VERB = re.compile(r"(?:链接到|链接至|挂链到|链到|挂链|链接)(?!能|可|正常|有效|的|地址|失效|畅通|质量|是否|数|错误)")


def detect_links(sentence: str, column: str | None) -> list[Draft]:
    if not _LINK_VERB.search(sentence) or re.search(r"错链|断链|死链", sentence):
        return []
    out: list[Draft] = []
    to = re.search(r"(链接到|链接至|挂链到|链到|链接在)", sentence)
    targets: list[str] = []
    dest: str | None = None
    if to:
        before, after = sentence[: to.start()], sentence[to.end():]
        targets = [q.group(1) for q in _QUOTED.finditer(before)]
        dq = [q for q in _QUOTED.finditer(after) if re.match(r"\s*(等)?\s*" + _COLUMN_WORD, after[q.end():])]
        if dq:
            dest = compact(dq[0].group(1))
        if not targets:
            mo = re.search(r"将([^，。；]{2,30})$", before)
            if mo:
                targets = [mo.group(1)]
    else:
        lm = _LINK_VERB.search(sentence)
        assert lm
        after = sentence[lm.end():]
        seg = re.split(r"[，。；;]", after, maxsplit=1)[0]
        targets = [q.group(1) for q in _QUOTED.finditer(seg)]
        if not targets and seg.strip():
            targets = [re.sub(r"(等)?(栏目|网站|平台)$", "", compact(seg))[:20]]
    col = dest or column
    for t in targets:
        tt = compact(t)
        if not tt or ">" in tt:
            continue
        params: dict[str, Any] = {"text": [tt]}
        if col:
            params["column"] = col
        out.append(Draft("link_present", _short(f"链接“{tt}”" + (f"（{col}）" if col else "")), sentence, params=params))
    return out


def detect_site(sentence: str) -> list[Draft]:
    """Site properties: IPv6, HTTPS, search, media, broken links, 解读关联, mobile, 找错, …"""
    out: list[Draft] = []
    s = sentence
    if re.search(r"IPv6|IPV6|ipv6|互联网协议第6版|互联网协议第六版", s):
        out.append(Draft("ipv6_enabled", "网站支持IPv6访问", s))
    if re.search(r"HTTPS|https|安全连接协议", s):
        out.append(Draft("https_enabled", "网站启用HTTPS", s))
    if re.search(r"(网站|站内|全站)[^。；，]{0,10}(搜索|检索)|(搜索|检索)(功能|服务|精准|准确|引擎)", s) and not re.search(
        r"问答库|数据库[^。]{0,6}搜索", s
    ):
        out.append(Draft("site_search", "网站提供搜索功能", s))
    media = re.search(r"(图片|视频|音频|音视频|动漫|动画|附件|多媒体)", s)
    broken = re.search(r"无法打开|打不开|不能打开|无法访问|不能访问|正常访问|正确显示|正常显示|正常播放|能够播放|无法播放|不能播放|错链|断链|死链", s)
    if broken:
        if media or re.search(r"播放|显示", s):
            kinds = []
            if re.search(r"图片|图解|动漫|动画", s):
                kinds.append("image")
            if re.search(r"视频|动漫|动画", s):
                kinds.append("video")
            if re.search(r"音频|音视频", s):
                kinds.append("audio")
            if re.search(r"附件", s):
                kinds.append("attachment")
            params = {"kinds": kinds} if kinds else {}
            out.append(Draft("media_playable", "图片、音视频等能正常打开和播放", s, params=params))
        else:
            out.append(Draft("broken_links", "网站链接能正常打开", s))
    if re.search(r"解读", s) and re.search(r"关联|同步发布[^。；]{0,10}解读|解读[^。；]{0,10}同步|双向链接|相互链接|互相链接", s):
        out.append(Draft("interpretation_links", "政策文件与解读相互关联、同步发布", s))
    if re.search(r"手机适配|移动端|移动版|手机版|适配移动", s):
        out.append(Draft("mobile_friendly", "网站适配手机等移动端", s))
    if re.search(r"我为政府网站找错", s):
        out.append(Draft("error_report_entry", "设置“我为政府网站找错”入口", s))
    if re.search(r"网站标识码|ICP备案|公安机关备案|党政机关网站标识", s):
        req = [x for x in ("网站标识码", "ICP备案号", "公安机关备案号", "党政机关网站标识") if x[:4] in s]
        out.append(Draft("site_identifiers", "网站底部标注网站标识码等", s, params={"required": req} if req else {}))
    m = re.search(r"(\d{1,3})\s*个工作日内(?:予以)?公开", s)
    if m:
        out.append(Draft("publish_delay", f"信息形成或变更后{m.group(1)}个工作日内公开", s, params={"max_workdays": int(m.group(1))}))
    if re.search(r"(现行有效|有效性)[^。]{0,30}(失效|废止)|(失效|废止)[^。]{0,20}(标注|标明|分类展示|移入)", s):
        out.append(Draft("document_validity", "规范性文件标注有效性（现行有效/失效/废止）", s))
    if re.search(r"去标识化|保护个人隐私|不得(出现|泄露|公开)[^。；]{0,12}(个人隐私|个人信息)|个人信息保护", s):
        out.append(Draft("personal_data", "公开信息不泄露个人隐私（身份证号、手机号）", s, params={"kinds": ["id", "mobile"]}))
    rm = re.search(r"(\d{1,2})\s*个工作日内[^。；]{0,6}(回复|答复|办结|反馈)", s)
    if rm and re.search(r"留言|信箱|咨询|来信|诉求|互动", s):
        days = -(-int(rm.group(1)) * 7 // 5)
        out.append(Draft("interaction_channel", f"留言咨询{rm.group(1)}个工作日内答复", s, params={"max_unanswered_days": days}))
    elif (
        re.search(r"(公开信箱|网民留言|领导信箱|互动交流渠道|政民互动渠道|留言办理)", s)
        and re.search(r"(开通|办理|回复|反馈|处理|回音)", s)
        and not re.search(r"问答库|热线|窗口", s)
    ):
        out.append(Draft("interaction_channel", "互动渠道可用、留言及时答复", s))
    if re.search(r"(公开|公布)(?!的)(本机关|本单位|本部门|本级政府)?的?(对外联系电话|办公电话|咨询电话|对外联系方式)", s) or re.search(
        r"公开(本机关|本单位|本部门)的?(对外)?联系(电话|方式)", s
    ):
        out.append(Draft("contact_published", "公开本机关对外联系电话", s, params={"kind": "phone"}))
    return out


def detect_cadence(sentence: str, column: str | None) -> list[Draft]:
    if not column:
        return []
    m = re.search(r"每(周|月|季度|季|年)[^。；]{0,12}(更新|公开|发布)", sentence)
    if not m:
        return []
    period = {"周": "week", "月": "month", "季": "quarter", "季度": "quarter", "年": "year"}[m.group(1)]
    return [Draft("update_cadence", f"“{column.split('>')[-1]}”每{m.group(1)}更新", sentence, path=column, params={"period": period})]


# --------------------------------------------------------------------------- the notice


_TITLE_HINT = re.compile(r"政务公开|信息公开")
_TITLE_KIND = re.compile(r"任务分工|任务分解|任务清单|责任清单|分工方案|工作要点|重点工作|工作安排|实施方案|任务台账|清单")


def _lines(notice: NoticeText) -> list[str]:
    return [b.text for b in notice.blocks if isinstance(b, Paragraph)]


def find_document_title(notice: NoticeText) -> str:
    text = notice.text
    # 现将《…任务分工》印发 / 制定《…》
    best = None
    for m in re.finditer(r"《([^《》]{6,80})》", text):
        name = compact(m.group(1))
        if not _TITLE_HINT.search(name) or not _TITLE_KIND.search(name) or name.endswith("通知"):
            continue
        before = text[max(0, m.start() - 8): m.start()]
        score = 2 if re.search(r"现将|制定|特制定|印发|将$", before) else 1
        if best is None or score > best[0]:
            best = (score, name)
        if score == 2:
            break
    if best:
        return best[1]
    for ln in _lines(notice)[:60]:
        c = compact(ln)
        if 6 <= len(c) <= 60 and _TITLE_HINT.search(c) and _TITLE_KIND.search(c) and not c.startswith(("为", "各")):
            c = re.sub(r"^#+", "", c)
            c = re.sub(r"^(关于印发)", "", c)
            return re.sub(r"的通知$", "", c)
    first = compact(_lines(notice)[0]) if _lines(notice) else notice.path.stem
    return re.sub(r"^#+", "", first)[:80]


def find_year(notice: NoticeText, document: str) -> int | None:
    m = re.search(r"(20\d{2})\s*年", document)
    if m:
        return int(m.group(1))
    head = notice.text[:3000]
    m = re.search(r"(20\d{2})\s*年\s*(?:度\s*)?(?:全[区县市省])?政务公开", head)
    if m:
        return int(m.group(1))
    m = re.search(r"(20\d{2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日", notice.text)
    if m:
        return int(m.group(1))
    years = Counter(int(y) for y in re.findall(r"(20\d{2})\s*年", notice.text))
    return years.most_common(1)[0][0] if years else None


_ISSUER = re.compile(
    r"^([\u4e00-\u9fa5（）()]{2,30}?(?:人民政府办公室|人民政府办公厅|人民政府|政府办公室|政府办公厅|办公室|办公厅|管理委员会|管委会|局|委员会))(?:文件)?$"
)


def find_issuer(notice: NoticeText) -> str:
    lines = [compact(x) for x in _lines(notice)]
    lines = [re.sub(r"^#+", "", x) for x in lines]
    # the signature: an office name followed by a date line
    for i, ln in enumerate(lines[:-1]):
        m = _ISSUER.match(ln)
        if m and re.match(r"^20\d{2}年\d{1,2}月\d{1,2}日", lines[i + 1]):
            return m.group(1)
    for ln in lines[:15]:
        m = _ISSUER.match(ln)
        if m:
            return m.group(1)
        m = re.match(r"^([\u4e00-\u9fa5]{2,30}?(?:人民政府办公室|人民政府办公厅|人民政府|办公室|办公厅))关于", ln)
        if m:
            return m.group(1)
    m = re.search(r"([\u4e00-\u9fa5]{2,20}?(?:人民政府办公室|人民政府办公厅))", notice.text[:500])
    return m.group(1) if m else ""


def find_number(notice: NoticeText) -> str:
    """The notice's own 文号 (渝府办发〔2020〕89号), not one it cites in brackets."""
    for m in re.finditer(r"([\u4e00-\u9fa5]{1,10})[〔\[［(（]\s*(\d{4})\s*[〕\]］)）]\s*(\d{1,4})\s*号", notice.text[:5000]):
        before = notice.text[max(0, m.start() - 1): m.start()]
        prefix = m.group(1)
        # the prefix ran into preceding words: keep what follows 通知/文件/的/》/年/日
        prefix = re.split(r"通知|文件|的|》|年|日|印发|号", prefix)[-1]
        if before in ("（", "(", "《", "“") or len(prefix) < 2 or not re.search(r"[发办函字令文]$", prefix):
            continue
        return f"{prefix}〔{m.group(2)}〕{m.group(3)}号"
    return ""


def find_places(issuer: str, document: str) -> tuple[str, ...]:
    """Place names of the issuing government ('重庆市', '渝中区'): dropped from keywords."""
    out: list[str] = []
    for text in (issuer, document):
        for m in re.finditer(r"([\u4e00-\u9fa5]{2,5}?(?:自治县|自治州|新区|区|县|市|州|旗|盟|省))", text):
            name = m.group(1)
            name = re.sub(r"^(?:关于|贯彻落实|印发)", "", name)
            if 2 <= len(name) <= 6 and name not in out and not name.startswith(("政府", "人民")):
                out.append(name)
    return tuple(out)


def canon_leaf(path: str) -> str:
    leaf = compact(path).split(">")[-1]
    return re.sub(r"[“”\"]", "", leaf)


@dataclass
class FlatSegment:
    text: str
    section: str
    units: list[str]
    deadline: str = ""


_FLAT_BREAK = re.compile(
    r"(?<![\d（(第])(?=\d{1,2}\s*[．.](?!\d)\s*[\u4e00-\u9fa5“《])"
    r"|(?<![第）)\d])(?=[（(][一二三四五六七八九十]{1,3}[）)](?![（(项条款目]))"
    r"|(?<![\u4e00-\u9fa5]{2}[第])(?=[一二三四五六七八九十]{1,2}、)"
)
_UNIT_HEAD = re.compile(
    r"(?:[市区县省]|各)[\u4e00-\u9fa5（）()]{0,14}?(?:办公厅|办公室|政府|委员会|改革委|信息委|健康委|商务委|建委|教委|委|局|中心|部门|单位|管委会|新闻办|网信办|办)(?:[、，,])?"
)
_UNIT_PAREN = re.compile(
    r"[（(]((?:责任|牵头|配合|主责)(?:单位|部门)[：:][^（）()>]{2,80}?|[^（）()>：:]{2,80}?(?:牵头|负责|配合|参与|落实))[）)]"
)
_NOT_UNIT = re.compile(r"完成|推进|加强|开展|建立|落实|实施|提升|做好|确保|规范|优化|全面|及时|组织|依法|公开|发布")
_UNIT_EXT = re.compile(r"(?:办公厅|办公室|新闻办|网信办|各部门|有关部门|所属部门)")
_SUBJECT_VERB = re.compile(r"(?:要|应|须|将|在|于|对|把|会同|负责|牵头|按照|组织|加强|统筹)")


_FLAT_DEADLINE = re.compile(
    r"(?:\d{4}\s*年\s*)?(?:\d{1,2}\s*月\s*(?:\d{1,2}\s*日)?\s*(?:底|末)?|年\s*底|年\s*内)\s*(?:前|之前)?"
    r"|长期(?:开展|坚持|推进)?|持续(?:推进|开展)|全年|每(?:月|季度|年|周)(?:底)?前?|常态化开展"
)


def _paren_units(inner: str) -> list[str]:
    """'市发展改革委牵头，各县区政府负责' → ['市发展改革委', '各县区政府'] (lead first)."""
    units: list[str] = []
    lead = re.search(r"([^，,；;：:]+?)牵头", inner)
    if lead:
        units.extend(split_units(lead.group(1)))
    for part in re.split(r"[，,；;]", inner):
        part = re.sub(r"^(?:责任单位|牵头单位|配合单位|责任部门|主责单位)[：:]", "", part)
        part = re.sub(r"(?:牵头|负责|配合|参与|落实)$", "", part)
        if lead and lead.group(1) in part:
            continue
        units.extend(u for u in split_units(part) if u not in units)
    return units


def _peel_meta(text: str) -> tuple[list[str], str, str]:
    """Units and a 完成时限 at the start of flattened text (cells that follow a measure).

    '市政府办公厅市政府各部门、各区县政府3．组织…' → (['市政府办公厅', '市政府各部门', '各区县政府'], '',
    '3．组织…'). Cells may be wrapped over lines; the rest is returned verbatim.
    """
    # work on the text without line breaks, map positions back to the original
    keep = [k for k, ch in enumerate(text) if ch not in "\n\r \t\u3000"]
    flat = "".join(text[k] for k in keep)
    units: list[str] = []
    deadline = ""
    pos = 0
    while pos < len(flat):
        while pos < len(flat) and flat[pos] in "、，,":
            pos += 1
        pm = _UNIT_PAREN.match(flat, pos)
        if pm:  # （市发展改革委牵头，各县区政府负责） / （责任单位：…）
            units.extend(u for u in _paren_units(pm.group(1)) if u not in units)
            pos = pm.end()
            continue
        m = _UNIT_HEAD.match(flat, pos)
        if m and _NOT_UNIT.search(m.group(0)):
            m = None
        if m:
            end = m.end()
            unit = m.group(0)
            while True:  # 市政府 + 办公厅, 市政府 + 各部门: one unit
                ext = _UNIT_EXT.match(flat, end)
                if not ext:
                    break
                unit += ext.group(0)
                end = ext.end()
            if _SUBJECT_VERB.match(flat, end) and not _UNIT_HEAD.match(flat, end):
                break  # the unit is the subject of the next sentence
            units.append(unit.rstrip("、，,"))
            pos = end
            continue
        d = _FLAT_DEADLINE.match(flat, pos)
        if d and d.end() > pos and not deadline and (d.end() >= len(flat) or not re.match(r"[\u4e00-\u9fa5]{0,1}[，,]", flat[d.end():])):
            deadline = d.group(0)
            pos = d.end()
            continue
        break
    if pos >= len(flat):
        return units, deadline, ""
    return units, deadline, text[keep[pos]:] if (units or deadline) else text


def flat_segments(para: str) -> list[FlatSegment]:
    """Cut flattened table text into sentences; the unit and 时限 cells written after a
    sentence (before the next one) go with it."""
    pieces = [x for x in _FLAT_BREAK.split(para) if x and x.strip()]
    out: list[FlatSegment] = []
    section = ""
    for piece in pieces:
        hm = re.match(r"\s*([（(][一二三四五六七八九十]{1,3}[）)]|[一二三四五六七八九十]{1,2}、)", piece)
        if hm:
            h = hm.group(1).replace("(", "（").replace(")", "）")
            section = h if h.endswith("、") else (re.sub(r"（.*$", "", section) + h if section.endswith("、") else h)
        im = re.match(r"\s*(\d{1,2})\s*[．.]", piece)
        item = f"{im.group(1)}．" if im else ""
        for part in re.split(r"(?<=。)", piece):
            units, deadline, rest = _peel_meta(part)
            if (units or deadline) and out:
                prev = out[-1]
                prev.units.extend(u for u in units if u not in prev.units)
                prev.deadline = prev.deadline or deadline
            if compact(rest):
                seg = FlatSegment(rest, section + item, [], "")
                inner = list(_UNIT_PAREN.finditer(compact(rest)))
                if inner:  # …及解读（市发展改革委牵头）。
                    seg.units = _paren_units(inner[-1].group(1))
                out.append(seg)
    return out


def _slug(stem: str) -> str:
    """ASCII id part from the file name; a short hash keeps Chinese names apart."""
    import hashlib

    s = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    if not re.search(r"[a-z]", s):
        h = hashlib.sha1(stem.encode("utf-8")).hexdigest()[:6]
        s = f"{s}-{h}" if s else f"notice-{h}"
    return s[:60].strip("-")


# --------------------------------------------------------------------------- assembling


@dataclass
class Context:
    section: str
    lead: list[str]
    resp: list[str]
    deadline: str | None
    deadline_note: str = ""


def _drafts_for_sentence(
    sent: str,
    year: int | None,
    *,
    content: bool = True,
    strong_only: bool = False,
    places: tuple[str, ...] = (),
    flattened: bool = False,
) -> list[Draft]:
    cols = detect_columns(sent)
    col_paths = [d.path for d in cols if d.check == "column_exists" and d.path]
    column = col_paths[0] if len(col_paths) == 1 else None
    drafts: list[Draft] = list(cols)
    drafts += detect_site(sent)
    if strong_only:
        return drafts
    have = {d.path for d in cols} | {compact(d.path or "").split(">")[-1] for d in cols}
    for d in detect_implied_columns(sent):
        leaf = (d.path or "").split(">")[-1]
        if d.path not in have and leaf not in have:
            drafts.append(d)
            have.add(d.path)
    drafts += detect_links(sent, column)
    drafts += detect_cadence(sent, column)
    ar = detect_annual_report(sent, year)
    drafts += ar
    if content and not ar:
        drafts += detect_content(sent, column, places, flattened)
    return drafts


def _quote_window(sentence: str, limit: int = 160) -> str:
    """Long flattened runs: keep the quote readable (still a verbatim slice)."""
    if len(sentence) <= limit:
        return sentence
    cut = sentence[:limit]
    k = max(cut.rfind("，"), cut.rfind("。"), cut.rfind("；"))
    return cut[: k + 1] if k > limit // 2 else cut


def extract_rules(path: Path | str) -> dict[str, Any]:
    """Read a notice and return a draft rule file (a dict in the CONTRACTS format)."""
    p = Path(path)
    notice = read_notice(p)
    document = find_document_title(notice)
    year = find_year(notice, document)
    issuer = find_issuer(notice)
    number = find_number(notice)

    places = find_places(issuer, document)
    task_tables = [t for t in notice.tables if is_task_table(t)]
    rows = table_rows(task_tables, year) if task_tables else []
    collected: list[tuple[Draft, Context]] = []
    notes: list[str] = []

    if rows:
        for tr in rows:
            dl, dl_note = normalize_deadline(compact(tr.deadline_text), year)
            for s in split_sentences(tr.measure):
                heading = bool(_HEADING_LIKE.match(s.text))
                for d in _drafts_for_sentence(s.text, year, places=places, content=not heading):
                    ctx = Context(tr.section + (s.item if s.item else ""), tr.lead, tr.resp, dl, dl_note)
                    collected.append((d, ctx))
        # the cover letter: only unambiguous site requirements
        for b in notice.blocks:
            if isinstance(b, Paragraph):
                for s in split_sentences(b.text):
                    for d in _drafts_for_sentence(s.text, year, strong_only=True):
                        if d.check in ("column_exists", "subcolumns", "column_order"):
                            continue
                        collected.append((d, Context("通知正文", [], [], None)))
    else:
        notes.append("未识别出任务表格（如 PDF 转出的文字），规则按句子起草；责任单位和时限取句子附近的文字，需人工核对。")
        body = "\n".join(b.text for b in notice.blocks if isinstance(b, Paragraph))
        if body:
            for seg in flat_segments(body):
                for s in split_sentences(seg.text):
                    heading = bool(_HEADING_LIKE.match(s.text)) or bool(_HEADING_LIKE.match(seg.text) and s.start == 0)
                    dl, dl_note = normalize_deadline(compact(seg.deadline), year)
                    for d in _drafts_for_sentence(s.text, year, places=places, content=not heading, flattened=True):
                        units = [u for x in seg.units for u in split_units(x)]
                        collected.append((d, Context(seg.section, units[:1], units[1:], dl, dl_note)))

    # assemble rules
    slug = _slug(p.stem)
    out_rules: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    implied_seen: set[str] = set()
    explicit_cols = {
        canon_leaf(d.path or "") for d, _ in collected if d.check in ("column_exists", "subcolumns") and not d.implied
    }
    for d, ctx in collected:
        if d.implied:
            leaf = canon_leaf(d.path or "")
            if leaf in implied_seen or leaf in explicit_cols:
                continue
            implied_seen.add(leaf)
        quote = _quote_window(d.quote.strip())
        if quote not in notice.text:
            # never emit a quote that is not verbatim in the source
            alt = compact(quote)
            if alt in notice.text:
                quote = alt
            else:
                continue
        key = (d.check, yaml.safe_dump([d.path, d.children, d.params], allow_unicode=True), quote)
        if key in seen:
            continue
        seen.add(key)
        s_dl, s_note = sentence_deadline(d.quote, year)
        deadline = ctx.deadline
        note_parts = []
        if s_dl and s_dl != deadline:
            if deadline:
                note_parts.append(f"句中时限“{s_note}”，表格时限“{deadline}”，取句中时限")
            deadline = s_dl
        if ctx.deadline_note:
            note_parts.append(ctx.deadline_note)
        if d.note:
            note_parts.append(d.note)
        rule: dict[str, Any] = {
            "id": f"draft-{slug}-{len(out_rules) + 1:03d}",
            "title": d.title or _short(quote),
            "check": d.check,
        }
        if d.path:
            rule["path"] = d.path
        if d.children:
            rule["children"] = list(d.children)
        if d.params:
            rule["params"] = dict(d.params)
        rule["severity"] = "major"
        source: dict[str, Any] = {"document": document, "file": p.name}
        if ctx.section:
            source["section"] = ctx.section
        source["quote"] = quote
        rule["source"] = source
        if deadline:
            rule["deadline"] = deadline
        if ctx.lead:
            rule["lead_units"] = list(ctx.lead)
        if ctx.resp:
            rule["responsible_units"] = list(ctx.resp)
        rule["note"] = "；".join(["草稿，需人工核对", *note_parts])
        rule["draft"] = True
        out_rules.append(rule)

    doc: dict[str, Any] = {"schema": SCHEMA, "document": document, "file": p.name, "issuer": issuer}
    if number:
        doc["number"] = number
    if year:
        doc["year"] = year
    doc["draft"] = True
    if not out_rules:
        notes.append("未找到可由网站检查的要求（如“公开路径”“设置…栏目”“公开…”）；请确认文件是任务分工通知。")
    if not rows and task_tables == [] and not notice.flattened and notice.tables:
        notes.append("文件中的表格不像任务分工表，已按正文句子起草。")
    doc["notes"] = "\n".join(
        [f"由 govaudit rules extract 从 {p.name} 自动起草（{len(out_rules)} 条）。所有规则均为草稿，须逐条核对原文后使用。", *notes]
    ) + "\n"
    doc["rules"] = out_rules
    return doc


# --------------------------------------------------------------------------- output


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


def _list_representer(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.SequenceNode:
    flow = all(isinstance(x, (str, int, float)) for x in data) and sum(len(str(x)) for x in data) <= 120
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _dict_representer(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=False)


_Dumper.add_representer(str, _str_representer)
_Dumper.add_representer(list, _list_representer)
_Dumper.add_representer(dict, _dict_representer)


def dump_draft(doc: dict[str, Any]) -> str:
    """YAML text with readable Chinese (no \\u escapes), keys in contract order."""
    header = "# 草稿：由 govaudit rules extract 自动生成，所有规则需人工核对原文后再使用。\n"
    body = yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096)
    return header + body


def write_draft(doc: dict[str, Any], out: Path | str) -> Path:
    out = Path(out)
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dump_draft(doc), encoding="utf-8")
    return out


def main_extract(notice: str, out: str) -> int:
    """CLI: draft `out` from `notice`; one-line summary, or a one-line error and exit 2."""
    try:
        doc = extract_rules(Path(notice))
    except NoticeReadError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # never a traceback for a bad notice
        print(f"错误：{notice}: 无法解析通知（{type(exc).__name__}: {str(exc)[:80]}）；请确认文件完整，或另存为 .txt/.docx 后再试", file=sys.stderr)
        return 2
    try:
        write_draft(doc, out)
    except OSError as exc:
        print(f"错误：{out}: 无法写入（{exc.strerror}）；请检查输出目录是否存在、是否有写权限", file=sys.stderr)
        return 2
    n = len(doc["rules"])
    print(f"已从 {Path(notice).name} 起草 {n} 条规则（草稿，需人工核对）：{out}")
    return 0
