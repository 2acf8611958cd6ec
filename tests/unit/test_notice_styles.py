"""Drafting from notices written in other provinces' styles (issue 10 item 15).

Each notice here is written the way a 山东 city, a 广东 county and a 省直部门 write theirs
(paragraph items with labelled unit lists, a Word-exported HTML task table, a department's
own 处室), and the tests assert the drafted rules: set-up verbs do not eat the column names,
deadline phrases do not leak into titles, labelled unit lists keep every lead unit and drop
the remarks written after them, and a pasted URL line is not a demand.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from crawler.notice.draft import extract_rules, labelled_units, split_units
from crawler.ruleset.loader import load_rules


def by_check(doc: dict, check: str) -> list[dict]:
    return [r for r in doc["rules"] if r["check"] == check]


def quotes_verbatim(doc: dict, source: str) -> None:
    flat = "".join(source.split())
    for r in doc["rules"]:
        q = r["source"]["quote"]
        assert q in source or "".join(q.split()) in flat, q


# -- a 山东 city: items in paragraphs, units in a labelled bracket after the sentence --------
SHANDONG = """https://www.jinan.gov.cn/art/2022/3/1/art_2613_4760123.html
济南市人民政府办公厅关于印发2022年济南市政务公开工作要点任务分工的通知
济政办字〔2022〕8号
各区县人民政府，市政府各部门（单位）：
现将《2022年济南市政务公开工作要点任务分工》印发给你们，请认真贯彻落实。
一、深化政策解读
1．在政府门户网站“政策解读”栏目下设置视频解读、图片解读、文字解读子栏目。（牵头单位：市审批局、市发改委、市市场监管局；责任单位：市直各部门，各县市区，以下均需各县市区落实，不再逐一列出）
2．2022年3月底前公开法治政府建设年度报告。（牵头单位：市司法局；责任单位：市直各部门）
3．全面推进政府网站IPv6改造，确保网站首页支持IPv6访问。（牵头单位：市大数据局）
"""


@pytest.fixture()
def shandong(tmp_path: Path) -> tuple[dict, str]:
    p = tmp_path / "jinan-2022.txt"
    p.write_text(SHANDONG, encoding="utf-8")
    return extract_rules(p), SHANDONG


def test_setup_verb_does_not_eat_the_children(shandong) -> None:
    doc, src = shandong
    sub = by_check(doc, "subcolumns")
    assert len(sub) == 1
    assert sub[0]["path"] == "政策解读"
    assert sub[0]["children"] == ["视频解读", "图片解读", "文字解读"]
    assert sub[0]["title"] == "政策解读下设置视频解读、图片解读、文字解读子栏目"
    assert "置置" not in sub[0]["title"] and "设置置" not in sub[0]["title"]
    quotes_verbatim(doc, src)


def test_labelled_units_keep_every_lead_and_drop_the_remark(shandong) -> None:
    doc, _ = shandong
    sub = by_check(doc, "subcolumns")[0]
    assert sub["lead_units"] == ["市审批局", "市发改委", "市市场监管局"]
    assert sub["responsible_units"] == ["市直各部门", "各县市区"]
    for r in doc["rules"]:
        for u in r.get("lead_units", []) + r.get("responsible_units", []):
            assert "以下" not in u and "不再" not in u and "列出" not in u, u


def test_deadline_phrase_inside_the_sentence_stays_out_of_the_title(shandong) -> None:
    doc, _ = shandong
    ar = by_check(doc, "annual_report")
    assert len(ar) == 1
    assert ar[0]["title"] == "公开法治政府建设年度报告"
    assert ar[0]["deadline"] == "2022-03-31"
    assert ar[0]["params"]["keywords"][0] == "法治政府建设"
    assert ar[0]["source"]["section"] == "一、2．"  # item number before a year still numbers the item
    assert ar[0]["lead_units"] == ["市司法局"] and ar[0]["responsible_units"] == ["市直各部门"]


def test_a_url_line_is_not_a_demand(shandong) -> None:
    doc, _ = shandong
    assert by_check(doc, "https_enabled") == []
    assert all("http" not in r["source"]["quote"] for r in doc["rules"])
    assert [r["check"] for r in by_check(doc, "ipv6_enabled")] == ["ipv6_enabled"]


def test_https_demand_in_words_is_still_drafted(tmp_path: Path) -> None:
    p = tmp_path / "https.txt"
    p.write_text("一、加强平台建设\n1．全面启用HTTPS安全连接协议，网址为https://www.example.gov.cn的网站须于6月底前完成改造。\n",
                 encoding="utf-8")
    doc = extract_rules(p)
    assert len(by_check(doc, "https_enabled")) == 1


# -- a 广东 county: a Word-exported HTML table, merged cells, one labelled unit column -------
GUANGDONG_ROWS = [
    # (序号, 工作任务, 具体措施, 责任单位, 完成时限) ; None = merged into the row above
    ("1", "加强政策解读", "在县政府门户网站“政策解读”专栏下增设图片解读、视频解读子栏目。",
     "牵头单位：县政务服务数据管理局、县府办；责任单位：县直各单位，各镇人民政府，下同", "2022年6月底前"),
    (None, None, "2022年5月31日前公开县政府信息公开工作年度报告。", None, None),
    ("2", "规范平台管理", "在县政府门户网站设置“乡村振兴”专栏，集中发布乡村振兴政策措施。",
     "县农业农村局", "长期坚持"),
]


def guangdong_html() -> str:
    rows = []
    for seq, task, measure, units, due in GUANGDONG_ROWS:
        cells = []
        if seq is not None:
            span = ' rowspan="2"' if seq == "1" else ""
            cells.append(f"<td{span}><p class=MsoNormal>{seq}<o:p></o:p></p></td>")
            cells.append(f"<td{span}><p class=MsoNormal>{task}<o:p></o:p></p></td>")
        cells.append(f"<td><p class=MsoNormal><![if !supportLists]><span>（1）</span><![endif]>{measure}<o:p></o:p></p></td>")
        if units is not None:
            span = ' rowspan="2"' if seq == "1" else ""
            cells.append(f"<td{span}><p class=MsoNormal>{units}</p></td>")
            cells.append(f"<td{span}><p class=MsoNormal>{due}</p></td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta charset="utf-8">'
        "<!--[if gte mso 9]><xml><w:WordDocument></w:WordDocument></xml><![endif]--></head><body>"
        "<p class=MsoNormal>广东省某某县人民政府办公室关于印发某某县2022年政务公开工作要点任务分解表的通知</p>"
        "<p class=MsoNormal>各镇人民政府，县府直属各单位：</p>"
        "<table class=MsoTableGrid border=1>"
        "<tr><td>序号</td><td>工作任务</td><td>具体措施</td><td>责任单位</td><td>完成时限</td></tr>"
        + "".join(rows)
        + "</table></body></html>"
    )


def test_guangdong_html_table(tmp_path: Path) -> None:
    p = tmp_path / "mouxian-2022.html"
    p.write_text(guangdong_html(), encoding="utf-8")
    doc = extract_rules(p)
    sub = by_check(doc, "subcolumns")
    assert [r["children"] for r in sub] == [["图片解读", "视频解读"]]
    assert sub[0]["path"] == "政策解读"
    assert sub[0]["lead_units"] == ["县政务服务数据管理局", "县府办"]
    assert sub[0]["responsible_units"] == ["县直各单位", "各镇人民政府"]
    assert sub[0]["deadline"] == "2022-06-30"
    ar = by_check(doc, "annual_report")
    assert len(ar) == 1 and ar[0]["deadline"] == "2022-05-31"
    assert ar[0]["title"].startswith("公开") and "月" not in ar[0]["title"] and "前" not in ar[0]["title"]
    # the merged unit cell carries down to the second measure of the group
    assert ar[0]["lead_units"] == ["县政务服务数据管理局", "县府办"]
    col = [r for r in by_check(doc, "column_exists") if r["path"].endswith("乡村振兴")]
    assert len(col) == 1 and col[0]["responsible_units"] == ["县农业农村局"]  # the one unit column is 责任单位
    for r in doc["rules"]:
        assert "[if" not in r["source"]["quote"] and "endif" not in r["source"]["quote"]


# -- a 省直部门: its own 处室 as units, bracketed 牵头/配合 forms ---------------------------
DEPARTMENT = """江苏省某某厅2023年政务公开工作要点
一、推进决策公开
（一）2023年6月底前在厅门户网站开设“重大行政决策”专栏。（办公室牵头，法规处、各业务处室配合）
（二）于2023年3月31日前公开本部门2022年度法治政府建设情况报告。（责任单位：法规处，各直属单位，均需同步在本单位网站公开）
二、优化平台建设
（三）在厅门户网站“政策解读”栏目中开设图文解读、专家解读子栏目。（责任单位：办公室）
"""


def test_department_notice(tmp_path: Path) -> None:
    p = tmp_path / "dept-2023.txt"
    p.write_text(DEPARTMENT, encoding="utf-8")
    doc = extract_rules(p)
    col = [r for r in by_check(doc, "column_exists") if r["path"].endswith("重大行政决策")]
    assert len(col) == 1
    assert col[0]["deadline"] == "2023-06-30"
    assert col[0]["lead_units"] == ["办公室"]
    sub = by_check(doc, "subcolumns")
    assert [r["children"] for r in sub] == [["图文解读", "专家解读"]]
    ar = by_check(doc, "annual_report")
    assert len(ar) == 1 and ar[0]["deadline"] == "2023-03-31"
    assert "前" not in ar[0]["title"] and not ar[0]["title"].startswith("公开于")
    units = ar[0].get("lead_units", []) + ar[0].get("responsible_units", [])
    assert units == ["法规处", "各直属单位"]
    quotes_verbatim(doc, DEPARTMENT)


def test_drafts_load_with_the_rule_loader(tmp_path: Path, shandong) -> None:
    import yaml

    doc, _ = shandong
    out = tmp_path / "draft.yaml"
    out.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert load_rules([out])


@pytest.mark.parametrize(
    ("cell", "lead", "other"),
    [
        ("牵头单位：市审批局、市发改委；责任单位：市直各部门，各县市区，以下均需各县市区落实，不再逐一列出",
         ["市审批局", "市发改委"], ["市直各部门", "各县市区"]),
        ("责任单位：区财政局、区税务局（下同）", [], ["区财政局", "区税务局"]),
        ("牵头部门:县府办\n配合部门:县直各单位", ["县府办"], ["县直各单位"]),
    ],
)
def test_labelled_units(cell: str, lead: list[str], other: list[str]) -> None:
    assert labelled_units(cell) == (lead, other)


def test_unlabelled_cells_are_unchanged() -> None:
    assert labelled_units("区发展改革委、区商务委") is None
    assert split_units("区发展改革委、区商务委\n区财政局") == ["区发展改革委", "区商务委", "区财政局"]
    assert split_units("各县市区，以下均需各县市区落实") == ["各县市区"]
