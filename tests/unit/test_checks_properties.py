"""Site-property, content-relation, personal-data and interaction checks: a passing and a
failing fixture each, and `unknown` when the data was not gathered."""
from __future__ import annotations

from datetime import date

import pytest

from crawler.checks import REGISTRY, CheckContext, build_params
from crawler.checks.base import ParamError
from crawler.checks.properties import content_relations, workdays_between
from crawler.judge.evaluate import findings_document
from crawler.model.build import SiteModel, build_site_model
from crawler.model.page import Link, PageRecord
from crawler.text import pii
from crawler.text.names import default_synonyms
from tests.support.linksite import VALID_ID

AS_OF = date(2022, 12, 31)
B = "http://site.test"


def run(name: str, site: SiteModel, **params):
    spec = REGISTRY[name]
    return spec(site, build_params(spec, params), CheckContext(AS_OF, default_synonyms()))


def facts_site(**facts) -> SiteModel:
    return SiteModel(site_url=B + "/", as_of=AS_OF, homepage_url=B + "/", facts=facts)


# -- properties --------------------------------------------------------------------------------
def test_ipv6():
    ok = {"host": "site.test", "aaaa": ["2001:db8::1"], "served": True, "status": 200, "ok": True, "reason": "可访问"}
    assert run("ipv6_enabled", facts_site(ipv6=ok)).status == "pass"
    no = {"host": "site.test", "aaaa": [], "served": False, "ok": False, "reason": "无 AAAA 记录"}
    o = run("ipv6_enabled", facts_site(ipv6=no))
    assert o.status == "fail" and "AAAA" in o.message
    served_not = {**ok, "served": False, "ok": False, "reason": "通过 IPv6 地址访问首页失败"}
    assert run("ipv6_enabled", facts_site(ipv6=served_not)).status == "fail"
    assert run("ipv6_enabled", facts_site()).status == "unknown"
    assert run("ipv6_enabled", facts_site(ipv6={"ok": None, "error": "DNS 不可用", "reason": "DNS 不可用"})).status == "unknown"


def test_https():
    assert run("https_enabled", facts_site(https={"homepage_https": True, "ok": True})).status == "pass"
    assert run("https_enabled", facts_site(https={"homepage_https": False, "https_ok": True, "ok": True,
                                                  "https_url": "https://site.test/"})).status == "pass"
    assert run("https_enabled", facts_site(https={"homepage_https": False, "ok": False, "reason": "x"})).status == "fail"
    assert run("https_enabled", facts_site()).status == "unknown"
    assert run("https_enabled", facts_site(https={"error": "测量失败"})).status == "unknown"


def test_mobile():
    assert run("mobile_friendly", facts_site(mobile={"viewport": "width=device-width", "ok": True})).status == "pass"
    assert run("mobile_friendly", facts_site(mobile={"viewport": None, "mobile_link": "http://m.site.test/",
                                                     "ok": True})).status == "pass"
    assert run("mobile_friendly", facts_site(mobile={"viewport": None, "mobile_link": None, "ok": False})).status == "fail"
    assert run("mobile_friendly", facts_site()).status == "unknown"


def test_search():
    v = {"present": True, "status": "verified", "verified": True, "query": "关于…的通知", "reason": "能检索到"}
    assert run("site_search", facts_site(search=v)).status == "pass"
    o = run("site_search", facts_site(search={"present": True, "status": "not_found", "verified": False,
                                              "reason": "未检索到"}))
    assert o.status == "fail"
    assert run("site_search", facts_site(search={"present": False, "status": "absent"})).status == "fail"
    o = run("site_search", facts_site(search={"present": True, "status": "unverified", "reason": "POST"}))
    assert o.status == "pass" and o.warning and "未能验证" in o.message
    assert run("site_search", facts_site()).status == "unknown"


def test_error_report_entry():
    assert run("error_report_entry", facts_site(error_report={"present": True, "url": None})).status == "pass"
    assert run("error_report_entry", facts_site(error_report={"present": False})).status == "fail"
    assert run("error_report_entry", facts_site()).status == "unknown"
    # without measurement, from the homepage's extracted facts
    assert run("error_report_entry", facts_site(homepage={"error_report": True})).status == "pass"


def test_site_identifiers():
    full = {"网站标识码": "5001030099", "ICP备案号": "渝ICP备1号", "公安机关备案号": "渝公网安备 1号", "党政机关网站标识": "有"}
    o = run("site_identifiers", facts_site(identifiers=full))
    assert o.status == "pass" and "5001030099" in o.message
    part = {**full, "公安机关备案号": None, "党政机关网站标识": None}
    o = run("site_identifiers", facts_site(identifiers=part))
    assert o.status == "fail" and o.details["missing"] == ["公安机关备案号", "党政机关网站标识"]
    assert run("site_identifiers", facts_site(identifiers=part), required=["网站标识码", "ICP备案号"]).status == "pass"
    hp = {"site_id_code": "5001030099", "icp": "渝ICP备1号", "police_record": None, "dzjg": False}
    assert run("site_identifiers", facts_site(homepage=hp), required="网站标识码/ICP备案号").status == "pass"
    with pytest.raises(ParamError):
        build_params(REGISTRY["site_identifiers"], {"required": ["网站名称"]})


