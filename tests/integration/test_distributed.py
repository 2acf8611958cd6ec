"""Scale-out for real: a Celery worker (solo pool, in a subprocess, on the test Redis DB)
audits two local sample sites into a shared PostgreSQL store; the coordinator
(`govaudit audit --sites … --distributed`) writes the same reports and index page."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from lxml import html as lxml_html

from crawler.cli.main import main
from tests.support import ROOT

pytestmark = pytest.mark.slow  # long: deselect with -m "not slow"

RULES = """\
schema: govaudit.rules/1
document: 分布式测试规则
year: 2021
rules:
  - {id: d-zcjd, title: 政策解读子栏目, check: subcolumns, path: 政务公开>政府信息公开目录>政策解读,
     children: 视频/图片/文字, deadline: 2021-06-30}
  - {id: d-negative-list, title: 市场准入负面清单, check: column_exists, path: 政务公开>政府信息公开目录>市场准入负面清单}
  - {id: d-budget, title: 预算/决算, check: column_exists, path: 政府信息公开>法定主动公开内容>预算/决算}
  - {id: d-home, title: 首页更新, check: homepage_updated, params: {max_days: 14}}
"""


def _env(redis_url: str, queue: str) -> dict[str, str]:
    return {**os.environ, "GOVAUDIT_BROKER": redis_url, "GOVAUDIT_RESULT_BACKEND": redis_url,
            "GOVAUDIT_QUEUE": queue, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


@pytest.fixture
def queue(redis_url: str):
    """A queue of its own on the test Redis DB (removed afterwards)."""
    import redis

    name = f"govaudit-test-{uuid.uuid4().hex[:8]}"
    yield name
    r = redis.Redis.from_url(redis_url)
    for key in [name, *r.scan_iter(f"*{name}*")]:  # the queue and kombu's bindings of it
        r.delete(key)
    r.close()


@pytest.fixture
def worker(redis_url: str, queue: str, tmp_path: Path):
    """`celery -A crawler.runner.distributed worker` with the solo pool, consuming `queue`."""
    log_path = tmp_path / "worker.log"
    log = log_path.open("w", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "crawler.runner.distributed", "worker", "--pool", "solo",
         "--concurrency", "1", "-Q", queue, "-n", f"{queue}@%h", "--without-gossip", "--without-mingle",
         "--loglevel", "INFO"],
        cwd=ROOT, env=_env(redis_url, queue), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while "ready." not in log_path.read_text(encoding="utf-8", errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("Celery worker did not start:\n" + log_path.read_text(encoding="utf-8")[-3000:])
            time.sleep(0.2)
        yield log_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def pg_store(pg_url: str):
    """The shared store: a PostgreSQL schema of its own (dropped afterwards)."""
    from sqlalchemy import create_engine, text

    schema = f"ga_dist_{uuid.uuid4().hex[:8]}"
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{pg_url}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


@pytest.mark.services
def test_two_sites_on_a_worker_into_postgres(tmp_path: Path, redis_url: str, queue: str, worker: Path,
                                             pg_store: str):
    from crawler.demo.server import SITE_DIR
    from crawler.store.crawls import CrawlStore
    from tests.support.mockserver import serve_static

    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    (tmp_path / "waivers.yaml").write_text(
        "- {rule_id: d-negative-list, site: 山城区示例二, reason: 栏目建设中, approved_by: 区政府办公室,"
        " expires: 2022-06-30}\n", encoding="utf-8")
    out = tmp_path / "out"
    with serve_static(SITE_DIR) as a, serve_static(SITE_DIR) as b:
        (tmp_path / "sites.yaml").write_text(f"""\
rules: [rules.yaml]
sites:
  - {{name: 重庆市山城区人民政府, urls: [{a.url}], unit: 山城区政府办公室, slug: shancheng}}
  - {{name: 山城区示例二, urls: [{b.url}], unit: 示例二办公室, slug: second, profile: 部门网站}}
