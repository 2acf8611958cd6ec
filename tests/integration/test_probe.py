"""Availability probes against local servers: up, slow, down, challenged (never down)."""
from __future__ import annotations

import argparse
from datetime import date

from tests.support.linksite import WAF_521, LinkServer, closed_port, html, static

from crawler.checks import REGISTRY, CheckContext, build_params
from crawler.model.build import SiteModel
from crawler.text.names import default_synonyms
from crawler.collect.probes import failure_share, main_probe, probe_once
from crawler.store.crawls import CrawlStore


def _routes():
    return {
        "/": static(200, html("首页", "<p>正常</p>")),
        "/slow": static(200, html("慢"), **{"X-Delay": 0.6}),
        "/hang": static(200, html("很慢"), **{"X-Delay": 2.5}),
        "/err": static(503, html("503 Service Unavailable")),
        "/gone": static(404, html("404 Not Found")),
        "/jsl": static(521, WAF_521, "text/html", **{"Set-Cookie": ["__jsluid_h=abc; path=/"]}),
        "/wzws": static(200, html("请稍候"), **{"Set-Cookie": ["wzws_cid=1f2e; path=/"]}),
    }


def test_probe_states():
    with LinkServer(_routes()) as srv:
        up = probe_once(srv.url, timeout=2)
        assert up["state"] == "up" and up["status"] == 200 and 0 <= up["elapsed"] < 2
        assert probe_once(srv.url + "slow", timeout=1)["state"] == "slow"
        hang = probe_once(srv.url + "hang", timeout=1)
        assert hang["state"] == "down" and hang["elapsed"] < 2 and "1 秒内未打开" in hang["detail"]
        assert probe_once(srv.url + "err", timeout=2)["state"] == "down"
        assert probe_once(srv.url + "gone", timeout=2)["state"] == "down"
        jsl = probe_once(srv.url + "jsl", timeout=2)
        assert jsl["state"] == "challenged" and jsl["challenge"] == "jsluid" and jsl["status"] == 521
        assert probe_once(srv.url + "wzws", timeout=2)["state"] == "challenged"
    refused = probe_once(f"http://127.0.0.1:{closed_port()}/", timeout=2)
    assert refused["state"] == "down" and "拒绝" in refused["detail"]


def test_main_probe_records_and_prints(tmp_path, capsys):
    db = tmp_path / "probes.db"
    with LinkServer(_routes()) as srv:
        site = srv.url.rstrip("/")  # normalised to "…/" like crawl start URLs
        args = argparse.Namespace(urls=[site, srv.url + "jsl"], store=str(db), count=2, interval=0.0, timeout=2.0)
        assert main_probe(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 4
    assert "正常" in out[0] and "无法访问比例 0.0%" in out[0] and "近 7 天探测 1 次" in out[0]
    assert "防护验证" in out[1] and "无法访问比例 —" in out[1]
    store = CrawlStore(db)
    probes = list(store.iter_probes(srv.url))
    assert [p["state"] for p in probes] == ["up", "up"]
    assert [p["state"] for p in store.iter_probes(srv.url + "jsl")] == ["challenged", "challenged"]


def test_main_probe_fails_when_down(tmp_path, capsys):
    url = f"http://127.0.0.1:{closed_port()}/"
    args = argparse.Namespace(urls=[url], store=str(tmp_path / "p.db"), count=1, interval=0.0, timeout=1.0)
    assert main_probe(args) == 1
    assert "无法访问" in capsys.readouterr().out


def test_failure_share_ignores_challenges():
    probes = [{"state": "up"}] * 18 + [{"state": "down"}] + [{"state": "challenged"}] * 30
    s = failure_share(probes)
    assert s["down"] == 1 and s["challenged"] == 30 and s["observed"] == 19 and round(s["share"], 3) == 0.053


def test_stored_probes_feed_site_available(tmp_path):
    with LinkServer(_routes()) as srv:
        db = tmp_path / "p.db"
        main_probe(argparse.Namespace(urls=[srv.url], store=str(db), count=3, interval=0.0, timeout=2.0))
    probes = list(CrawlStore(db).iter_probes(srv.url))
    site = SiteModel(site_url=srv.url, as_of=date.today(), probes=probes)
    spec = REGISTRY["site_available"]
    o = spec(site, build_params(spec, {}), CheckContext(date.today(), default_synonyms()))
    # three probes are below the rubric's sample (a week, >= 20 a day): not decided
    assert o.status == "unknown" and o.details["probes"] == 3 and "样本不足" in o.message
    o = spec(site, build_params(spec, {"min_days": 1, "min_per_day": 3}), CheckContext(date.today(), default_synonyms()))
    assert o.status == "pass" and o.details["probes"] == 3
