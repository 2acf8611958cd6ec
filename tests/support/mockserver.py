"""The one HTTP server for the tests: a threaded, bounded server on 127.0.0.1 (or ::1),
port 0, that serves a route table (`MockServer`).

A site is a table of routes: URL path → handler, where a handler is any callable that takes
the request `Handler` and answers through its helpers (send, html, redirect, reset, stall,
trickle, stream). Prefixes are mounted as routes (`StaticDir`: files, index.html, 301 to
the slash, 404 page, per-file charset claims and redirects from a fixture's `_server.json`),
faults are just handlers, and a scenario is a `Routes` subclass that fills the table:

- faultserver.py: `FaultSite`, `HostileSite`, `GeneratedSite`, `StaticSite`
- linksite.py: `LinkServer` (routes written as (method, path, headers) → (status, headers, body))
- fixture_sites.py: `serve_fixture_site` (a `StaticDir` over tests/fixtures/sites/<name>/)
- changingsite.py: a site written by the test, served with `serve_static`
- the spider, webhook/robot receivers (notify, schedule) and HTTPS (certificates) tests:
  route tables of their own, over this server

What the server records for every test: `hits` (GET/POST per path with query),
`requests` (every `Request`, HEAD included, with its headers and body, e.g. a webhook's
JSON), `hits_by(agent=…, host=…)` and `method_hits()`. `tls=` serves HTTPS.

Usage::

    with MockServer({"/": lambda h: h.html("<title>首页</title>")}, mounts={"/x/": StaticDir(root)}) as srv:
        srv.url          # "http://127.0.0.1:PORT/"
        srv.hits["/"]    # GET/POST count per path (with query)
        srv.requests     # [Request(method, host, path, agent, headers, body), …] in arrival order

`crawler/demo/server.py` still serves the bundled site for `govaudit demo`; tests use this.
"""
from __future__ import annotations

import json
import posixpath
import socket
import ssl
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

from crawler.demo.server import NOT_FOUND_PAGE, content_type_for

__all__ = ["App", "Handler", "MockServer", "Request", "Routes", "StaticDir", "serve_static"]

MAX_BODY = 16 * 1024 * 1024  # request bodies read and recorded (webhook payloads), at most


class Request(NamedTuple):
    """One request as the server saw it (HEAD included)."""

    method: str
    host: str  # the Host header
    path: str  # with the query
    agent: str  # User-Agent
    headers: dict[str, str]
    body: bytes


# =========================================================================== the server
class Handler(BaseHTTPRequestHandler):
    """One request. Apps answer through the helpers below (send, redirect, reset, stall…)."""

    server: _BoundedServer  # type: ignore[assignment]
    server_version = "nginx"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = 15  # idle keep-alive connections end (bounded threads)
    body = b""  # the request body (POST), read before the route runs

    def log_message(self, format: str, *args: object) -> None:
        pass

    # -- dispatch ----------------------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        try:
            size = int(self.headers.get("Content-Length") or 0)
            self.body = self.rfile.read(min(max(size, 0), MAX_BODY)) if size > 0 else b""
            self.server.record(Request(self.command, self.headers.get("Host", ""), self.path,
                                       self.headers.get("User-Agent", ""), dict(self.headers), self.body))
            self.server.app(self)
        except (TimeoutError, BrokenPipeError, ConnectionResetError, ConnectionAbortedError, ValueError):
            self.close_connection = True

    # -- request facts -------------------------------------------------------------------
    @property
    def url_path(self) -> str:
        return urlsplit(self.path).path or "/"

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)

    @property
    def origin(self) -> str:
        return self.server.url.rstrip("/")

    def hit_count(self) -> int:
        """How often this exact path (with query) was requested so far, this one included."""
        return self.server.hits[self.path]

    # -- answers -------------------------------------------------------------------------
    def send(self, status: int, body: bytes | str = b"", ctype: str = "text/html; charset=utf-8",
             headers: dict[str, str] | None = None, *, length: bool = True) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        if length:
            self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        if not length:
            self.close_connection = True

    def html(self, page: str, status: int = 200) -> None:
        self.send(status, page)

    def not_found(self) -> None:
        self.send(404, "<!DOCTYPE html><html><head><meta charset='utf-8'><title>404</title></head>"
                       "<body><h1>404 页面不存在</h1></body></html>")

    def redirect(self, location: str, status: int = 302) -> None:
        self.send(status, b"", "text/html", {"Location": location})

    def reset(self) -> None:
        """Abort the TCP connection (RST) without sending anything."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        try:
            self.connection.close()
        except OSError:
            pass

    def stall(self, *, after_headers: bool = True, partial: bytes = b"") -> None:
        """Never finish: optionally send headers (declaring more body than comes) and part
        of a body, then wait until the server closes or `stall_max` passes."""
        if after_headers:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(partial) + 1_000_000))
            self.end_headers()
            self.wfile.write(partial)
            self.wfile.flush()
        self.server.stop.wait(self.server.stall_max)
        self.reset()

    def trickle(self, every: float = 0.2) -> None:
        """Headers, then one byte now and then: no read ever times out, the body never ends
        (until `stall_max` or the server closes)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(10_000_000))
        self.end_headers()
        self.wfile.write(b"<html><head><title>")
        self.wfile.flush()
        end = time.monotonic() + self.server.stall_max
        while time.monotonic() < end and self.sleep(every):
            self.wfile.write(b"x")
            self.wfile.flush()
        self.reset()

    def stream(self, chunks: Iterable[bytes], ctype: str = "text/html; charset=utf-8",
               total: int | None = None, headers: dict[str, str] | None = None) -> None:
        """Send a body chunk by chunk (never held in memory whole); stops when the client
        goes away or the server closes."""
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        if total is not None:
            self.send_header("Content-Length", str(total))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.close_connection = True
        if self.command == "HEAD":
            return
        for chunk in chunks:
            if self.server.stop.is_set():
                break
            self.wfile.write(chunk)

    def sleep(self, seconds: float) -> bool:
        """Wait (interruptible by close); False when the server is closing."""
        return not self.server.stop.wait(seconds)


