"""Site properties measured after a crawl: IPv6, HTTPS, mobile, identifiers, search, the
我为政府网站找错 entry and the online consultation channel.

`measure_site(store, crawl_id)` stores one fact per property (`store.set_fact`) and returns
them. Every network step is bounded by a timeout, and no failure stops an audit: a
property that could not be measured is stored as ``{"error": "…"}`` (the check then says
it cannot judge).

Facts
  ipv6          {host, aaaa: [...], source, served, status, reason, ok}
  https         {homepage_https, https_url, https_ok, status, reason, ok}
  mobile        {viewport, mobile_link, mobile_redirect, ok}
  identifiers   {网站标识码, ICP备案号, 公安机关备案号, 党政机关网站标识, sources}
  search        {present, verified, status: verified|not_found|unverified|absent, action, query, reason}
  error_report  {present, url, text}
  interaction   {present, channels: [{text, url}], messages_listed, messages, unanswered: [...], late: [...]}
"""
from __future__ import annotations

import ipaddress
import logging
import re
import socket
import time
from datetime import date
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

import httpx

from crawler.extract.homepage import (
    DZJG,
    ERROR_REPORT,
    HOMEPAGE_FACTS,
    INTERACTION,
    homepage_facts,
    interaction_link,
    is_mobile_link,
    is_search_link,
    search_forms,
    visible_text,
)
from crawler.extract.homepage import parse_html as _parse
from crawler.extract.homepage import text_of as _text
from crawler.model.page import PageRecord
from crawler.model.site import canonical_url
from crawler.model.summary import is_article
from crawler.net import http
from crawler.net.challenge import detect_challenge
from crawler.net.failures import certificate_problem, dns_available
from crawler.net.failures import describe as _net_error
from crawler.net.guard import NetGuard
from crawler.store.crawls import CrawlStore
from crawler.text import pii

log = logging.getLogger(__name__)

HTML_LIMIT = 2 * 1024 * 1024
POLITE_DELAY = 0.25  # seconds between two requests to the site
REPLY_STATUS = re.compile(r"已回复|未回复|待回复|已答复|未答复|待答复|已办结|办理中|已处理|待处理|未处理|已反馈|未办结|受理中")
UNANSWERED = re.compile(r"未回复|待回复|未答复|待答复|办理中|待处理|未处理|未办结|受理中")
_WS = re.compile(r"\s+")

ID_KEYS = ("网站标识码", "ICP备案号", "公安机关备案号", "党政机关网站标识")


# -- small helpers -----------------------------------------------------------------------------
def _get(client: httpx.Client, url: str, *, params: dict[str, str] | None = None, limit: int = HTML_LIMIT,
         headers: dict[str, str] | None = None, extensions: dict[str, Any] | None = None) -> tuple[int, str, str, Any]:
    """(status, final url, text, headers) reading at most `limit` bytes."""
    from crawler.extract.decoding import decode_body

    req = client.build_request("GET", url, params=params, headers=headers, extensions=extensions)
    resp = client.send(req, stream=True)
    # a body that trickles in (a byte now and then) never hits the read timeout: bound the whole read
    deadline = time.monotonic() + 3 * (client.timeout.read or 10.0)
    try:
        chunks, got = [], 0
        for chunk in resp.iter_bytes():
            chunks.append(chunk)
            got += len(chunk)
            if got >= limit or time.monotonic() > deadline:
                break
        body = b"".join(chunks)[:limit]
    finally:
        resp.close()
    ch = detect_challenge(resp.status_code, resp.headers, body, resp.headers.get("content-type", ""))
    text = decode_body(body, resp.headers.get("content-type"))[0] if body else ""
    if ch:
        raise _Challenged(ch, resp.status_code)
    return resp.status_code, str(resp.url), text, resp.headers


class _Challenged(Exception):
    def __init__(self, name: str, status: int) -> None:
        super().__init__(f"防护验证页面（{name}，HTTP {status}）")
        self.name = name
        self.status = status


