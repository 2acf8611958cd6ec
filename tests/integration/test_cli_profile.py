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
