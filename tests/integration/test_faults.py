"""A misbehaving site is audited within its bounds, faults reported with their reason.

The real CLI (`python -m crawler.cli audit …`, a subprocess with a hard timeout) audits
`FaultServer` (tests/support/faultserver.py): resets, stalls, slow first bytes, flapping 5xx,
redirect loops and chains, redirects to other hosts and to private / link-local
addresses, calendar and session-id traps, a gzip bomb, a 50 MB page, binary content as
text/html, wrong and missing charsets, malformed HTML, a robots.txt that fails, and a
sibling host that does not resolve. Every fault must show up in findings.json
(failed_pages, with the reason) and in the report; the rest of the site must be audited
normally; nothing that was only slow or flapping may be reported broken.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lhtml

from crawler.model.page import PageRecord
from tests.support.faultserver import FAULTS, FaultServer, FaultSite, run_cli, write_rules

pytestmark = pytest.mark.slow  # long: deselect with -m "not slow"

AS_OF = "2021-12-31"
DNS_HOST = "xxgk.fault.invalid"
MAX_PAGES = 70
# Small bounds so that every stall costs seconds, not minutes.
LIMITS = ["--max-pages", str(MAX_PAGES), "--max-depth", "4", "--timeout", "1.5", "--delay", "0"]
BOUND_SECONDS = 120  # the audit must end on its own well before the hard timeout
HARD_TIMEOUT = 300

RULES = [
    {"id": "fault-tzgg", "title": "设置通知公告栏目", "check": "column_exists", "path": "政务公开>通知公告"},
    {"id": "fault-zwyw", "title": "设置政务要闻栏目", "check": "column_exists", "path": "新闻动态>政务要闻"},
    {"id": "fault-missing", "title": "设置不存在的栏目", "check": "column_exists", "path": "政务公开>财政预决算"},
    {"id": "fault-links", "title": "无错链", "check": "broken_links", "params": {"include_external": True}},
]


@dataclass
class Audit:
    code: int
    seconds: float
    stdout: str
    stderr: str
    doc: dict[str, Any]
    records: list[PageRecord]
    links: list[dict[str, Any]]
    hits: dict[str, int]
    requests: list[tuple[str, str, str, str]]
    out: Path
    url: str
    netloc: str


def _records(db: Path) -> tuple[list[PageRecord], list[dict[str, Any]]]:
    con = sqlite3.connect(str(db))
    try:
        recs = [PageRecord.from_dict(json.loads(d)) for (d,) in con.execute("SELECT data FROM pages ORDER BY id")]
        try:
            links = [json.loads(d) for (d,) in con.execute("SELECT data FROM link_checks")]
        except sqlite3.OperationalError:
            links = []
    finally:
        con.close()
    return recs, links


def _audit(tmp: Path, srv: FaultServer, *extra: str, rules: list[dict[str, Any]] | None = None) -> Audit:
    out = tmp / "out"
    rules_file = write_rules(str(tmp / "rules.yaml"), rules or RULES)
    r, secs = run_cli(["audit", srv.url, "--rules", rules_file, "--out", str(out), "--as-of", AS_OF,
                       "--extra-host", DNS_HOST, *LIMITS, *extra], timeout=HARD_TIMEOUT)
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    assert r.returncode in (0, 1), (r.returncode, r.stdout[-2000:], r.stderr[-3000:])
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    recs, links = _records(out / "crawl.db")
    return Audit(r.returncode, secs, r.stdout, r.stderr, doc, recs, links, dict(srv.hits),
                 list(srv.requests), out, srv.url, srv.netloc)


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with FaultServer(robots="500", stall_max=20) as srv:
        yield _audit(tmp_path_factory.mktemp("faults"), srv)


def _path_of(url: str, a: Audit) -> str:
    return url.split(a.netloc, 1)[1] if a.netloc in url else url


def _record_for(a: Audit, path: str) -> PageRecord:
    """The record of the request that started at `path` (after redirects, if any)."""
    want = a.url.rstrip("/") + path
    for rec in a.records:
        if want in (rec.url, rec.requested_url) or want in rec.redirects:
            return rec
    raise AssertionError(f"no record for {path}; stored: {[_path_of(r.url, a) for r in a.records]}")


# --------------------------------------------------------------------------- bounds
def test_audit_ends_on_its_own_within_bounds(audit: Audit) -> None:
    assert audit.seconds < BOUND_SECONDS, f"audit took {audit.seconds:.0f}s"
    assert len(audit.records) <= MAX_PAGES
    assert audit.doc["pages"]["total"] == len(audit.records)
    # the traps were cut off by the bounds, not followed forever
    cal = sum(n for p, n in audit.hits.items() if p.startswith("/cal/"))
    sess = sum(n for p, n in audit.hits.items() if p.startswith("/s/"))
    assert cal + sess <= MAX_PAGES
    # nothing was hammered: per URL, the crawl's tries and the link check's tries at most
    worst = max((n for p, n in audit.hits.items() if p != "/robots.txt"), default=0)
    assert worst <= 10, sorted(audit.hits.items(), key=lambda kv: -kv[1])[:5]


def test_findings_and_report_well_formed(audit: Audit) -> None:
    doc = audit.doc
    assert doc["schema"].startswith("govaudit.findings/")
    assert {f["rule_id"] for f in doc["findings"]} == {r["id"] for r in RULES}
    root = lhtml.fromstring((audit.out / "report.html").read_bytes())
    assert root.find(".//body") is not None
    assert not root.xpath("//script[not(@src) and contains(., 'alert')]")


# --------------------------------------------------------------------------- the rest of the site
def test_rest_of_site_audited_normally(audit: Audit) -> None:
    good = FaultSite().good_urls()
    by_url = {r.url: r for r in audit.records}
    for p in good:
        rec = by_url.get(audit.url.rstrip("/") + p)
        assert rec is not None, f"{p} was not crawled"
        assert rec.ok and rec.status == 200, (p, rec.status, rec.error)
    assert audit.doc["site"]["reachable"] is True
    status = {f["rule_id"]: f["status"] for f in audit.doc["findings"]}
    assert status["fault-links"] in ("pass", "fail", "unknown")
    assert status["fault-tzgg"] == "pass"
    assert status["fault-zwyw"] == "pass"
    assert status["fault-missing"] == "fail"
    cols = {">".join(c["path"]): c for c in audit.doc["columns"]}
    assert cols["政务公开>通知公告"]["items"] >= 6


# --------------------------------------------------------------------------- faults, with reasons
EXPECTED_ERROR = {
    "/fault/reset": None,  # any error: reset / connection lost
    "/fault/stall-headers": "timeout",
    "/fault/stall-body": "timeout",
    "/fault/too-slow": "timeout",
    "/fault/trickle": "timeout",
    "/fault/loop-a": "redirect-loop",
    "/fault/chain/0": None,
    "/fault/private": "refused-private-address",
    "/fault/metadata": "refused-private-address",
    "/fault/private6": "refused-private-address",
    "/fault/bomb": "too-large",
    "/fault/huge": "too-large",
    "/fault/bad-gzip": "bad-encoding",
    "/fault/short-body": "connection",
    "/fault/garbage": "connection",
}
EXPECTED_STATUS = {"/fault/always-500": 500, "/fault/blocked": 403}


@pytest.mark.parametrize("path", [p for p, (_d, bad) in FAULTS.items() if bad is True])
def test_fault_reported_with_reason(audit: Audit, path: str) -> None:
    rec = _record_for(audit, path)
    assert not rec.ok, (path, rec.status, rec.error)
    # the reason: an error code, or the HTTP status (a redirect that was not followed —
    # off the audited hosts, or back to a page already fetched — is a 3xx record)
    assert rec.error or rec.status >= 300, (path, rec.status)
    if path in EXPECTED_STATUS:
        assert rec.status == EXPECTED_STATUS[path], (path, rec.status, rec.error)
    if EXPECTED_ERROR.get(path):
        assert rec.error == EXPECTED_ERROR[path], (path, rec.status, rec.error)
    failed = [f for f in audit.doc["failed_pages"] if f["url"] == rec.url]
    assert failed, f"{rec.url} missing from findings.json failed_pages"
    assert failed[0]["error"] or failed[0]["status"]
    report = (audit.out / "report.html").read_text(encoding="utf-8")
    shown = lhtml.fromstring(report).text_content()
    assert rec.url in shown, f"{rec.url} not in the report"
    if rec.error:
        assert rec.error in shown or "无法" in shown, rec.error


def test_private_redirects_never_connected(audit: Audit) -> None:
    """The refusals happened before connecting: the page that redirects is recorded with
    the refusal (a connection attempt would have ended in a timeout or connection error,
    and would have been recorded under the target's URL), and the link check did not
    try again."""
    for path in ("/fault/private", "/fault/metadata", "/fault/private6"):
        rec = _record_for(audit, path)
        assert rec.url == audit.url.rstrip("/") + path, rec.url
        assert rec.error == "refused-private-address", (path, rec.error)
        assert audit.hits.get(path) == 1, (path, audit.hits.get(path))
    assert not any(h in r.url for r in audit.records for h in ("10.0.0.1", "169.254.169.254", "fe80::1"))
    for res in audit.links:
        if any(res.get("url", "").endswith(p) for p in ("/fault/private", "/fault/metadata", "/fault/private6")):
            assert res.get("state") == "skipped", res


def test_redirect_to_another_host_recorded_not_followed(audit: Audit) -> None:
    rec = _record_for(audit, "/fault/offsite")
    assert rec.status == 302 and rec.refresh_to and "www.other-site.invalid" in rec.refresh_to, rec
    assert not any("other-site" in r.url for r in audit.records)


def test_dns_failure_of_sibling_host(audit: Audit) -> None:
    recs = [r for r in audit.records if DNS_HOST in r.url]
    assert recs and all(r.error == "dns" for r in recs), [(r.url, r.error) for r in recs]
    assert any(DNS_HOST in f["url"] and f["error"] == "dns" for f in audit.doc["failed_pages"])


# --------------------------------------------------------------------------- slow is not broken
@pytest.mark.parametrize("path", [p for p, (_d, bad) in FAULTS.items() if bad is False])
def test_slow_or_odd_pages_are_not_failures(audit: Audit, path: str) -> None:
    rec = _record_for(audit, path)
    assert rec.ok and rec.status == 200, (path, rec.status, rec.error)
    assert not any(f["url"] == rec.url for f in audit.doc["failed_pages"])


def test_nothing_reported_broken_that_was_only_slow_or_blocked(audit: Audit) -> None:
    innocent = {"/fault/slow", "/fault/flap", "/fault/short-chain/0", "/fault/blocked", "/fault/too-slow",
                "/fault/stall-headers", "/fault/stall-body", "/fault/always-500"}
    for res in audit.links:
        p = _path_of(res.get("url", ""), audit)
        if p in innocent:
            assert res.get("state") != "broken", res
    links = [f for f in audit.doc["findings"] if f["check"] == "broken_links"]
    assert links, "the broken_links rule was not evaluated"
    for f in links:
        for e in f.get("evidence") or []:
            assert _path_of(e.get("url", ""), audit) not in innocent, e
        # the refused private targets are not called broken either
        for e in f.get("evidence") or []:
            assert not any(e.get("url", "").endswith(p) for p in ("/fault/private", "/fault/metadata")), e


def test_garbage_pages_decoded_not_crashed(audit: Audit) -> None:
    wrong = _record_for(audit, "/fault/charset-wrong")
    missing = _record_for(audit, "/fault/charset-missing")
    assert "字符集错误" in wrong.title, wrong.title
    assert "没有字符集" in missing.title, missing.title
    binary = _record_for(audit, "/fault/binary")
    assert len(binary.title) < 1000 and not binary.items
    malformed = _record_for(audit, "/fault/malformed")
    assert malformed.ok and len(malformed.links) < 3000


# --------------------------------------------------------------------------- robots.txt that fails
@pytest.mark.parametrize("mode", ["stall", "reset"])
def test_robots_txt_failure_does_not_stop_the_audit(tmp_path: Path, mode: str) -> None:
    with FaultServer(robots=mode, stall_max=20) as srv:
        a = _audit(tmp_path, srv, "--max-pages", "8", "--no-verify-links")
    assert a.seconds < 60, a.seconds
    home = _record_for(a, "/")
    assert home.ok, (home.status, home.error)
    assert a.doc["site"]["reachable"] is True
    assert any(r.url.endswith("/zwgk/") and r.ok for r in a.records)


# --------------------------------------------------------------------------- a homepage that never ends
@pytest.mark.parametrize("mode", ["trickle", "stall"])
def test_homepage_that_never_finishes(tmp_path: Path, mode: str) -> None:
    """The start URL trickles (a byte now and then, so no read ever times out) or stalls
    for a minute: the crawl, the site measurements and the link check all give up on their
    own; the site is reported unreachable with the reason."""
    with FaultServer(home=mode, stall_max=60) as srv:
        a = _audit(tmp_path, srv)
    assert a.seconds < 45, a.seconds
    assert a.doc["site"]["reachable"] is False
    assert a.doc["site"]["unreachable_reason"] == "请求超时", a.doc["site"]  # Chinese, never the code
    assert {f["status"] for f in a.doc["findings"]} == {"unknown"}


# --------------------------------------------------------------------------- IPv6
def test_site_on_ipv6_loopback(tmp_path: Path) -> None:
    """A site on [::1]: IPv6 literals resolve (the crawler's resolver is getaddrinfo-based)
    and a local audit of a local site is allowed for IPv6 loopback too."""
    import socket

    try:
        srv = FaultServer(host="::1", stall_max=20)
    except OSError as e:  # pragma: no cover - a machine without IPv6 loopback
        pytest.skip(f"no IPv6 loopback here: {e}")
    with srv:
        a = _audit(tmp_path, srv, "--max-pages", "8", "--no-verify-links")
    assert a.url.startswith("http://[::1]:")
    assert a.doc["site"]["reachable"] is True, a.doc["site"]
    assert _record_for(a, "/zwgk/tzgg/").ok
    assert socket.has_ipv6


# --------------------------------------------------------------------------- an unreachable site
def test_start_url_that_does_not_resolve(tmp_path: Path) -> None:
    rules_file = write_rules(str(tmp_path / "rules.yaml"), RULES)
    r, secs = run_cli(["audit", "http://www.nosuch-site.invalid/", "--rules", rules_file, "--out",
                       str(tmp_path / "out"), "--as-of", AS_OF, "--timeout", "2", "--delay", "0"],
                      timeout=120)
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    assert r.returncode == 1, r.stderr[-2000:]  # a site that could not be audited is never a clean result
    assert secs < 60
    doc = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert doc["site"]["reachable"] is False
    assert doc["site"]["unreachable_reason"] == "域名无法解析"  # Chinese, never the code "dns"
    assert {f["status"] for f in doc["findings"]} == {"unknown"}
    assert "站点无法访问" in r.stdout


# --------------------------------------------------------------------------- the address guard itself
def _guard(start: str, table: dict[str, list[str] | None]) -> Any:
    from crawler.net.guard import NetGuard

    calls: list[str] = []

    def resolver(host: str) -> list[str] | None:
        calls.append(host)
        return table.get(host)

    g = NetGuard([start], resolver=resolver)
    g.calls = calls  # type: ignore[attr-defined]
    return g


def test_address_classes() -> None:
    from crawler.net.guard import address_class

    cases = {
        "8.8.8.8": "public", "2001:4860::8888": "public", "10.1.2.3": "private", "172.16.0.1": "private",
        "172.31.255.255": "private", "172.32.0.1": "public", "192.168.1.1": "private", "100.64.0.1": "private",
        "fd00::1": "private", "127.0.0.1": "loopback", "127.8.9.10": "loopback", "::1": "loopback",
        "169.254.169.254": "link-local", "fe80::1": "link-local", "fe80::1%eth0": "link-local",
        "0.0.0.0": "unspecified", "0.1.2.3": "unspecified", "::": "unspecified",
        "::ffff:169.254.169.254": "link-local", "::ffff:10.0.0.1": "private", "::ffff:127.0.0.1": "loopback",
        "2002:a9fe:a9fe::1": "link-local",  # 6to4 wrapping 169.254.169.254
        "64:ff9b::a9fe:a9fe": "link-local",  # NAT64 wrapping 169.254.169.254
        "224.0.0.1": "reserved", "255.255.255.255": "reserved", "not an ip": "reserved",
    }
    for ip, cls in cases.items():
        assert address_class(ip) == cls, (ip, address_class(ip), cls)


def test_public_site_may_not_lead_inside() -> None:
    g = _guard("https://www.example.gov.cn/", {
        "www.example.gov.cn": ["203.0.113.7"], "xxgk.example.gov.cn": ["203.0.113.8"],
        "intranet.example.gov.cn": ["192.168.10.2"], "mixed.example.gov.cn": ["203.0.113.9", "10.0.0.5"],
        "metadata.example.gov.cn": ["169.254.169.254"], "localhost": ["127.0.0.1", "::1"],
    })
    assert g.check("https://www.example.gov.cn/zwgk/") is None
    assert g.check("http://xxgk.example.gov.cn/") is None
    assert g.check("http://nosuch.invalid/") is None  # does not resolve: the download says "dns"
    for url in ("http://10.0.0.1/", "http://192.168.0.1:8080/x", "http://127.0.0.1/", "http://[::1]/",
                "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://0.0.0.0/",
                "http://intranet.example.gov.cn/", "http://mixed.example.gov.cn/", "http://localhost:8000/",
                "http://metadata.example.gov.cn/", "http://[::ffff:10.0.0.1]/"):
        assert g.check(url), url
    exc = g.refuse("http://10.0.0.1/")
    assert exc is not None and exc.govaudit_reason == "refused-private-address"
    g.check("http://intranet.example.gov.cn/a")
    assert g.calls.count("intranet.example.gov.cn") == 1  # cached per host


def test_local_site_may_reach_its_own_class_only() -> None:
    g = _guard("http://127.0.0.1:8000/", {"localhost": ["127.0.0.1"], "db.lan": ["10.0.0.9"]})
    assert g.check("http://127.0.0.1:9000/") is None
    assert g.check("http://localhost:8000/") is None
    assert g.check("http://[::1]:8000/") is None
    assert g.check("http://10.0.0.1/") and g.check("http://db.lan/")  # loopback ≠ private
    assert g.check("http://169.254.169.254/")  # link-local: never
    intranet = _guard("http://portal.lan/", {"portal.lan": ["10.1.1.1"], "xxgk.lan": ["10.1.1.2"]})
    assert intranet.check("http://xxgk.lan/") is None
    assert intranet.check("http://172.16.5.5/") is None  # private, like the start host
    assert intranet.check("http://127.0.0.1/")  # loopback is another class
    assert intranet.check("http://[fe80::2]/")


def test_start_urls_are_the_users_choice() -> None:
    g = _guard("http://169.254.1.1/", {})
    assert g.check("http://169.254.1.1/page.html") is None  # the start host itself
    assert g.check("http://169.254.1.2/")


def test_guard_resolves_real_numeric_forms() -> None:
    """Hosts in forms only the resolver understands (2130706433 = 127.0.0.1)."""
    from crawler.net.guard import NetGuard

    g = NetGuard(["http://203.0.113.5/"])
    assert g.check("http://2130706433/")
    assert g.check("http://0x7f000001/")
    assert g.check("http://127.1/")


def test_resolver_backstop_drops_link_local_answers() -> None:
    """DNS rebinding: a name checked as public that resolves to 169.254.169.254 when the
    crawler connects gets no usable address from the crawler's resolver."""
    from twisted.internet.address import IPv4Address, IPv6Address

    from crawler.crawl.middlewares import _GuardedReceiver

    got: list[str] = []

    class Receiver:
        def resolutionBegan(self, resolution: Any) -> None:
            got.append("began")

        def addressResolved(self, address: Any) -> None:
            got.append(address.host)

        def resolutionComplete(self) -> None:
            got.append("done")

    g = _GuardedReceiver(Receiver(), "rebind.example")
    g.resolutionBegan(None)
    for a in (IPv4Address("TCP", "169.254.169.254", 80), IPv4Address("TCP", "203.0.113.1", 80),
              IPv6Address("TCP", "fe80::1", 80, 0, 0), IPv4Address("TCP", "0.0.0.0", 80),
              IPv4Address("TCP", "127.0.0.1", 80)):
        g.addressResolved(a)
    g.resolutionComplete()
    assert got == ["began", "203.0.113.1", "127.0.0.1", "done"]
