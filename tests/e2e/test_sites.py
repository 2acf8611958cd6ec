"""Many sites at once: sites.yaml validation, the run, the index page."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import html as lxml_html

from crawler.cli.main import build_parser, main
from crawler.model.page import ListItem, PageRecord
from crawler.cli.sites import run_sites
from crawler.ruleset.sites import SitesFileError, load_sites
from crawler.store.crawls import CrawlStore
from tests.support import ROOT


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


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    (tmp_path / "rubric.yaml").write_text(RULES, encoding="utf-8")
    return tmp_path


def sites_file(d: Path, text: str) -> Path:
    p = d / "sites.yaml"
    p.write_text(text, encoding="utf-8")
    return p


GOOD = """\
sites:
  - name: 山城区人民政府
    urls: [http://site.test/]
    unit: 山城区政府办公室
    rules: [rubric.yaml]
  - name: 江北区人民政府
    urls: http://jb.test
    unit: 江北区政府办公室
    rules: rubric.yaml
    extra_hosts: [xxgk.jb.test]
  - name: 江北区人民政府（公开平台）
    urls: [http://jb.test/xxgk/]
    rules: [national-rubric-2019.yaml]
"""


def test_load_a_valid_file(rules_dir: Path):
    sites, file_rules = load_sites(sites_file(rules_dir, GOOD))
    assert [s.slug for s in sites] == ["site.test", "jb.test", "jb.test-2"]
    assert sites[1].urls == ["http://jb.test/"] and sites[1].extra_hosts == ["xxgk.jb.test"]
    assert sites[0].rules == [str(rules_dir / "rubric.yaml")]
    assert sites[2].rules[0].endswith("rules/national-rubric-2019.yaml")  # the bundled file
    assert sites[2].unit == "" and file_rules == []


@pytest.mark.parametrize("text, line, words", [
    ("sites:\n  - name: a\n    urls: [http://a.test/]\n    unti: 办公室\n", 4, "未知的键 “unti”，是否应为 “unit”"),
    ("sites:\n  - name: a\n    unit: b\n", 2, "urls"),
    ("sites:\n  - urls: [http://a.test/]\n", 2, "name"),
    ("sites:\n  - name: a\n    urls: [www.a.test]\n", 3, "http://"),
    ("sites:\n  - name: a\n    urls: [http://a.test/]\n  - name: a\n    urls: [http://b.test/]\n", 4, "重复"),
    ("sites:\n  - name: a\n    urls: [http://a.test/]\n    rules: [nope.yaml]\n", 4, "规则文件 “nope.yaml” 不存在"),
    ("sites:\n  - name: a\n    urls: [http://a.test/]\n    extra_hosts: [http://x.test/]\n", 4, "主机名"),
    ("sites:\n  - name: a\n    urls: [http://a.test/]\n    slug: ../up\n", 4, "slug"),
    ("sites:\n  - {name: a, urls: [http://a.test/], slug: x}\n  - {name: b, urls: [http://b.test/], slug: X}\n", 3, "slug “X” 重复"),
    ("site:\n  - name: a\n", 1, "未知的顶层键"),
    ("sites:\n  - name: a\n    urls: [http://a.test/]\n    profile: 门户\n    region: 重庆市渝中区\n", 2, ""),
    ("sites:\n  - name: a\n    urls: [http://a.test/]\n    profile: 网站\n", 4, "站点类型 “网站” 无效"),
    ("sites:\n  - name: a\n    urls: [http://a.test/]\n    region: 渝中\n", 4, "region “渝中” 无效"),
    ("sites: []\n", 1, "缺少 sites"),
    ("sites:\n  - name: a\n   urls: b\n", 3, "YAML 语法错误"),
])
def test_errors_name_file_and_line(rules_dir: Path, text: str, line: int, words: str):
    p = sites_file(rules_dir, text)
    if not words:  # a valid profile / region: loaded, kind normalised
        [site] = load_sites(p)[0]
        assert (site.profile, site.region) == ("政府门户网站", "重庆市渝中区")
        assert site.info()["profile"] == "政府门户网站"
        return
    with pytest.raises(SitesFileError) as e:
        load_sites(p)
    assert e.value.line == line, str(e.value)
    assert words in str(e.value)


def test_cli_exit_2_before_crawling(rules_dir: Path, capsys: pytest.CaptureFixture[str]):
    p = sites_file(rules_dir, "sites:\n  - name: a\n    urls: [ftp://a.test/]\n")
    assert main(["audit", "--sites", str(p), "--out", str(rules_dir / "out")]) == 2
    err = capsys.readouterr().err
    assert f"{p}:3:" in err and "ftp://a.test/" in err
    assert not (rules_dir / "out").exists()
    # a broken rule file named by a site is also exit 2, with the rule file's line
    (rules_dir / "bad.yaml").write_text("schema: govaudit.rules/1\nrules:\n  - id: X\n", encoding="utf-8")
    p = sites_file(rules_dir, "sites:\n  - name: a\n    urls: [http://a.test/]\n    rules: [bad.yaml]\n")
    assert main(["audit", "--sites", str(p), "--out", str(rules_dir / "out")]) == 2
    assert "bad.yaml:3:" in capsys.readouterr().err


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


def test_a_run_writes_each_site_and_the_index(rules_dir: Path, capsys: pytest.CaptureFixture[str]):
    sites = sites_file(rules_dir, """\
sites:
  - {name: 山城区人民政府, urls: [http://site.test/], unit: 山城区政府办公室, rules: [rubric.yaml]}
  - {name: 江北区人民政府, urls: [http://jb.test/], unit: 江北区政府办公室, rules: [rubric.yaml]}
  - {name: 巫山县人民政府, urls: [http://ws.test/], unit: 巫山县政府办公室, rules: [rubric.yaml]}
""")
    waivers = rules_dir / "waivers.yaml"
    waivers.write_text("- {rule_id: t-video, site: 山城区人民政府, reason: 改版中, approved_by: 区政府办公室, expires: 2022-06-30}\n",
                       encoding="utf-8")
    out = rules_dir / "out"
    args = build_parser().parse_args(["audit", "--sites", str(sites), "--out", str(out), "--as-of", "2021-12-31",
                                      "--no-verify-links", "--waivers", str(waivers)])
    code = run_sites(args, crawl=fake_crawl({"site.test": "2021-12-28", "jb.test": "2021-10-01"}))
    assert code == 1  # failures, and one site could not be audited
    for slug in ("site.test", "jb.test"):
        for f in ("report.html", "findings.json", "findings.csv", "整改台账.xlsx", "crawl.db"):
            assert (out / slug / f).is_file(), (slug, f)
    shan = json.loads((out / "site.test" / "findings.json").read_text(encoding="utf-8"))
    assert shan["site"]["name"] == "山城区人民政府" and shan["site"]["unit"] == "山城区政府办公室"
    # 政策文件 missing: −5; the veto passes; t-video waived for this site only
    assert shan["verdict"]["verdict"] == "合格" and shan["verdict"]["score"] == 95
    assert {f["rule_id"]: f["status"] for f in shan["findings"]}["t-video"] == "waived"
    jb = json.loads((out / "jb.test" / "findings.json").read_text(encoding="utf-8"))
    assert jb["verdict"]["verdict"] == "不合格"  # homepage not updated since October
    assert {f["rule_id"]: f["status"] for f in jb["findings"]}["t-video"] == "fail"
    # the index ranks them
    t = lxml_html.fromstring((out / "index.html").read_text(encoding="utf-8"))
    rows = t.xpath("//table[@id='sites-table']/tbody/tr")
    assert [(r.get("data-verdict"), r.get("data-sort-name")) for r in rows] == [
        ("合格", "山城区人民政府"), ("无法判断", "巫山县人民政府"), ("不合格", "江北区人民政府")]
    assert rows[0].xpath(".//a[text()='查看报告']/@href") == ["site.test/report.html"]
    assert "DNS 解析失败" in rows[1].text_content()
    rates = {r.xpath("td[1]//code")[0].text: r.xpath("td[2]")[0].text_content() for r in t.xpath("//table[@class='rules']/tbody/tr")}
    assert rates["t-home"] == "50%（1/2）" and rates["t-policy"] == "0%（0/2）"
    assert (out / "findings.csv").is_file() and (out / "整改台账.xlsx").is_file()
    listing = json.loads((out / "sites.json").read_text(encoding="utf-8"))
    assert [s["verdict"] for s in listing] == ["合格", "不合格", "无法判断"]
    printed = capsys.readouterr().out
    assert "山城区人民政府：国家检查指标 合格，得分 95" in printed and "index.html" in printed


def test_site_urls_and_sites_file_together_are_rejected(rules_dir: Path, capsys: pytest.CaptureFixture[str]):
    p = sites_file(rules_dir, "sites:\n  - {name: a, urls: [http://a.test/], rules: [rubric.yaml]}\n")
    assert main(["audit", "http://b.test/", "--sites", str(p)]) == 2
    assert "不能同时" in capsys.readouterr().err


def test_real_two_site_run_against_local_servers(rules_dir: Path):
    """Two sample sites on local ports, crawled concurrently by the real crawler."""
    pytest.importorskip("crawler.crawl.run")
    from crawler.demo.server import serve_sample_site

    out = rules_dir / "out"
    with serve_sample_site() as a, serve_sample_site() as b:
        sites = sites_file(rules_dir, f"""\
sites:
  - {{name: 重庆市山城区人民政府, urls: [{a.url}], unit: 山城区政府办公室, slug: shancheng, rules: [rubric.yaml]}}
  - {{name: 山城区示例二, urls: [{b.url}], unit: 示例二办公室, slug: second, rules: [rubric.yaml]}}
""")
        env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        proc = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "audit", "--sites", str(sites), "--out", str(out),
             "--as-of", "2021-12-31", "--max-pages", "60", "--no-verify-links"],
            check=False, capture_output=True, text=True, env=env, timeout=540)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    listing = json.loads((out / "sites.json").read_text(encoding="utf-8"))
    assert [s["error"] for s in listing] == ["", ""]
    for slug, server_url in (("shancheng", a.url), ("second", b.url)):
        doc = json.loads((out / slug / "findings.json").read_text(encoding="utf-8"))
        assert doc["pages"]["total"] > 5
        assert doc["verdict"]["verdict"] in ("合格", "不合格", "无法判断")
        assert (out / slug / "report.html").is_file()
        store = CrawlStore(out / slug / "crawl.db")  # each site has its own store
        try:
            assert [c.start_urls for c in store.list_crawls()] == [[server_url]]
        finally:
            store.close()
    t = lxml_html.fromstring((out / "index.html").read_text(encoding="utf-8"))
    assert len(t.xpath("//table[@id='sites-table']/tbody/tr")) == 2


def test_each_crawl_of_a_run_keeps_its_own_settings():
    """Scrapy merges the process settings into every crawler (`create_crawler`): the
    process built from the first job must not overwrite another job's store, hosts,
    limits, robots/resume choice or overrides."""
    from scrapy.crawler import AsyncCrawlerRunner, Crawler

    from crawler.crawl.run import crawl_settings, process_settings
    from crawler.crawl.spider import SiteSpider

    first = crawl_settings(store="a.db", extra_hosts=["xxgk.a.test"], max_pages=60,
                           settings={"LOG_LEVEL": "INFO", "DOWNLOAD_DELAY": 0})
    second = crawl_settings(store="b.db", max_pages=7, obey_robots=False, resume=False)
    runner = AsyncCrawlerRunner(process_settings(first))
    s = runner.create_crawler(Crawler(SiteSpider, second)).settings
    assert s.get("GOVAUDIT_STORE") == "b.db" and s.getint("CLOSESPIDER_PAGECOUNT") == 7
    assert s.getlist("GOVAUDIT_EXTRA_HOSTS") == [] and s.getfloat("DOWNLOAD_DELAY") == 0.5
    assert s.getbool("ROBOTSTXT_OBEY") is False and s.getbool("GOVAUDIT_RESUME") is False
    assert s.get("LOG_LEVEL") == "INFO"  # logging is process-wide: the first job's
    s = runner.create_crawler(Crawler(SiteSpider, first)).settings
    assert s.get("GOVAUDIT_STORE") == "a.db" and s.getlist("GOVAUDIT_EXTRA_HOSTS") == ["xxgk.a.test"]


NOTICE = """\
document: 渝中区测试工作要点
year: 2021
applies_to: {kinds: [政府门户网站, 部门网站, 乡镇（街道）网站], region: 重庆市渝中区}
rules:
  - {id: n-video, title: 政策解读设置视频子栏目, check: column_exists, path: 政策解读>视频解读, deadline: 2021-06-30}
  - {id: n-dept, title: 部门专栏, check: column_exists, path: 部门专栏, applies_to: {kinds: [部门网站]}}
"""


def test_sites_profile_and_region_choose_the_rules_of_a_folder(tmp_path: Path):
    """A folder of rules is filtered per site: a notice binds only the sites of its region
    (from sites.yaml `region:` or the site's name) and kind-restricted rules only that kind;
    rules that do not apply are not_applicable, out of the counts and the completion."""
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "notice.yaml").write_text(NOTICE, encoding="utf-8")
    sites = sites_file(tmp_path, """\
sites:
  - {name: 重庆市渝中区人民政府, urls: [http://yz.test/], rules: [rules]}
  - {name: 武隆区门户, urls: [http://wl.test/], rules: [rules], profile: 政府门户网站, region: 重庆市武隆区}
  - {name: 渝中区发改委, urls: [http://fg.test/], rules: [rules/notice.yaml], profile: 部门网站, region: 重庆市武隆区}
""")
    out = tmp_path / "out"
    args = build_parser().parse_args(["audit", "--sites", str(sites), "--out", str(out), "--as-of", "2021-12-31",
                                      "--no-verify-links"])
    run_sites(args, crawl=fake_crawl({"yz.test": "2021-12-28", "wl.test": "2021-12-28", "fg.test": "2021-12-28"}))

    def statuses(slug: str) -> tuple[dict, dict]:
        doc = json.loads((out / slug / "findings.json").read_text(encoding="utf-8"))
        return {f["rule_id"]: f["status"] for f in doc["findings"]}, doc

    yz, doc = statuses("yz.test")
    assert yz == {"n-video": "fail", "n-dept": "not_applicable"}
    assert doc["site"]["profile"]["kind"] == "政府门户网站" and doc["site"]["profile"]["source"] == "inferred"
    assert doc["completion"][0]["due"] == 1 and doc["completion"][0]["not_applicable"] == 1
    wl, doc = statuses("wl.test")
    assert wl == {"n-video": "not_applicable", "n-dept": "not_applicable"}
    assert doc["site"]["profile"]["region"] == "重庆市武隆区" and doc["summary"]["fail"] == 0
    fg, _ = statuses("fg.test")  # the file named explicitly applies whatever region; kinds still count
    assert fg == {"n-video": "fail", "n-dept": "fail"}