def _fact_str(v: Any) -> str | None:
    if v is None or v is False:
        return None
    if isinstance(v, (list, tuple)):
        v = v[0] if v else None
        return _fact_str(v)
    if isinstance(v, dict):
        return _fact_str(v.get("value") or v.get("text") or v.get("url"))
    s = str(v).strip()
    return s or None


def _is_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _clean_title(title: str) -> str:
    t = re.split(r"\s*(?:_|\||｜|—|--| - )\s*", title.strip())[0].strip()
    return t[:40]


# -- reading the stored crawl ----------------------------------------------------------------
def _scan_crawl(store: CrawlStore, crawl_id: int, home_url: str) -> tuple[PageRecord | None, list[tuple[str, str]],
                                                                         dict[str, PageRecord]]:
    """The homepage record, up to 12 article (title, url) pairs, and records of interaction pages."""
    home_key = canonical_url(home_url)
    home: PageRecord | None = None
    articles: list[tuple[str, str]] = []
    by_url: dict[str, PageRecord] = {}
    for rec in store.iter_pages(crawl_id):
        keys = {canonical_url(rec.url), canonical_url(rec.requested_url or rec.url),
                *(canonical_url(r) for r in rec.redirects)}
        if home_key in keys and (home is None or (rec.ok and not home.ok)):
            home = rec
            continue
        if not rec.ok:
            continue
        if len(articles) < 12 and is_article(rec):
            t = _clean_title(rec.meta.get("ArticleTitle") or rec.meta.get("articletitle") or rec.title or "")
            if 6 <= len(t) <= 40:
                articles.append((t, rec.url))
        if INTERACTION.search(rec.title or "") and len(by_url) < 50:
            by_url[canonical_url(rec.url)] = PageRecord(url=rec.url, status=rec.status, title=rec.title)
    return home, articles, by_url


# -- identifiers ---------------------------------------------------------------------------
def identifiers(home: PageRecord | None, page: dict[str, Any]) -> dict[str, Any]:
    """The four footer identifiers: the crawl's facts first, then the homepage's HTML."""
    tf = dict(home.text_facts) if home else {}
    meta = {k.lower(): v for k, v in (home.meta if home else {}).items()}
    found = page.get("identifiers") or {}
    out: dict[str, Any] = {k: None for k in ID_KEYS}
    sources: dict[str, str] = {}

    def put(key: str, value: str | None, source: str) -> None:
        if value and not out[key]:
            out[key] = _WS.sub(" ", value).strip()[:80]
            sources[key] = source

    put("网站标识码", _fact_str(tf.get("site_id_code")), "page")
    put("网站标识码", _fact_str(meta.get("siteidcode")), "meta")
    put("网站标识码", found.get("meta_site_id"), "meta")
    put("网站标识码", found.get("site_id"), "html")
    put("ICP备案号", _fact_str(tf.get("icp")), "page")
    put("ICP备案号", found.get("icp"), "html")
    put("公安机关备案号", _fact_str(tf.get("police_record")), "page")
    put("公安机关备案号", found.get("police"), "html")
    dz = tf.get("dzjg")
    if dz:
        put("党政机关网站标识", _fact_str(dz) if not isinstance(dz, bool) else "有", "page")
    if home is not None and not out["党政机关网站标识"]:
        lk = next((lk for lk in home.links if DZJG.search(lk.url) or DZJG.search(lk.text or "")), None)
        put("党政机关网站标识", lk.url if lk else None, "page")
    put("党政机关网站标识", page.get("dzjg"), "html")
    return {**out, "sources": sources}


