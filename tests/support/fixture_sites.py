"""Serve a fixture site directory (tests/fixtures/sites/<name>/) on 127.0.0.1.

Like crawler.sample_server, plus what the fixture's hidden `_server.json` says:
- "charset": {file path: charset or null}: the charset the HTTP Content-Type claims for
  that file (it may lie: GBK bytes sent as charset=utf-8); null sends bare text/html;
- "redirects": {url path: location}: answered with 301 before any file lookup.
Files starting with "_", manifest.json, rules.yaml and build_sites.py are not served.
"""
from __future__ import annotations

import json
from http import HTTPStatus
from urllib.parse import urlsplit

from crawler.demo.server import NOT_FOUND_PAGE, SampleServer, SampleSiteHandler
from tests.support import FIXTURES

SITES_DIR = FIXTURES / "sites"
HIDDEN = frozenset({"manifest.json", "rules.yaml", "build_sites.py"})


class FixtureHandler(SampleSiteHandler):
    config: dict = {}

    def _serve(self, head_only: bool) -> None:
        url_path = urlsplit(self.path).path or "/"
        loc = self.config.get("redirects", {}).get(url_path)
        if loc:
            self._send(HTTPStatus.MOVED_PERMANENTLY, b"", "text/html", head_only, {"Location": loc})
            return
        name = url_path.rstrip("/").rsplit("/", 1)[-1]
        if name.startswith("_") or (url_path.count("/") == 1 and name in HIDDEN):
            self._send(HTTPStatus.NOT_FOUND, NOT_FOUND_PAGE, "text/html; charset=utf-8", head_only)
            return
        super()._serve(head_only)

    def _send(self, status, body, content_type, head_only, headers=None):  # type: ignore[override]
        if status == HTTPStatus.OK and content_type.startswith("text/html"):
            file = urlsplit(self.path).path or "/"
            if file.endswith("/"):
                file += "index.html"
            charsets = self.config.get("charset", {})
            if file in charsets:
                cs = charsets[file]
                content_type = f"text/html; charset={cs}" if cs else "text/html"
        super()._send(status, body, content_type, head_only, headers)


class FixtureServer(SampleServer):
    def __init__(self, name: str, host: str = "127.0.0.1", port: int = 0) -> None:
        root = SITES_DIR / name
        super().__init__(host, port, root)
        cfg_file = root / "_server.json"
        cfg = json.loads(cfg_file.read_text(encoding="utf-8")) if cfg_file.is_file() else {}
        # rebind the handler with this site's configuration
        base = self.httpd.RequestHandlerClass
        self.httpd.RequestHandlerClass = type("BoundFixtureHandler", (FixtureHandler,),
                                              {"root": base.root, "config": cfg})


def serve_fixture_site(name: str) -> FixtureServer:
    return FixtureServer(name)


def manifest(name: str) -> dict:
    return json.loads((SITES_DIR / name / "manifest.json").read_text(encoding="utf-8"))


if __name__ == "__main__":  # python tests/fixture_sites.py hanweb
    import sys
    import threading

    srv = serve_fixture_site(sys.argv[1])
    print(srv.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        srv.close()
