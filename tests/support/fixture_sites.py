"""Serve a fixture site directory (tests/fixtures/sites/<name>/) on 127.0.0.1 through the
test server (mockserver.StaticDir), plus what the fixture's hidden `_server.json` says:
- "charset": {file path: charset or null}: the charset the HTTP Content-Type claims for
  that file (it may lie: GBK bytes sent as charset=utf-8); null sends bare text/html;
- "redirects": {url path: location}: answered with 301 before any file lookup.
Files starting with "_", manifest.json, rules.yaml and build_sites.py are not served.
"""
from __future__ import annotations

import json

from tests.support import FIXTURES
from tests.support.mockserver import MockServer, StaticDir

SITES_DIR = FIXTURES / "sites"
HIDDEN = frozenset({"manifest.json", "rules.yaml", "build_sites.py"})


class FixtureServer(MockServer):
    def __init__(self, name: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = SITES_DIR / name
        super().__init__(mounts={"/": StaticDir(self.root, hidden=HIDDEN, config_file="_server.json")},
                         host=host, port=port)


def serve_fixture_site(name: str) -> FixtureServer:
    return FixtureServer(name)


def manifest(name: str) -> dict:
    return json.loads((SITES_DIR / name / "manifest.json").read_text(encoding="utf-8"))


if __name__ == "__main__":  # python -m tests.support.fixture_sites hanweb
    import sys
    import threading

    srv = serve_fixture_site(sys.argv[1])
    print(srv.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        srv.close()
