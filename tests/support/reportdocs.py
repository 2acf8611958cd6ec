"""Findings documents for report, export and browser tests (no crawl needed).

`sample_doc()` looks like a real district audit; `hostile_doc()` adds crawled text that
tries to inject markup, scripts, formulas and non-http links everywhere a site's text can
reach a report.
"""
from __future__ import annotations

import copy
from typing import Any

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_ATTR = '"><img src=x onerror=alert(2)>'
JS_URL = "javascript:alert(3)"
FORMULAS = ['=HYPERLINK("http://evil.example/","点我")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=2+2"]


def finding(rule_id: str, title: str, status: str, **kw: Any) -> dict[str, Any]:
    f: dict[str, Any] = {
        "rule_id": rule_id, "title": title, "check": kw.pop("check", "column_exists"), "status": status,
        "message": kw.pop("message", f"{title}：{'未找到' if status != 'pass' else '已找到'}"),
        "severity": kw.pop("severity", "major"), "evidence": kw.pop("evidence", []),
        "source": kw.pop("source", {"document": "渝中区2021年政务公开工作要点任务分工", "file": "003.txt",
                                    "section": "一、（一）", "quote": f"公开{title}"}),
        "deadline": kw.pop("deadline", ""), "lead_units": kw.pop("lead_units", []),
        "responsible_units": kw.pop("responsible_units", []), "warning": kw.pop("warning", False),
        "note": kw.pop("note", ""), "draft": kw.pop("draft", False), "rubric": kw.pop("rubric", None),
        "rule_file": kw.pop("rule_file", "yuzhong-2021.yaml"),
    }
    f.update(kw)
    return f


def sample_doc(as_of: str = "2022-03-31") -> dict[str, Any]:
    from crawler.judge.verdict import compute_verdict

    findings = [
        finding("yz-14th-plan", "公开渝中区“十四五”规划纲要", "fail", deadline="2021-12-31",
                lead_units=["区发展改革委"], responsible_units=["区发展改革委"],
                evidence=[{"url": "http://www.cqyz.test/zwgk/ghxx/", "text": "规划信息"}]),
        finding("yz-budget", "公开2022年部门预算", "pending", deadline="2022-04-30",
                lead_units=["区财政局"], responsible_units=["区财政局", "区级各部门"], check="content_published"),
        finding("yz-tax-guide", "公开2022年度税费优惠指南", "pending", deadline="2022-06-30",
                lead_units=["区税务局"], responsible_units=["区税务局"], check="content_published"),
        finding("yz-video", "政策解读设置视频子栏目", "fail", deadline="2021-06-30", check="subcolumns",
                lead_units=["区政府办公室"], responsible_units=["区政府办公室", "区发展改革委"],
                evidence=[{"url": f"http://www.cqyz.test/zwgk/zcjd/{i}.html", "text": f"解读 {i}"} for i in range(12)]),
        finding("yz-annual", "公开2021年政府信息公开工作年度报告", "unknown", deadline="2022-01-31",
                check="annual_report", responsible_units=["区政府办公室"], due="2022-01-31"),
        finding("yz-guide", "政府信息公开指南", "pass", responsible_units=["区政府办公室"]),
        finding("yz-contact", "公开联系方式", "waived", check="contact_published", responsible_units=["区政府办公室"],
                waiver={"rule_id": "yz-contact", "site": "*", "reason": "机构改革期间暂缓", "approved_by": "区政府办公室",
                        "expires": "2022-12-31", "file": "waivers.yaml", "line": 2, "original_status": "fail"}),
        finding("national-rubric-homepage-not-updated", "首页不更新（2周内首页无新信息）", "pass", check="homepage_updated",
                severity="veto", rubric={"category": "veto", "indicator": "首页不更新", "points": 0.0, "max_points": None},
                source={"document": "政府网站与政务新媒体检查指标", "section": "单项否决·首页不更新", "quote": "no new information"}),
        finding("national-rubric-broken-links", "链接不可用", "fail", check="broken_links", deduction=7.3,
                rubric={"category": "deduct", "indicator": "链接可用性", "points": 1.0, "max_points": 10.0},
                evidence=[{"url": "http://www.cqyz.test/dead.html", "text": "首页 死链"}],
                source={"document": "政府网站与政务新媒体检查指标", "section": "扣分指标", "quote": "−1 / −0.1"}),
        finding("national-rubric-policy-column-stale", "一级政策文件栏目6个月未更新", "fail", check="column_freshness",
                rubric={"category": "deduct", "indicator": "发布解读（政策文件栏目更新）", "points": 5.0, "max_points": None},
                source={"document": "政府网站与政务新媒体检查指标", "section": "扣分指标·发布解读", "quote": "−5"}),
        finding("national-rubric-https", "支持 HTTPS 访问（提示）", "fail", check="https_enabled", severity="warning",
                rubric={"category": "warn", "indicator": "功能设计（HTTPS）", "points": 0.0, "max_points": None},
                source={"document": "政府网站与政务新媒体检查指标", "section": "提示项", "quote": "HTTPS"}),
    ]
    summary = {s: sum(1 for f in findings if f["status"] == s) for s in ("pass", "fail", "pending", "unknown", "waived")}
    summary["warning"] = 0
    columns = [
        {"path": ["政务公开"], "url": "http://www.cqyz.test/zwgk/", "items": 0, "newest_below": "2022-03-20",
         "empty": False, "fetched": True},
        {"path": ["政务公开", "政策解读"], "url": "http://www.cqyz.test/zwgk/zcjd/", "items": 12,
         "newest_below": "2022-03-20", "empty": False, "fetched": True},
        {"path": ["政务公开", "规划信息"], "url": "http://www.cqyz.test/zwgk/ghxx/", "items": 0,
         "newest_below": None, "empty": True, "fetched": True},
    ]
    return {
        "schema": "govaudit.findings/1",
        "site": {"url": "http://www.cqyz.test/", "homepage": "http://www.cqyz.test/", "reachable": True,
                 "unreachable_reason": "", "challenged": None, "name": "重庆市渝中区人民政府", "unit": "区政府办公室"},
        "as_of": as_of, "crawl": {}, "pages": {"total": 120, "ok": 118, "failed": 2},
        "summary": summary, "columns": columns,
        "failed_pages": [{"url": "http://www.cqyz.test/gone.html", "status": 404, "error": None}],
        "findings": findings, "verdict": compute_verdict(findings).to_dict(),
        "waivers": {"applied": [{"rule_id": "yz-contact", "site": "*", "reason": "机构改革期间暂缓",
                                 "approved_by": "区政府办公室", "expires": "2022-12-31", "rule_ids": ["yz-contact"]}],
                    "expired": []},
    }


def hostile_doc() -> dict[str, Any]:
    """Crawled text with markup, script URLs and spreadsheet formulas in every field."""
    from crawler.judge.verdict import compute_verdict

    doc = copy.deepcopy(sample_doc())
    doc["site"]["name"] = XSS_SCRIPT + "站点"
    doc["site"]["url"] = JS_URL
    evil = [{"url": JS_URL, "text": XSS_SCRIPT}, {"url": "http://ok.test/a" + XSS_ATTR, "text": XSS_ATTR},
            {"url": "data:text/html,<script>alert(4)</script>", "text": "数据链接"},
            {"url": " javascript:alert(5)", "text": "前导空格"}]
    for i, formula in enumerate(FORMULAS):
        doc["findings"].append(finding(
            f"evil-{i}", formula, "fail", message=formula + XSS_SCRIPT, evidence=evil,
            source={"document": XSS_ATTR, "section": formula, "quote": XSS_SCRIPT + formula},
            responsible_units=[formula if i else XSS_ATTR], lead_units=[XSS_SCRIPT], deadline=formula,
            note=XSS_ATTR))
    doc["columns"].append({"path": ["政务公开", XSS_SCRIPT], "url": JS_URL, "items": 1, "newest_below": XSS_ATTR,
                           "empty": False, "fetched": True})
    doc["failed_pages"].append({"url": JS_URL, "status": 0, "error": XSS_SCRIPT})
    doc["verdict"] = compute_verdict(doc["findings"]).to_dict()
    return doc


# A run history: three runs, and the first three findings open / fixed / new.
TREND = [{"run": 1, "date": "2021-11-01", "kind": "audit", "fail": 10, "score": 70.0, "verdict": "不合格"},
         {"run": 2, "date": "2021-12-01", "kind": "audit", "fail": 4, "score": 92.0, "verdict": "合格"},
         {"run": 3, "date": "2021-12-05", "kind": "recheck", "fail": 1, "score": None, "verdict": None}]


def with_history(doc: dict, url: str = "http://site.test/gone.html") -> dict:
    fs = doc["findings"]
    fs[0]["change"], fs[0]["first_seen"], fs[0]["open_runs"] = "open", "2021-11-01", 2
    fs[1]["change"], fs[1]["first_seen"], fs[1]["open_runs"] = "fixed", "2021-11-01", 0
    fs[2]["change"], fs[2]["first_seen"], fs[2]["open_runs"] = "new", "2021-12-01", 1
    fs[2]["item_changes"] = {"new": [url], "open": [], "fixed": [], "regressed": []}
    doc["history"] = {"run_id": 2, "kind": "audit", "base_run": None,
                      "previous_run": {"id": 1, "date": "2021-11-01", "verdict": "不合格", "score": 70.0, "kind": "audit"},
                      "verdict_changed": True, "site_down": False,
                      "changes": {"new": 1, "fixed": 1, "regressed": 0, "open": 1, "waived": 0},
                      "item_changes": {"new": 1, "open": 0, "fixed": 0, "regressed": 0}, "trend": TREND}
    return doc
