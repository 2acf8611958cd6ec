"""The CLI's rule choice: national baselines by default (with one line on adding a notice),
--profile / --region decide which rules apply, and argparse speaks Chinese."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.cli.main import main
from crawler.model.page import ListItem, PageRecord
from crawler.store.crawls import CrawlStore
from rules import RULES_DIR


@pytest.fixture
def store(tmp_path: Path) -> Path:
    db = tmp_path / "crawl.db"
    st = CrawlStore(str(db))
    cid = st.start_crawl(["http://yz.test/"], [], {})
    st.add_pages(cid, [PageRecord(url="http://yz.test/", status=200, title="首页 - 重庆市渝中区人民政府",
                                  items=[ListItem("http://yz.test/a.html", "要闻", "2021-12-28")])])
    st.finish_crawl(cid, {})
    st.close()
    return db


def _doc(out: Path) -> dict:
    return json.loads((out / "findings.json").read_text(encoding="utf-8"))


def test_default_rules_are_the_national_baselines(store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "out"
    main(["evaluate", "--store", str(store), "--out", str(out), "--as-of", "2021-12-31"])
    printed = capsys.readouterr().out
    assert "未指定 --rules，只检查国家层面基线规则" in printed and "--rules" in printed
    doc = _doc(out)
    assert {f["rule_file"] for f in doc["findings"]} == {p.name for p in RULES_DIR.glob("national-*.yaml")}
    prof = doc["site"]["profile"]
    assert (prof["kind"], prof["region"], prof["source"]) == ("政府门户网站", "重庆市渝中区", "inferred")
    assert doc["site"]["name"] == "重庆市渝中区人民政府"  # from <title>: no SiteName meta
    st = {f["rule_id"]: f["status"] for f in doc["findings"]}
    assert st["national-dates-disclosure-annual-report-agencies"] == "not_applicable"
    assert st["national-dates-disclosure-annual-report-governments"] != "not_applicable"
    # the summary prints both results
    assert "国家检查指标：" in printed and "法定要求落实（" in printed and "站点类型：政府门户网站" in printed


def test_profile_and_region_options(store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "out"
    main(["evaluate", "--store", str(store), "--out", str(out), "--as-of", "2021-12-31", "--profile", "部门网站",
          "--region", "重庆市武隆区", "--rules", str(RULES_DIR)])
    doc = _doc(out)
    st = {f["rule_id"]: f["status"] for f in doc["findings"]}
    assert st["national-dates-disclosure-annual-report-governments"] == "not_applicable"
    assert st["national-dates-disclosure-annual-report-agencies"] != "not_applicable"
    by_file: dict[str, set[str]] = {}
    for f in doc["findings"]:
        by_file.setdefault(f["rule_file"], set()).add(f["status"])
    assert by_file["yuzhong-2021.yaml"] == {"not_applicable"} and by_file["chongqing-2020.yaml"] != {"not_applicable"}
    assert doc["site"]["profile"]["source"] == "option"
    # a rule that does not apply is in no count of the summary
    assert doc["summary"]["not_applicable"] == sum(1 for s in st.values() if s == "not_applicable")
    assert sum(doc["summary"][k] for k in ("pass", "fail", "pending", "unknown")) == \
        sum(1 for s in st.values() if s != "not_applicable")


def test_bad_profile_and_argparse_in_chinese(store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["evaluate", "--store", str(store), "--out", str(tmp_path / "o"), "--profile", "网站"]) == 2
    assert "站点类型 “网站” 无效" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["evaluate"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "缺少必填参数：--store" in err and "required" not in err
    with pytest.raises(SystemExit):
        main(["evaluate", "--help"])
    help_text = capsys.readouterr().out
    assert help_text.startswith("用法：") and "选项：" in help_text and "显示本帮助并退出" in help_text
    assert "usage:" not in help_text and "show this help" not in help_text
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.startswith("govaudit ")


@pytest.mark.parametrize("command", ["evaluate", "probe"])
def test_every_option_has_help(command: str):
    from crawler.cli.main import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    parser = sub.choices[command]  # type: ignore[attr-defined]
    for action in parser._actions:
        assert action.help, (command, action.dest)


SITES_NOTICE = """\
document: 渝中区测试工作要点
year: 2021
applies_to: {kinds: [政府门户网站, 部门网站, 乡镇（街道）网站], region: 重庆市渝中区}
rules:
  - {id: n-video, title: 政策解读设置视频子栏目, check: column_exists, path: 政策解读>视频解读, deadline: 2021-06-30}
  - {id: n-dept, title: 部门专栏, check: column_exists, path: 部门专栏, applies_to: {kinds: [部门网站]}}
"""


def test_sites_take_the_command_line_profile_where_their_entry_sets_none(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]):
    """--profile / --region with --sites: each field applies to the entries that leave it
    out; an entry's own profile or region wins."""
    from crawler.cli.main import build_parser
    from crawler.cli.sites import run_sites
    from tests.support.sitesdocs import fake_crawl

    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "notice.yaml").write_text(SITES_NOTICE, encoding="utf-8")
    sites = tmp_path / "sites.yaml"
    sites.write_text("""\
sites:
  - {name: 甲网站, urls: [http://a.test/], rules: [rules]}
  - {name: 乙网站, urls: [http://b.test/], rules: [rules], profile: 政府门户网站}
  - {name: 丙网站, urls: [http://c.test/], rules: [rules], profile: 政府门户网站, region: 重庆市武隆区}
""", encoding="utf-8")
    out = tmp_path / "out"
    argv = ["audit", "--sites", str(sites), "--out", str(out), "--as-of", "2021-12-31", "--no-verify-links",
            "--profile", "部门网站", "--region", "重庆市渝中区"]
    run_sites(build_parser().parse_args(argv), crawl=fake_crawl({"a.test": "2021-12-28", "b.test": "2021-12-28",
                                                                  "c.test": "2021-12-28"}))

    def site(slug: str) -> tuple[dict[str, str], dict]:
        doc = _doc(out / slug)
        return {f["rule_id"]: f["status"] for f in doc["findings"]}, doc["site"]["profile"]

    st, prof = site("a.test")  # nothing in the entry: the command line's kind and region
    assert (prof["kind"], prof["region"], prof["source"]) == ("部门网站", "重庆市渝中区", "option")
    assert st == {"n-video": "fail", "n-dept": "fail"}
    st, prof = site("b.test")  # the entry's kind, the command line's region
    assert (prof["kind"], prof["region"]) == ("政府门户网站", "重庆市渝中区")
    assert st == {"n-video": "fail", "n-dept": "not_applicable"}
    st, prof = site("c.test")  # the entry's own kind and region win
    assert (prof["kind"], prof["region"], prof["source"]) == ("政府门户网站", "重庆市武隆区", "sites")
    assert st == {"n-video": "not_applicable", "n-dept": "not_applicable"}
    # a bad --profile with --sites is refused before anything is crawled; --help says how it combines
    capsys.readouterr()
    assert main(["audit", "--sites", str(sites), "--out", str(tmp_path / "o2"), "--profile", "网站"]) == 2
    assert "站点类型 “网站” 无效" in capsys.readouterr().err and not (tmp_path / "o2").exists()
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    helps = {a.dest: a.help for a in sub.choices["audit"]._actions}  # type: ignore[attr-defined]
    assert "--sites" in helps["profile"] and "清单中写明的优先" in helps["profile"]
    assert "--sites" in helps["region"] and "清单中写明的优先" in helps["region"]
