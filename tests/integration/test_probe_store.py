"""Availability probes kept in their own store (`govaudit probe --store probes.db`) feed
site_available through `--probe-store` on audit, evaluate and demo (and `--sites` runs);
without it the probes are read from the crawl store, as before."""
from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

import pytest
from tests.support.linksite import LinkServer, html, static

from crawler.runner.audit import evaluate_store, load_site
from crawler.ruleset.loader import load_rules
from crawler.cli.main import build_parser, main
from crawler.model.page import ListItem, PageRecord
from crawler.collect.probes import main_probe
from crawler.cli.sites import run_sites
from crawler.store.crawls import CrawlStore

RULES = """\
schema: govaudit.rules/1
document: 可用性
rules:
  - {id: t-avail, title: 站点可访问, check: site_available, params: {min_days: 1, min_per_day: 3}}
"""


def _probe(url: str, db: Path, count: int = 3) -> None:
    main_probe(argparse.Namespace(urls=[url], store=str(db), count=count, interval=0.0, timeout=2.0))


def _crawl(db: Path, url: str) -> int:
    st = CrawlStore(db)
    try:
        cid = st.start_crawl([url], [], {})
        st.add_pages(cid, [PageRecord(url=url, status=200, title="首页",
                                      items=[ListItem(url + "a.html", "要闻", date.today().isoformat())])])
        st.finish_crawl(cid, {})
        return cid
    finally:
        st.close()


@pytest.fixture
def probed(tmp_path: Path):
    """A crawl store without probes, and a probe store with 3 real probes of the site."""
    with LinkServer({"/": static(200, html("首页", "<p>正常</p>"))}) as srv:
        _probe(srv.url, tmp_path / "probes.db")
        url = srv.url
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    return url, tmp_path / "crawl.db", tmp_path / "probes.db", _crawl(tmp_path / "crawl.db", url)


def _avail(doc: dict) -> dict:
    return next(f for f in doc["findings"] if f["rule_id"] == "t-avail")


def test_load_site_reads_probes_from_the_probe_store(probed):
    _, crawl_db, probe_db, cid = probed
    crawl, probes = CrawlStore(crawl_db), CrawlStore(probe_db)
    try:
        assert load_site(crawl, cid, date.today()).probes is None  # default: the crawl store
        site = load_site(crawl, cid, date.today(), probe_store=probes)
        assert [p["state"] for p in site.probes] == ["up", "up", "up"]
        rules = load_rules([str(crawl_db.parent / "rules.yaml")])
        res = evaluate_store(crawl, cid, rules, date.today(), probe_store=probes)
        f = next(x for x in res.findings if x.rule_id == "t-avail")
        assert f.status == "pass" and f.details["probes"] == 3
        assert next(x for x in evaluate_store(crawl, cid, rules, date.today()).findings).status == "unknown"
    finally:
        crawl.close()
        probes.close()


def test_probes_in_the_crawl_store_still_count(probed):
    url, crawl_db, _, cid = probed
    _probe(url, crawl_db, count=2)  # `govaudit probe --store crawl.db`: the old way (server gone: down)
    st = CrawlStore(crawl_db)
    try:
        assert [p["state"] for p in load_site(st, cid, date.today()).probes] == ["down", "down"]
    finally:
        st.close()


def test_evaluate_cli_with_probe_store(probed, capsys: pytest.CaptureFixture[str]):
    _, crawl_db, probe_db, _ = probed
    rules, out = str(crawl_db.parent / "rules.yaml"), crawl_db.parent / "out"
    assert main(["evaluate", "--store", str(crawl_db), "--rules", rules, "--out", str(out),
                 "--probe-store", str(probe_db)]) == 0
    f = _avail(json.loads((out / "findings.json").read_text(encoding="utf-8")))
    assert f["status"] == "pass" and "探测 3 次" in f["message"]
    assert main(["evaluate", "--store", str(crawl_db), "--rules", rules, "--out", str(out)]) == 0
    assert _avail(json.loads((out / "findings.json").read_text(encoding="utf-8")))["status"] == "unknown"
    capsys.readouterr()
    assert main(["evaluate", "--store", str(crawl_db), "--rules", rules, "--out", str(out),
                 "--probe-store", str(crawl_db.parent / "nope.db")]) == 2
    assert "探测库 “" in capsys.readouterr().err and not (crawl_db.parent / "nope.db").exists()


def test_audit_and_demo_take_the_option_and_check_it_before_crawling(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]):
    assert build_parser().parse_args(["demo", "--probe-store", "p.db"]).probe_store == "p.db"
    assert build_parser().parse_args(["audit", "http://a.test/", "--probe-store", "p.db"]).probe_store == "p.db"
    out = tmp_path / "out"
    assert main(["audit", "http://a.test/", "--out", str(out), "--probe-store", str(tmp_path / "nope.db")]) == 2
    assert "nope.db" in capsys.readouterr().err and not (out / "crawl.db").exists()


def test_sites_run_reads_the_probe_store(probed):
    url, crawl_db, probe_db, _ = probed
    d = crawl_db.parent
    (d / "sites.yaml").write_text(f"sites:\n  - {{name: 示例区人民政府, urls: [{url}], rules: [rules.yaml]}}\n",
                                  encoding="utf-8")

    def crawl(jobs):
        return {j.slug: _crawl(Path(j.store), j.urls[0]) for j in jobs}

    args = build_parser().parse_args(["audit", "--sites", str(d / "sites.yaml"), "--out", str(d / "out"),
                                      "--no-verify-links", "--probe-store", str(probe_db)])
    assert run_sites(args, crawl=crawl) == 0
    listing = json.loads((d / "out" / "sites.json").read_text(encoding="utf-8"))
    doc = json.loads((d / "out" / listing[0]["slug"] / "findings.json").read_text(encoding="utf-8"))
    assert _avail(doc)["status"] == "pass"
