"""Notices to each unit: target validation, routing, digests, triggers and message formats (pure).

Delivery over real local SMTP / HTTP servers is in test_notify_send.py.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from crawler.notify import (
    NotifyConfigError,
    SmtpSettings,
    check_notify_env,
    describe_notices,
    parse_notify_targets,
    plan_notices,
)
from crawler.notify.plan import DINGTALK_LIMIT, WECOM_LIMIT
from tests.support.notifydocs import SITE, finding, make_doc, three_units_doc


def targets(*raw: dict[str, Any]) -> list:
    return parse_notify_targets(list(raw), "sites.yaml:10")


# -- targets in sites.yaml -----------------------------------------------------------------
def test_targets_parse_with_defaults():
    ts = targets({"kind": "email", "to": ["zwgk@fgw.example.gov.cn"], "units": ["区发展改革委"]},
                 {"kind": "wecom", "url_env": "GOVAUDIT_WECOM_URL", "name": "区政务公开工作群"},
                 {"kind": "dingtalk", "url_env": "DT_URL", "secret_env": "DT_SECRET", "on": ["down", "verdict"]},
                 {"kind": "webhook", "url_env": "HOOK_URL", "roles": ["responsible"]})
    assert [t.kind for t in ts] == ["email", "wecom", "dingtalk", "webhook"]
    assert ts[0].to == ("zwgk@fgw.example.gov.cn",) and ts[0].units == ("区发展改革委",)
    assert ts[1].units is None and ts[1].on == ("new", "regressed", "verdict", "down")
    assert ts[1].roles == ("responsible", "lead") and ts[1].name == "区政务公开工作群"
    assert ts[2].secret_env == "DT_SECRET" and ts[2].on == ("down", "verdict")
    assert ts[3].roles == ("responsible",)
    # one mapping instead of a list is fine; None means no targets
    assert len(parse_notify_targets({"kind": "webhook", "url_env": "X"}, "f:1")) == 1
    assert parse_notify_targets(None, "f:1") == []


@pytest.mark.parametrize("raw, words", [
    ({"kind": "email", "to": ["a@b.cn"], "unit": ["x"]}, ["sites.yaml:10", "未知的键 “unit”", "units"]),
    ({"kind": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"}, ["url_env", "环境变量"]),
    ({"kind": "dingtalk", "url_env": "D", "secret": "SECabc"}, ["secret_env"]),
    ({"kind": "wecom", "url_env": "https://qyapi.weixin.qq.com/x"}, ["环境变量名", "url_env"]),
    ({"kind": "email", "to": ["not-an-address"]}, ["邮件地址", "not-an-address"]),
    ({"kind": "email"}, ["to"]),
    ({"kind": "email", "to": "a@b.cn", "url_env": "X"}, ["邮件目标不用 url_env"]),
    ({"kind": "wecom"}, ["缺少 url_env"]),
    ({"kind": "wecom", "url_env": "X", "to": ["a@b.cn"]}, ["不用 to"]),
    ({"kind": "sms", "to": ["a@b.cn"]}, ["未知的 kind “sms”", "email"]),
    ({"to": ["a@b.cn"]}, ["缺少 kind"]),
    ({"kind": "webhook", "url_env": "X", "on": ["regresed"]}, ["“regresed” 无效", "regressed"]),
    ({"kind": "webhook", "url_env": "X", "roles": ["owner"]}, ["roles", "responsible"]),
    ({"kind": "webhook", "url_env": "X", "units": [1, 2]}, ["units"]),
    ("email", ["应为映射"]),
])
def test_bad_targets_give_one_chinese_line_naming_where_and_the_fix(raw, words):
    with pytest.raises(NotifyConfigError) as e:
        parse_notify_targets([raw], "sites.yaml:10")
    msg = str(e.value)
    assert isinstance(e.value, ValueError) and "\n" not in msg and msg.startswith("sites.yaml:")
    for w in words:
        assert w in msg, msg


def test_error_names_the_offending_key_line_when_the_loader_kept_lines():
    class LineDict(dict):  # what the project's YAML loader produces (line, key_lines)
        line: int
        key_lines: dict[str, int]

    raw = LineDict(kind="wecom", ursl_env="X")
    raw.line, raw.key_lines = 12, {"kind": 12, "ursl_env": 13}
    with pytest.raises(NotifyConfigError, match=r"^sites.yaml:13: .*“ursl_env”.*是否应为 “url_env”"):
        parse_notify_targets([raw], "sites.yaml:11")
    with pytest.raises(NotifyConfigError, match=r"^sites.yaml:11: notify 应为"):
        parse_notify_targets("wecom", "sites.yaml:11")


def test_env_check_names_missing_variables_never_values():
    ts = targets({"kind": "email", "to": ["a@b.cn"]}, {"kind": "dingtalk", "url_env": "DT_URL", "secret_env": "DT_SEC"})
    problems = check_notify_env(ts, {"DT_URL": "https://oapi.dingtalk.com/robot/send?access_token=tok123"})
    text = "\n".join(problems)
    assert "GOVAUDIT_SMTP_HOST" in text and "DT_SEC" in text and "tok123" not in text
    assert check_notify_env(ts, {"DT_URL": "ftp://x", "DT_SEC": "s", "GOVAUDIT_SMTP_HOST": "h",
                                 "GOVAUDIT_SMTP_FROM": "a@b.cn"}) == ["sites.yaml:10: 环境变量 DT_URL 的值不是 http(s) 地址（钉钉机器人）"]


def test_smtp_settings_from_env():
    s = SmtpSettings.from_env({"GOVAUDIT_SMTP_HOST": "mail.example.gov.cn", "GOVAUDIT_SMTP_STARTTLS": "1",
                               "GOVAUDIT_SMTP_USER": "audit@example.gov.cn", "GOVAUDIT_SMTP_PASSWORD": "pw-secret"})
    assert (s.port, s.starttls, s.sender) == (587, True, "audit@example.gov.cn")
    assert "pw-secret" not in repr(s)
    with pytest.raises(NotifyConfigError, match="GOVAUDIT_SMTP_PORT"):
        SmtpSettings.from_env({"GOVAUDIT_SMTP_HOST": "h", "GOVAUDIT_SMTP_FROM": "a@b.cn", "GOVAUDIT_SMTP_PORT": "x"})
    with pytest.raises(NotifyConfigError, match="GOVAUDIT_SMTP_FROM"):
        SmtpSettings.from_env({"GOVAUDIT_SMTP_HOST": "h"})


# -- routing and digests ---------------------------------------------------------------------
def test_each_unit_gets_one_digest_with_only_its_items():
    notices = plan_notices(three_units_doc(), targets({"kind": "webhook", "url_env": "H"}), "https://r.example/out/")
    by_unit = {n.unit: n for n in notices}
    assert sorted(by_unit) == ["区发展改革委", "区财政局"]  # 区教委: only an open item, nothing new
    fgw = by_unit["区发展改革委"].payload
    # new first (earliest deadline first), then the open one
    assert [i["rule_id"] for i in fgw["items"]] == ["fgw-2", "fgw-1", "fgw-3"]
    assert fgw["counts"] == {"new": 2, "regressed": 0, "open": 1, "failing": 3, "pending": 0, "fixed": 0}
    assert fgw["link"] == "https://r.example/out/units/01-区发展改革委.html"
    assert fgw["items"][0]["deadline"] == "2021-06-30" and fgw["items"][0]["overdue"] is True
    assert by_unit["区发展改革委"].subject == f"【政务公开检查】{SITE}：新增 2 项问题"
    cz = by_unit["区财政局"].payload
    assert [i["rule_id"] for i in cz["items"]] == ["cz-1"] and cz["triggers"] == ["regressed"]
    assert by_unit["区财政局"].subject == f"【政务公开检查】{SITE}：反复 1 项问题"
    for n in notices:
        assert n.payload["schema"] == "govaudit.notice/1" and n.payload["unit"] == n.unit


def test_lead_units_get_the_items_they_lead_marked_as_such():
    doc = make_doc([finding("a", units=["区民政局"], lead=["区政府办公室"]),
                    finding("b", units=["区民政局", "区政府办公室"], lead=["区政府办公室"]),
                    finding("c", units=["区卫生健康委"])])
    both = {n.unit: n.payload for n in plan_notices(doc, targets({"kind": "webhook", "url_env": "H"}))}
    assert {i["rule_id"]: i["role"] for i in both["区政府办公室"]["items"]} == {"a": "lead", "b": "responsible"}
    assert [i["rule_id"] for i in both["区民政局"]["items"]] == ["a", "b"]
    assert [i["rule_id"] for i in both["区卫生健康委"]["items"]] == ["c"]
    only_resp = {n.unit: n.payload for n in plan_notices(
        doc, targets({"kind": "webhook", "url_env": "H", "roles": ["responsible"]}))}
    assert [i["rule_id"] for i in only_resp["区政府办公室"]["items"]] == ["b"]


def test_findings_without_units_go_to_the_sites_unit_and_lead_when_no_responsible():
    doc = make_doc([finding("x"), finding("y", lead=["区司法局"])], site_unit="区政府办公室")
    got = {n.unit: [i["rule_id"] for i in n.payload["items"]]
           for n in plan_notices(doc, targets({"kind": "webhook", "url_env": "H"}))}
    assert got == {"区政府办公室": ["x"], "区司法局": ["y"]}
    doc["site"].pop("unit")
    got = {n.unit for n in plan_notices(doc, targets({"kind": "webhook", "url_env": "H"}))}
    assert got == {"网站主办单位", "区司法局"}


def test_units_filter_and_one_digest_per_unit_and_destination():
    doc = three_units_doc()
    ts = targets({"kind": "email", "to": ["fgw@example.gov.cn"], "units": ["区发展改革委"]},
                 {"kind": "email", "to": ["fgw@example.gov.cn"]},  # same mailbox again: not twice for 区发展改革委
                 {"kind": "wecom", "url_env": "W", "units": ["区教委", "区财政局"]})
    got = [(n.kind, n.target.destination, n.unit) for n in plan_notices(doc, ts)]
    assert got == [("email", "fgw@example.gov.cn", "区发展改革委"), ("email", "fgw@example.gov.cn", "区财政局"),
                   ("wecom", "地址取自环境变量 W", "区财政局")]


def test_many_findings_one_message_per_unit():
    doc = make_doc([finding(f"r{i}", units=["区发展改革委" if i % 2 else "区财政局"]) for i in range(40)])
    notices = plan_notices(doc, targets({"kind": "email", "to": ["a@b.cn"]}, {"kind": "wecom", "url_env": "W"}))
    assert sorted((n.kind, n.unit, n.items) for n in notices) == [
        ("email", "区发展改革委", 20), ("email", "区财政局", 20), ("wecom", "区发展改革委", 20), ("wecom", "区财政局", 20)]


# -- triggers ----------------------------------------------------------------------------------
def test_nothing_changed_means_no_notice():
    doc = make_doc([finding("a", units=["区民政局"], change="open"), finding("b", units=["区财政局"], change="open"),
                    finding("p", status="pending", change="new", units=["区民政局"], deadline="2022-06-30"),
                    finding("f", status="pass", change="fixed", units=["区财政局"]),
                    finding("w", status="waived", change="waived", units=["区财政局"])])
    ts = targets({"kind": "email", "to": ["a@b.cn"]}, {"kind": "wecom", "url_env": "W"},
                 {"kind": "dingtalk", "url_env": "D"}, {"kind": "webhook", "url_env": "H"})
    assert plan_notices(doc, ts) == []
    assert describe_notices([]).startswith("没有需要发送的通知")
    # asked for: every run while something fails; fixed items
    every = plan_notices(doc, targets({"kind": "webhook", "url_env": "H", "on": ["all_failures"]}))
    assert sorted(n.unit for n in every) == ["区民政局", "区财政局"]
    assert every[0].subject.endswith("尚有 1 项问题待整改")
    fixed = plan_notices(doc, targets({"kind": "webhook", "url_env": "H", "on": ["fixed"]}))
    assert [(n.unit, n.payload["fixed"][0]["rule_id"]) for n in fixed] == [("区财政局", "f")]


def test_first_run_without_history_counts_every_failure_as_new():
    doc = make_doc([finding("a", units=["区民政局"], change=None)], previous=False)
    doc.pop("history")
    (n,) = plan_notices(doc, targets({"kind": "email", "to": ["a@b.cn"]}))
    assert n.subject == f"【政务公开检查】{SITE}：新增 1 项问题" and "首次检查" in n.text
    assert n.items == 1 and "【新增】" in n.text


def test_changed_verdict_goes_to_the_sites_unit():
    doc = make_doc([finding("a", units=["区民政局"], change="open")], verdict="不合格", verdict_changed=True)
    (n,) = plan_notices(doc, targets({"kind": "wecom", "url_env": "W"}))
    assert n.unit == "区政府办公室" and n.triggers == ("verdict",)
    assert n.subject == f"【政务公开检查】{SITE}：检查结论由“合格”变为“不合格”"
    assert "检查结论：不合格（上次：合格）" in n.payload["markdown"]["content"]
    # a target for other units only does not hear it
    assert plan_notices(doc, targets({"kind": "wecom", "url_env": "W", "units": ["区民政局"]})) == []


def test_site_down_notice_names_the_reason_in_chinese():
    doc = make_doc([finding("a", status="unknown", change=None, units=["区民政局"])],
                   reachable=False, reason="dns", verdict="无法判断")
    ts = targets({"kind": "email", "to": ["a@b.cn"]}, {"kind": "dingtalk", "url_env": "D"})
    notices = plan_notices(doc, ts, "http://r.example/")
    assert [(n.kind, n.unit, n.triggers) for n in notices] == [("email", "区政府办公室", ("down",)),
                                                               ("dingtalk", "区政府办公室", ("down",))]
    assert notices[0].subject == f"【政务公开检查】{SITE}：网站无法访问（域名无法解析）"
    assert "无法访问：域名无法解析" in notices[0].text
    assert "网站无法访问：域名无法解析" in notices[1].payload["markdown"]["text"]
    assert "dns" not in notices[0].text


# -- formats ----------------------------------------------------------------------------------
def long_doc(n: int) -> dict[str, Any]:
    return make_doc([finding(f"r{i:03d}", units=["区发展改革委"], message="栏目内容长期未更新，" * 12)
                     for i in range(n)], unit_pages={"区发展改革委": "units/01.html"})


def test_wecom_markdown_stays_within_4096_bytes_and_says_how_many_are_left():
    (n,) = plan_notices(long_doc(300), targets({"kind": "wecom", "url_env": "W"}), "https://r.example/out/")
    content = n.payload["markdown"]["content"]
    assert n.payload["msgtype"] == "markdown"
    assert len(content.encode("utf-8")) <= WECOM_LIMIT
    assert 5 < n.listed < 300 and f"其余 {300 - n.listed} 项见报告" in content
    assert "(https://r.example/out/units/01.html)" in content
    assert content.count("【新增】") == n.listed
    (small,) = plan_notices(long_doc(2), targets({"kind": "wecom", "url_env": "W"}), "https://r.example/out/")
    assert small.listed == 2 and "其余" not in small.payload["markdown"]["content"]


def test_dingtalk_markdown_within_20000_bytes_with_title():
    (n,) = plan_notices(long_doc(600), targets({"kind": "dingtalk", "url_env": "D"}), "https://r.example/out/")
    md = n.payload["markdown"]
    assert n.payload["msgtype"] == "markdown" and md["title"].startswith("区发展改革委：")
    assert len(md["text"].encode("utf-8")) <= DINGTALK_LIMIT and n.listed < 600
    assert f"其余 {600 - n.listed} 项见报告" in md["text"]


def test_email_has_plain_text_and_html_with_deadline_where_to_fix_and_link():
    doc = three_units_doc()
    (n,) = plan_notices(doc, targets({"kind": "email", "to": ["a@b.cn"], "units": ["区发展改革委"]}),
                        "https://r.example/out/")
    assert n.text.startswith("区发展改革委：")
    assert "较上次（2021-12-01）：新增 2 项，仍未整改 1 项" in n.text
    assert "整改期限：2021-06-30（已逾期）" in n.text and "整改位置：栏目fgw-1 http://site.test/fgw-1/" in n.text
    assert "https://r.example/out/units/01-区发展改革委.html" in n.text
    assert '<a href="http://site.test/fgw-1/">栏目fgw-1</a>' in n.html
    assert "cz-1" not in n.text and "jw-1" not in n.text and "cz-1" not in n.html


def test_hostile_text_is_inert_in_html_and_markdown():
    evil = finding("x", units=["区民政局"], title="<script>alert(1)</script>[点我](javascript:alert(1))",
                   message="<img src=x onerror=alert(1)> @all ![p](http://evil.test/p.png)",
                   evidence=[{"url": "javascript:alert(1)", "text": "<b>位置</b>"}])
    doc = make_doc([evil])
    ts = targets({"kind": "email", "to": ["a@b.cn"]}, {"kind": "wecom", "url_env": "W"},
                 {"kind": "dingtalk", "url_env": "D"})
    mail, wecom, ding = plan_notices(doc, ts)
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html
    assert "<img" not in mail.html and 'href="javascript' not in mail.html
    for md in (wecom.payload["markdown"]["content"], ding.payload["markdown"]["text"]):
        assert "](javascript" not in md and "<script" not in md and "<img" not in md
        assert "![" not in md and "@all" not in md and "](http://evil.test" not in md


def test_link_falls_back_to_the_report_and_stays_relative_without_base():
    doc = make_doc([finding("a", units=["区民政局"])])
    (n,) = plan_notices(doc, targets({"kind": "webhook", "url_env": "H"}), None)
    assert n.payload["link"] == "report.html"
    (n,) = plan_notices(doc, targets({"kind": "webhook", "url_env": "H"}), "https://r.example/out/shancheng")
    assert n.payload["link"] == "https://r.example/out/shancheng/report.html"


def test_describe_says_to_whom_subject_and_size():
    ts = targets({"kind": "email", "to": ["fgw@example.gov.cn"], "units": ["区发展改革委"]},
                 {"kind": "dingtalk", "url_env": "DT_URL", "secret_env": "DT_SECRET", "name": "区政务公开群"})
    notices = plan_notices(three_units_doc(), ts)
    text = describe_notices(notices)
    lines = text.splitlines()
    assert lines[0] == "共 3 条通知："
    assert lines[1].startswith(f"1. 邮件 → fgw@example.gov.cn｜区发展改革委｜【政务公开检查】{SITE}：新增 2 项问题｜")
    assert "KB" in lines[1] or "字节" in lines[1]
    assert "钉钉机器人“区政务公开群” → 地址取自环境变量 DT_URL｜区财政局" in text
    assert json.dumps([n.payload for n in notices if n.payload], ensure_ascii=False)  # serialisable
