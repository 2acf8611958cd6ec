"""Run history end to end: audits of a local site that changes between runs, `diff`,
`recheck`, report and run folders (issue 11)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.cli.main import main
from crawler.store.results import ResultsStore
from tests.support.changingsite import ChangingSite
from tests.support.mockserver import serve_static

pytestmark = pytest.mark.slow  # long: deselect with -m "not slow"

RULES = """\
schema: govaudit.rules/1
document: 测试检查指标
year: 2021
rules:
  - id: h-zcjd
    title: 设置政策解读栏目
    check: column_exists
    path: 政务公开>政策解读
    source: {section: 一, quote: 政策解读}
  - id: h-ghxx
    title: 设置规划信息栏目
    check: column_exists
    path: 政务公开>规划信息
    source: {section: 二, quote: 规划信息}
  - id: h-tzgg
    title: 设置通知公告栏目
    check: column_exists
    path: 政务公开>通知公告
    source: {section: 三, quote: 通知公告}
  - id: h-annual
    title: 按时发布政府信息公开工作年度报告
    check: annual_report
    params: {keywords: [政府信息公开, 年度报告], due: "01-31", column: 政务公开>政府信息公开年报}
    responsible_units: [县政府办公室]
    source: {section: 四, quote: 年度报告}
  - id: h-links
    title: 网站无错链
    check: broken_links
    params: {scope: site}
    source: {section: 五, quote: 错链}
"""


ROOT = Path(__file__).resolve().parents[2]


def cli(*argv: str) -> subprocess.CompletedProcess:
    """A crawl needs its own process (one Twisted reactor per process)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-m", "crawler.cli", *argv], check=False, capture_output=True,
                          text=True, env=env, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    return proc


HISTORY: list[str] = []  # ["--history", URL] for the PostgreSQL variant


def audit(url: str, out: Path, rules: Path, as_of: str, *extra: str) -> subprocess.CompletedProcess:
    return cli("audit", url, "--rules", str(rules), "--out", str(out), "--as-of", as_of, "--delay", "0",
               "--site", "山水县", *HISTORY, *extra)


def by_rule(doc: dict) -> dict[str, dict]:
    return {f["rule_id"]: f for f in doc["findings"]}


@pytest.fixture
def changing(tmp_path: Path):
    site = ChangingSite(tmp_path / "www")
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    with serve_static(site.root) as server:
        yield site, server, rules, tmp_path / "out"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def history(request: pytest.FixtureRequest, tmp_path: Path):
    """Where the runs are recorded: OUT/history.db, or a fresh PostgreSQL schema (--history URL)."""
    if request.param == "sqlite":
        HISTORY[:] = []
        yield str(tmp_path / "out" / "history.db")
    else:
        url = request.getfixturevalue("pg_schema")
        HISTORY[:] = ["--history", url]
        yield url
    HISTORY[:] = []


