from __future__ import annotations

import uuid

import pytest

from crawler.model.page import Link, ListItem, PageRecord
from crawler.store.crawls import CrawlStore


def _exercise(store: CrawlStore) -> None:
    cid = store.start_crawl([f"http://{uuid.uuid4().hex}.test/"], ["x.test"], {"max_pages": 5})
    recs = [PageRecord(url=f"http://x.test/{i}", status=200, title=f"页面{i}",
                       links=[Link("http://x.test/a", "甲", "page", "nav")],
                       items=[ListItem("http://x.test/t", "标题", "2021-01-01")]) for i in range(1203)]
    assert store.add_pages(cid, recs[:600]) == 600
    assert store.add_pages(cid, recs) == 603  # already stored pages are not added twice
    assert store.page_count(cid) == 1203
    assert store.start_crawl(store.crawl_info(cid).start_urls, ["x.test"]) == cid  # resumes unfinished
    got = list(store.iter_pages(cid, batch=100))
    assert [r.url for r in got] == [r.url for r in recs]
    assert got[5].items[0].title == "标题" and got[5].links[0].text == "甲"
    store.add_link_results(cid, [{"url": "http://x.test/a", "state": "broken", "status": 404}])
    store.add_link_results(cid, [{"url": "http://x.test/a", "state": "ok", "status": 200}])
    assert [r["state"] for r in store.iter_link_results(cid)] == ["ok"]
    store.set_fact(cid, "ipv6", {"aaaa": True})
    assert store.get_facts(cid) == {"ipv6": {"aaaa": True}}
    store.finish_crawl(cid, {"pages": 1203})
    info = store.crawl_info(cid)
    assert info.state == "finished" and info.stats == {"pages": 1203}
    assert store.start_crawl(info.start_urls, ["x.test"]) != cid  # a finished crawl is not resumed


def test_sqlite_store(tmp_path):
    _exercise(CrawlStore(tmp_path / "c.db"))


@pytest.mark.services
def test_postgres_store(pg_url):
    store = CrawlStore(pg_url)
    try:
        _exercise(store)
    finally:
        store.close()
