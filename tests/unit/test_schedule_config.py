"""sites.yaml keys of a schedule (strict, file:line), triggers and the missed-run policy."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from crawler.cli.main import main
from crawler.ruleset.sites import (
    SitesFileError,
    SiteSpec,
    interval_seconds,
    load_sites,
    parse_schedule,
)
from crawler.runner.schedule import audit_argv, make_job, missed_run


def _write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "sites.yaml"
    p.write_text(body, encoding="utf-8")
    return p


def test_schedule_keys_loaded_with_file_defaults(tmp_path: Path):
    (tmp_path / "w.yaml").write_text("- {rule_id: x, site: 甲, reason: 建设中, approved_by: 办公室, expires: 2030-01-01}\n",
                                     encoding="utf-8")
    p = _write(tmp_path, """\
schedule: "0 2 * * 1"
misfire: skip
notify: [{kind: webhook, url_env: HOOK}]
sites:
  - name: 甲
    urls: [https://www.a.gov.cn/]
    probe_interval: 10m
    profile: 政府门户网站
    region: 重庆市渝中区
    max_pages: 300
    delay: 1.5
    waivers: w.yaml
    exclude: ['/search', 'calendar\\?date=']
  - name: 乙
    urls: [https://www.b.gov.cn/]
    schedule: every 6h
    misfire: run_once
    notify: []
""")
    (a, b), _ = load_sites(p)
    assert (a.schedule, a.misfire, a.probe_interval, a.profile, a.max_pages, a.delay) == \
        ("0 2 * * 1", "skip", 600.0, "政府门户网站", 300, 1.5)
    assert a.waivers == str(tmp_path / "w.yaml") and a.exclude == ["/search", "calendar\\?date="]
    assert [t.kind for t in a.notify] == ["webhook"]
    assert (b.schedule, b.misfire, b.notify, b.probe_interval) == ("every 6h", "run_once", [], None)
    argv = audit_argv(make_job(a, 7, "h", _opts(tmp_path)))
    i = argv.index("--exclude")
    assert argv[i + 1] == "/search" and "--max-pages" in argv and argv[argv.index("--run-id") + 1] == "7"
    assert argv[argv.index("--profile") + 1] == "政府门户网站" and argv[argv.index("--region") + 1] == "重庆市渝中区"
    assert argv[argv.index("--delay") + 1] == "1.5" and argv[argv.index("--waivers") + 1] == a.waivers


def _opts(tmp_path: Path):
    from crawler.runner.schedule import ScheduleOptions

    return ScheduleOptions(out_dir=tmp_path / "out", history=str(tmp_path / "h.db"), probe_store=str(tmp_path / "p.db"))


@pytest.mark.parametrize("entry, key, words", [
    ('schedule: "0 25 * * *"', "schedule", "cron"),
    ('schedule: "sometimes"', "schedule", "无法识别"),
    ("probe_interval: fast", "probe_interval", "probe_interval"),
    ("misfire: later", "misfire", "run_once"),
    ("max_pages: -3", "max_pages", "正整数"),
    ("delay: soon", "delay", "秒数"),
    ("waivers: nowhere.yaml", "waivers", "不存在"),
    ("exclude: ['(']", "exclude", "正则"),
    ("notify: [{kind: fax}]", "notify", "kind"),
    ("shedule: '0 2 * * 1'", "shedule", "schedule"),
])
def test_bad_schedule_keys_are_one_located_line(tmp_path: Path, entry: str, key: str, words: str, capsys):
    p = _write(tmp_path, f"sites:\n  - name: 甲\n    urls: [https://www.a.gov.cn/]\n    {entry}\n")
    with pytest.raises(SitesFileError) as e:
        load_sites(p)
    assert str(e.value).startswith(f"{p}:4:") and words in str(e.value), str(e.value)
    assert main(["schedule", str(p), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"{p}:4:" in err


def test_notify_trigger_key_on_written_unquoted_is_read(tmp_path: Path, capsys):
    # YAML 1.1 reads a plain `on:` as the boolean True; the trigger list must not be lost
    p = _write(tmp_path, """\
notify: [{kind: webhook, url_env: HOOK, on: [verdict]}]
sites:
  - name: 甲
    urls: [https://www.a.gov.cn/]
    notify:
      - kind: webhook
        url_env: HOOK
        on: [down]
  - name: 乙
    urls: [https://www.b.gov.cn/]
""")
    (a, b), _ = load_sites(p)
    assert [t.on for t in a.notify] == [("down",)] and [t.on for t in b.notify] == [("verdict",)]
    # a key that is not a target key (even one YAML 1.1 would read as a boolean) is still one located line
    bad = _write(tmp_path, "sites:\n  - name: 甲\n    urls: [https://www.a.gov.cn/]\n"
                           "    notify:\n      - kind: webhook\n        url_env: HOOK\n        yes: [down]\n")
    with pytest.raises(SitesFileError, match=r":7: .*未知的键 “yes”"):
        load_sites(bad)
    assert main(["schedule", str(bad), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"{bad}:7:" in err and "“yes”" in err


def test_triggers_cron_dow_six_fields_and_intervals():
    now = datetime(2024, 1, 3, 12, 0, 0).astimezone()  # a Wednesday
    monday = parse_schedule("0 2 * * 1").get_next_fire_time(None, now)
    assert (monday.weekday(), monday.hour, monday.minute) == (0, 2, 0)  # cron's 1 = Monday
    sunday = parse_schedule("0 2 * * 0").get_next_fire_time(None, now)
    assert sunday.weekday() == 6
    t = parse_schedule("*/20 * * * * *")
    nxt = t.get_next_fire_time(None, now + timedelta(seconds=1))
    assert nxt.second == 20
    assert interval_seconds("90s") == 90 and interval_seconds("every 2h") == 7200 and interval_seconds(30) == 30
    it = parse_schedule("every 30m", start_date=now)
    assert it.get_next_fire_time(None, now + timedelta(minutes=1)) == now + timedelta(minutes=30)


def test_missed_run_policy():
    site = SiteSpec(name="甲", urls=["https://www.a.gov.cn/"], slug="a", schedule="0 2 * * *")
    now = datetime(2024, 1, 3, 12, 0, 0).astimezone()
    assert missed_run(site, (now - timedelta(days=2)).isoformat(), now)  # 02:00 passed since
    assert not missed_run(site, (now - timedelta(hours=5)).isoformat(), now)  # last run 07:00 today
    assert not missed_run(site, None, now)  # never run: waits for its schedule


def test_status_lists_runs_by_state(tmp_path: Path, capsys):
    from crawler.store.results import ResultsStore

    db = tmp_path / "history.db"
    with ResultsStore(db) as rs:
        done = rs.start_run("a", as_of="2024-01-01", state="queued")
        rs.set_state(done, "running")
        rs.finish_run(done, {"findings": [], "verdict": {"verdict": "合格"}, "site": {"reachable": True}})
        bad = rs.start_run("b", as_of="2024-01-01")
        rs.fail_run(bad, "已中断（调度程序停止）")
        rs.start_run("c", as_of="2024-01-01", state="queued")
        assert rs.acquire_lock("site:c", "sched", 60)
        rs.start_run("d", as_of="2024-01-01")  # running, nobody holds d's lock
    assert main(["status", "--history", str(db)]) == 0
    out = capsys.readouterr().out
    assert "排队中 1　运行中 1　已完成 1　失败 1" in out
    lines = {ln.split()[1]: ln for ln in out.splitlines()[2:]}
    assert "已完成" in lines["a"] and "失败" in lines["b"] and "已中断" in lines["b"]
    assert "排队中" in lines["c"] and "可能已中断" not in lines["c"]
    assert "运行中" in lines["d"] and "可能已中断" in lines["d"]
    assert main(["status", "--history", str(db), "--state", "failed"]) == 0
    assert "b" in capsys.readouterr().out
    assert main(["status", "--history", str(tmp_path / "none.db")]) == 2


@pytest.mark.parametrize("policy, runs", [("run_once", ["a"]), ("skip", [])])
def test_missed_run_at_start_up(tmp_path: Path, policy: str, runs: list[str]):
    import time

    from crawler.runner.schedule import Scheduler
    from crawler.store.results import ResultsStore

    with ResultsStore(tmp_path / "h.db") as rs:  # a run two days ago; the daily 02:00 passed since
        rid = rs.start_run("a", as_of="2024-01-01")
        rs.fail_run(rid, "x")
        with rs.engine.begin() as conn:
            from sqlalchemy import text

            conn.execute(text("UPDATE runs SET started_at = :t"),
                         {"t": (datetime.now().astimezone() - timedelta(days=2)).isoformat()})
    site = SiteSpec(name="甲", urls=["https://www.a.gov.cn/"], slug="a", schedule="0 2 * * *", misfire=policy)
    opts = _opts(tmp_path)
    opts.history = str(tmp_path / "h.db")
    s = Scheduler([site], opts, out=lambda _m: None)
    called: list[str] = []
    s.audit_now = lambda slug: called.append(slug)  # type: ignore[method-assign]
    s.start()
    time.sleep(1.0)
    s.stop()
    assert called == runs