def test_history_of_a_changing_site(changing, history: str, capsys) -> None:
    site, server, rules, out = changing
    # run 1: no 政策解读, no 规划信息, no 2020 annual report; links fine
    audit(server.url, out, rules, "2021-12-01")
    d1 = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    f1 = by_rule(d1)
    assert {k: f["status"] for k, f in f1.items()} == {
        "h-zcjd": "fail", "h-ghxx": "fail", "h-tzgg": "pass", "h-annual": "fail", "h-links": "pass"}
    assert d1["history"]["previous_run"] is None and all(f["change"] is None for f in d1["findings"])
    full_requests_1 = len(server.requests)

    # run 2: a column added, a report published, a link broken (the attachment is gone)
    site.columns["zcjd"] = "政策解读"
    site.annual_2020 = True
    site.attachment = False
    site.write()
    audit(server.url, out, rules, "2021-12-08")
    d2 = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    f2 = by_rule(d2)
    assert {k: f["change"] for k, f in f2.items()} == {
        "h-zcjd": "fixed", "h-ghxx": "open", "h-tzgg": None, "h-annual": "fixed", "h-links": "new"}
    assert f2["h-ghxx"]["first_seen"] == "2021-12-01" and f2["h-ghxx"]["open_runs"] == 2
    assert f2["h-links"]["first_seen"] == "2021-12-08"
    h = d2["history"]
    assert h["previous_run"]["date"] == "2021-12-01" and h["changes"]["fixed"] == 2 and h["changes"]["new"] == 1
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "较上次（2021-12-01）：新增 1，已整改 2，反复 0" in report
    assert "<svg" in report and 'data-change="fixed"' in report

    # run 3: the 政策解读 page is removed again (反复); the broken link stays
    site.columns["zcjd"] = ""
    site.write()
    audit(server.url, out, rules, "2021-12-15")
    d3 = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    f3 = by_rule(d3)
    assert f3["h-zcjd"]["change"] == "regressed" and f3["h-zcjd"]["first_seen"] == "2021-12-15"
    assert f3["h-links"]["change"] == "open" and f3["h-links"]["first_seen"] == "2021-12-08"
    assert f3["h-ghxx"]["open_runs"] == 3 and f3["h-ghxx"]["first_seen"] == "2021-12-01"

    # run folders kept, latest → newest
    site_dir = out / "山水县"
    runs = sorted(p.name for p in site_dir.iterdir() if p.is_dir() and not p.is_symlink())
    assert runs == ["2021-12-01-1", "2021-12-08-2", "2021-12-15-3"]
    assert (site_dir / "latest" / "findings.json").read_text(encoding="utf-8") == \
        (out / "findings.json").read_text(encoding="utf-8")
    assert json.loads((site_dir / "latest.json").read_text(encoding="utf-8"))["run"] == 3

    # govaudit runs / diff
    capsys.readouterr()
    assert main(["runs", "--out", str(out), *HISTORY]) == 0
    listed = capsys.readouterr().out
    assert listed.count("山水县") == 3 and "已完成" in listed
    assert main(["diff", "1", "2", "--out", str(out), *HISTORY]) == 0
    text = capsys.readouterr().out
    assert "新增 1，已整改 2，反复 0，仍未整改 1" in text
    assert "设置政策解读栏目" in text and "首次发现 2021-12-01" in text
    diff = json.loads((out / "diff-1-2.json").read_text(encoding="utf-8"))
    assert sorted(e["rule_id"] for e in diff["fixed"]) == ["h-annual", "h-zcjd"]
    assert [e["rule_id"] for e in diff["new"] if not e["item"]] == ["h-links"]
    assert any(e["item"] and e["subject"].endswith("/files/guide.pdf") for e in diff["new"])
    assert main(["diff", "--out", str(out), *HISTORY]) == 0  # default: the last two runs
    assert "反复 1" in capsys.readouterr().out

    # 复查 after fixing two items (the attachment is back, 规划信息 added): exactly those two fixed
    site.attachment = True
    site.columns["ghxx"] = "规划信息"
    site.write()
    server.reset_counts()
    proc = cli("recheck", "3", "--as-of", "2021-12-20", "--delay", "0", *(HISTORY or ["--out", str(out)]))
    assert proc.returncode == 1 and "已整改" in proc.stdout
    recheck_requests = len(server.requests)
    rc_dir = (site_dir / "latest").resolve()
    rc = json.loads((rc_dir / "findings.json").read_text(encoding="utf-8"))
    assert rc["history"]["kind"] == "recheck" and rc["recheck"]["base_run"] == 3
    rcf = by_rule(rc)
    assert set(rcf) == {"h-zcjd", "h-ghxx", "h-links"}  # the failed items of run 3 only
    assert {k: f["change"] for k, f in rcf.items()} == {"h-zcjd": "open", "h-ghxx": "fixed", "h-links": "fixed"}
    assert "复查" in (rc_dir / "report.html").read_text(encoding="utf-8")

    # a full audit of the same site agrees, with many more requests
    server.reset_counts()
    audit(server.url, out, rules, "2021-12-20")
    full = by_rule(json.loads((out / "findings.json").read_text(encoding="utf-8")))
    assert {k: full[k]["status"] for k in rcf} == {k: f["status"] for k, f in rcf.items()}
    full_requests = len(server.requests)
    print(f"requests: recheck {recheck_requests}, full audit {full_requests}")
    assert recheck_requests * 2 < full_requests, (recheck_requests, full_requests, full_requests_1)
    with ResultsStore(history) as rs:
        kinds = [(r.kind, r.state) for r in rs.runs("山水县")]
    assert kinds == [("audit", "finished")] * 3 + [("recheck", "finished"), ("audit", "finished")]


