"""Waivers: strict loading (file:line), application, expiry, and the CLI option."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from crawler.ruleset.waivers import WaiverFileError, apply_waivers, check_rule_ids, load_waivers

GOOD = """\
schema: govaudit.waivers/1
waivers:
  - rule_id: national-rubric-ipv6
    site: https://www.cqyz.gov.cn/
    reason: 机房改造期间暂不支持 IPv6
    approved_by: 区政府办公室
    expires: 2022-06-30
  - rule_id: yz-*
    site: 重庆市渝中区人民政府
    reason: 机构改革
    approved_by: 区政府办公室
    expires: 2021-12-31
  - rule_id: national-rubric-https
    site: "*"
    reason: 全区统一改造
    approved_by: 区大数据局
    expires: 2023-01-01
"""


def write(tmp_path: Path, text: str, name: str = "waivers.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_load_a_valid_file(tmp_path: Path):
    ws = load_waivers(write(tmp_path, GOOD))
    assert [w.rule_id for w in ws] == ["national-rubric-ipv6", "yz-*", "national-rubric-https"]
    assert ws[0].expires == date(2022, 6, 30) and ws[0].line == 3 and ws[1].line == 8


def test_a_bare_list_and_an_empty_file_are_accepted(tmp_path: Path):
    ws = load_waivers(write(tmp_path, "- {rule_id: a, site: '*', reason: r, approved_by: b, expires: 2022-01-01}\n"))
    assert ws[0].site == "*"
    assert load_waivers(write(tmp_path, "", "empty.yaml")) == []


@pytest.mark.parametrize("text, line, words", [
    ("waivers:\n  - rule_id: a\n    site: '*'\n    reason: r\n    approved_by: b\n    expires: 2022-01-01\n    owner: x\n",
     7, "未知的键 “owner”"),
    ("waivers:\n  - rule_id: a\n    site: '*'\n    approved_by: b\n    expires: 2022-01-01\n", 2, "reason"),
    ("waivers:\n  - rule_id: a\n    site: '*'\n    reason: '  '\n    approved_by: b\n    expires: 2022-01-01\n", 4, "reason"),
    ("waivers:\n  - rule_id: a\n    site: '*'\n    reason: r\n    approved_by: b\n    expires: 2022-13-01\n", 6, "不是有效日期"),
    ("waivers:\n  - rule_id: a\n    site: '*'\n    reason: r\n    approved_by: b\n", 2, "expires"),
    ("waivers:\n  - rule_id: a\n    site: '*'\n    reason: r\n    approved_by: b\n    expires: 下个月\n", 6, "不是有效日期"),
    ("waivers:\n  - rule_id: a\n    site: 'http://'\n    reason: r\n    approved_by: b\n    expires: 2022-01-01\n", 3, "不是有效网址"),
    ("waiver:\n  - rule_id: a\n", 1, "未知的顶层键"),
    ("waivers: {rule_id: a}\n", 1, "应为列表"),
    ("waivers:\n  - rule_id: a\n   site: b\n", 3, "YAML 语法错误"),
])
def test_errors_name_file_and_line(tmp_path: Path, text: str, line: int, words: str):
    p = write(tmp_path, text)
    with pytest.raises(WaiverFileError) as e:
        load_waivers(p)
    assert e.value.line == line, str(e.value)
    assert words in str(e.value)
    assert str(e.value).startswith(f"{p}:{line}: ")


def test_a_missing_file_is_an_error(tmp_path: Path):
    with pytest.raises(WaiverFileError, match="文件不存在"):
        load_waivers(tmp_path / "nope.yaml")


def test_rule_ids_must_exist(tmp_path: Path):
    ws = load_waivers(write(tmp_path, GOOD))
    check_rule_ids(ws, {"national-rubric-ipv6", "yz-video", "national-rubric-https"})
    with pytest.raises(WaiverFileError) as e:
        check_rule_ids(ws, {"national-rubric-ipv6x", "yz-video", "national-rubric-https"})
    assert e.value.line == 3 and "national-rubric-ipv6x" in str(e.value)  # suggests the close id
    with pytest.raises(WaiverFileError, match="模式"):
        check_rule_ids(ws, {"national-rubric-ipv6", "national-rubric-https"})


def finding(rule_id: str, status: str) -> dict:
    return {"rule_id": rule_id, "status": status, "title": rule_id}


def test_apply_waives_matching_findings_and_lists_expired_ones(tmp_path: Path):
    ws = load_waivers(write(tmp_path, GOOD))
    fs = [finding("national-rubric-ipv6", "fail"), finding("yz-video", "fail"), finding("yz-guide", "pass"),
          finding("national-rubric-https", "unknown"), finding("other", "fail")]
    section = apply_waivers(fs, ws, as_of=date(2022, 3, 31), names=["重庆市渝中区人民政府"],
                            urls=["http://www.cqyz.gov.cn/index.html"])
    st = {f["rule_id"]: f["status"] for f in fs}
    # ipv6: URL matched by host (http vs https does not matter); https: "*"
    assert st == {"national-rubric-ipv6": "waived", "yz-video": "fail", "yz-guide": "pass",
                  "national-rubric-https": "waived", "other": "fail"}
    assert fs[0]["waiver"]["reason"] == "机房改造期间暂不支持 IPv6" and fs[0]["waiver"]["original_status"] == "fail"
    # yz-* expired on 2021-12-31: not applied, and said so
    assert fs[1]["waiver_expired"]["expires"] == "2021-12-31"
    assert [w["rule_id"] for w in section["expired"]] == ["yz-*"]
    assert sorted(w["rule_id"] for w in section["applied"]) == ["national-rubric-https", "national-rubric-ipv6"]


def test_a_waiver_applies_through_its_expiry_day_and_only_to_its_site(tmp_path: Path):
    ws = load_waivers(write(tmp_path, GOOD))
    fs = [finding("yz-video", "fail")]
    apply_waivers(fs, ws, as_of=date(2021, 12, 31), names=["重庆市渝中区人民政府"], urls=[])
    assert fs[0]["status"] == "waived"
    other = [finding("national-rubric-ipv6", "fail"), finding("yz-video", "fail")]
    apply_waivers(other, ws, as_of=date(2021, 12, 1), names=["江北区"], urls=["https://www.jb.gov.cn/"])
    assert [f["status"] for f in other] == ["fail", "fail"]


def test_waivers_work_on_finding_objects_and_change_the_verdict(tmp_path: Path):
    import tests.support.sitebuilder as sb

    from crawler.ruleset.loader import load_rules
    from crawler.judge.evaluate import evaluate, findings_document

    rules_file = write(tmp_path, """\
