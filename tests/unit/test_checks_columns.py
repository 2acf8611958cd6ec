"""Each column/content/freshness check: a passing and a failing fixture."""
from __future__ import annotations

from datetime import date

import pytest
from tests.support.sitebuilder import disclosure_site, page, site

from crawler.checks import REGISTRY, CheckContext, build_params
from crawler.model.build import SiteModel
from crawler.text.names import default_synonyms

AS_OF = date(2021, 12, 31)


def run(name: str, site_model: SiteModel, as_of: date = AS_OF, **params):
    spec = REGISTRY[name]
    return spec(site_model, build_params(spec, params), CheckContext(as_of, default_synonyms()))


@pytest.fixture(scope="module")
def s():
    return disclosure_site()


def test_column_exists_pass_by_synonym_under_root(s):
    o = run("column_exists", s, path="政府网站>政府信息公开>法定主动公开内容")
    assert o.status == "pass" and o.evidence[0].url.endswith("/zwgk/xxgkml/fd/")
    o = run("column_exists", s, path="政府信息公开>年报")  # 年报 ≈ 政府信息公开年报
    assert o.status == "pass"


def test_column_exists_fail(s):
    o = run("column_exists", s, path="政务公开>政府信息公开目录>市场准入负面清单")
    assert o.status == "fail" and o.details["missing"] == ["市场准入负面清单"]


def test_column_exists_outside_disclosure_root_does_not_count():
    m = site(page("/xw/sp/", ["新闻中心", "市场准入负面清单"], [("x", "2021-01-01")]),
             page("/zwgk/", ["政务公开"], [("y", "2021-01-01")]))
    assert run("column_exists", m, path="政务公开>政府信息公开目录>市场准入负面清单").status == "fail"
    assert run("column_exists", m, path="新闻中心>市场准入负面清单").status == "pass"


def test_subcolumns_lists_missing_and_matches_synonyms(s):
    o = run("subcolumns", s, path="政务公开>政府信息公开目录>政策解读", children="视频/图片/文字")
    assert o.status == "fail" and o.details["missing"] == ["视频"]
    assert o.details["found"] == {"图片": "图解", "文字": "文字解读"}
    o = run("subcolumns", s, path="政策解读", children=["图片", "文字"])
    assert o.status == "pass"


def test_subcolumns_parent_missing(s):
    o = run("subcolumns", s, path="政务公开>新闻发布会", children="视频/文字")
    assert o.status == "fail" and o.details["missing"] == ["视频", "文字"]


def test_column_order(s):
    ok = run("column_order", s, path="政府信息公开", children="政府信息公开指南/法定主动公开内容/政府信息公开制度")
    assert ok.status == "pass", ok.message
    bad = run("column_order", s, path="政府信息公开",
              children="政府信息公开指南/政府信息公开制度/法定主动公开内容/政府信息公开年报")
    assert bad.status == "fail" and "顺序" in bad.message


def test_blank_columns(s):
    o = run("blank_columns", s, threshold=1)
    assert o.status == "fail" and o.details["blank"] == [["政务公开", "政府信息公开目录", "地方政府债务"]]
    assert run("blank_columns", s, threshold=2).status == "pass"


def test_content_published_keywords_year_column(s):
    o = run("content_published", s, keywords=["税费优惠|税收优惠", "指南"], year=2021, column="政策解读")
    assert o.status == "pass" and "税费优惠指南" in o.message
    assert run("content_published", s, keywords=["税费优惠", "指南"], year=2022).status == "fail"
    assert run("content_published", s, keywords=["负面清单"]).status == "fail"


def test_annual_report_due_date():
    m = disclosure_site(as_of=date(2021, 12, 31))
    assert run("annual_report", m, keywords=["政府信息公开", "年度报告"], due="01-31").status == "pass"
    late = disclosure_site(as_of=date(2021, 12, 31))
    o = run("annual_report", late, keywords=["法治政府建设", "年度报告"], due="04-01")
    assert o.status == "fail" and o.details["due"] == "2021-04-01"


