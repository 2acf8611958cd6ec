"""Certificates (issue 10 item 5): https_enabled is judged with certificate verification
against local HTTPS servers whose certificates are generated here — self-signed, expired,
issued for another name, and valid (a test CA trusted through SSL_CERT_FILE). The
availability probe and the link check ask whether content opens, not whether the
certificate is valid: a self-signed homepage still opens for them."""
from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from crawler.checks import REGISTRY, CheckContext, build_params
from crawler.collect.probes import probe_once
from crawler.collect.properties import measure_site
from crawler.model.build import SiteModel
from crawler.store.crawls import CrawlStore
from crawler.text.names import default_synonyms
from tests.support.mockserver import MockServer

PAGE = "<html><head><title>首页</title></head><body><p>政务公开</p></body></html>".encode()
NOW = dt.datetime.now(dt.UTC)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, *, issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None = None,
          ip: str | None = "127.0.0.1", dns: str | None = None, days: tuple[int, int] = (-1, 30),
          ca: bool = False) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    sans: list[x509.GeneralName] = []
    if ip:
        sans.append(x509.IPAddress(ipaddress.ip_address(ip)))
    if dns:
        sans.append(x509.DNSName(dns))
    builder = (x509.CertificateBuilder().subject_name(_name(subject))
               .issuer_name(issuer[0].subject if issuer else _name(subject))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(NOW + dt.timedelta(days=days[0])).not_valid_after(NOW + dt.timedelta(days=days[1]))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(issuer[1] if issuer else key, hashes.SHA256()), key


def _write(tmp: Path, name: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey | None = None) -> Path:
    (tmp / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        (tmp / f"{name}.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                            serialization.PrivateFormat.PKCS8,
                                                            serialization.NoEncryption()))
    return tmp / f"{name}.pem"


@contextmanager
def https_server(tmp: Path, name: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> Iterator[str]:
    pem = _write(tmp, name, cert, key)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pem, tmp / f"{name}.key")
    with MockServer({"*": lambda h: h.send(200, PAGE)}, tls=ctx) as srv:
        yield srv.url


def _https_fact(tmp: Path, url: str) -> dict:
    store = CrawlStore(tmp / f"c{abs(hash(url))}.db")
    cid = store.start_crawl([url], ["127.0.0.1"], resume=False)
    facts = measure_site(store, cid, timeout=3.0)
    store.close()
    return facts["https"]


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ca")
    root = _cert("govaudit test CA", ip=None, ca=True, days=(-10, 365))
    return tmp, root, _write(tmp, "ca", root[0])


def test_self_signed_certificate_fails_https_enabled(tmp_path):
    with https_server(tmp_path, "self", *_cert("127.0.0.1")) as url:
        f = _https_fact(tmp_path, url)
        probe = probe_once(url, timeout=3)
    assert f["homepage_https"] is True and f["ok"] is False and f["https_ok"] is False
    assert f["certificate"] == "证书无效：自签名" and "证书无效" in f["reason"] and "自签名" in f["reason"]
    assert probe["state"] == "up"  # the homepage opens: availability is not a certificate question
    site = SiteModel(site_url=url, as_of=date.today(), facts={"https": f})
    spec = REGISTRY["https_enabled"]
    o = spec(site, build_params(spec, {}), CheckContext(date.today(), default_synonyms()))
    assert o.status == "fail" and "自签名" in o.message and o.details["certificate"] == "证书无效：自签名"


@pytest.mark.parametrize(("name", "kwargs", "ok", "why"), [
    ("valid", {}, True, "证书有效"),
    ("expired", {"days": (-30, -1)}, False, "已过期"),
    ("other-name", {"ip": None, "dns": "www.other.gov.cn"}, False, "与"),
])
def test_certificates_issued_by_a_trusted_ca(ca, monkeypatch, name, kwargs, ok, why):
    tmp, root, ca_file = ca
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    with https_server(tmp, name, *_cert(name, issuer=root, **kwargs)) as url:
        f = _https_fact(tmp, url)
    assert f["ok"] is ok and why in f["reason"], f
    if not ok:
        assert f["certificate"].startswith("证书无效：")