class _BoundedServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr: tuple[str, int], app: Callable[[Handler], None], *,
                 max_conns: int, stall_max: float, family: int, tls: ssl.SSLContext | None) -> None:
        self.address_family = family
        self.app = app
        self.tls = tls
        self.stop = threading.Event()
        self.stall_max = stall_max
        self.slots = threading.BoundedSemaphore(max_conns)
        self.hits: Counter[str] = Counter()
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        self.url = ""
        super().__init__(addr, Handler)

    def record(self, request: Request) -> None:
        with self.lock:
            if request.method != "HEAD":
                self.hits[request.path] += 1
            self.requests.append(request)

    def process_request(self, request: Any, client_address: Any) -> None:
        while not self.slots.acquire(timeout=0.2):  # bounded: wait for a free slot
            if self.stop.is_set():
                self.shutdown_request(request)
                return
        try:
            super().process_request(request, client_address)
        except Exception:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            if self.tls is not None:  # the handshake runs in the connection's thread, not the accept loop
                request.settimeout(Handler.timeout)
                request = self.tls.wrap_socket(request, server_side=True)
            super().process_request_thread(request, client_address)
        except (ssl.SSLError, OSError):
            self.shutdown_request(request)
        finally:
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up is normal here


App = Callable[[Handler], None]


class StaticDir:
    """Serve the files below `root` like a plain web server: a directory answers with its
    index.html (301 to the path with a slash first), anything else is the 404 page.

    `hidden` names are never served (anything starting with "_" neither); `charset` maps a
    file path to the charset the Content-Type claims (it may lie; None: bare text/html);
    `redirects` maps a URL path to a Location answered with 301 before any file lookup.
    `config_file` (e.g. a fixture's `_server.json`) supplies `charset` and `redirects`."""

    def __init__(self, root: Path | str, *, hidden: Iterable[str] = ("manifest.json",),
                 charset: Mapping[str, str | None] | None = None, redirects: Mapping[str, str] | None = None,
                 config_file: str | None = None) -> None:
        self.root = Path(root).resolve()
        self.hidden = frozenset(hidden)
        cfg: dict[str, Any] = {}
        if config_file and (self.root / config_file).is_file():
            cfg = json.loads((self.root / config_file).read_text(encoding="utf-8"))
        self.charset: dict[str, str | None] = {**cfg.get("charset", {}), **(charset or {})}
        self.redirects: dict[str, str] = {**cfg.get("redirects", {}), **(redirects or {})}

    def _resolve(self, url_path: str) -> Path | None:
        parts = [p for p in unquote(url_path).split("/") if p not in ("", ".")]
        if any(p == ".." or "\\" in p or "\x00" in p for p in parts):
            return None
        target = self.root.joinpath(*parts) if parts else self.root
        try:
            target.resolve().relative_to(self.root)
        except ValueError:
            return None
        return target

    def __call__(self, h: Handler) -> None:
        url_path = h.url_path
        loc = self.redirects.get(url_path)
        if loc:
            h.send(301, b"", "text/html", {"Location": loc})
            return
        name = url_path.rstrip("/").rsplit("/", 1)[-1]
        if name.startswith("_"):
            h.send(404, NOT_FOUND_PAGE)
            return
        target = self._resolve(url_path)
        if target is not None and target.is_dir():
            if not url_path.endswith("/"):
                query = urlsplit(h.path).query
                h.send(301, b"", "text/html",
                       {"Location": posixpath.normpath(url_path) + "/" + (f"?{query}" if query else "")})
                return
            target = target / "index.html"
        if target is None or not target.is_file() or (target.parent == self.root and target.name in self.hidden):
            h.send(404, NOT_FOUND_PAGE)
            return
        body = target.read_bytes()
        ctype = content_type_for(target, body)
        file = url_path + "index.html" if url_path.endswith("/") else url_path
        if ctype.startswith("text/html") and file in self.charset:
            cs = self.charset[file]
            ctype = f"text/html; charset={cs}" if cs else "text/html"
        h.send(200, body, ctype, {"Last-Modified": formatdate(target.stat().st_mtime, usegmt=True)})