def test_many_sites_keep_run_folders_and_the_index_shows_changes(tmp_path: Path) -> None:
    from lxml import html as lxml_html

    from crawler.cli.main import build_parser
    from crawler.cli.sites import run_sites
    from tests.support.sitesdocs import RULES as SITE_RULES
    from tests.support.sitesdocs import fake_crawl

    (tmp_path / "rubric.yaml").write_text(SITE_RULES, encoding="utf-8")
    sites = tmp_path / "sites.yaml"
    sites.write_text("sites:\n  - {name: 山城区, urls: [http://site.test/], slug: shancheng, rules: [rubric.yaml]}\n"
                     "  - {name: 江北区, urls: [http://jb.test/], slug: jiangbei, rules: [rubric.yaml]}\n",
                     encoding="utf-8")
    out = tmp_path / "out"
    for as_of, newest in (("2021-12-01", {"site.test": "2021-11-28", "jb.test": "2021-11-30"}),
                          ("2021-12-31", {"site.test": "2021-12-28", "jb.test": "2021-10-01"})):
        args = build_parser().parse_args(["audit", "--sites", str(sites), "--out", str(out), "--as-of", as_of,
                                          "--no-verify-links"])
        run_sites(args, crawl=fake_crawl(newest))
    for slug, runs in (("shancheng", ["2021-12-01-1", "2021-12-31-3"]), ("jiangbei", ["2021-12-01-2", "2021-12-31-4"])):
        assert sorted(p.name for p in (out / slug).iterdir() if p.name[:1].isdigit()) == runs
        assert (out / slug / "latest").resolve().name == runs[-1]
        assert (out / slug / "findings.json").read_bytes() == (out / slug / runs[-1] / "findings.json").read_bytes()
    with ResultsStore(out / "history.db") as rs:
        assert [(r.site, r.state) for r in rs.runs()] == [("shancheng", "finished"), ("jiangbei", "finished")] * 2
    jb = json.loads((out / "jiangbei" / "findings.json").read_text(encoding="utf-8"))
    assert by_rule(jb)["t-home"]["change"] == "new"  # the homepage stopped being updated
    assert jb["history"]["verdict_changed"] is True
    t = lxml_html.fromstring((out / "index.html").read_text(encoding="utf-8"))
    cells = {r.get("data-sort-name"): r.xpath(".//td[@class='site-history']")[0]
             for r in t.xpath("//table[@id='sites-table']/tbody/tr")}
    assert "较 2021-12-01：新增 1" in cells["江北区"].text_content()
    assert "结论变化：合格 → 不合格" in cells["江北区"].text_content()
    assert cells["江北区"].xpath(".//svg//polyline")
    args = build_parser().parse_args(["audit", "--sites", str(sites), "--out", str(out), "--as-of", "2022-01-05",
                                      "--no-verify-links"])
    run_sites(args, crawl=fake_crawl({"site.test": "2022-01-01"}))  # jb.test cannot be crawled
    with ResultsStore(out / "history.db") as rs:
        failed = rs.runs("jiangbei", state="failed")
        assert len(failed) == 1 and "DNS 解析失败" in failed[0].reason


def test_evaluate_refuses_an_ambiguous_store(tmp_path: Path, capsys) -> None:
    from crawler.model.page import PageRecord
    from crawler.store.crawls import CrawlStore

    store = CrawlStore(tmp_path / "crawl.db")
    for url in ("http://a.test/", "http://b.test/"):
        cid = store.start_crawl([url], [url.split("/")[2]], {})
        store.add_pages(cid, [PageRecord(url=url, status=200, title="首页")])
        store.finish_crawl(cid, {})
    store.close()
    assert main(["evaluate", "--store", str(tmp_path / "crawl.db"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "含 2 个网站的抓取" in err and "--site" in err
    assert main(["evaluate", "--store", str(tmp_path / "crawl.db"), "--site", "a.test", "--out",
                 str(tmp_path / "o"), "--as-of", "2021-12-31"]) in (0, 1)
    printed = capsys.readouterr().out
    assert "评估抓取 #1（http://a.test/" in printed
    assert main(["evaluate", "--store", str(tmp_path / "crawl.db"), "--site", "c.test", "--out", str(tmp_path / "o")]) == 2
    assert "没有网站 “c.test”" in capsys.readouterr().err
