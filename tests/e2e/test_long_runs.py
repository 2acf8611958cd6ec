"""Long audits a person can watch and stop (real CLI, local sites).

- progress: on a terminal (a pseudo-TTY) the phases 抓取 / 链接核验 / 站点属性 / 评估 are shown
  with a page count; without a terminal, plain periodic lines say the same;
- SIGTERM during the crawl and during link verification (a site whose images answer
  slowly) ends the audit within a few seconds, keeps the store and says how to resume; the
  rerun continues without fetching the stored pages again;
- link verification bounds (--max-links, --link-budget) are stated in findings.json and
  in the report.
"""
from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from crawler.net.http import USER_AGENT
from tests.support.faultserver import ROOT, GeneratedSite, cli_env, gov_page, write_rules
from tests.support.linksite import png_bytes
from tests.support.mockserver import Handler, MockServer, Routes

RULES = [{"id": "t-col", "title": "设置栏目1", "check": "column_exists", "path": "栏目1"}]
PNG = png_bytes()
CRAWL_AGENT = USER_AGENT.split(" (")[0] + " ("  # the crawl's requests (link checks say "link-check")


class SlowImageSite(Routes):
    """A home page, `pages` articles and `images` images per article; the images answer
    after `image_delay` seconds while `slow` is set (a slow image server). With
    `slow_articles_for` (a User-Agent part), articles answer that client as slowly too."""

    NAV = [("栏目1", "/col1/")]

    def __init__(self, pages: int = 6, images: int = 8, image_delay: float = 20.0,
                 slow_articles_for: str = "") -> None:
        self.pages, self.images, self.image_delay = pages, images, image_delay
        self.slow_articles_for = slow_articles_for
        self.slow = threading.Event()
        self.slow.set()
        super().__init__({"/robots.txt": lambda h: h.send(200, "User-agent: *\nAllow: /\n", "text/plain"),
                          "/": lambda h: h.html(gov_page("慢图片站", nav=self.NAV, column="首页")),
                          "/col1/": self.column, "*": Handler.not_found},
                         mounts={"/img/": self.image, "/col1/a": self.article})

    def _slow(self, h: Handler) -> bool:
        """Whether to answer this request slowly (only the `slow_articles_for` client, if given)."""
        return self.slow.is_set() and self.slow_articles_for in h.headers.get("User-Agent", "")

    def image(self, h: Handler) -> None:
        if self._slow(h) and not h.sleep(self.image_delay):
            return h.reset()
        h.send(200, PNG, "image/png")

    def column(self, h: Handler) -> None:
        items = [(f"/col1/a{i}.html", f"文章{i}", "2021-06-01") for i in range(self.pages)]
        h.html(gov_page("栏目1", nav=self.NAV, crumbs=[("首页", "/"), ("栏目1", "/col1/")], items=items))

    def article(self, h: Handler) -> None:
        m = re.fullmatch(r"/col1/a(\d+)\.html", h.url_path)
        if not m or int(m.group(1)) >= self.pages:
            return h.not_found()
        if self.slow_articles_for and self._slow(h) and not h.sleep(self.image_delay):
            return h.reset()
        imgs = "".join(f'<img src="/img/{m.group(1)}-{j}.png">' for j in range(self.images))
        h.html(gov_page(f"文章{m.group(1)}", nav=self.NAV, crumbs=[("首页", "/"), ("栏目1", "/col1/")],
                        body=f"<h1>文章{m.group(1)}</h1><p>发布时间：2021-06-01</p>{imgs}"))


def _env(**extra: str) -> dict[str, str]:
    env = cli_env()
    env.update(GOVAUDIT_PROGRESS_INTERVAL="0.3", **extra)
    return env