# -- mobile --------------------------------------------------------------------------------------
def mobile(home: PageRecord | None, page: dict[str, Any], home_url: str) -> dict[str, Any]:
    meta = {k.lower(): v for k, v in (home.meta if home else {}).items()}
    viewport = meta.get("viewport") or page.get("viewport")
    home_host = (urlsplit(home_url).hostname or "").lower()
    link = next((lk.url for lk in (home.links if home else []) if is_mobile_link(lk.text or "", lk.url, home_host)),
                None) or page.get("mobile_link")
    redirect = page.get("mobile_redirect")
    return {"viewport": viewport or None, "mobile_link": link, "mobile_redirect": redirect,
            "ok": bool(viewport or link or redirect)}


# -- error report entry ----------------------------------------------------------------------
def error_report(home: PageRecord | None, page: dict[str, Any]) -> dict[str, Any]:
    tf = home.text_facts if home else {}
    v = tf.get("error_report")
    if v:
        return {"present": True, "url": _fact_str(v) if not isinstance(v, bool) else None, "text": "我为政府网站找错",
                "source": "page"}
    for lk in home.links if home else []:
        if ERROR_REPORT.search(lk.url) or re.search(r"找错|纠错", lk.text or ""):
            return {"present": True, "url": lk.url, "text": (lk.text or "")[:40], "source": "page"}
    if page.get("error_report_url"):
        return {"present": True, "url": page["error_report_url"], "text": "我为政府网站找错", "source": "html"}
    if page.get("error_report_text"):
        return {"present": True, "url": None, "text": "我为政府网站找错", "source": "html"}
    return {"present": False, "url": None, "text": None}


# -- search --------------------------------------------------------------------------------------
def _result_has(html: str, final_url: str, title: str, url: str) -> bool:
    from crawler.model.build import canonical_url

    doc = _parse(html)
    if doc is None:
        return False
    want = _WS.sub("", title)
    prefix = want[:12]
    target = canonical_url(url)
    for a in doc.xpath("//a"):
        href = a.get("href") or ""
        if href and not href.lower().startswith(("javascript:", "#")):
            try:
                if canonical_url(urljoin(final_url, href)) == target:
                    return True
            except ValueError:
                pass
        t = _WS.sub("", _text(a) or a.get("title") or "")
        if len(t) >= 6 and (want in t or t in want or (len(prefix) >= 8 and prefix in t)):
            return True
    return False


def _search_entry(client: httpx.Client, home: PageRecord | None, page: dict[str, Any]
                  ) -> tuple[list[dict[str, Any]], str | None, bool, dict[str, Any] | None]:
    """(forms, search page, present, early result): the homepage's search form, or the one
    on the page a 站内搜索 link leads to."""
    forms = list(page.get("search_forms") or [])
    present = bool(forms) or bool((home.text_facts if home else {}).get("has_search"))
    if forms:
        return forms, None, present, None
    search_page = next((lk.url for lk in (home.links if home else []) if is_search_link(lk.text or "", lk.url)),
                       None) or page.get("search_page")
    if not search_page:
        return forms, None, present, None
    try:
        _st, final, page_html, _h = _get(client, search_page)
        sdoc = _parse(page_html)
        forms = search_forms(sdoc, final) if sdoc is not None else []
    except Exception as e:
        return forms, search_page, True, {
            "present": True, "verified": None, "status": "unverified", "action": search_page,
            "reason": f"搜索页面无法打开：{_net_error(e)[1] if not isinstance(e, _Challenged) else e}"}
    return forms, search_page, True, None