""", encoding="utf-8")
        t0 = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "audit", "--sites", str(tmp_path / "sites.yaml"), "--distributed",
             "--store", pg_store, "--out", str(out), "--as-of", "2021-12-31", "--max-pages", "60", "--delay", "0",
             "--no-verify-links", "--waivers", str(tmp_path / "waivers.yaml"), "--wait", "75",
             "--region", "重庆市武隆区"],
            cwd=ROOT, env=_env(redis_url, queue), capture_output=True, text=True, timeout=85, check=False)
        elapsed = time.monotonic() - t0
    log = worker.read_text(encoding="utf-8", errors="replace")
    assert proc.returncode == 1, proc.stdout + proc.stderr + log[-3000:]  # findings fail
    assert "Traceback" not in proc.stderr and elapsed < 75
    assert "govaudit.audit_site" in log and "succeeded" in log  # the worker ran the tasks
    listing = json.loads((out / "sites.json").read_text(encoding="utf-8"))
    assert [(s["slug"], s["error"]) for s in listing] == [("shancheng", ""), ("second", "")]

    store = CrawlStore(pg_store)
    try:
        crawl_ids = set()
        for slug, url, name in (("shancheng", a.url, "重庆市山城区人民政府"), ("second", b.url, "山城区示例二")):
            doc = json.loads((out / slug / "findings.json").read_text(encoding="utf-8"))
            assert doc["site"]["name"] == name and doc["site"]["slug"] == slug
            # the entry's profile, the command line's region where the entry sets none
            prof = doc["site"]["profile"]
            assert (prof["kind"], prof["region"]) == ("部门网站" if slug == "second" else "政府门户网站", "重庆市武隆区")
            f = {x["rule_id"]: x for x in doc["findings"]}
            assert f["d-zcjd"]["status"] == "fail" and f["d-zcjd"]["missing"] == ["视频"]
            assert f["d-budget"]["status"] == "pass" and f["d-home"]["status"] == "pass"
            # the waiver names the second site by its name in sites.yaml (not on its pages):
            # it applies there only
            assert f["d-negative-list"]["status"] == ("waived" if slug == "second" else "fail")
            assert (out / slug / "report.html").is_file()
            # the crawl is in the shared PostgreSQL store, under its own id
            info = store.crawl_info(doc["crawl"]["id"])
            assert info is not None and info.start_urls == [url] and info.state == "finished"
            assert store.page_count(info.id) == doc["pages"]["total"] > 5
            crawl_ids.add(info.id)
        assert len(crawl_ids) == 2 and len(store.list_crawls()) == 2
    finally:
        store.close()
    t = lxml_html.fromstring((out / "index.html").read_text(encoding="utf-8"))
    rows = t.xpath("//table[@id='sites-table']/tbody/tr")
    assert sorted(r.get("data-sort-name") for r in rows) == ["山城区示例二", "重庆市山城区人民政府"]


@pytest.mark.services
def test_no_worker_times_out_and_reports_each_site(tmp_path: Path, redis_url: str, queue: str):
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    (tmp_path / "sites.yaml").write_text(
        "rules: [rules.yaml]\nsites:\n  - {name: 无人处理, urls: [http://a.test/]}\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "audit", "--sites", str(tmp_path / "sites.yaml"), "--distributed",
         "--out", str(out), "--wait", "1.5"],
        cwd=ROOT, env=_env(redis_url, queue), capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 1, proc.stderr
    listing = json.loads((out / "sites.json").read_text(encoding="utf-8"))
    assert "等待超时" in listing[0]["error"] and "Traceback" not in proc.stderr
    assert (out / "index.html").is_file()


def test_distributed_needs_a_sites_file(capsys: pytest.CaptureFixture[str]):
    assert main(["audit", "http://a.test/", "--distributed"]) == 2
    assert "--sites" in capsys.readouterr().err


def test_the_task_command_line(tmp_path: Path):
    pytest.importorskip("celery")
    from crawler.runner.distributed import audit_command, redact_url, run_site_audit
    from rules import RULES_DIR

    site = {"name": "甲", "urls": ["http://a.test/"], "slug": "a", "extra_hosts": ["xxgk.a.test"]}
    cmd = audit_command(site, ["/elsewhere/rules/national-dates.yaml"], "2021-12-31", "postgresql://db/x",
                        str(tmp_path), {"max_pages": 60, "delay": 0, "no_verify_links": True, "fresh": False,
                         "task_timeout": 5})
    assert cmd[1:6] == ["-m", "crawler.cli", "audit", "http://a.test/", "--store"]
    assert ["--rules", str(RULES_DIR / "national-dates.yaml")] == cmd[cmd.index("--rules"):cmd.index("--rules") + 2]
    assert "--no-verify-links" in cmd and "--fresh" not in cmd and cmd[cmd.index("--max-pages") + 1] == "60"
    assert cmd[cmd.index("--extra-host") + 1] == "xxgk.a.test" and cmd[cmd.index("--delay") + 1] == "0"
    assert "--profile" not in cmd and "--region" not in cmd  # none given: the worker infers them
    # the site's profile (its sites.yaml entry's, else the coordinator's --profile/--region) reaches the worker
    cmd = audit_command({**site, "profile": "部门网站", "region": "重庆市渝中区"}, [], "", "", str(tmp_path), {})
    assert cmd[cmd.index("--profile") + 1] == "部门网站" and cmd[cmd.index("--region") + 1] == "重庆市渝中区"
    from crawler.cli.sites import _with_profile

    cli = {"kind": "乡镇（街道）网站", "region": "重庆市武隆区"}
    assert _with_profile({"name": "甲", "profile": "部门网站"}, cli) == \
        {"name": "甲", "profile": "部门网站", "region": "重庆市武隆区"}
    with pytest.raises(ValueError, match="未知的抓取选项"):
        audit_command(site, [], "", "", str(tmp_path), {"max_page": 1})
    r = run_site_audit(site, ["/nowhere/own-rules.yaml"], "2021-12-31", "", str(tmp_path / "o"))
    assert "own-rules.yaml" in r["error"] and r["slug"] == "a"
    assert redact_url("postgresql+psycopg://u:secret@db:5432/x") == "postgresql+psycopg://u:***@db:5432/x"
