"""The notice extractor (`govaudit rules extract`): readers for .docx/.html/.pdf/.txt and
the draft rules they give. Test notices are built in a tmp dir; one seed notice is read
from ../shared/seeds when it is there."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from crawler.notice.draft import (
    extract_rules,
    find_paths,
    main_extract,
    normalize_deadline,
    split_units,
    write_draft,
)
from crawler.notice.readers import NoticeReadError, Table, parse_text_blocks, read_notice
from tests.support import SEEDS

TITLE = "某某区2023年政务公开工作要点任务分工"
COVER = [
    f"某某区人民政府办公室关于印发《{TITLE}》的通知",
    "某府办发〔2023〕12号",
    f"各街道办事处，区政府各部门：现将《{TITLE}》印发给你们，请认真贯彻执行。",
    "某某区人民政府办公室",
    "2023年5月10日",
]
ROWS = [
    # task, subtask, measure, lead, responsible, deadline  ("" = merged with the row above)
    ("一、深化重点领域信息公开", "（一）做好规划信息公开。",
     "公开本区“十四五”规划中期评估报告（公开路径：1．政府网站>政府信息公开>法定主动公开内容>规划信息>发展规划，2．其他渠道）。",
     "区发展改革委", "区政府各部门", "2023年6月底前"),
    ("", "", "在政府信息公开专栏设置“政策解读”栏目，并至少设置视频、图片、文字3个子栏目。", "", "", ""),
    ("", "（二）加强平台建设。", "全面实施IPv6改造，确保政府网站所有页面支持IPv6访问。", "区大数据中心", "—", "年底前"),
    ("", "", "公开2023年度税费政策优惠指南。", "区财政局、区税务局", "区政府有关部门\n各街道办事处", "长期开展"),
]
HEADER = ["工作任务", "", "贯彻举措", "牵头单位", "责任单位", "完成时限"]


def by_check(doc: dict, check: str) -> list[dict]:
    return [r for r in doc["rules"] if r["check"] == check]


def rule_with_path(doc: dict, path: str) -> dict:
    found = [r for r in doc["rules"] if r.get("path") == path]
    assert found, f"no rule with path {path}: {[r.get('path') for r in doc['rules']]}"
    return found[0]


def assert_quotes_verbatim(doc: dict, source_text: str) -> None:
    flat = re.sub(r"\s+", "", source_text)
    for r in doc["rules"]:
        q = r["source"]["quote"]
        assert q and (q in source_text or re.sub(r"\s+", "", q) in flat), f"quote not verbatim: {q}"


def assert_contract_shape(doc: dict) -> None:
    assert doc["schema"] == "govaudit.rules/1"
    assert doc["draft"] is True
    ids = [r["id"] for r in doc["rules"]]
    assert len(ids) == len(set(ids))
    for r in doc["rules"]:
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", r["id"])
        assert r["draft"] is True and r["severity"] == "major"
        assert r["title"] and r["check"]
        assert set(r["source"]) <= {"document", "file", "section", "quote"}
        if "deadline" in r:
            d = r["deadline"]
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) or not re.search(r"\d{4}年\d{1,2}月", d), d


# --------------------------------------------------------------------------- builders


def build_docx(path: Path) -> Path:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    for line in COVER:
        document.add_paragraph(line)
    table = document.add_table(rows=len(ROWS) + 1, cols=6)
    for c, h in enumerate(HEADER):
        table.cell(0, c).text = h
    table.cell(0, 0).merge(table.cell(0, 1)).text = "工作任务"
    for r, row in enumerate(ROWS, start=1):
        for c, value in enumerate(row):
            if value:
                table.cell(r, c).text = value
    # vertical merges: the task over all rows; subtask, units and deadline over rows 1-2; subtask rows 3-4
    table.cell(1, 0).merge(table.cell(4, 0)).text = ROWS[0][0]
    for c in (1, 3, 4, 5):
        table.cell(1, c).merge(table.cell(2, c)).text = ROWS[0][c]
    table.cell(3, 1).merge(table.cell(4, 1)).text = ROWS[2][1]
    document.save(str(path))
    return path


def build_html(path: Path, encoding: str = "gb18030") -> Path:
    charset = "gb2312" if encoding == "gb18030" else encoding
    html = f"""<!DOCTYPE html><html><head><meta charset="{charset}"><title>通知</title>