def test_column_freshness_and_year_implied_dates(s):
    o = run("column_freshness", s, path="政务要闻", max_days=14)
    assert o.status == "pass" and o.details["newest"] == "2021-12-28"
    o = run("column_freshness", s, path="新闻动态>部门动态", max_days=14)
    assert o.status == "fail" and o.details["newest"] == "2021-05-10"
    # "[06-29]" with the year implied resolves against the audit date
    assert run("column_freshness", s, path="图解", max_days=365).details["newest"] == "2021-06-29"


def test_column_freshness_warns_near_limit(s):
    o = run("column_freshness", s, path="政务要闻", max_days=3)
    assert o.status == "pass" and o.warning


def test_homepage_updated():
    fresh = site(home_items=[("要闻", "2021-12-20")])
    assert run("homepage_updated", fresh, max_days=14).status == "pass"
    stale = site(home_items=[("要闻", "2021-11-01"), ("无日期", None)])
    o = run("homepage_updated", stale, max_days=14)
    assert o.status == "fail" and o.details["age_days"] == 60


def test_stale_columns(s):
    classes = [{"names": ["动态", "要闻"], "max_days": 14}]
    o = run("stale_columns", s, classes=classes, threshold=1)
    assert o.status == "fail" and [x["path"] for x in o.details["stale"]] == [["新闻动态", "部门动态"]]
    assert run("stale_columns", s, classes=classes, threshold=5).status == "pass"


def test_update_cadence():
    monthly = site(page("/tj/", ["政务公开", "统计信息"],
                        [(f"{m}月统计", f"2021-{m:02d}-15") for m in (9, 10, 11)]))
    assert run("update_cadence", monthly, path="统计信息", period="month", periods=3).status == "pass"
    o = run("update_cadence", monthly, path="统计信息", period="month", periods=4)
    assert o.status == "fail" and o.details["gaps"] == ["2021-08-01～2021-08-31"]


def test_category_coverage(s):
    o = run("category_coverage", s, path="政府信息公开", categories="政府信息公开指南/政府信息公开制度/行政处罚")
    assert o.status == "fail" and o.details["missing"] == ["行政处罚"]
    assert run("category_coverage", s, path="政府信息公开", categories="政府信息公开指南/政府信息公开制度/行政处罚",
               min_share=0.6).status == "pass"


def test_link_present():
    from crawler.model.page import Link
    m = site(page("/zwgk/lzyj/", ["政务公开", "履职依据"], [("x", "2021-01-01")],
                  links=[Link("http://flk.npc.gov.cn/", "国家法律法规数据库", "external", "content")]))
    assert run("link_present", m, text=["法律法规数据库|行政法规库"], column="履职依据").status == "pass"
    assert run("link_present", m, text=["规章库"], column="履职依据").status == "fail"


def test_contact_published():
    m = site(page("/lxwm/", ["政务公开", "联系我们"], [], text_facts={"phones": ["023-63891234"]}))
    assert run("contact_published", m, kind="phone", column="联系我们").status == "pass"
    assert run("contact_published", site(page("/lxwm/", ["联系我们"], [])), kind="phone").status == "fail"


def test_unreachable_site_is_unknown_not_fail():
    from crawler.model.build import build_site_model
    from crawler.model.page import PageRecord
    m = build_site_model([PageRecord(url="http://down.test/", status=0, error="dns")],
                         site_url="http://down.test/", as_of=AS_OF)
    assert not m.reachable
    for name, params in (("column_exists", {"path": "政策解读"}), ("homepage_updated", {})):
        assert run(name, m, **params).status == "unknown"


def test_a_known_other_column_is_not_a_match_by_containment():
    guide_only = site(page("/zn/", ["政府信息公开指南"], [("指南", "2021-01-01")]))
    assert run("column_exists", guide_only, path="政府信息公开").status == "fail"
    assert run("column_exists", guide_only, path="政府信息公开指南").status == "pass"


def test_missing_column_names_the_nearest_existing_one(s):
    o = run("column_exists", s, path="政府信息公开>法定主动公开内容>不存在的栏目")
    assert o.status == "fail" and o.details["where"]["path"] and o.details["where"]["url"].startswith("http")
    assert "应在" in o.message