# -- interaction ---------------------------------------------------------------------------------
def test_interaction_channel():
    chans = [{"text": "领导信箱", "url": B + "/hdjl/xx/"}]
    ok = {"present": True, "channels": chans, "messages_listed": False}
    o = run("interaction_channel", facts_site(interaction=ok))
    assert o.status == "pass" and o.details["unanswered_check"] == "unknown" and "无法判断" in o.message
    rows = [{"title": "咨询一", "asked": "2022-11-20", "replied": None, "status": "未回复", "unanswered": True},
            {"title": "咨询二", "asked": "2022-05-01", "replied": None, "status": "已回复", "unanswered": False}]
    listed = {**ok, "messages_listed": True, "messages": 2, "rows": rows}
    assert run("interaction_channel", facts_site(interaction=listed)).status == "pass"
    rows[0]["asked"] = "2022-06-01"  # unanswered for 213 days
    o = run("interaction_channel", facts_site(interaction=listed))
    assert o.status == "fail" and "超过 90 天未回复" in o.message
    assert run("interaction_channel", facts_site(interaction={"present": False, "channels": []})).status == "fail"
    broken = facts_site(interaction=ok)
    broken.link_results = [{"url": B + "/hdjl/xx/", "state": "broken", "kind": "page"}]
    assert run("interaction_channel", broken).status == "fail"


# -- content relations ---------------------------------------------------------------------------
def art(path: str, title: str, crumbs: list[str], *, links=(), written=None, published="2022-06-01",
        validity=None, images=0, **kw) -> PageRecord:
    lk = [Link(B + u, t, "page", "content") for t, u in links]
    lk += [Link(B + f"/img/p{i}.png", "图", "image", "content") for i in range(images)]
    tf = {"validity": validity} if validity else {}
    return PageRecord(url=B + path, status=200, title=title, meta={"ArticleTitle": title},
                      breadcrumb=["首页", *crumbs], links=lk, page_date=published, written_date=written,
                      text_facts=tf, **kw)


def rel_site(*recs: PageRecord) -> SiteModel:
    home = PageRecord(url=B + "/", status=200, title="首页")
    return build_site_model([home, *recs], site_url=B + "/", as_of=AS_OF)


DOC, JD, JD2 = "/zcwj/t20220601_1.html", "/zcjd/t20220605_2.html", "/zcjd/tj/t20220606_3.html"


def good_relations() -> SiteModel:
    return rel_site(
        art(DOC, "关于印发促进就业措施的通知", ["政务公开", "政策文件"], links=[("政策解读：促进就业措施解读", JD)],
            written="2022-05-20"),
        art(JD, "《促进就业措施》政策解读", ["政务公开", "政策解读"], links=[("原文：关于印发促进就业措施的通知", DOC)],
            images=1),
        art("/gfxwj/t1.html", "行政规范性文件管理办法", ["政务公开", "行政规范性文件"], validity="现行有效",
            written="2022-05-30", published="2022-06-10"),
    )


def test_interpretation_links_pass():
    s = good_relations()
    assert len(s.articles) == 3
    o = run("interpretation_links", s, min_share=0.5, multi_format_share=1.0)
    assert o.status == "pass" and o.details["both_ways"] == 1 and o.details["multi_format"] == 1


def test_interpretation_links_fail():
    s = rel_site(
        art(DOC, "关于印发促进就业措施的通知", ["政务公开", "政策文件"]),  # no link back
        art(JD, "《促进就业措施》政策解读", ["政务公开", "政策解读"], links=[("原文", DOC)]),
        art(JD2, "一图读懂就业措施解读", ["政务公开", "政策解读", "图解"]),  # links nowhere
        art("/zcwj/t2.html", "关于加强安全生产的通知", ["政务公开", "政策文件"]),
    )
    o = run("interpretation_links", s)
    assert o.status == "fail" and o.details["forward_only"] == 1 and o.details["unlinked"] == 1
    assert {e.url for e in o.evidence} == {B + JD, B + JD2}
    assert o.details["interpretation_share"] == 0.5
    # shares below the required minimum fail even when every interpretation is linked both ways
    s2 = rel_site(*[r for r in [
        art(DOC, "关于印发促进就业措施的通知", ["政务公开", "政策文件"], links=[("解读", JD)]),
        art(JD, "《促进就业措施》政策解读", ["政务公开", "政策解读"], links=[("原文", DOC)]),
        art("/zcwj/t2.html", "关于加强安全生产的通知", ["政务公开", "政策文件"]),
    ]])
    o = run("interpretation_links", s2, min_share=0.9, multi_format_share=0.5)
    assert o.status == "fail" and "比例" in o.message


