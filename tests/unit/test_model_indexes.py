"""Site-wide derived data computed once per site model: content relations (解读 ↔ 原文,
validity, delays) and the item index the content checks search."""
from __future__ import annotations

import random
from datetime import date

from crawler.checks.content import title_matches
from crawler.model.build import ArticleRef, SiteItem, SiteModel
from crawler.model.items import item_index
from crawler.model.relations import content_relations


def _art(url: str, title: str, column: tuple[str, ...], links: list[tuple[str, str]] = (), **kw) -> ArticleRef:  # type: ignore[assignment]
    return ArticleRef(url=url, title=title, column=column, page_date=kw.get("page_date"),
                      written_date=kw.get("written_date"), links=list(links), has_image=False, has_video=False,
                      validity=kw.get("validity"))


def _site(arts: list[ArticleRef]) -> SiteModel:
    return SiteModel(site_url="http://x.gov.cn/", as_of=date(2021, 12, 31), articles=arts)


def test_relations_both_ways_back_only_and_unlinked():
    doc = _art("http://x.gov.cn/zcwj/1.html", "关于印发某办法的通知", ("政策文件",),
               [("解读", "http://x.gov.cn/zcjd/1.html")])
    doc2 = _art("http://x.gov.cn/zcwj/2.html", "某规定", ("政策文件",), [("解读", "http://x.gov.cn/zcjd/3.html")])
    both = _art("http://x.gov.cn/zcjd/1.html", "《某办法》解读", ("政策解读",), [("原文", doc.url)])
    lone = _art("http://x.gov.cn/zcjd/2.html", "某政策解读", ("政策解读",))
    back_only = _art("http://x.gov.cn/zcjd/3.html", "某规定解读", ("政策解读",))
    rel = content_relations(_site([doc, doc2, both, lone, back_only]))
    states = {r["url"]: r["state"] for r in rel["interpretation_rows"]}
    assert states == {both.url: "both", lone.url: "unlinked", back_only.url: "back_only"}
    assert rel["policy_documents"] == 2 and rel["documents_with_interpretation"] == 2


def test_relations_are_computed_once_and_follow_new_articles():
    doc = _art("http://x.gov.cn/zcwj/1.html", "某办法", ("政策文件",), written_date="2021-03-01",
               page_date="2021-05-03")
    site = _site([doc])
    first = content_relations(site)
    assert content_relations(site, 20)["late"] is first["late"]  # the same computation, shared
    assert first["late_count"] == 1 and content_relations(site, 60)["late_count"] == 0
    site.articles.append(_art("http://x.gov.cn/zcjd/9.html", "某办法解读", ("政策解读",), [("原文", doc.url)]))
    again = content_relations(site)
    assert again["interpretations"] == 1 and again["forward_only"] == 1


def test_item_index_matches_title_matches_and_column_prefixes():
    rng = random.Random(7)
    words = ["政府信息公开", "年度报告", "2021", "二〇二一", "预算", "决算", "政策 解读", "（图解）", "通知", "公告"]
    cols = [(), ("政务公开",), ("政务公开", "财政信息"), ("政务公开", "财政信息", "预决算"), ("新闻",)]
    items = [SiteItem(title="".join(rng.sample(words, rng.randint(1, 4))), url=f"http://x.gov.cn/{k}.html",
                      date=None, column=rng.choice(cols)) for k in range(400)]
    site = SiteModel(site_url="http://x.gov.cn/", as_of=date(2021, 12, 31), items=items)
    idx = item_index(site)
    for keywords in [(("年度报告",),), (("预算", "决算"), ("2021", "二〇二一")), (("政策解读",), ("图解",)),
                     (("不存在的词",),), ((),), ()]:
        expected = [k for k, it in enumerate(items) if title_matches(it.title, keywords)]
        assert idx.titled(keywords) == expected, keywords
    for prefixes in [[("政务公开",)], [("政务公开", "财政信息"), ("新闻",)], [()]]:
        expected = [k for k, it in enumerate(items) if any(it.column[: len(px)] == px for px in prefixes)]
        assert idx.under(prefixes) == expected
    assert item_index(site) is idx
    items.append(SiteItem(title="年度报告", url="http://x.gov.cn/new.html", date=None, column=()))
    assert item_index(site).titled((("年度报告",),))[-1] == len(items) - 1
