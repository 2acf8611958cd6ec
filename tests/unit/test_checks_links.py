"""broken_links, media_playable, site_available: a passing and a failing fixture each, the
`unknown` answer when the data was not gathered, and the deduction capped by the rubric."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from crawler.checks import REGISTRY, CheckContext, build_params
from crawler.judge.evaluate import evaluate, findings_document
from crawler.model.build import SiteModel
from crawler.ruleset.loader import AuditRule, Rubric
from crawler.text.names import default_synonyms

AS_OF = date(2022, 12, 31)
HOME = "http://x.gov.cn/"


def run(name: str, site: SiteModel, **params):
    spec = REGISTRY[name]
    return spec(site, build_params(spec, params), CheckContext(AS_OF, default_synonyms()))


def res(url: str, state: str, kind: str = "page", homepage: bool = False, external: bool = False, **kw):
    page = HOME if homepage else HOME + "list/"
    return {"url": url, "state": state, "status": kw.pop("status", 404 if state == "broken" else 200),
            "reason": kw.pop("reason", "HTTP 404" if state == "broken" else "HTTP 200"), "kind": kind,
            "external": external, "homepage": homepage, "found_on": [{"page": page, "text": f"锚文本{url[-6:]}"}], **kw}


def site(links=None, probes=None, **kw) -> SiteModel:
    return SiteModel(site_url=HOME, as_of=AS_OF, homepage_url=HOME, link_results=links, probes=probes, **kw)


GOOD = [res(HOME + "a.html", "ok", homepage=True), res(HOME + "b.png", "ok", "image", media_ok=True),
        res(HOME + "waf.html", "blocked", homepage=True, status=412), res(HOME + "busy.html", "transient", status=503)]
BAD = GOOD + [
    res(HOME + "gone.html", "broken", homepage=True),
    res(HOME + "old.html", "broken"),
    res(HOME + "fake.png", "broken", "image", homepage=True, media_ok=False, reason="图片地址返回的是网页"),
    res("http://other.gov.cn/x", "broken", external=True, homepage=True),
]


def test_broken_links_pass_ignores_blocked_and_transient():
    o = run("broken_links", site(GOOD))
    assert o.status == "pass" and "未发现错链" in o.message and "被防护拦截 1 个" in o.message
    assert o.details["deduction"] == 0


def test_broken_links_fail_lists_items_with_pages():
    o = run("broken_links", site(BAD))
    assert o.status == "fail"
    urls = [b["url"] for b in o.details["broken_items"]]
    assert set(urls) == {HOME + "gone.html", HOME + "old.html", HOME + "fake.png"}  # external excluded
    assert o.details["deduction"] == 2.1  # 2 on the homepage × 1 + 1 elsewhere × 0.1
    assert all(b["found_on"][0]["text"].startswith("锚文本") for b in o.details["broken_items"])
    assert any(e.url == HOME and "gone.html" in e.text and "锚文本" in e.text for e in o.evidence)
    o = run("broken_links", site(BAD), include_external=True, homepage_points=2.0, other_points=0.5)
    assert o.details["deduction"] == 6.5 and len(o.details["broken_items"]) == 4


def test_broken_links_homepage_scope_and_allowance():
    o = run("broken_links", site(BAD), scope="homepage")
    assert o.status == "fail" and {b["url"] for b in o.details["broken_items"]} == {HOME + "gone.html", HOME + "fake.png"}
    assert run("broken_links", site(BAD), max_broken=3).status == "pass"


def test_broken_links_unknown_without_verification():
    o = run("broken_links", site(None))
    assert o.status == "unknown" and "未核验" in o.message
    only_blocked = [res(HOME + "w.html", "blocked", status=403)]
    assert run("broken_links", site(only_blocked)).status == "unknown"
    # verification ran and found no links at all
    assert run("broken_links", site(None, facts={"link_check": {"links": 0}})).status == "pass"


def test_deduction_capped_by_rubric():
    spec = REGISTRY["broken_links"]
    many = [res(HOME + f"{i}.html", "broken", homepage=True) for i in range(12)]
    rule = AuditRule(id="t-broken", title="错链", check="broken_links", params=build_params(spec, {}),
                     rubric=Rubric(category="deduct", indicator="链接可用性", points=1, max_points=5))
    (f,) = evaluate([rule], site(many), AS_OF)
    assert f.status == "fail" and f.details["deduction"] == 5 and f.details["deduction_uncapped"] == 12
    doc = findings_document(site(many), [f], AS_OF)
    assert doc["links"]["summary"]["broken"] == 12 and doc["links"]["summary"]["homepage_broken"] == 12
    assert doc["findings"][0]["deduction"] == 5


def test_media_playable_pass_and_fail():
    assert run("media_playable", site(GOOD)).status == "pass"
    o = run("media_playable", site(BAD))
    assert o.status == "fail" and o.details["bad"] == 1 and "图片 1 个" in o.message
    assert o.evidence[0].url == HOME and "fake.png" in o.evidence[0].text
    assert run("media_playable", site(BAD), kinds=["video", "attachment"]).status == "pass"
    assert run("media_playable", site(None)).status == "unknown"
    blocked_only = [res(HOME + "v.mp4", "blocked", "video", status=403)]
    assert run("media_playable", site(blocked_only), kinds=["video"]).status == "unknown"


def probes(states, end=datetime(2022, 12, 31, 12, tzinfo=UTC), elapsed=0.3, every=timedelta(minutes=30)):
    return [{"site": HOME, "at": (end - every * i).isoformat(timespec="seconds"), "state": s,
             "status": 200 if s == "up" else 0, "elapsed": elapsed, "detail": ""} for i, s in enumerate(states)]


SAMPLE = {"min_days": 1, "min_per_day": 1}  # a small sample accepted (params say so)


def test_site_available_pass_and_fail():
    o = run("site_available", site(probes=probes(["up"] * 97 + ["down"] * 3)), **SAMPLE)
    assert o.status == "pass" and o.details["share"] == 0.03 and o.warning  # ≥ 60 % of the veto line
    o = run("site_available", site(probes=probes(["up"] * 95 + ["down"] * 5)), **SAMPLE)
    assert o.status == "fail" and "5.0%" in o.message and len(o.evidence) == 5
    assert run("site_available", site(probes=probes(["up"] * 97 + ["down"] * 3)), max_failure_share=0.03,
               **SAMPLE).status == "fail"


def test_site_available_needs_the_rubric_sample():
    """Four probes in one minute decide nothing: below one week of ≥20 probes a day the
    veto is unknown, and the message says how many probes over what span (China time)."""
    few = probes(["up"] * 4, every=timedelta(seconds=15))
    o = run("site_available", site(probes=few))
    assert o.status == "unknown" and "4 次" in o.message and "北京时间" in o.message
    assert "2022-12-31 20:00" in o.message  # 12:00 UTC is 20:00 in Asia/Shanghai
    # a full week, 24 a day: decided
    week = probes(["up"] * (24 * 7 - 9) + ["down"] * 9, every=timedelta(hours=1),
                  end=datetime(2022, 12, 31, 15, 30, tzinfo=UTC))
    o = run("site_available", site(probes=week))
    assert o.status == "fail" and o.details["full_days"] == 7, o.message
    # six days only: unknown again, however bad
    six = probes(["down"] * (24 * 6), every=timedelta(hours=1), end=datetime(2022, 12, 31, 15, 30, tzinfo=UTC))
    assert run("site_available", site(probes=six)).status == "unknown"
    # a configurable minimum
    assert run("site_available", site(probes=few), min_days=1, min_per_day=4).status == "pass"


def test_site_available_challenges_are_not_outages():
    o = run("site_available", site(probes=probes(["up"] * 50 + ["challenged"] * 50)), **SAMPLE)
    assert o.status == "pass" and o.details["down"] == 0 and o.details["challenged"] == 50
    o = run("site_available", site(probes=probes(["challenged"] * 10)))
    assert o.status == "unknown" and "防护验证" in o.message


def test_site_available_slow_beyond_timeout_and_unknown():
    o = run("site_available", site(probes=probes(["up"] * 20, elapsed=20.0)), timeout=15, **SAMPLE)
    assert o.status == "fail" and o.details["down"] == 20
    assert run("site_available", site(probes=None)).status == "unknown"
    old = probes(["up"] * 10, end=datetime(2022, 1, 10, tzinfo=UTC))
    o = run("site_available", site(probes=old), **SAMPLE)
    assert o.status == "pass" and "改用截至 2022-01-10" in o.message


def test_links_partial_renders_escaped_and_collapsed():
    from lxml import html as lhtml

    from reports.html import report_environment

    evil = '<script>alert(1)</script>'
    rows = [res(HOME + f"{i}.html", "broken", homepage=i == 0) for i in range(30)]
    rows.append({**res("javascript:alert(1)", "broken"), "found_on": [{"page": "javascript:x()", "text": evil}]})
    s = site(rows)
    s.facts["ipv6"] = {"ok": False, "reason": evil, "aaaa": []}
    s.facts["search"] = {"present": True, "status": "unverified", "reason": "POST"}
    doc = findings_document(s, [], AS_OF)
    out = report_environment().get_template("_links.html.j2").render(doc=doc)
    root = lhtml.fromstring(f"<div>{out}</div>")
    assert not root.xpath("//script") and evil in root.text_content()
    assert not [a for a in root.xpath("//a/@href") if not a.startswith("http")]
    summaries = [x.text_content() for x in root.xpath("//details/summary")]
    assert any("错链 31 个" in x for x in summaries)
    assert root.xpath("//section[@id='links']") and root.xpath("//section[@id='site-facts']")
    # not verified: the section says so; nothing at all: nothing rendered
    out = report_environment().get_template("_links.html.j2").render(doc=findings_document(site(None), [], AS_OF))
    assert "未核验链接" in out
    assert report_environment().get_template("_links.html.j2").render(doc={}).strip() == ""


# -- dead entries: listed, titled, but nothing opens ---------------------------------------------
def _with_dead(links=None) -> SiteModel:
    from crawler.model.site import SiteItem

    s = site(links)
    s.items = [SiteItem("某某县2022年部门预算公开", HOME + "czxx/#entry-1", date(2022, 4, 8), ("财政信息",), openable=False),
               SiteItem("某某县2022年部门决算公开", HOME + "czxx/t1.html", date(2022, 8, 8), ("财政信息",)),
               SiteItem("某某县<b>通知</b>", HOME + "tzgg/#entry-2", date(2022, 9, 1), ("通知公告",), openable=False,
                        article_date=date(2022, 9, 3))]
    s.homepage_items = [SiteItem("首页要闻一则", HOME + "#entry-1", date(2022, 12, 1), (), openable=False)]
    return s


def test_dead_entries_count_only_when_the_rule_asks_for_openable_content():
    assert run("broken_links", _with_dead(GOOD)).status == "pass"  # not asked: links only
    o = run("broken_links", _with_dead(GOOD), openable=True)
    assert o.status == "fail" and "无法打开的条目" in o.message and "3 条" in o.message
    assert o.details["dead_count"] == 3 and o.details["deduction"] == 1.2  # homepage 1 + 2 × 0.1
    assert o.details["dead_entries"][0]["title"] == "首页要闻一则"
    assert {d["page"] for d in o.details["dead_entries"]} == {HOME, HOME + "czxx/", HOME + "tzgg/"}
    assert any(e.url == HOME + "czxx/" and "部门预算" in e.text for e in o.evidence)
    home = run("broken_links", _with_dead(GOOD), openable=True, scope="homepage")
    assert home.details["dead_count"] == 1
    assert run("broken_links", _with_dead(GOOD), openable=True, max_broken=3).status == "pass"
    # dead entries are certain without link verification; below the allowance it stays unknown
    unverified = run("broken_links", _with_dead(None), openable=True)
    assert unverified.status == "fail" and "未核验" in unverified.message
    assert run("broken_links", _with_dead(None), openable=True, max_broken=5).status == "unknown"
    assert run("broken_links", site(GOOD), openable=True).status == "pass"  # none dead: links decide


def test_report_shows_dead_entries_and_date_disagreements(tmp_path):
    from lxml import html as lhtml

    from reports.html import report_environment

    doc = findings_document(_with_dead(None), [], AS_OF)
    assert doc["links"]["summary"]["dead_entries"] == 3
    assert doc["date_disagreements"] == [{"title": "某某县<b>通知</b>", "url": HOME + "tzgg/#entry-2",
                                          "column": ["通知公告"], "list_date": "2022-09-01",
                                          "article_date": "2022-09-03"}]
    out = report_environment().get_template("_links.html.j2").render(doc=doc)
    root = lhtml.fromstring(f"<div>{out}</div>")
    (box,) = root.xpath("//details[@id='dead-entries']")
    assert "无法打开的条目 3 条" in box.xpath("summary")[0].text_content()
    assert "财政信息" in box.text_content() and "首页" in box.text_content() and not box.xpath(".//b")
    # the full report: both in place, the disagreement with the list date marked as the one used
    from reports import render_report

    page = lhtml.parse(str(render_report(doc, tmp_path))).getroot()
    (dd,) = page.xpath("//details[@id='date-disagreements']")
    assert "列表日期（采用）" in dd.text_content() and "2022-09-03" in dd.text_content()
    assert page.xpath("//details[@id='dead-entries']") and page.xpath("//nav//a[@href='#links']")
    # the column tree says it per column
    doc["columns"] = [{"path": ["财政信息"], "url": HOME + "czxx/", "items": 2, "newest": "2022-08-08",
                       "fetched": True, "not_openable": 1, "date_disagreements": 1}]
    page = lhtml.parse(str(render_report(doc, tmp_path))).getroot()
    (row,) = page.xpath("//table[@class='tree']//tr[contains(@class, 'column')]")
    assert "无法打开的条目 1 条" in row.text_content() and "按列表日期计" in row.text_content()