def _submit_search(client: httpx.Client, form: dict[str, Any], base: dict[str, Any],
                   articles: list[tuple[str, str]]) -> dict[str, Any]:
    """Search for up to two crawled article titles with the form; verified when one is found."""
    tried = []
    last_reason = ""
    for title, url in articles[:2]:
        params = [(str(k), str(v)) for k, v in form["params"]]  # stored as JSON lists
        if form["query_name"]:
            params.append((form["query_name"], title))
        target = form["action"]
        sep = "&" if urlsplit(target).query else "?"
        full = target + sep + urlencode(params)
        tried.append(title)
        try:
            st, final, res_html, _h = _get(client, full)
        except _Challenged as e:
            return {**base, "verified": None, "status": "unverified", "query": title, "reason": f"搜索结果页为{e}"}
        except Exception as e:
            last_reason = f"搜索请求失败：{_net_error(e)[1]}"
            continue
        if st >= 400:
            last_reason = f"搜索结果页返回 HTTP {st}"
            continue
        if _result_has(res_html, final, title, url):
            return {**base, "verified": True, "status": "verified", "query": title, "result_url": final,
                    "reason": f"搜索“{title}”能检索到该文章"}
        if re.search(r"\$\.(?:ajax|get|post)|fetch\(|XMLHttpRequest|axios", res_html) and \
                len(visible_text(_parse(res_html))) < 600:
            return {**base, "verified": None, "status": "unverified", "query": title,
                    "reason": "搜索结果由脚本加载，未能自动验证"}
        last_reason = f"搜索已发布文章标题“{title}”未检索到该文章"
    return {**base, "verified": False, "status": "not_found", "query": tried[0] if tried else None,
            "reason": last_reason or "搜索未能检索到已发布文章"}


def search(client: httpx.Client, home: PageRecord | None, page: dict[str, Any],
           articles: list[tuple[str, str]]) -> dict[str, Any]:
    forms, search_page, present, early = _search_entry(client, home, page)
    if early is not None:
        return early
    if not present:
        return {"present": False, "verified": False, "status": "absent", "action": None,
                "reason": "首页未发现搜索框或搜索入口"}
    if not forms:
        return {"present": True, "verified": None, "status": "unverified", "action": search_page,
                "reason": "有搜索入口，但未找到可提交的搜索表单（可能由脚本实现）"}
    form = forms[0]
    base = {"present": True, "action": form["action"], "method": form["method"]}
    if form["method"] != "get":
        return {**base, "verified": None, "status": "unverified", "reason": "搜索表单以 POST 提交，未自动验证"}
    if not form["action"]:
        return {**base, "verified": None, "status": "unverified", "reason": "搜索由脚本提交，未自动验证"}
    if not articles:
        return {**base, "verified": None, "status": "unverified", "reason": "没有可用于验证的已抓取文章标题"}
    return _submit_search(client, form, base, articles)


# -- HTTPS -------------------------------------------------------------------------------------
def _https_candidates(home: PageRecord | None, home_url: str) -> tuple[bool, list[str]]:
    """(the homepage is served over HTTPS, the HTTPS addresses to open)."""
    final = home.url if home is not None else home_url
    for u in (home_url, final):
        if u.startswith("https://"):
            return True, [u]
    p = urlsplit(home_url)
    host = p.hostname or ""
    netloc_host = f"[{host}]" if ":" in host else host
    cands = [urlunsplit(("https", netloc_host, p.path or "/", "", ""))]
    if p.port and p.port not in (80, 443):
        cands.insert(0, urlunsplit(("https", f"{netloc_host}:{p.port}", p.path or "/", "", "")))
    return False, cands