def test_interpretation_links_unknown():
    assert run("interpretation_links", rel_site()).status == "unknown"
    assert run("interpretation_links", rel_site(art(DOC, "通知", ["政策文件"]))).status == "unknown"


def test_document_validity():
    assert run("document_validity", good_relations()).status == "pass"
    s = rel_site(art("/gfxwj/t1.html", "管理办法", ["行政规范性文件"], validity="现行有效"),
                 art("/gfxwj/t2.html", "管理规定", ["行政规范性文件"]))
    o = run("document_validity", s)
    assert o.status == "fail" and o.details["labelled"] == 1 and o.evidence[0].url == B + "/gfxwj/t2.html"
    assert run("document_validity", s, min_share=0.5).status == "pass"
    assert run("document_validity", rel_site(art(DOC, "通知", ["政策文件"]))).status == "unknown"


def test_publish_delay():
    assert workdays_between(date(2022, 6, 3), date(2022, 6, 6)) == 1  # Fri → Mon
    assert workdays_between(date(2022, 6, 1), date(2022, 6, 29)) == 20
    assert workdays_between(date(2022, 6, 1), date(2022, 6, 30)) == 21
    assert run("publish_delay", good_relations()).status == "pass"
    s = rel_site(art(DOC, "关于印发促进就业措施的通知", ["政策文件"], written="2022-04-01", published="2022-06-01"))
    o = run("publish_delay", s)
    assert o.status == "fail" and o.details["late"][0]["workdays"] == 43 and "节假日" in o.message
    assert run("publish_delay", s, max_workdays=50).status == "pass"
    assert run("publish_delay", rel_site(art(DOC, "通知", ["政策文件"]))).status == "unknown"


# -- personal data -------------------------------------------------------------------------------
def test_personal_data():
    clean = rel_site(art(DOC, "通知", ["政策文件"]))
    assert run("personal_data", clean).status == "pass"
    found = pii.scan_text(f"名单：{VALID_ID} 13912345678")
    s = rel_site(PageRecord(url=B + "/gs/t1.html", status=200, title="公示", text_facts={"pii": found}))
    s.link_results = [{"url": B + "/doc/a.txt", "state": "ok", "kind": "attachment",
                       "pii": [{"kind": "id", "masked": pii.mask_id(VALID_ID)}],
                       "found_on": [{"page": B + "/gs/t1.html", "text": "名单"}]}]
    o = run("personal_data", s)
    assert o.status == "fail" and o.details["counts"] == {"身份证号码": 2, "手机号码": 1}
    assert {e.url for e in o.evidence} == {B + "/gs/t1.html", B + "/doc/a.txt"}
    assert VALID_ID not in repr(o) and "13912345678" not in repr(o)
    assert run("personal_data", s, kinds=["mobile"]).details["counts"] == {"手机号码": 1}
    # an unmasked value that slipped into a store is masked again before it is shown
    s.page_facts.append({"url": B + "/x.html", "title": "x", "pii": [{"kind": "id", "masked": VALID_ID}]})
    assert VALID_ID not in repr(run("personal_data", s))


def test_findings_document_sections_and_no_unmasked_id():
    s = good_relations()
    s.facts["ipv6"] = {"ok": False, "reason": "无"}
    s.page_facts.append({"url": B + f"/p.html?id={VALID_ID}", "title": f"名单{VALID_ID}",
                         "pii": [{"kind": "id", "masked": pii.mask_id(VALID_ID)}]})
    s.link_results = [{"url": B + "/x.html", "state": "broken", "status": 404, "reason": "HTTP 404", "kind": "page",
                       "homepage": True, "external": False, "found_on": [{"page": B + "/", "text": f"号码{VALID_ID}"}]}]
    doc = findings_document(s, [], AS_OF)
    assert doc["links"]["summary"]["broken"] == 1 and doc["links"]["broken"][0]["found_on"][0]["page"] == B + "/"
    assert doc["site_facts"]["ipv6"]["ok"] is False and "homepage" not in doc["site_facts"]
    assert doc["personal_data"][0]["masked"] == pii.mask_id(VALID_ID)
    assert doc["relations"]["both_ways"] == 1 and doc["relations"]["late_count"] == 0
    assert VALID_ID not in repr(doc)
    rel = content_relations(s)
    assert rel["validity_labelled"] == 1 and rel["regulatory_documents"] == 1
