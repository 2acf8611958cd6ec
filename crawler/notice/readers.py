"""Read a notice file into text blocks: paragraphs and table rows.

Supported: .txt (UTF-8 or GB18030; tables flattened with tabs, in either of the two
layouts converters produce), .docx (python-docx; merged cells become blank cells marked
as merged), .html/.htm (BeautifulSoup, forgiving of broken markup; colspan/rowspan
expanded the same way) and .pdf (pdfplumber tables when the PDF has ruled tables, else
pypdf text with the table flattened).

Every paragraph and cell text is a verbatim substring of `NoticeText.text`, so a quote
cut from a cell can be found again in the source text an inspector reads.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PageElement, PreformattedString, Tag

SUPPORTED = (".txt", ".docx", ".html", ".htm", ".pdf")


class NoticeReadError(Exception):
    """A notice could not be read. The message names the file and the fix."""


@dataclass
class Paragraph:
    text: str


@dataclass
class Table:
    rows: list[list[str]]
    # (row, col) positions that continue a merged cell from above (vertical merge) or the
    # left (horizontal). Only known for .docx/.html/ruled .pdf (`exact_merges`); in text
    # files a blank cell may be a merge or really empty.
    merged: set[tuple[int, int]] = field(default_factory=set)
    exact_merges: bool = False


Block = Paragraph | Table


@dataclass
class NoticeText:
    path: Path
    kind: str  # txt | docx | html | pdf
    text: str  # the source text; all block texts are substrings of it
    blocks: list[Block]
    flattened: bool = False  # text of a PDF whose tables could not be rebuilt

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


def read_notice(path: str | Path) -> NoticeText:
    """Read `path` by its extension; raise NoticeReadError with a fix on bad input."""
    p = Path(path)
    if not p.exists():
        raise NoticeReadError(f"{p}: 文件不存在（请检查路径）")
    if not p.is_file():
        raise NoticeReadError(f"{p}: 不是文件（请给出通知文件的路径）")
    ext = p.suffix.lower()
    if ext not in SUPPORTED:
        raise NoticeReadError(
            f"{p}: 不支持的文件类型“{p.suffix or '无扩展名'}”（请另存为 .txt、.docx、.html 或 .pdf；"
            ".doc/.wps 请先用 WPS 或 Word 另存为 .docx）"
        )
    try:
        if ext == ".txt":
            return read_txt(p)
        if ext == ".docx":
            return read_docx(p)
        if ext in (".html", ".htm"):
            return read_html(p)
        return read_pdf(p)
    except NoticeReadError:
        raise
    except Exception as exc:  # corrupt files raise all sorts of library errors
        raise NoticeReadError(
            f"{p}: 无法读取{ext}文件（{type(exc).__name__}: {str(exc)[:80]}）；"
            "文件可能已损坏或并非真正的" + ext + "格式，请重新导出或另存后再试"
        ) from exc


# --------------------------------------------------------------------------- text


def decode_bytes(data: bytes, name: str = "") -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030."""
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise NoticeReadError(
            f"{name}: 文本编码无法识别（既不是 UTF-8 也不是 GB18030）；请用记事本另存为 UTF-8 后再试"
        ) from exc


def read_txt(p: Path) -> NoticeText:
    data = p.read_bytes()
    if b"\x00" in data[:2000] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise NoticeReadError(f"{p}: 看起来不是文本文件（含二进制内容）；请确认扩展名，或另存为 UTF-8 文本")
    text = decode_bytes(data, str(p)).replace("\r\n", "\n").replace("\r", "\n")
    return NoticeText(p, "txt", text, parse_text_blocks(text))


_INNER_TAB = re.compile(r"[^\t]\t|\t.*\t")
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_SEP = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _is_row_line(line: str) -> bool:
    """A whole table row on one line: cells separated by tabs ("a\tb", "\t\ta\tb")."""
    return "\t" in line and bool(_INNER_TAB.search(line.rstrip("\n")))