def https(client: httpx.Client, home: PageRecord | None, home_url: str) -> dict[str, Any]:
    """HTTPS offered with a valid certificate. `client` verifies certificates (the crawl
    does not): an expired, self-signed or mismatched certificate is a failure."""
    on_https, cands = _https_candidates(home, home_url)
    out: dict[str, Any] = {"homepage_https": on_https}
    reason = ""
    for u in cands:
        try:
            st, fin, _t, _h = _get(client, u, limit=64 * 1024)
        except _Challenged as e:
            return {**out, "https_url": u, "https_ok": True, "status": e.status, "ok": True,
                    "reason": f"HTTPS 可访问（{e}）"}
        except Exception as e:
            bad_cert = certificate_problem(e)
            if bad_cert:
                return {**out, "https_url": u, "https_ok": False, "certificate": bad_cert, "ok": False,
                        "reason": f"HTTPS 证书无效（{bad_cert.removeprefix('证书无效：')}），浏览器会提示不安全"}
            reason = _net_error(e)[1]
            continue
        if st < 400:
            if on_https:
                return {**out, "https_url": fin, "https_ok": True, "status": st, "ok": True,
                        "reason": "首页通过 HTTPS 提供，证书有效"}
            return {**out, "https_url": fin, "https_ok": True, "status": st, "ok": True,
                    "reason": f"首页为 HTTP，HTTPS 地址可访问（HTTP {st}）"}
        reason = f"HTTPS 地址返回 HTTP {st}"
    if on_https:
        return {**out, "https_url": cands[0], "https_ok": False, "ok": False,
                "reason": f"首页通过 HTTPS 提供，但现在无法打开（{reason}）"}
    return {**out, "https_url": None, "https_ok": False, "ok": False,
            "reason": f"首页未使用 HTTPS，HTTPS 地址无法访问（{reason}）"}


# -- IPv6 --------------------------------------------------------------------------------------
def aaaa_records(host: str, port: int, timeout: float = 5.0) -> tuple[list[str], str, str | None]:
    """(IPv6 addresses, how they were found, error). IP literals and localhost names use
    getaddrinfo; other names ask DNS for AAAA records (dnspython)."""
    ip = _is_ip(host)
    if ip is not None:
        return ([str(ip)] if ip.version == 6 else []), "literal", None
    if host == "localhost" or host.endswith(".localhost"):
        return _getaddrinfo6(host, port), "getaddrinfo", None
    try:
        import dns.exception
        import dns.resolver

        r = dns.resolver.Resolver()
        r.lifetime = timeout
        try:
            ans = r.resolve(host, "AAAA")
            return sorted({a.to_text() for a in ans}), "dns", None
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            if not dns_available():
                addrs = _getaddrinfo6(host, port)
                return addrs, "getaddrinfo", None if addrs else "本机 DNS 不可用，无法查询 AAAA 记录"
            return [], "dns", None
        except (dns.resolver.NoNameservers, dns.exception.Timeout, dns.resolver.LifetimeTimeout) as e:
            addrs = _getaddrinfo6(host, port)
            return addrs, "getaddrinfo", None if addrs else f"DNS 查询失败：{type(e).__name__}"
    except Exception as e:
        addrs = _getaddrinfo6(host, port)
        return addrs, "getaddrinfo", None if addrs else f"DNS 查询失败：{type(e).__name__}"


def _getaddrinfo6(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, socket.AF_INET6, socket.SOCK_STREAM)
    except (socket.gaierror, OSError):
        return []
    out: list[str] = []
    for *_x, sa in infos:
        a = str(sa[0]).split("%")[0]
        if a not in out and not a.startswith("::ffff:"):
            out.append(a)
    return out


def ipv6(client: httpx.Client, home: PageRecord | None, home_url: str, timeout: float) -> dict[str, Any]:
    url = home.url if home is not None and home.ok else home_url
    p = urlsplit(url)
    host = p.hostname or ""
    port = p.port or (443 if p.scheme == "https" else 80)
    addrs, source, err = aaaa_records(host, port, timeout=min(timeout, 5.0))
    out: dict[str, Any] = {"host": host, "aaaa": addrs, "source": source, "served": None, "status": None}
    if err:
        return {**out, "ok": None, "error": err, "reason": err}
    if not addrs:
        return {**out, "served": False, "ok": False, "reason": f"{host} 没有 IPv6 地址（无 AAAA 记录）"}
    reason = ""
    for addr in addrs[:3]:
        netloc = f"[{addr}]" + (f":{p.port}" if p.port else "")
        u = urlunsplit((p.scheme, netloc, p.path or "/", p.query, ""))
        host_header = p.netloc.rsplit("@", 1)[-1]
        try:
            st, _f, _t, _h = _get(client, u, limit=16 * 1024, headers={"Host": host_header},
                                  extensions={"sni_hostname": host} if p.scheme == "https" and not _is_ip(host) else None)
        except _Challenged as e:
            return {**out, "served": True, "status": e.status, "address": addr, "ok": True,
                    "reason": f"IPv6 地址 {addr} 可访问（{e}）"}
        except Exception as e:
            reason = f"通过 IPv6 地址 {addr} 访问首页失败：{_net_error(e)[1]}"
            continue
        if st < 400 or st in (401, 403):
            return {**out, "served": True, "status": st, "address": addr, "ok": True,
                    "reason": f"首页可通过 IPv6（{addr}）访问，HTTP {st}"}
        reason = f"通过 IPv6 地址 {addr} 访问首页返回 HTTP {st}"
    return {**out, "served": False, "ok": False, "reason": reason or "IPv6 访问失败"}