<script>var crumbs = "a>b>c";</script></head><body>
<div>首页 &gt; 政务公开 &gt; 通知公告</div>
<table width="100%"><tr><td>
<h1>某县人民政府办公室关于印发《某县2022年政务公开工作要点任务分工》的通知</h1>
<p>某府办发〔2022〕7号</p>
<p>现将《某县2022年政务公开工作要点任务分工》印发给你们，请认真贯彻落实。</p>
<table border="1">
<tr><th>序号</th><th>工作任务</th><th>具体举措</th><th>牵头单位</th><th>责任单位</th><th>完成时限</th></tr>
<tr><td>1</td><td rowspan="2">加强政策解读</td>
<td>在“政务公开&gt;政府信息公开目录&gt;政策解读”中设置“图片解读”“视频解读”子栏目。</td>
<td rowspan="2">县政府办公室</td><td>县政府各部门</td><td>6月底前</td></tr>
<tr><td>2</td><td>政策文件与解读材料要相互关联，同步发布。</td><td>县司法局、<br>县财政局</td><td>全年</td></tr>
<tr><td>3</td><td>加强网站建设</td><td>每季度更新“统计信息”栏目，公开2022年度统计公报。</td>
<td>县统计局</td><td>—</td><td>2022年9月30日前</td></tr>
</table>
<p>某县人民政府办公室</p><p>2022年3月1日</p>
</td></tr></table></body></html>"""
    path.write_bytes(html.encode(encoding))
    return path


def build_pdf(path: Path) -> Path:
    pytest.importorskip("reportlab")
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("cn", fontName="STSong-Light", fontSize=10, leading=14, wordWrap="CJK")

    def p(text: str) -> Paragraph:
        return Paragraph(text, style)

    story = [
        p("某市人民政府办公室关于印发《某市2024年政务公开工作要点任务分工》的通知"),
        p("某府办发〔2024〕3号"),
        p("各区县人民政府，市政府各部门：现将《某市2024年政务公开工作要点任务分工》印发给你们。"),
        Spacer(1, 12),
    ]
    data = [
        [p("工作任务"), p("贯彻举措"), p("牵头单位"), p("责任单位"), p("完成时限")],
        [p("一、（一）加强规划公开"),
         p("公开本市国土空间总体规划（公开路径：政府网站>政府信息公开>法定主动公开内容>规划信息>国土空间规划）。"),
         p("市规划自然资源局"), p("各区县政府"), p("2024年6月底前")],
        [p(""), p("全面实施IPv6改造，确保政府网站支持IPv6访问。"), p(""), p("市大数据局"), p("年底前")],
    ]
    table = Table(data, colWidths=[80, 220, 70, 70, 60])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("SPAN", (0, 1), (0, 2)),
        ("SPAN", (2, 1), (2, 2)),
    ]))
    story.append(table)
    SimpleDocTemplate(str(path), pagesize=A4).build(story)
    return path


def build_flat_pdf(path: Path) -> Path:
    """A PDF whose table survives only as text (no ruling lines): cells run together."""
    pytest.importorskip("reportlab")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", 11)
    lines = [
        "某县2021年政务公开工作要点任务分工",
        "一、（一）做好规划公开。1．公开本县“十四五”规划纲要（公开路径：政府网站>",
        "政府信息公开>法定主动公开内容>规划信息>发展规划）。县发展改革委县政府有关部门",
        "2．在政府网站设置“减税降费”专栏，2021年6月底前完成。县财政局",
    ]
    y = 800
    for line in lines:
        c.drawString(40, y, line)
        y -= 18
    c.save()
    return path


# --------------------------------------------------------------------------- formats


def test_docx_merged_cells_paths_units_deadlines(tmp_path: Path) -> None:
    path = build_docx(tmp_path / "mouqu-2023.docx")
    notice = read_notice(path)
    table = notice.tables[0]
    assert table.exact_merges and (2, 3) in table.merged  # 牵头单位 continues a merge
    doc = extract_rules(path)
    assert_contract_shape(doc)
    assert doc["document"] == TITLE
    assert doc["year"] == 2023
    assert doc["issuer"] == "某某区人民政府办公室"
    assert doc["number"] == "某府办发〔2023〕12号"
    assert doc["file"] == "mouqu-2023.docx"
    assert all(r["id"].startswith("draft-mouqu-2023-") for r in doc["rules"])

    plan = rule_with_path(doc, "政府信息公开>法定主动公开内容>规划信息>发展规划")
    assert plan["check"] == "column_exists"
    assert plan["deadline"] == "2023-06-30"
    assert plan["lead_units"] == ["区发展改革委"]
    assert plan["responsible_units"] == ["区政府各部门"]
    assert plan["source"]["section"].startswith("一、（一）")

    # the second row's unit and deadline cells are merged with the first: carried down
    column = rule_with_path(doc, "政府信息公开>政策解读")
    assert column["check"] == "column_exists"
    assert column["lead_units"] == ["区发展改革委"]
    assert column["responsible_units"] == ["区政府各部门"]
    assert column["deadline"] == "2023-06-30"
    sub = [r for r in by_check(doc, "subcolumns") if r["path"] == "政府信息公开>政策解读"]
    assert sub and sub[0]["children"] == ["视频", "图片", "文字"]

    ipv6 = by_check(doc, "ipv6_enabled")[0]
    assert ipv6["deadline"] == "2023-12-31"  # 年底前 → notice year
    assert "responsible_units" not in ipv6  # "—" means none
    assert ipv6["source"]["section"].startswith("一、（二）")

    guide = next(r for r in by_check(doc, "content_published") if "指南" in r["params"]["keywords"][0])
    assert guide["params"]["year"] == 2023
    assert guide["deadline"] == "长期开展"
    assert guide["lead_units"] == ["区财政局", "区税务局"]
    assert guide["responsible_units"] == ["区政府有关部门", "各街道办事处"]
    assert_quotes_verbatim(doc, notice.text)


def test_html_table_rowspan_gbk(tmp_path: Path) -> None:
    path = build_html(tmp_path / "notice.html")
    notice = read_notice(path)
    assert "a>b>c" not in notice.text  # scripts are not text
    doc = extract_rules(path)
    assert_contract_shape(doc)
    assert doc["document"] == "某县2022年政务公开工作要点任务分工" and doc["year"] == 2022
    sub = by_check(doc, "subcolumns")[0]
    assert sub["path"] == "政务公开>政府信息公开目录>政策解读"
    assert sub["children"] == ["图片解读", "视频解读"]
    assert sub["deadline"] == "2022-06-30"  # 6月底前 → notice year
    links = by_check(doc, "interpretation_links")[0]
    assert links["lead_units"] == ["县政府办公室"]  # rowspan carried down
    assert links["responsible_units"] == ["县司法局", "县财政局"]
    assert links["deadline"] == "全年"
    cadence = by_check(doc, "update_cadence")[0]
    assert cadence["path"] == "统计信息" and cadence["params"]["period"] == "quarter"
    assert cadence["deadline"] == "2022-09-30"
    report = next(r for r in by_check(doc, "content_published") if r["params"]["keywords"] == ["统计公报"])
    assert report["params"]["year"] == 2022
    assert_quotes_verbatim(doc, notice.text)


def build_broken_html(path: Path) -> Path:
    """The notice of `build_html` as Word/WPS/OA systems save it: GBK with the charset only
    in an http-equiv meta, every cell wrapped in a <font> that is never closed, no </td> or
    </tr> anywhere, Office tags, and a stray </font> that closes the table early."""
    f = '<td><font face="仿宋_GB2312" size="3">'
    html = f"""<HTML xmlns:o="urn:schemas-microsoft-com:office:office"><HEAD>