def _is_cell_line(line: str) -> bool:
    """One cell per line: a single leading tab ("\tcell text")."""
    return line.startswith("\t") and "\t" not in line[1:]


def parse_text_blocks(text: str) -> list[Block]:
    """Split flattened text into paragraphs and tables.

    Two layouts occur: one row per line with tab-separated cells, and one cell per line
    (each cell starts with a tab, continues on untabbed lines; a blank line before a tabbed
    line ends the row). Markdown pipe tables are read too.
    """
    lines = text.split("\n")
    n_row = sum(1 for ln in lines if _is_row_line(ln))
    n_cell = sum(1 for ln in lines if _is_cell_line(ln))
    if n_row == 0 and n_cell == 0:
        return _pipe_or_paragraphs(lines)
    if n_row >= n_cell:
        return _parse_row_lines(lines)
    return _parse_cell_lines(lines)


def _pipe_or_paragraphs(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    rows: list[list[str]] = []
    for ln in lines:
        if _PIPE_ROW.match(ln):
            if _PIPE_SEP.match(ln):
                continue
            inner = ln.strip()[1:-1]
            rows.append([c.strip() for c in inner.split("|")])
            continue
        if rows:
            blocks.append(Table(rows))
            rows = []
        if ln.strip():
            blocks.append(Paragraph(ln.strip()))
    if rows:
        blocks.append(Table(rows))
    return blocks


def _parse_row_lines(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    rows: list[list[str]] = []
    for ln in lines:
        if _is_row_line(ln) or (rows and _is_cell_line(ln)):
            cells = [c.strip() for c in ln.split("\t")]
            while cells and not cells[-1] and len(cells) > 1 and _looks_header(cells):
                cells.pop()  # trailing empty cell after a header row
            rows.append(cells)
            continue
        if not ln.strip():
            continue  # tables go on over blank lines (page breaks)
        if rows:
            blocks.append(Table(rows))
            rows = []
        blocks.append(Paragraph(ln.strip()))
    if rows:
        blocks.append(Table(rows))
    return blocks


# Header cell text → column role. Order matters: the first pattern that matches wins.
HEADER_ROLES: list[tuple[str, re.Pattern[str]]] = [
    ("seq", re.compile(r"^(序号|编号|序)$")),
    ("deadline", re.compile(r"(完成|办结|截止|推进)?(时限|时间|期限|日期)|时间节点|时间要求|进度安排|完成情况时间")),
    ("lead", re.compile(r"牵头|主责|主办|负责单位|负责部门")),
    ("resp", re.compile(r"责任|配合|协办|参与|协同|落实单位|承办|实施单位|具体单位|责任主体|单位")),
    ("measure", re.compile(r"举措|措施|任务内容|具体内容|工作内容|内容|要求|任务分解|具体任务|细化|事项|要点|目标")),
    ("task", re.compile(r"任务|项目|工作|类别|重点|领域")),
]


def header_roles(cells: list[str]) -> dict[int, str]:
    """{column index: role} for a row that looks like a table header, else {}."""
    roles: dict[int, str] = {}
    for i, cell in enumerate(cells):
        t = re.sub(r"\s+", "", cell)
        if not t or len(t) > 10:
            continue
        for role, pat in HEADER_ROLES:
            if pat.search(t):
                roles[i] = role
                break
    # a header names at least two of the distinctive columns
    distinctive = {r for r in roles.values() if r in ("deadline", "lead", "resp", "measure", "seq")}
    units = {r for r in roles.values() if r in ("deadline", "lead", "resp")}
    content = {r for r in roles.values() if r in ("task", "measure")}
    if len(roles) >= 2 and (len(distinctive) >= 2 or len(roles) >= 3 or (units and content)):
        return roles
    return {}


def _looks_header(cells: list[str]) -> bool:
    return bool(header_roles(cells))


def _parse_cell_lines(lines: list[str]) -> list[Block]:
    # Pass 1: cells (list of source lines) grouped into rows; remember where a row began.
    def tokenize(max_width: int | None) -> list[tuple[str, Any]]:
        out: list[tuple[str, object]] = []  # ("para", text) | ("row", [cells])
        row: list[list[str]] | None = None
        blank_before = False
        remaining_cells = sum(1 for ln in lines if _is_cell_line(ln))
        for ln in lines:
            if _is_cell_line(ln):
                remaining_cells -= 1
                if row is None or blank_before:
                    if row is not None:
                        out.append(("row", row))
                    row = []
                row.append([ln[1:]])
                blank_before = False
                continue
            if not ln.strip():
                if row is not None:
                    row[-1].append(ln)
                blank_before = True
                continue
            if row is not None:
                closed = max_width is not None and len(row) >= max_width
                if not blank_before or (remaining_cells > 0 and not closed):
                    row[-1].append(ln)  # continuation of the cell
                    blank_before = False
                    continue
                out.append(("row", row))
                row = None
            out.append(("para", ln.strip()))
            blank_before = False
        if row is not None:
            out.append(("row", row))
        return out

    def width_of(tokens: list[tuple[str, Any]]) -> int | None:
        widths = Counter(len(r) for k, r in tokens if k == "row" and len(r) >= 3)
        return widths.most_common(1)[0][0] if widths else None

    tokens = tokenize(None)
    width = width_of(tokens)
    if width:
        tokens = tokenize(width)

    blocks: list[Block] = []
    rows: list[list[str]] = []
    for kind, val in tokens:
        if kind == "row":
            cells = ["\n".join(c).strip() for c in val]
            rows.append(cells)
        else:
            if rows:
                blocks.append(Table(_merge_split_rows(rows, width)))
                rows = []
            blocks.append(Paragraph(str(val)))
    if rows:
        blocks.append(Table(_merge_split_rows(rows, width)))
    return blocks


def _merge_split_rows(rows: list[list[str]], width: int | None) -> list[list[str]]:
    """Join a row that a stray blank line cut in two (1 cell + 4 cells of a 5-wide table)."""
    if not width:
        return rows
    out: list[list[str]] = []
    i = 0
    while i < len(rows):
        row = rows[i]
        if (
            i + 1 < len(rows)
            and len(row) < width
            and len(rows[i + 1]) < width
            and len(row) + len(rows[i + 1]) == width
            and not _looks_header(row)
            and not _looks_header(rows[i + 1])
        ):
            out.append(row + rows[i + 1])
            i += 2
            continue
        out.append(row)
        i += 1
    return out


# --------------------------------------------------------------------------- docx


def read_docx(p: Path) -> NoticeText:
    import docx  # python-docx
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph as DocxParagraph

    try:
        document = docx.Document(str(p))
    except Exception as exc:
        raise NoticeReadError(
            f"{p}: 无法打开 .docx（{type(exc).__name__}）；文件可能已损坏，或是改了扩展名的 .doc/.wps，"
            "请用 Word 或 WPS 另存为 .docx 后再试"
        ) from exc

    blocks: list[Block] = []
    parts: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            t = DocxParagraph(child, document).text.strip()
            if t:
                blocks.append(Paragraph(t))
                parts.append(t)
        elif tag == "tbl":
            table = _docx_table(DocxTable(child, document))
            blocks.append(table)
            parts.extend("\t".join(r) for r in table.rows)
    text = "\n".join(parts)
    return NoticeText(p, "docx", text, blocks)


def _docx_table(tbl) -> Table:  # type: ignore[no-untyped-def]
    """Grid of cell texts; a cell that continues a merge (repeated _tc) is blank + marked."""
    rows: list[list[str]] = []
    merged: set[tuple[int, int]] = set()
    prev_tcs: list[object] = []
    for r, row in enumerate(tbl.rows):
        try:
            cells = list(row.cells)
        except Exception:  # malformed grid: fall back to the row's own cells
            cells = [c for c in row._tr.tc_lst]  # type: ignore[attr-defined]
        out: list[str] = []
        tcs: list[object] = []
        for c, cell in enumerate(cells):
            tc = getattr(cell, "_tc", cell)
            tcs.append(tc)
            same_left = c > 0 and tcs[c - 1] is tc
            same_up = c < len(prev_tcs) and prev_tcs[c] is tc
            if same_left or same_up:
                out.append("")
                merged.add((r, c))
                continue
            text = "\n".join(pp.text for pp in cell.paragraphs) if hasattr(cell, "paragraphs") else ""
            out.append(text.strip())
        rows.append(out)
        prev_tcs = tcs
    return Table(rows, merged, exact_merges=True)


# --------------------------------------------------------------------------- html

_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section",
    "article", "header", "footer", "blockquote", "pre", "dd", "dt", "dl", "center", "form",
    "caption", "title", "hr",
}
_SKIP_TAGS = {"script", "style", "noscript", "template", "head", "select", "option", "button"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


def _decode_html(data: bytes, name: str) -> str:
    m = _META_CHARSET.search(data[:4096])
    if m:
        enc = m.group(1).decode("ascii", "ignore").lower()
        if enc in ("gb2312", "gbk", "gb18030", "x-gbk"):
            enc = "gb18030"
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_bytes(data, name)


_WORD_CONDITIONAL = re.compile(r"<!\[(?:if[^\]>]*|endif)\]>", re.IGNORECASE)


def read_html(p: Path) -> NoticeText:
    """A notice saved as a web page. Parsed with BeautifulSoup's html.parser, which keeps
    every tag and text in source order however broken the markup (unclosed <td>/<tr>,
    a <font> left open in every cell, rows after a stray </font>, as Word, WPS and OA
    systems save them): tables are then read from that order, not from a repaired tree,
    where libxml2 moves the rows after an open <font> into the cell before them."""
    raw = _decode_html(p.read_bytes(), str(p))
    if not raw.strip():
        raise NoticeReadError(f"{p}: 文件为空；请重新保存网页（另存为“网页，全部”或 .html）")
    raw = re.sub(r"^\s*<\?xml[^>]*>", "", raw)
    # Word's "save as web page" wraps list numbers in downlevel-revealed conditionals
    # (<![if !supportLists]>…<![endif]>): drop the markers, keep the content.
    raw = _WORD_CONDITIONAL.sub("", raw)
    soup = BeautifulSoup(raw, "html.parser")
    _adopt_stray_rows(soup)
    blocks: list[Block] = []
    _html_walk(soup, blocks, [""])
    # glue: collapse whitespace runs in paragraphs, drop empties
    out: list[Block] = []
    for b in blocks:
        if isinstance(b, Paragraph):
            for ln in b.text.split("\n"):
                t = _ws(ln)
                if t:
                    out.append(Paragraph(t))
        else:
            out.append(b)
    parts = [b.text if isinstance(b, Paragraph) else "\n".join("\t".join(r) for r in b.rows) for b in out]
    return NoticeText(p, "html", "\n".join(parts), out)


def _ws(s: str) -> str:
    return re.sub(r"[ \t\r\f\v\u00a0]+", " ", s).strip()


def _text(node: PageElement) -> str | None:
    """The text of a plain text node (None for tags, comments, declarations, CDATA)."""
    if isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
        return str(node)
    return None


def _innermost(table: Tag) -> bool:
    return table.find("table") is None


def _adopt_stray_rows(soup: BeautifulSoup) -> None:
    """Rows that an end tag closed out of their table (`<font><table>…</font><tr>…`): back
    into the table before them, when no text stands between."""
    for tr in soup.find_all("tr"):
        if tr.find_parent("table") is not None:
            continue
        table = tr.find_previous("table")
        if not isinstance(table, Tag) or not _innermost(table):
            continue
        last_text = tr.find_previous(string=lambda s: bool(s.strip()))
        if last_text is None or last_text.find_parent("table") is table:
            table.append(tr.extract())


def _html_walk(el: Tag, blocks: list[Block], buf: list[str]) -> None:
    """Depth-first: innermost <table>s become Tables; other text becomes paragraphs."""
    tag = (el.name or "").lower()
    if tag in _SKIP_TAGS:
        return
    if tag == "table" and _innermost(el):
        _flush(blocks, buf)
        blocks.append(_html_table(el))
        return
    is_block = tag in _BLOCK_TAGS or tag in ("table", "tr", "td", "th", "tbody", "thead")
    if is_block:
        _flush(blocks, buf)
    leading = tag not in ("table", "tr", "tbody", "thead")  # text before the first child tag
    for child in el.children:
        if isinstance(child, Tag):
            _html_walk(child, blocks, buf)
            leading = True
        elif leading and (t := _text(child)) is not None:
            buf[0] += t
    if is_block:
        _flush(blocks, buf)


def _flush(blocks: list[Block], buf: list[str]) -> None:
    if buf[0].strip():
        blocks.append(Paragraph(buf[0]))
    buf[0] = ""


_ROW_TAGS = ("tr", "td", "th")


def _cell_text(td: Tag) -> str:
    """The cell's own text: a <td>/<th>/<tr> inside it (an unclosed cell) is the next cell."""
    parts: list[str] = []

    def walk(e: Tag) -> None:
        for c in e.children:
            if isinstance(c, Tag):
                t = (c.name or "").lower()
                if t in _SKIP_TAGS or t in _ROW_TAGS:
                    continue
                if t in _BLOCK_TAGS:
                    parts.append("\n")
                walk(c)
                if t in _BLOCK_TAGS:
                    parts.append("\n")
            elif (s := _text(c)) is not None:
                parts.append(s)

    walk(td)
    lines = [_ws(x) for x in "".join(parts).split("\n")]
    return "\n".join(x for x in lines if x)


def _table_rows(table: Tag) -> list[list[Tag]]:
    """Rows and cells in source order: every <tr> starts a row, every <td>/<th> a cell,
    however the parser nested them."""
    rows: list[list[Tag]] = []
    for el in table.descendants:
        if not isinstance(el, Tag):
            continue
        name = (el.name or "").lower()
        if name == "tr":
            rows.append([])
        elif name in ("td", "th"):
            if not rows:
                rows.append([])
            rows[-1].append(el)
    return rows


def _span(td: Tag, attr: str, most: int) -> int:
    v = td.get(attr)
    try:
        return max(1, min(most, int(str(v or 1).strip() or 1)))
    except ValueError:
        return 1


def _html_table(table: Tag) -> Table:
    grid: dict[tuple[int, int], str] = {}
    merged: set[tuple[int, int]] = set()
    for r, cells in enumerate(_table_rows(table)):
        c = 0
        for td in cells:
            while (r, c) in grid:
                c += 1
            cs, rs = _span(td, "colspan", 50), _span(td, "rowspan", 500)
            grid[(r, c)] = _cell_text(td)
            for dr in range(rs):
                for dc in range(cs):
                    if dr == 0 and dc == 0:
                        continue
                    if (r + dr, c + dc) not in grid:
                        grid[(r + dr, c + dc)] = ""
                        merged.add((r + dr, c + dc))
            c += cs
    if not grid:
        return Table([], set(), True)
    n_rows = max(r for r, _ in grid) + 1
    n_cols = max(c for _, c in grid) + 1
    rows = [[grid.get((r, c), "") for c in range(n_cols)] for r in range(n_rows)]
    return Table(rows, merged, exact_merges=True)


# --------------------------------------------------------------------------- pdf

_SENT_END = "。；;：:！!？?）)》”"
_ITEM_START = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[．.、]|第[一二三四五六七八九十]+)")


def unwrap_lines(raw: str) -> str:
    """Join PDF line wraps inside a paragraph (CJK text has no spaces at wraps).

    A line is joined to the one before when that one ran to the full width (about the
    usual line length) and did not end a sentence, and this one does not start an item.
    """
    lines = [ln.strip() for ln in raw.split("\n")]
    lengths = sorted(len(x) for x in lines if x)
    full = lengths[int(len(lengths) * 0.75)] if lengths else 0
    out: list[str] = []
    prev_len = 0
    for s in lines:
        if not s:
            if out and out[-1] != "":
                out.append("")
            continue
        wrapped = prev_len >= 0.8 * full
        prev_len = len(s)
        if out and out[-1] and wrapped and out[-1][-1] not in _SENT_END and not _ITEM_START.match(s):
            prev = out[-1]
            sep = " " if (prev[-1].isascii() and prev[-1].isalnum() and s[0].isascii() and s[0].isalnum()) else ""
            out[-1] = prev + sep + s
        else:
            out.append(s)
    return "\n".join(x for x in out if x != "")


def read_pdf(p: Path) -> NoticeText:
    import logging

    from pypdf import PdfReader

    for name in ("pypdf", "pdfminer", "pdfplumber"):  # their warnings would add stderr lines
        logging.getLogger(name).addHandler(logging.NullHandler())

    try:
        reader = PdfReader(str(p))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception as exc:
                raise NoticeReadError(f"{p}: PDF 已加密，无法读取；请先另存为未加密的 PDF") from exc
        pages = [pg.extract_text() or "" for pg in reader.pages]
    except NoticeReadError:
        raise
    except Exception as exc:
        raise NoticeReadError(
            f"{p}: 无法读取 PDF（{type(exc).__name__}）；文件可能已损坏，请重新下载或导出"
        ) from exc
    raw = "\n".join(pages)
    if not re.search(r"[\u4e00-\u9fff]", raw):
        raise NoticeReadError(
            f"{p}: PDF 中没有可提取的文字（可能是扫描件）；请先用 OCR 转成文字版 PDF 或 .docx 再试"
        )
    tables = _pdf_tables(p)
    if tables:
        blocks: list[Block] = []
        parts: list[str] = []
        for kind, val in tables:
            if kind == "para":
                blocks.append(Paragraph(str(val)))
                parts.append(str(val))
            else:
                blocks.append(val)
                parts.extend("\t".join(r) for r in val.rows)
        return NoticeText(p, "pdf", "\n".join(parts), blocks)
    text = unwrap_lines(raw)
    return NoticeText(p, "pdf", text, [Paragraph(t) for t in text.split("\n") if t.strip()], flattened=True)


def _pdf_tables(p: Path) -> list[tuple[str, Any]]:
    """Ruled tables via pdfplumber (if installed and the PDF has them), with page text."""
    try:
        import pdfplumber
    except ImportError:
        return []
    out: list[tuple[str, object]] = []
    found = False
    try:
        with pdfplumber.open(str(p)) as pdf:
            for page in pdf.pages:
                found_tables = page.find_tables()
                bboxes = [t.bbox for t in found_tables]

                def outside(obj, bboxes=bboxes) -> bool:  # type: ignore[no-untyped-def]
                    x = (obj["x0"] + obj["x1"]) / 2
                    y = (obj["top"] + obj["bottom"]) / 2
                    return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in bboxes)

                try:
                    rest = page.filter(outside).extract_text() or ""
                except Exception:
                    rest = ""
                items: list[tuple[float, str, object]] = []
                for ln in unwrap_lines(rest).split("\n"):
                    if ln.strip():
                        items.append((0.0, "para", ln.strip()))
                for t in found_tables:
                    data = t.extract()
                    if not data or len(data) < 2 or max(len(r) for r in data) < 3:
                        continue
                    found = True
                    rows: list[list[str]] = []
                    merged: set[tuple[int, int]] = set()
                    for r, row in enumerate(data):
                        cells: list[str] = []
                        for c, cell in enumerate(row):
                            if cell is None:
                                merged.add((r, c))
                                cells.append("")
                            else:
                                cells.append(_join_cell_lines(cell))
                        rows.append(cells)
                    items.append((t.bbox[1], "table", Table(rows, merged, exact_merges=True)))
                # paragraphs first (title, cover letter), then the page's tables
                for _, kind, val in items:
                    out.append((kind, val))
    except Exception:
        return []
    return out if found else []


def _join_cell_lines(cell: str) -> str:
    lines = [ln.strip() for ln in cell.split("\n")]
    return unwrap_lines("\n".join(lines))