# -- interaction channel -------------------------------------------------------------------------
_DATE_RE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def _dates(text: str) -> list[date]:
    out = []
    for y, m, d in _DATE_RE.findall(text):
        try:
            out.append(date(int(y), int(m), int(d)))
        except ValueError:
            pass
    return out


def message_rows(html: str) -> list[dict[str, Any]]:
    """Rows of a message list (留言/信件) that show a date and a 回复 status."""
    doc = _parse(html)
    if doc is None:
        return []
    rows = []
    for el in doc.xpath("//tr|//li|//div[contains(@class,'item') or contains(@class,'row') or contains(@class,'list')]"):
        # only leaf-ish rows: a row containing other rows is a container
        if el.tag == "div" and el.xpath(".//tr|.//li"):
            continue
        t = _text(el)
        if len(t) > 400:
            continue
        st = REPLY_STATUS.search(t)
        ds = _dates(t)
        if not st or not ds:
            continue
        title = ""
        a = el.xpath(".//a")
        if a:
            title = _text(a[0])
        rows.append({"title": pii.redact(title or t)[:80], "asked": ds[0].isoformat(),
                     "replied": ds[1].isoformat() if len(ds) > 1 and ds[1] >= ds[0] else None,
                     "status": st.group(0), "unanswered": bool(UNANSWERED.search(st.group(0)))})
    # de-duplicate (nested matches)
    seen, out = set(), []
    for r in rows:
        k = (r["title"], r["asked"], r["status"])
        if k not in seen:
            seen.add(k)
            out.append(r)
    return out[:500]


def _channels(home: PageRecord | None, page: dict[str, Any], titled: dict[str, PageRecord]) -> list[dict[str, str]]:
    chans: list[tuple[str, str]] = [((lk.text or "").strip(), lk.url) for lk in (home.links if home else [])
                                    if lk.kind in ("page", "external") and interaction_link(lk.text or "")]
    chans += [(t, u) for t, u in page.get("channels") or []]
    chans += [(_clean_title(rec.title), rec.url) for rec in titled.values()]
    seen: set[str] = set()
    uniq = []
    for t, u in chans:
        if u not in seen:
            seen.add(u)
            uniq.append({"text": t[:40], "url": u})
    return uniq


def interaction(client: httpx.Client, home: PageRecord | None, page: dict[str, Any],
                titled: dict[str, PageRecord]) -> dict[str, Any]:
    uniq = _channels(home, page, titled)
    out: dict[str, Any] = {"present": bool(uniq), "channels": uniq[:10], "messages_listed": False}
    if not uniq:
        return out
    # message lists: try the most specific entries first (信箱/留言/咨询), then the column
    order = sorted(uniq, key=lambda c: 0 if re.search(r"信箱|留言|咨询|信件|写信", c["text"]) else 1)
    rows: list[dict[str, Any]] = []
    for c in order[:4]:
        try:
            _st, final, page_html, _h = _get(client, c["url"], limit=HTML_LIMIT)
        except Exception:
            continue
        rows = message_rows(page_html)
        if rows:
            out["messages_url"] = final
            break
    if rows:
        out["messages_listed"] = True
        out["messages"] = len(rows)
        out["rows"] = rows[:200]
    return out