def _start(args: list[str], **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "crawler.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env(**env), cwd=ROOT)


class _Reader:
    """Collects a stream in a thread so a test can wait for a line."""

    def __init__(self, stream: object) -> None:
        self.text = ""
        self._t = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._t.start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.text += line

    def wait_for(self, pattern: str, timeout: float) -> re.Match[str]:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            m = re.search(pattern, self.text)
            if m:
                return m
            time.sleep(0.1)
        raise AssertionError(f"{pattern!r} not seen in {timeout:.0f} s:\n{self.text[-3000:]}")

    def join(self) -> None:
        self._t.join(5)


def _stop_and_time(proc: subprocess.Popen[str], sig: int) -> float:
    t0 = time.monotonic()
    proc.send_signal(sig)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return time.monotonic() - t0


def _db_rows(db: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(str(db))
    try:
        return list(con.execute(sql))
    finally:
        con.close()


def test_progress_on_a_terminal_shows_phases_and_pages(tmp_path: Path) -> None:
    site = GeneratedSite(pages=30, columns=3, delay=0.05)
    rules = write_rules(str(tmp_path / "rules.yaml"), RULES)
    with MockServer(site) as srv:
        pid, fd = pty.fork()
        if pid == 0:  # the child: the CLI on a pseudo-terminal
            os.chdir(ROOT)
            os.execvpe(sys.executable, [sys.executable, "-m", "crawler.cli", "audit", srv.url, "--rules", rules,
                                        "--out", str(tmp_path / "out"), "--delay", "0"],
                       {**_env(), "COLUMNS": "150", "TERM": "xterm"})
        out = b""
        end = time.monotonic() + 240
        while time.monotonic() < end:
            r, _, _ = select.select([fd], [], [], 1)
            if r:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
        _, status = os.waitpid(pid, 0)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.decode("utf-8", "replace"))
    assert os.waitstatus_to_exitcode(status) in (0, 1), text[-2000:]
    for phase in ("抓取", "站点属性", "链接核验", "评估"):
        assert phase in text, phase
    pages = [int(n) for n in re.findall(r"已完成 (\d+)/\d+ 页", text)]
    assert pages and max(pages) >= 25, text[-2000:]
    assert "━" in text  # a rich progress bar, not plain lines
    assert "[抓取]" not in text


def test_progress_without_a_terminal_prints_plain_lines(tmp_path: Path) -> None:
    site = GeneratedSite(pages=30, columns=3, delay=0.1)
    rules = write_rules(str(tmp_path / "rules.yaml"), RULES)
    with MockServer(site) as srv:
        proc = _start(["audit", srv.url, "--rules", rules, "--out", str(tmp_path / "out"), "--delay", "0"])
        _, err = proc.communicate(timeout=240)
    assert proc.returncode in (0, 1), err
    assert "[抓取] 开始" in err and "[评估] 结束" in err
    assert re.search(r"\[抓取\] 已完成 \d+/\d+ 页，待处理 \d+，[\d.]+ 页/秒", err), err
    assert re.search(r"\[抓取\] 结束：已完成 (2\d|3\d)/\d+ 页", err), err
    assert "[链接核验] 开始" in err and "[站点属性] 开始" in err
    assert "━" not in err  # no bar drawn into a log


def test_sigterm_during_the_crawl_stops_promptly_and_resumes(tmp_path: Path) -> None:
    site = GeneratedSite(pages=200, columns=5, delay=0.3)
    rules = write_rules(str(tmp_path / "rules.yaml"), RULES)
    out = tmp_path / "out"
    args = ["audit", "--rules", rules, "--out", str(out), "--delay", "0", "--no-verify-links", "--timeout", "10"]
    with MockServer(site) as srv:
        proc = _start([*args[:1], srv.url, *args[1:]])
        err = _Reader(proc.stderr)
        err.wait_for(r"\[抓取\] 已完成 (?:[5-9]|\d\d+)/", 120)
        took = _stop_and_time(proc, signal.SIGTERM)
        err.join()
        assert took < 5, f"the crawl took {took:.1f} s to stop"
        assert proc.returncode != 0
        assert "重新运行同一命令将从中断处继续" in err.text
        stored = {u for (u,) in _db_rows(out / "crawl.db", "SELECT url FROM pages")}
        assert len(stored) >= 5
        assert _db_rows(out / "crawl.db", "SELECT state FROM crawls") == [("running",)]
        before = srv.hits_by("govaudit/")
        proc = _start([*args[:1], srv.url, *args[1:], "--max-pages", str(len(stored) + 10)])
        proc.communicate(timeout=240)
        assert proc.returncode in (0, 1)
        after = srv.hits_by("govaudit/")
        again = [u for u in stored if after[u.split(srv.netloc, 1)[1]] > before[u.split(srv.netloc, 1)[1]]]
        assert not again, f"stored pages fetched again: {again[:5]}"


def test_sigterm_during_link_verification_stops_promptly_and_resumes(tmp_path: Path) -> None:
    # Images, attachments and off-site links are verified during the crawl (crawler.crawl.verify);
    # what the crawl left — here the articles past --max-pages — the post-crawl verifier checks,
    # and it is that verifier (user agent "… link-check") that the articles keep waiting.
    site = SlowImageSite(pages=6, images=2, image_delay=20.0, slow_articles_for="link-check")
    rules = write_rules(str(tmp_path / "rules.yaml"), RULES)
    out = tmp_path / "out"
    with MockServer(site) as srv:
        args = ["audit", srv.url, "--rules", rules, "--out", str(out), "--delay", "0", "--timeout", "30",
                "--max-pages", "3"]
        proc = _start(args)
        err = _Reader(proc.stderr)
        err.wait_for(r"\[链接核验\] 开始", 180)
        time.sleep(1.5)  # an article request is in flight, answering in 20 s
        took = _stop_and_time(proc, signal.SIGTERM)
        err.join()
        assert took < 5, f"link verification took {took:.1f} s to stop"
        assert proc.returncode == 143, err.text[-2000:]
        assert "已停止（链接核验阶段）" in err.text and "重新运行同一命令将从中断处继续" in err.text
        db = out / "crawl.db"
        assert _db_rows(db, "SELECT count(*) FROM pages")[0][0] >= 3  # the crawl is kept
        assert _db_rows(db, "SELECT key FROM facts WHERE key = 'audit_stopped'")
        assert not (out / "findings.json").exists()
        page_hits = srv.hits_by(CRAWL_AGENT)

        site.slow.clear()  # the articles answer now: the rerun finishes
        r = subprocess.run([sys.executable, "-m", "crawler.cli", *args], check=False, capture_output=True, text=True,
                           timeout=240, env=_env(), cwd=ROOT)
        assert r.returncode in (0, 1), r.stderr[-2000:]
        assert "继续上次中断的检查" in r.stderr
        assert srv.hits_by(CRAWL_AGENT) == page_hits  # the crawl was not repeated
        doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
        assert doc["links"]["summary"]["ok"] >= 6  # articles verified after the crawl, images during it
        assert not doc["links"].get("stopped")
        assert not _db_rows(db, "SELECT key FROM facts WHERE key = 'audit_stopped'")


@pytest.mark.parametrize("bound_args, bound", [(["--max-links", "5"], "max_links"),
                                                (["--link-budget", "2"], "link_budget")])
def test_verification_bounds_are_stated(tmp_path: Path, bound_args: list[str], bound: str) -> None:
    site = SlowImageSite(pages=3, images=6, image_delay=1.0)
    rules = write_rules(str(tmp_path / "rules.yaml"), RULES)
    out = tmp_path / "out"
    with MockServer(site) as srv:
        r = subprocess.run([sys.executable, "-m", "crawler.cli", "audit", srv.url, "--rules", rules, "--out", str(out),
                            "--delay", "0", *bound_args], check=False, capture_output=True, text=True, timeout=240,
                           env=_env(), cwd=ROOT)
    assert r.returncode in (0, 1), r.stderr[-2000:]
    t0 = time.monotonic()
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    links = doc["links"]
    assert links["bound"] == bound and links["skipped_by_bound"] > 0, links
    if bound == "max_links":
        assert links["skipped_by_bound"] == 3 * 6 - 5
    html = (out / "report.html").read_text(encoding="utf-8")
    shown = re.search(r'id="links-bound">(.*?)</p>', html, re.DOTALL)
    assert shown and str(links["skipped_by_bound"]) in shown.group(1)
    assert ("时间上限" if bound == "link_budget" else "数量上限") in shown.group(1)
    assert time.monotonic() - t0 < 5


def test_one_link_budget_for_verification_during_and_after_the_crawl(tmp_path: Path) -> None:
    """--link-budget bounds verification during and after the crawl together: images that
    answer in 1 s spend the 2 seconds during the crawl (verification requests keep the crawl
    open until the budget drops them), so the post-crawl verifier has none left and sends
    nothing; what is left is stated as skipped by the time bound."""
    site = SlowImageSite(pages=4, images=6, image_delay=1.0)
    rules = write_rules(str(tmp_path / "rules.yaml"), RULES)
    out = tmp_path / "out"
    with MockServer(site) as srv:
        r = subprocess.run([sys.executable, "-m", "crawler.cli", "audit", srv.url, "--rules", rules, "--out", str(out),
                            "--delay", "0", "--link-budget", "2"], check=False, capture_output=True, text=True,
                           timeout=240, env=_env(), cwd=ROOT)
        after_crawl = [r.path for r in srv.requests if " link-check " in r.agent]
    assert r.returncode in (0, 1), r.stderr[-2000:]
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    spent = doc["crawl"]["stats"]["links"]["budget_spent"]
    assert 1.5 <= spent <= 2.0, doc["crawl"]["stats"]["links"]
    assert after_crawl == []  # the budget was spent: the post-crawl step asked for nothing
    links = doc["links"]
    assert links["bound"] == "link_budget" and links["skipped_by_bound"] > 0, links
