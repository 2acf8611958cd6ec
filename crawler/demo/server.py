"""A tiny HTTP server for the bundled sample site (重庆市山城区人民政府, fictional).

The site under ``crawler/demo/site/`` is a static copy of a TRS-style district portal,
used by ``govaudit demo`` and the tests. The server behaves like the web servers in front
of real 政务 sites in the ways that matter to the crawler:

- a directory URL serves its ``index.html``; ``/dir`` is redirected (301) to ``/dir/``;
- missing files answer 404;
- UTF-8 pages are sent as ``text/html; charset=utf-8``, while pages saved in GBK/GB2312
  are sent as plain ``text/html`` with no charset at all, so the client has to work the
  encoding out from the page (or guess). Which pages are GBK is decided per file, by
  whether its bytes are valid UTF-8, so URLs stay exactly as a real site would have them;
- ``manifest.json`` (the ground truth for tests) is not served.

Usage::

    with serve_sample_site() as server:
        httpx.get(server.url + "zwgk/")

    python -m crawler.sample_server [--host 127.0.0.1] [--port 8000]
"""

from __future__ import annotations

import argparse
import posixpath
import threading
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import unquote, urlsplit

SITE_DIR = Path(__file__).resolve().parent / "site"

# Files in the site directory that are not part of the site.
HIDDEN_FILES = frozenset({"manifest.json"})

CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "application/javascript; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".ico": "image/x-icon",
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip",
    ".mp4": "video/mp4",
}

NOT_FOUND_PAGE = (
    '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
    "<title>404 页面不存在</title>\n</head>\n<body>\n<h1>404 Not Found</h1>\n"
    "<p>抱歉，您访问的页面不存在或已被删除。</p>\n</body>\n</html>\n"
).encode()


def html_content_type(body: bytes) -> str:
    """`text/html; charset=utf-8` for UTF-8 pages; bare `text/html` for GBK pages."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "text/html"
    return "text/html; charset=utf-8"


def content_type_for(path: Path, body: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm", ".shtml"):
        return html_content_type(body)
    return CONTENT_TYPES.get(suffix, "application/octet-stream")


class SampleSiteHandler(BaseHTTPRequestHandler):
    """Serves files below `root` (set on the subclass made by `SampleServer`)."""

    root: Path = SITE_DIR
    server_version = "nginx"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: avoid 40 ms stalls

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: tests and the demo must not spam stderr

    def do_HEAD(self) -> None:
        self._serve(head_only=True)

    def do_GET(self) -> None:
        self._serve(head_only=False)

    def _resolve(self, url_path: str) -> Path | None:
        """Map a URL path to a file or directory below root; None when it escapes root."""
        parts = [p for p in unquote(url_path).split("/") if p not in ("", ".")]
        if any(p == ".." or "\\" in p or "\x00" in p for p in parts):
            return None
        target = self.root.joinpath(*parts) if parts else self.root
        try:
            target.resolve().relative_to(self.root.resolve())
        except ValueError:
            return None
        return target

    def _serve(self, head_only: bool) -> None:
        split = urlsplit(self.path)
        url_path = split.path or "/"
        target = self._resolve(url_path)
        if target is not None and target.is_dir():
            if not url_path.endswith("/"):
                location = posixpath.normpath(url_path) + "/"
                if split.query:
                    location += "?" + split.query
                moved = HTTPStatus.MOVED_PERMANENTLY
                self._send(moved, b"", "text/html", head_only, {"Location": location})
                return
            target = target / "index.html"
        if (
            target is None
            or not target.is_file()
            or (target.parent == self.root and target.name in HIDDEN_FILES)
        ):
            self._send(HTTPStatus.NOT_FOUND, NOT_FOUND_PAGE, "text/html; charset=utf-8", head_only)
            return
        body = target.read_bytes()
        headers = {"Last-Modified": formatdate(target.stat().st_mtime, usegmt=True)}
        self._send(HTTPStatus.OK, body, content_type_for(target, body), head_only, headers)

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        content_type: str,
        head_only: bool,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if not head_only:
            self.wfile.write(body)


class SampleServer:
    """The sample site served on a local port from a daemon thread.

    Use as a context manager, or call `close()` when done. `url` ends with "/".
    """

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, root: Path | str | None = None
    ) -> None:
        site_root = Path(root).resolve() if root is not None else SITE_DIR
        if not (site_root / "index.html").is_file():
            raise FileNotFoundError(
                f"sample site not found at {site_root} (is the package data installed?)"
            )
        handler = type("BoundSampleSiteHandler", (SampleSiteHandler,), {"root": site_root})
        self.root = site_root
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.host = host
        self.port: int = self.httpd.server_address[1]
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name=f"sample-site:{self.port}", daemon=True
        )
        self._thread.start()
        self._closed = False

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<SampleServer {self.url} root={self.root}>"


def serve_sample_site(
    host: str = "127.0.0.1", port: int = 0, root: Path | str | None = None
) -> SampleServer:
    """Start serving the sample site (port 0 = any free port) and return the running server."""
    return SampleServer(host, port, root)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.sample_server",
        description="Serve the bundled sample site (重庆市山城区人民政府, fictional) until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port (default 8000)")
    args = parser.parse_args(argv)
    server = serve_sample_site(args.host, args.port)
    print(f"Serving the sample site at {server.url}  (Ctrl-C to stop)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