class Routes:
    """A route table as an app: the exact path first, then the longest mounted prefix, then
    the "*" route, else the 404 page. The table is live: routes added later are served."""

    def __init__(self, routes: Mapping[str, App] | None = None, *, mounts: Mapping[str, App] | None = None) -> None:
        self.routes: dict[str, App] = dict(routes or {})
        self.mounts: dict[str, App] = dict(mounts or {})

    def __call__(self, h: Handler) -> None:
        path = h.url_path
        app = self.routes.get(path)
        if app is None:
            for prefix in sorted(self.mounts, key=len, reverse=True):
                if path.startswith(prefix):
                    app = self.mounts[prefix]
                    break
        if app is None:
            app = self.routes.get("*")
        if app is None:
            h.send(404, NOT_FOUND_PAGE)
            return
        app(h)


class MockServer:
    """The test server: serves a `Routes` table (a mapping of routes, or a scenario that is a
    `Routes`) from a daemon thread on a loopback port; `url` ends with "/". `srv.table` takes
    routes added while it runs. `tls` (a server-side SSLContext) serves HTTPS instead."""

    def __init__(self, routes: Mapping[str, App] | Routes | None = None, *, mounts: Mapping[str, App] | None = None,
                 host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None,
                 max_conns: int = 64, stall_max: float = 30.0) -> None:
        if host not in ("127.0.0.1", "::1", "localhost") and not host.startswith("127."):
            raise ValueError("test servers listen on loopback only")
        if isinstance(routes, Routes):
            self.table = routes
            self.table.mounts.update(mounts or {})
        else:
            self.table = Routes(routes, mounts=mounts)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.host = host
        self.scheme = "https" if tls is not None else "http"
        self.httpd = _BoundedServer((host, port), self.table, max_conns=max_conns, stall_max=stall_max,
                                    family=family, tls=tls)
        self.port: int = self.httpd.server_address[1]
        self.httpd.url = self.url
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"mock-server:{self.port}", daemon=True)
        self._thread.start()
        self._closed = False

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}/"

    @property
    def netloc(self) -> str:
        return urlsplit(self.url).netloc

    @property
    def hits(self) -> Counter[str]:
        return self.httpd.hits

    @property
    def requests(self) -> list[Request]:
        return self.httpd.requests

    def hits_by(self, agent: str = "", *, host: str = "") -> Counter[str]:
        """GET/POST hits per path from clients whose User-Agent starts with `agent` (the
        crawler is "govaudit/"; link checks and site measurements differ) and whose Host
        header starts with `host`."""
        with self.httpd.lock:
            return Counter(r.path for r in self.httpd.requests
                           if r.method != "HEAD" and r.agent.startswith(agent) and r.host.startswith(host))

    def method_hits(self) -> Counter[tuple[str, str]]:
        """Requests per (method, URL path without query), HEAD included."""
        with self.httpd.lock:
            return Counter((r.method, urlsplit(r.path).path) for r in self.httpd.requests)

    def bodies(self, path: str) -> list[bytes]:
        """The bodies POSTed to `path` (without query), in arrival order."""
        with self.httpd.lock:
            return [r.body for r in self.httpd.requests if r.method == "POST" and urlsplit(r.path).path == path]

    def reset_counts(self) -> None:
        with self.httpd.lock:
            self.httpd.hits.clear()
            self.httpd.requests.clear()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.httpd.stop.set()  # ends stalls and streams first, so shutdown cannot hang
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> MockServer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def serve_static(root: Path | str, host: str = "127.0.0.1", **kw: Any) -> MockServer:
    """A directory served as a site (the sample site, a fixture site, a site a test wrote)."""
    return MockServer(mounts={"/": StaticDir(root, **kw)}, host=host)
