"""Where links may lead: address checks before anything is sent.

The start URLs are the user's choice. Beyond them, a request, a redirect or a link check
whose host resolves to a non-public address is refused before connecting, so an audited
site cannot point the crawler at the auditor's own network (SSRF):

- link-local (169.254.0.0/16 — cloud metadata services — and fe80::/10), unspecified
  (0.0.0.0/8, ::) and reserved/multicast addresses are always refused;
- private (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) and loopback (127/8, ::1)
  addresses are refused unless a start URL's host itself resolves to an address of the
  same class — auditing a site on the intranet or on this machine is allowed, and then
  only that class is (a site on 127.0.0.1 may not send us to 10.0.0.1).

A host that does not resolve is not refused here: the download reports it ("dns").
Refusals carry the reason ``REFUSED`` ("refused-private-address"), which the spider
records on the page (PageRecord.error) so the report shows why it was not fetched.
"""
from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

__all__ = ["REFUSED", "AddressRefused", "NetGuard", "address_class", "resolve_host"]

REFUSED = "refused-private-address"

PUBLIC, PRIVATE, LOOPBACK, LINK_LOCAL, UNSPECIFIED, RESERVED = (
    "public", "private", "loopback", "link-local", "unspecified", "reserved")
# Never allowed, whatever the start URL is.
ALWAYS_REFUSED = frozenset({LINK_LOCAL, UNSPECIFIED, RESERVED})
# Allowed when a start URL's host has an address of the same class.
LOCAL_CLASSES = frozenset({PRIVATE, LOOPBACK})

_PRIVATE_NETS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7", "fec0::/10",
))
_UNSPECIFIED_NETS = tuple(ipaddress.ip_network(n) for n in ("0.0.0.0/8", "::/128"))
_RESERVED_NETS = tuple(ipaddress.ip_network(n) for n in ("240.0.0.0/4", "255.255.255.255/32"))


class AddressRefused(Exception):
    """A URL whose host resolves to an address the audit must not connect to."""

    govaudit_reason = REFUSED

    def __init__(self, url: str, detail: str = "") -> None:
        self.url = url
        self.detail = detail
        super().__init__(f"{REFUSED}: {url}" + (f" ({detail})" if detail else ""))


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    s = text.strip().strip("[]").split("%", 1)[0]  # zone id: fe80::1%eth0
    try:
        ip = ipaddress.ip_address(s)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        for embedded in (ip.ipv4_mapped, ip.sixtofour):
            if embedded is not None:
                return embedded
        if ip in ipaddress.ip_network("64:ff9b::/96"):  # NAT64 well-known prefix
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def address_class(address: str) -> str:
    """public | private | loopback | link-local | unspecified | reserved ("reserved" also
    for anything that is not an IP address at all)."""
    ip = _ip(address)
    if ip is None:
        return RESERVED
    if ip.is_loopback:
        return LOOPBACK
    if ip.is_link_local:
        return LINK_LOCAL
    if ip.is_unspecified or any(ip in n for n in _UNSPECIFIED_NETS if n.version == ip.version):
        return UNSPECIFIED
    if ip.is_multicast or any(ip in n for n in _RESERVED_NETS if n.version == ip.version):
        return RESERVED
    if any(ip in n for n in _PRIVATE_NETS if n.version == ip.version):
        return PRIVATE
    return PUBLIC


def resolve_host(host: str) -> list[str] | None:
    """Every address `host` resolves to (IP literals in any form getaddrinfo accepts, e.g.
    0x7f000001, are resolved too); None when it does not resolve."""
    ip = _ip(host)
    if ip is not None:
        return [str(ip)]
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        return None
    out = []
    for info in infos:
        addr = str(info[4][0])
        if addr not in out:
            out.append(addr)
    return out or None


def _host(url: str) -> str | None:
    try:
        h = urlsplit(url).hostname
    except ValueError:
        return None
    return h.lower().rstrip(".") if h else None


class NetGuard:
    """Decides, per URL, whether the audit may connect there. Resolutions are cached per
    host (thread-safe), so each host costs one getaddrinfo per audit."""

    def __init__(self, start_urls: Iterable[str], *,
                 resolver: Callable[[str], list[str] | None] = resolve_host) -> None:
        self.resolver = resolver
        self._cache: dict[str, list[str] | None] = {}
        self._lock = threading.Lock()
        self.start_hosts = {h for u in start_urls if (h := _host(u))}
        self.allowed: set[str] = set()
        for h in self.start_hosts:
            for a in self.addresses(h) or []:
                c = address_class(a)
                if c in LOCAL_CLASSES:
                    self.allowed.add(c)
        self.refused: dict[str, str] = {}  # url → detail, for statistics

    def cached(self, host: str) -> bool:
        with self._lock:
            return host in self._cache

    def addresses(self, host: str) -> list[str] | None:
        ip = _ip(host)
        if ip is not None:  # a literal address needs no resolver
            return [str(ip)]
        with self._lock:
            if host in self._cache:
                return self._cache[host]
        addrs = self.resolver(host)  # outside the lock: may take a while
        with self._lock:
            self._cache[host] = addrs
        return addrs

    def host_needs_lookup(self, url: str) -> str | None:
        """The host of `url` when checking it would call the resolver (not cached, not an
        IP literal, not a start host) — lets async callers resolve in a thread first."""
        h = _host(url)
        if not h or h in self.start_hosts or _ip(h) is not None or self.cached(h):
            return None
        return h

    def check(self, url: str) -> str | None:
        """None when `url` may be fetched; else why not ("10.0.0.1 is private", …)."""
        h = _host(url)
        if not h or h in self.start_hosts:
            return None
        addrs = self.addresses(h)
        if not addrs:
            return None  # does not resolve: the download itself reports "dns"
        for a in addrs:
            c = address_class(a)
            if c in ALWAYS_REFUSED or (c in LOCAL_CLASSES and c not in self.allowed):
                return f"{h} → {a} ({c})"
        return None

    def refuse(self, url: str) -> AddressRefused | None:
        detail = self.check(url)
        if detail is None:
            return None
        self.refused[url] = detail
        return AddressRefused(url, detail)
