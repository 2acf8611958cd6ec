"""Bad setups are told in one Chinese line, and an unaudited site is never a clean result.

- an unreachable site (DNS failure, connection refused) exits 1, shows no score, and gives
  the reason in Chinese in the CLI, the report banner and every "无法判断" message;
- two audits writing the same store at once: the second is refused (SQLite file lock,
  PostgreSQL advisory lock), naming the holder;
- a missing optional dependency (psycopg, celery, playwright) names the pip extra, no
  traceback;
- --max-pages 0, negative --max-depth / --max-links, --link-budget 0: exit 2, one line.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from crawler.store.lock import StoreBusy, store_lock
from tests.support.faultserver import (
    ROOT,
    GeneratedSite,
    cli_env,
    run_cli,
    write_rules,
)
from tests.support.linksite import closed_port
from tests.support.mockserver import MockServer

RULES = [{"id": "t-col", "title": "设置栏目3", "check": "column_exists", "path": "栏目3"}]
CODES = re.compile(r"（(?:dns|refused|timeout|connection)）|\b(?:dns|refused)\b")


def _no_codes(text: str) -> None:
    assert not CODES.search(text), f"a failure code is shown instead of its Chinese reason: {CODES.search(text)}"


@pytest.mark.parametrize("host, reason", [("www.shancheng.invalid", "域名无法解析"), (None, "连接被拒绝")])
def test_unreachable_site_exits_1_without_score(tmp_path: Path, host: str | None, reason: str) -> None:
    url = f"http://{host}/" if host else f"http://127.0.0.1:{closed_port()}/"
    out = tmp_path / "out"
    r, _ = run_cli(["audit", url, "--out", str(out), "--timeout", "5", "--max-pages", "5"], timeout=180)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert "得分" not in r.stdout
    assert reason in r.stdout and "未能检查" in r.stdout
    _no_codes(r.stdout)
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert doc["site"]["reachable"] is False
    assert doc["site"]["unreachable_reason"] == reason
    assert doc["verdict"]["score"] is None and doc["verdict"]["verdict"] == "无法判断"
    messages = [f.get("message", "") for f in doc["findings"] if f["status"] == "unknown"]
    assert any(reason in m for m in messages)
    for m in messages + [doc["verdict"]["reason"]]:
        _no_codes(m)
    html = (out / "report.html").read_text(encoding="utf-8")
    banner = re.search(r'id="unreachable">(.*?)</div>', html, re.DOTALL)
    assert banner and reason in banner.group(1)
    _no_codes(banner.group(1))
    # no completion figures for a site never read: not in the CLI, the report or the workbook
    assert "应完成" not in r.stdout and "检查完成" not in r.stdout and "不通过" not in r.stdout
    assert doc["completion"] == []
    _no_completion_figures(html, out / "整改台账.xlsx", reason)


def _no_completion_figures(html: str, xlsx: Path, reason: str) -> None:
    scores = re.search(r'id="scores">(.*?)</section>', html, re.DOTALL)
    assert scores and not re.search(r"应完成 \d", scores.group(1)) and "未能检查" in scores.group(1)
    cells = [str(v) for row in load_workbook(xlsx)["汇总"].iter_rows(min_row=2, values_only=True) for v in row if v]
    assert not any(re.search(r"应完成 \d", c) for c in cells) and f"未能检查（站点无法访问：{reason}）" in cells


def test_sites_run_whose_only_site_fails_dns_exits_1(tmp_path: Path) -> None:
    sites = tmp_path / "sites.yaml"
    sites.write_text("sites:\n  - name: 山城区\n    urls: [http://www.shancheng.invalid/]\n", encoding="utf-8")
    r, _ = run_cli(["audit", "--sites", str(sites), "--out", str(tmp_path / "out"), "--timeout", "5"], timeout=180)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "域名无法解析" in r.stdout and "得分" not in r.stdout and "应完成" not in r.stdout
    listed = json.loads((tmp_path / "out" / "sites.json").read_text(encoding="utf-8"))
    assert listed[0]["score"] is None
    site_dir = tmp_path / "out" / listed[0]["slug"]
    _no_completion_figures((site_dir / "report.html").read_text(encoding="utf-8"), site_dir / "整改台账.xlsx",
                           "域名无法解析")
    cells = [str(v) for row in load_workbook(tmp_path / "out" / "整改台账.xlsx")["汇总"].iter_rows(values_only=True)
             for v in row if v]
    assert not any(re.search(r"应完成 \d", c) for c in cells)


@pytest.mark.parametrize("args, option", [
    (["--max-pages", "0"], "--max-pages"), (["--max-pages", "-5"], "--max-pages"),
    (["--max-depth", "-1"], "--max-depth"), (["--max-links", "-1"], "--max-links"),
    (["--link-budget", "0"], "--link-budget"),
])
def test_bad_bounds_are_rejected(tmp_path: Path, args: list[str], option: str) -> None:
    r, _ = run_cli(["audit", "http://www.example.invalid/", "--out", str(tmp_path / "o"), *args], timeout=60)
    assert r.returncode == 2
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and option in lines[0] and "无效" in lines[0], r.stderr
    assert not (tmp_path / "o" / "crawl.db").exists()  # nothing started


# -- missing optional dependencies ----------------------------------------------------------
def _run_without(modules: list[str], argv: list[str]) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess where importing `modules` fails as if they were not installed."""
    code = ("import sys\n"
            f"for m in {modules!r}: sys.modules[m] = None\n"
            "from crawler.cli.main import main\n"
            f"sys.exit(main({argv!r}))\n")
    return subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120,
                          env=cli_env(), cwd=ROOT)


