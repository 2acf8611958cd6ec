"""A stop signal that arrives before the crawl's engine runs is a stopped crawl, never a
finished one.

Scrapy's shutdown handler is installed when the reactor starts; a signal that comes while
the spider is opening stops the reactor without closing the spider (no finish reason,
nothing fetched). Taken for a finished crawl, the audit would go on and report the site
as unreachable (未抓取到首页): a false "site down" notice from a scheduler that was only
stopping. `SignalOnOpen` sends the signal at exactly that moment."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from scrapy import signals

from crawler.store.crawls import CrawlStore
from tests.support.faultserver import ROOT, GeneratedSite, cli_env
from tests.support.mockserver import MockServer


class SignalOnOpen:
    """Test extension: SIGINT to this process when the spider opens."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> SignalOnOpen:
        ext = cls()
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        return ext

    def opened(self, *_: Any, **__: Any) -> None:
        os.kill(os.getpid(), signal.SIGINT)


SCRIPT = """
import sys
from crawler.crawl.run import run_crawl
try:
    cid = run_crawl([sys.argv[1]], sys.argv[2], settings={
        "EXTENSIONS": {"tests.integration.test_early_signal.SignalOnOpen": 0}, "DOWNLOAD_DELAY": 0})
except KeyboardInterrupt:
    print("STOPPED")
else:
    print("FINISHED", cid)
"""


def test_signal_before_the_engine_runs_is_a_stop(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    with MockServer(GeneratedSite(10, columns=2, delay=0)) as srv:
        r = subprocess.run([sys.executable, "-c", SCRIPT, srv.url, str(db)], cwd=ROOT, env=cli_env(),
                           capture_output=True, text=True, timeout=120)
    assert r.stdout.strip() == "STOPPED", (r.stdout, r.stderr[-3000:])
    store = CrawlStore(str(db))
    try:
        assert [c.state for c in store.list_crawls()] in ([], ["running"])  # resumable, not finished
    finally:
        store.close()
