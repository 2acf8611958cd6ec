"""Builders for many-site runs: a small rubric rule file and a stand-in crawler."""
from __future__ import annotations

from crawler.model.page import ListItem, PageRecord
from crawler.store.crawls import CrawlStore

RULES = """\
schema: govaudit.rules/1
document: 测试检查指标
year: 2021
rules:
  - id: t-home
    title: 首页不更新（2周内首页无新信息）
    check: homepage_updated
    params: {max_days: 14}
    severity: veto
    source: {section: 单项否决·首页不更新, quote: 首页不更新}
    rubric: {category: veto, indicator: 首页不更新}
  - id: t-policy
    title: 设置政策文件栏目
    check: column_exists
    path: 政策文件
    source: {section: 扣分指标, quote: 政策文件}
    rubric: {category: deduct, indicator: 发布解读, points: 5}
  - id: t-video
    title: 政策解读设置视频子栏目
    check: column_exists
    path: 政策解读>视频解读
    deadline: 2021-06-30
    lead_units: [区政府办公室]
    responsible_units: [区政府办公室, 区发展改革委]
    source: {section: 一、（二）, quote: 政策解读栏目设置视频解读}
"""


def fake_crawl(newest: dict[str, str]):
    """Stands in for the crawler: a homepage per site, its newest item dated per host."""
    def crawl(jobs):
        out = {}
        for j in jobs:
            st = CrawlStore(j.store)
            cid = st.start_crawl(j.urls, [], {})
            base = j.urls[0].rstrip("/")
            host = base.split("//")[1]
            if host not in newest:
                st.close()
                out[j.slug] = RuntimeError("抓取失败：DNS 解析失败")
                continue
            st.add_pages(cid, [PageRecord(url=base + "/", status=200, title="首页",
                                          items=[ListItem(base + "/a.html", "要闻", newest[host])])])
            st.finish_crawl(cid, {})
            st.close()
            out[j.slug] = cid
        return out
    return crawl