# -- the entry point --------------------------------------------------------------------------
def _homepage(client: httpx.Client, home: PageRecord | None, home_url: str
              ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """(homepage facts, the homepage_fetch fact). The crawl's record carries the facts
    (crawler.extract.homepage); the homepage is fetched again only for a crawl stored
    without them."""
    crawled = bool(home is not None and home.ok)
    page_url = home.url if home is not None and home.ok else home_url
    stored = home.text_facts.get(HOMEPAGE_FACTS) if home is not None and home.ok else None
    if isinstance(stored, dict) and stored:
        url = str(stored.get("url") or page_url)
        return stored, {"url": url, "ok": True, "reason": "", "crawled": crawled}
    reason = ""
    try:
        st, final, text, _h = _get(client, page_url)
        if st < 400:
            return homepage_facts(text, final), {"url": final, "ok": True, "reason": "", "crawled": crawled}
        reason = f"首页返回 HTTP {st}"
    except _Challenged as e:
        reason = str(e)
    except Exception as e:
        reason = _net_error(e)[1]
    return None, {"url": page_url, "ok": False, "reason": reason, "crawled": crawled}


_NEEDS_PAGE = ("identifiers", "mobile", "error_report", "search", "interaction")


def measure_site(store: CrawlStore, crawl_id: int, *, timeout: float = 10.0) -> dict[str, Any]:
    """Measure and store the site's properties (facts). Never raises for a site's fault."""
    info = store.crawl_info(crawl_id)
    if info is None:
        raise LookupError(f"存储中没有编号为 {crawl_id} 的抓取记录")
    home_url = info.start_urls[0]
    facts: dict[str, Any] = {}
    try:
        home, articles, titled = _scan_crawl(store, crawl_id, home_url)
    except Exception as e:
        home, articles, titled = None, [], {}
        facts["measure_error"] = {"error": f"读取抓取记录失败：{type(e).__name__}: {pii.redact(str(e))}"}
    guard = NetGuard(info.start_urls)
    # pages are read as the crawl reads them (no certificate check); HTTPS is judged with one
    with http.client("site-properties", timeout=timeout, guard=guard, delay=POLITE_DELAY, verify=False) as client, \
            http.client("site-properties", timeout=timeout, guard=guard, verify=True) as verifying:
        page, facts["homepage_fetch"] = _homepage(client, home, home_url)
        page_url = facts["homepage_fetch"]["url"]
        steps: list[tuple[str, Any]] = [
            ("identifiers", lambda p: identifiers(home, p)),
            ("mobile", lambda p: mobile(home, p, page_url)),
            ("error_report", lambda p: error_report(home, p)),
            ("search", lambda p: search(client, home, p, articles)),
            ("https", lambda p: https(verifying, home, home_url)),
            ("ipv6", lambda p: ipv6(client, home, home_url, timeout)),
            ("interaction", lambda p: interaction(client, home, p, titled)),
        ]
        no_page = (home is None or not home.ok) and page is None
        for key, fn in steps:
            if no_page and key in _NEEDS_PAGE:
                reason = facts["homepage_fetch"]["reason"] or "未抓取到首页"
                facts[key] = {"error": f"首页未能获取（{reason}），无法测量"}
                continue
            try:
                facts[key] = fn(page or {})
            except Exception as e:
                log.warning("站点属性 %s 测量失败：%s", key, pii.redact(str(e)))
                facts[key] = {"error": f"测量失败：{type(e).__name__}: {pii.redact(str(e))[:200]}"}
    facts = {k: pii.redact_deep(v, mobiles=True) for k, v in facts.items()}
    for key, value in facts.items():
        store.set_fact(crawl_id, key, value)
    return facts