<META http-equiv=Content-Type content="text/html; charset=gb2312"><TITLE>通知</TITLE></HEAD><BODY>
<P><FONT size=4><B>某县人民政府办公室关于印发《某县2022年政务公开工作要点任务分工》的通知</B></FONT><o:p></o:p></P>
<P>某府办发〔2022〕7号<P>现将《某县2022年政务公开工作要点任务分工》印发给你们，请认真贯彻落实。
<font size="3"><TABLE border=1 cellspacing=0>
<tr>{f}序号{f}工作任务{f}具体举措{f}牵头单位{f}责任单位{f}完成时限
<tr>{f}1<td rowspan=2><font>加强政策解读
{f}在“政务公开&gt;政府信息公开目录&gt;政策解读”中设置“图片解读”“视频解读”子栏目。
<td rowspan="2"><font>县政府办公室{f}县政府各部门{f}6月底前</font>
<tr>{f}2{f}政策文件与解读材料要相互关联，同步发布。{f}县司法局、<br>县财政局{f}全年
<tr>{f}3{f}加强网站建设{f}每季度更新“统计信息”栏目，公开2022年度统计公报。
{f}县统计局{f}—{f}2022年9月30日前
</TABLE></font>
<P align=right>某县人民政府办公室<P align=right>2022年3月1日
</BODY></HTML>"""
    path.write_bytes(html.encode("gbk"))
    return path


def test_html_broken_markup_as_saved_from_word(tmp_path: Path) -> None:
    """Unclosed cells and rows inside open <font>s: libxml2 moved every row after the first
    <font> into the cell before it; the forgiving reader keeps rows and cells in order."""
    path = build_broken_html(tmp_path / "notice.html")
    notice = read_notice(path)
    table = next(b for b in notice.blocks if isinstance(b, Table))
    assert table.rows == [
        ["序号", "工作任务", "具体举措", "牵头单位", "责任单位", "完成时限"],
        ["1", "加强政策解读", "在“政务公开>政府信息公开目录>政策解读”中设置“图片解读”“视频解读”子栏目。",
         "县政府办公室", "县政府各部门", "6月底前"],
        ["2", "", "政策文件与解读材料要相互关联，同步发布。", "", "县司法局、\n县财政局", "全年"],
        ["3", "加强网站建设", "每季度更新“统计信息”栏目，公开2022年度统计公报。", "县统计局", "—", "2022年9月30日前"],
    ]
    assert table.merged == {(2, 1), (2, 3)}
    assert "某县人民政府办公室" in notice.text and "2022年3月1日" in notice.text
    doc = extract_rules(path)
    assert doc["document"] == "某县2022年政务公开工作要点任务分工" and doc["year"] == 2022
    sub = by_check(doc, "subcolumns")[0]
    assert sub["path"] == "政务公开>政府信息公开目录>政策解读" and sub["children"] == ["图片解读", "视频解读"]
    links = by_check(doc, "interpretation_links")[0]
    assert links["lead_units"] == ["县政府办公室"]  # rowspan carried down
    assert links["responsible_units"] == ["县司法局", "县财政局"]
    cadence = by_check(doc, "update_cadence")[0]
    assert cadence["path"] == "统计信息" and cadence["deadline"] == "2022-09-30"
    assert_quotes_verbatim(doc, notice.text)


def test_pdf_table_with_cjk_font(tmp_path: Path) -> None:
    path = build_pdf(tmp_path / "notice.pdf")
    doc = extract_rules(path)
    assert_contract_shape(doc)
    assert doc["year"] == 2024
    plan = rule_with_path(doc, "政府信息公开>法定主动公开内容>规划信息>国土空间规划")
    assert plan["deadline"] == "2024-06-30"
    assert plan["lead_units"] == ["市规划自然资源局"]
    ipv6 = by_check(doc, "ipv6_enabled")[0]
    assert ipv6["deadline"] == "2024-12-31"
    try:
        import pdfplumber  # noqa: F401  (ruled tables are rebuilt only with pdfplumber)
    except ImportError:
        assert "市大数据局" in ipv6.get("lead_units", []) + ipv6.get("responsible_units", [])
    else:
        assert ipv6["lead_units"] == ["市规划自然资源局"]  # merged cell carried down
        assert ipv6["responsible_units"] == ["市大数据局"]
    # quotes are verbatim in the text the PDF yields (pypdf), whitespace aside
    from pypdf import PdfReader

    raw = "".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
    assert_quotes_verbatim(doc, raw)


def test_flattened_pdf_text(tmp_path: Path) -> None:
    path = build_flat_pdf(tmp_path / "flat.pdf")
    notice = read_notice(path)
    assert notice.flattened
    doc = extract_rules(path)
    plan = rule_with_path(doc, "政府信息公开>法定主动公开内容>规划信息>发展规划")
    assert plan["lead_units"] == ["县发展改革委"]
    assert plan["responsible_units"] == ["县政府有关部门"]
    tax = rule_with_path(doc, "减税降费")
    assert tax["deadline"] == "2021-06-30"
    assert tax["lead_units"] == ["县财政局"]
    assert "未识别出任务表格" in doc["notes"]
    from pypdf import PdfReader

    raw = "".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
    assert_quotes_verbatim(doc, raw)


def test_docx_without_table_prose_units_in_brackets(tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    for line in [
        "某市人民政府办公室关于印发2023年某市政务公开工作要点的通知",
        "某府办字〔2023〕60号",
        "某市人民政府办公室",
        "2023年8月7日",
        "一、紧扣经济发展大局深化公开",
        "（一）加强重大战略实施信息公开",
        "1.各地各部门要在政府网站开设“营商环境”专题专栏，及时发布相关政策文件及解读。（市发展改革委牵头，各县区政府负责）",
        "2.公开2023年度重大建设项目批准和实施信息，2023年6月底前完成。（市发展改革委负责）",
        "（二）提升政府网站建设水平。全面完成政府网站IPv6改造，确保所有页面均支持IPv6访问。",
    ]:
        document.add_paragraph(line)
    path = tmp_path / "prose.docx"
    document.save(str(path))
    doc = extract_rules(path)
    assert doc["year"] == 2023 and doc["number"] == "某府办字〔2023〕60号"
    column = rule_with_path(doc, "营商环境")
    assert column["lead_units"] == ["市发展改革委"] and column["responsible_units"] == ["各县区政府"]
    assert column["source"]["section"] == "一、（一）1．"
    project = next(r for r in by_check(doc, "content_published") if r["params"].get("year") == 2023)
    assert project["deadline"] == "2023-06-30"
    ipv6 = by_check(doc, "ipv6_enabled")[0]
    assert ipv6["source"]["quote"].startswith("全面完成政府网站IPv6改造")
    assert_quotes_verbatim(doc, read_notice(path).text)


def test_txt_gb18030_and_tab_cell_layout(tmp_path: Path) -> None:
    text = (
        "某县2022年政务公开工作要点任务分工\n\n"
        "\t工作任务\n\t贯彻举措\n\t牵头单位\n\t责任单位\n\t完成时限\n\n"
        "\t一、加强平台建设\n\t（一）完善栏目。\n\t1．在政府网站设置“减税降费”栏目。\n\n2．公开2022年度审计工作报告。\n"
        "\t县财政局\n\t县政府各部门\n\t2022年6月底前\n\n"
        "\t\n\t\n\t将中国政府法制信息网“行政法规库”链接到县政府门户网站“履职依据”栏目。\n\t\n\t\n\t\n"
    )
    path = tmp_path / "notice.txt"
    path.write_bytes(text.encode("gb18030"))
    doc = extract_rules(path)
    tax = rule_with_path(doc, "减税降费")
    assert tax["source"]["section"] == "一、（一）1．"
    audit = next(r for r in by_check(doc, "content_published") if "审计" in r["params"]["keywords"][0])
    assert audit["source"]["section"] == "一、（一）2．"
    link = by_check(doc, "link_present")[0]
    assert link["params"] == {"text": ["行政法规库"], "column": "履职依据"}
    assert link["lead_units"] == ["县财政局"] and link["deadline"] == "2022-06-30"  # blank = merged
    assert rule_with_path(doc, "履职依据")["check"] == "column_exists"


def test_row_per_line_layout_and_page_header_repeats() -> None:
    text = (
        "工作任务\t贯彻举措\t牵头单位\t责任单位\t完成时限\t\n"
        "一、公开\t(一) 财政。\t公开2022年度部门预算。\t区财政局\t—\t2022年6月底前\n\n"
        "工作任务\t\t贯彻举措\t牵头单位\t责任单位\t完成时限\n"
        "\t\t在门户网站开设“疫情防控”专栏。\t\t区卫生健康委\t长期开展\n"
    )
    blocks = parse_text_blocks(text)
    assert len(blocks) == 1 and len(blocks[0].rows) == 4


# --------------------------------------------------------------------------- pieces


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2022年6月底前", "2022-06-30"),
        ("2022 年 11 月底前", "2022-11-30"),
        ("6月底前", "2021-06-30"),
        ("12月底前", "2021-12-31"),
        ("年底前", "2021-12-31"),
        ("2021年5月31日前", "2021-05-31"),
        ("2023年2月底前", "2023-02-28"),
        ("长期开展", "长期开展"),
        ("全年", "全年"),
        ("持续推进", "持续推进"),
        ("每月底前", "每月底前"),
        ("—", None),
        ("", None),
    ],
)
def test_normalize_deadline(cell: str, expected: str | None) -> None:
    assert normalize_deadline(cell, 2021)[0] == expected


def test_paths_several_in_one_cell() -> None:
    text = "（公开路径：1．政府网站>政务公开>政府信息公开目录>“六稳”“六保”>重要政策/政策解读，2．其他渠道）"
    hits = find_paths(text)
    assert [h.segments for h in hits] == [["政府网站", "政务公开", "政府信息公开目录", "“六稳”“六保”", "重要政策/政策解读"]]
    quoted = find_paths("在政府网站“政务公开>政府信息公开目录>政策解读”中，至少设置")
    assert quoted[0].segments == ["政务公开", "政府信息公开目录", "政策解读"]
    assert find_paths("<ol> <li>1. 区政府</li>") == []


def test_split_units() -> None:
    assert split_units("区发展改革委、区商务委\n区财政局") == ["区发展改革委", "区商务委", "区财政局"]
    assert split_units("区政府办、区司法局等\n相关部门") == ["区政府办", "区司法局等相关部门"]
    assert split_units("—") == []


# --------------------------------------------------------------------------- seed + CLI


def seed(prefix: str) -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"seed notices not found at {SEEDS} (shared/seeds is outside the repository)")
    found = sorted(SEEDS.glob(prefix + "*.txt"))
    if not found:
        pytest.skip(f"seed {prefix}* not in {SEEDS}")
    return found[0]


def test_seed_with_paths_and_carried_units() -> None:
    path = seed("003_")
    doc = extract_rules(path)
    assert_contract_shape(doc)
    assert doc["year"] == 2021 and doc["document"] == "渝中区2021年政务公开工作要点任务分工"
    text = path.read_text(encoding="utf-8")
    assert_quotes_verbatim(doc, text)
    paths = {r.get("path") for r in doc["rules"]}
    assert "政府信息公开>法定主动公开内容>规划信息>国民经济和社会发展规划" in paths
    assert "政务公开>政府信息公开目录>法治政府建设年度报告" in paths
    special = rule_with_path(doc, "政府信息公开>法定主动公开内容>规划信息>专项规划")
    assert special["lead_units"] == ["区发展改革委"]  # blank 牵头单位 cell carried down
    assert special["responsible_units"] == ["区政府有关部门"]
    sub = [r for r in by_check(doc, "subcolumns") if r["path"] == "政务公开>政府信息公开目录>政策解读"]
    assert sub and sub[0]["children"] == ["视频", "图片", "文字"]
    dated = [r for r in doc["rules"] if r.get("path") == "政府信息公开>法定主动公开内容>履职依据>行政法规"]
    assert dated[0]["deadline"] == "2021-06-30"  # 在2021年6月底前… in the sentence


def test_seed_deadline_column() -> None:
    path = seed("000_")
    doc = extract_rules(path)
    assert doc["year"] == 2022 and doc["number"] == "武隆府办发〔2022〕46号"
    tax = rule_with_path(doc, "减税降费")
    assert tax["deadline"] == "2022-06-30"
    assert tax["source"]["section"] == "一、（二）"
    link = [r for r in by_check(doc, "link_present") if r["params"].get("column") == "履职依据"]
    assert {tuple(r["params"]["text"]) for r in link} == {("行政法规库",), ("市政府规章库",)}
    assert_quotes_verbatim(doc, path.read_text(encoding="utf-8"))


def test_drafts_load_with_the_rule_loader(tmp_path: Path) -> None:
    """Drafts are valid rule files (checks the loader does not know yet are left out)."""
    audit_rules = pytest.importorskip("crawler.ruleset.loader")
    from crawler.checks import REGISTRY

    doc = extract_rules(build_docx(tmp_path / "n.docx"))
    doc["rules"] = [r for r in doc["rules"] if r["check"] in REGISTRY]
    assert doc["rules"]
    out = write_draft(doc, tmp_path / "draft.yaml")
    loaded = audit_rules.load_rule_file(out)
    assert loaded.draft and all(r.draft for r in loaded.rules)


def test_write_draft_keeps_chinese_readable(tmp_path: Path) -> None:
    doc = extract_rules(build_docx(tmp_path / "n.docx"))
    out = write_draft(doc, tmp_path / "sub" / "draft.yaml")
    text = out.read_text(encoding="utf-8")
    assert "\\u" not in text and "政策解读" in text
    assert yaml.safe_load(text)["rules"][0]["id"] == doc["rules"][0]["id"]


def test_main_extract_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = build_docx(tmp_path / "n.docx")
    out = tmp_path / "draft.yaml"
    assert main_extract(str(src), str(out)) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("已从 n.docx 起草") and "草稿，需人工核对" in line and str(out) in line
    assert out.exists()


@pytest.mark.parametrize(
    ("name", "content", "hint"),
    [
        ("missing.docx", None, "不存在"),
        ("notice.doc", b"\xd0\xcf\x11\xe0 old word", "另存为"),
        ("broken.docx", b"this is not a zip file", ".docx"),
        ("broken.pdf", b"%PDF-1.4 garbage", "PDF"),
        ("empty.html", b"", "为空"),
        ("binary.txt", b"\x00\x01\x02\x03" * 50, "文本"),
    ],
)
def test_main_extract_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes | None, hint: str
) -> None:
    src = tmp_path / name
    if content is not None:
        src.write_bytes(content)
    assert main_extract(str(src), str(tmp_path / "out.yaml")) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and name in err and hint in err, err
    assert "Traceback" not in captured.err
    assert not (tmp_path / "out.yaml").exists()


def test_read_notice_rejects_unknown_extension(tmp_path: Path) -> None:
    p = tmp_path / "notice.xlsx"
    p.write_bytes(b"x")
    with pytest.raises(NoticeReadError, match="不支持的文件类型"):
        read_notice(p)