def _one_line(r: subprocess.CompletedProcess[str], extra: str) -> None:
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, r.stderr
    assert f"pip install 'govaudit[{extra}]'" in lines[0]


def test_missing_psycopg_for_a_postgresql_store(tmp_path: Path) -> None:
    r = _run_without(["psycopg", "psycopg2"], ["audit", "http://www.example.invalid/", "--out", str(tmp_path),
                                               "--store", "postgresql+psycopg://postgres@127.0.0.1:5432/test"])
    _one_line(r, "postgres")
    r = _run_without(["psycopg", "psycopg2"], ["evaluate", "--store", "postgresql://postgres@127.0.0.1:5432/test",
                                               "--out", str(tmp_path)])
    _one_line(r, "postgres")


def test_missing_celery_for_distributed(tmp_path: Path) -> None:
    sites = tmp_path / "sites.yaml"
    sites.write_text("sites:\n  - name: 测试区\n    urls: [http://www.example.invalid/]\n", encoding="utf-8")
    r = _run_without(["celery"], ["audit", "--sites", str(sites), "--distributed", "--out", str(tmp_path / "o")])
    _one_line(r, "distributed")


def test_missing_playwright_for_render(tmp_path: Path) -> None:
    from crawler.crawl.render import chromium_path

    if chromium_path() is None:
        pytest.skip("no Chromium on this machine: --render auto names the browser first")
    r = _run_without(["scrapy_playwright", "playwright"], ["audit", "http://www.example.invalid/", "--render", "auto",
                                                           "--out", str(tmp_path)])
    _one_line(r, "render")


# -- one audit per store -----------------------------------------------------------------------
def test_sqlite_store_lock_refuses_a_second_holder(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    with store_lock(db, "http://a.example/"):
        with pytest.raises(StoreBusy) as e, store_lock(db, "http://a.example/"):
            pass
        assert str(os.getpid()) in str(e.value) and "正被另一个检查使用" in str(e.value)
    with store_lock(db, "http://a.example/"):  # released: free again
        pass


def test_second_audit_on_a_held_sqlite_store_is_refused(tmp_path: Path) -> None:
    site = GeneratedSite(pages=12, columns=3, delay=0.0)
    rules = write_rules(str(tmp_path / "rules.yaml"), RULES)
    with MockServer(site) as srv:
        out = tmp_path / "out"
        with store_lock(out / "crawl.db", srv.url):  # an audit (this process) holds the store
            r, _ = run_cli(["audit", srv.url, "--rules", rules, "--out", str(out), "--delay", "0"], timeout=120)
        assert r.returncode == 2, r.stdout + r.stderr
        lines = [x for x in r.stderr.splitlines() if x.strip()]
        assert len(lines) == 1 and "正被另一个检查使用" in lines[0] and str(os.getpid()) in lines[0]
        assert srv.hits_by("govaudit/")["/"] == 0  # nothing was crawled
        r, _ = run_cli(["audit", srv.url, "--rules", rules, "--out", str(out), "--delay", "0", "--no-verify-links"],
                       timeout=180)
        assert r.returncode in (0, 1), r.stdout + r.stderr  # free again once the holder ends


@pytest.mark.services
def test_postgresql_advisory_lock(pg_url: str, tmp_path: Path) -> None:
    site = "http://lock-test.example/"
    with store_lock(pg_url, site):
        with pytest.raises(StoreBusy) as e, store_lock(pg_url, site):
            pass
        assert f"进程 {os.getpid()}" in str(e.value)
        with store_lock(pg_url, "http://another-site.example/"):  # other sites share the database
            pass
        r = subprocess.run([sys.executable, "-m", "crawler.cli", "audit", site, "--store", pg_url,
                            "--out", str(tmp_path)], check=False, capture_output=True, text=True, timeout=120,
                           env=cli_env(), cwd=ROOT)
        assert r.returncode == 2 and "正被另一个检查使用" in r.stderr and "Traceback" not in r.stderr
    with store_lock(pg_url, site):  # released
        pass