schema: govaudit.rules/1
document: 测试
rules:
  - id: t-home
    title: 首页不更新
    check: homepage_updated
    severity: veto
    rubric: {category: veto, indicator: 首页不更新}
""", "rules.yaml")
    ws = load_waivers(write(tmp_path, """\
- {rule_id: t-home, site: "http://site.test/", reason: 网站改版停更, approved_by: 区政府办公室, expires: 2022-01-31}
"""))
    site = sb.disclosure_site(home_items=[("旧闻", "2021-01-01")])
    fs = evaluate(load_rules([rules_file]), site, date(2021, 12, 31))
    assert fs[0].status == "fail"
    section = apply_waivers(fs, ws, as_of=date(2021, 12, 31), names=[], urls=[site.site_url])
    doc = findings_document(site, fs, date(2021, 12, 31))
    assert doc["findings"][0]["status"] == "waived"
    assert doc["findings"][0]["waiver"]["reason"] == "网站改版停更"
    assert doc["verdict"]["verdict"] == "合格" and doc["verdict"]["waived"][0]["rule_id"] == "t-home"
    assert section["applied"][0]["rule_ids"] == ["t-home"]


def test_cli_rejects_a_bad_waivers_file_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from crawler.cli.main import main

    bad = write(tmp_path, "waivers:\n  - rule_id: a\n    site: '*'\n    reason: r\n    approved_by: b\n    expires: 2022-02-30\n")
    rules = write(tmp_path, "schema: govaudit.rules/1\nrules:\n  - {id: a, title: t, check: column_exists, path: 政策文件}\n",
                  "r.yaml")
    code = main(["evaluate", "--store", str(tmp_path / "none.db"), "--rules", str(rules), "--waivers", str(bad)])
    assert code == 2
    err = capsys.readouterr().err
    assert f"{bad}:6:" in err and "不是有效日期" in err


def test_waiver_by_site_name_in_a_one_site_audit_and_unmatched_listed(tmp_path: Path):
    """A one-site audit has no sites file: the site's name is read from the homepage
    (SiteName meta, else <title>), so a waiver written for the site by name applies; a
    waiver that matches nothing is listed with why, never silently ignored."""
    from crawler.judge.evaluate import Finding, site_name
    from crawler.model.build import SiteModel

    text = GOOD.replace("site: https://www.cqyz.gov.cn/", "site: 江北区人民政府")
    ws = load_waivers(write(tmp_path, text.replace("expires: 2021-12-31", "expires: 2022-12-31")))
    site = SiteModel(site_url="http://127.0.0.1:8000/", as_of=date(2022, 3, 1), homepage_url="http://127.0.0.1:8000/",
                     facts={"homepage": {"meta": {}, "title": "首页 - 重庆市渝中区人民政府"}})
    assert site_name(site) == "重庆市渝中区人民政府"
    meta = SiteModel(site_url="http://x/", as_of=date(2022, 3, 1),
                     facts={"homepage": {"meta": {"SiteName": "重庆市渝中区人民政府"}, "title": "首页"}})
    assert site_name(meta) == "重庆市渝中区人民政府"
    findings = [Finding(rule_id="yz-plan", title="规划", check="column_exists", status="fail", message="", severity="major"),
                Finding(rule_id="national-rubric-ipv6", title="IPv6", check="ipv6_enabled", status="fail", message="",
                        severity="minor")]
    section = apply_waivers(findings, ws, as_of=date(2022, 3, 1), names=[site_name(site)], urls=[site.site_url])
    assert findings[0].status == "waived" and findings[1].status == "fail"
    unmatched = {w["rule_id"]: w["why"] for w in section["unmatched"]}
    assert "江北区人民政府" in unmatched["national-rubric-ipv6"]
    assert "national-rubric-https" in unmatched  # site "*", but no finding of that rule
