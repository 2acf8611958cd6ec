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

from crawler.text import pii
from crawler.collect.links import USER_AGENT, _net_error, detect_challenge, dns_available
from crawler.net.guard import NetGuard
from crawler.model.page import PageRecord
from crawler.store.crawls import CrawlStore

log = logging.getLogger(__name__)

HTML_LIMIT = 2 * 1024 * 1024

SEARCH_NAMES = {"q", "query", "keyword", "keywords", "searchword", "searchwords", "word", "wd", "kw", "sw",
                "key", "keys", "searchkey", "searchtext", "search", "textfield", "content", "title", "qt", "s",
                "searchvalue", "searchstr", "text", "sousuo"}
SEARCH_ACTION = re.compile(r"search|sousuo|jsearch|query|so\.|/so/|/s\.|/s/|seek|jansearch|trssearch|was5|"
                           r"fulltext|zhuanti/ss|/ss/", re.IGNORECASE)
SEARCH_WORD = re.compile(r"搜索|检索|搜\s*索|查询|search", re.IGNORECASE)
ERROR_REPORT = re.compile(r"jiucuo|zfwzzc|zfwzgl\.www\.gov\.cn/exposure|pucha\.kaipuyun\.cn/exposure|找错|纠错", re.IGNORECASE)
DZJG = re.compile(r"conac\.cn|_ideConac|dzjg|党政机关", re.IGNORECASE)
MOBILE_TEXT = re.compile(r"手机版|移动版|手机门户|触屏版|wap版|WAP|移动端|手机网站", re.IGNORECASE)
MOBILE_REDIRECT = re.compile(
    r"(?:iphone|android|mobile|ipad|windows phone|symbian)[\s\S]{0,400}?(?:location(?:\.href)?|window\.location)"
    r"\s*(?:=|\.replace\(|\.assign\()\s*['\"]([^'\"]+)", re.IGNORECASE)
INTERACTION = re.compile(r"互动交流|政民互动|互动平台|在线咨询|咨询投诉|咨询|留言|信箱|在线访谈|网上信访|书记信箱|"
                         r"区长信箱|县长信箱|市长信箱|局长信箱|民意征集|意见征集|12345|我要写信", re.IGNORECASE)
REPLY_STATUS = re.compile(r"已回复|未回复|待回复|已答复|未答复|待答复|已办结|办理中|已处理|待处理|未处理|已反馈|未办结|受理中")
UNANSWERED = re.compile(r"未回复|待回复|未答复|待答复|办理中|待处理|未处理|未办结|受理中")

SITE_ID_RE = re.compile(r"网站标识码\s*[:：]?\s*([A-Za-z]{0,2}\d{8,12})")
ICP_RE = re.compile(r"([\u4e00-\u9fa5]{1,2}\s*ICP\s*[备证]\s*[0-9]{5,}\s*号(?:\s*[-－]\s*\d+)?)", re.IGNORECASE)
POLICE_RE = re.compile(r"([\u4e00-\u9fa5]{1,2}\s*公网安备\s*[0-9]{8,}\s*号?)")
_WS = re.compile(r"\s+")

ID_KEYS = ("网站标识码", "ICP备案号", "公安机关备案号", "党政机关网站标识")


# -- small helpers -----------------------------------------------------------------------------
def _client(timeout: float, guard: NetGuard | None = None) -> httpx.Client:
    return httpx.Client(follow_redirects=True, max_redirects=10, verify=False, timeout=httpx.Timeout(timeout),
                        headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,*/*",
                                 "Accept-Language": "zh-CN,zh;q=0.9"},
                        event_hooks={"request": [_guard_hook(guard)]} if guard is not None else None)


def _guard_hook(guard: NetGuard) -> Any:
    """Refuse (before connecting) a probe or redirect hop to a private / link-local address
    of a public site — a search form or a mailbox link may point anywhere (crawler.netguard)."""
    def hook(request: httpx.Request) -> None:
        refusal = guard.refuse(str(request.url))
        if refusal is not None:
            raise refusal
    return hook


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


def _parse(html: str) -> Any:
    import lxml.html

    try:
        return lxml.html.fromstring(html) if html and html.strip() else None
    except (ValueError, Exception):  # noqa: BLE001 - hostile markup
        return None


def _text(el: Any) -> str:
    return _WS.sub(" ", el.text_content() if el is not None else "").strip()


def _visible_text(doc: Any) -> str:
    if doc is None:
        return ""
    import copy

    d = copy.deepcopy(doc)
    for bad in d.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    return _text(d)


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
    from crawler.model.build import _is_article, canonical_url

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
        if len(articles) < 12 and _is_article(rec):
            t = _clean_title(rec.meta.get("ArticleTitle") or rec.meta.get("articletitle") or rec.title or "")
            if 6 <= len(t) <= 40:
                articles.append((t, rec.url))
        if INTERACTION.search(rec.title or "") and len(by_url) < 50:
            by_url[canonical_url(rec.url)] = PageRecord(url=rec.url, status=rec.status, title=rec.title)
    return home, articles, by_url


# -- identifiers ---------------------------------------------------------------------------
def identifiers(home: PageRecord | None, html: str | None) -> dict[str, Any]:
    tf = dict(home.text_facts) if home else {}
    meta = {k.lower(): v for k, v in (home.meta if home else {}).items()}
    doc = _parse(html or "")
    text = _visible_text(doc) if doc is not None else ""
    raw = html or ""
    out: dict[str, Any] = {k: None for k in ID_KEYS}
    sources: dict[str, str] = {}

    def put(key: str, value: str | None, source: str) -> None:
        if value and not out[key]:
            out[key] = _WS.sub(" ", value).strip()[:80]
            sources[key] = source

    put("网站标识码", _fact_str(tf.get("site_id_code")), "page")
    put("网站标识码", _fact_str(meta.get("siteidcode")), "meta")
    if doc is not None:
        m = doc.xpath("//meta[translate(@name,'SITEIDCODE','siteidcode')='siteidcode']/@content")
        put("网站标识码", str(m[0]).strip() if m else None, "meta")
    m = SITE_ID_RE.search(text)
    put("网站标识码", m.group(1) if m else None, "html")
    put("ICP备案号", _fact_str(tf.get("icp")), "page")
    m = ICP_RE.search(text)
    put("ICP备案号", m.group(1) if m else None, "html")
    put("公安机关备案号", _fact_str(tf.get("police_record")), "page")
    m = POLICE_RE.search(text)
    put("公安机关备案号", m.group(1) if m else None, "html")
    dz = tf.get("dzjg")
    if dz:
        put("党政机关网站标识", _fact_str(dz) if not isinstance(dz, bool) else "有", "page")
    if home is not None and not out["党政机关网站标识"]:
        for lk in home.links:
            if DZJG.search(lk.url) or DZJG.search(lk.text or ""):
                put("党政机关网站标识", lk.url, "page")
                break
    if not out["党政机关网站标识"] and raw:
        m2 = re.search(r"""(?:href|src)\s*=\s*["']([^"']*conac\.cn[^"']*)""", raw, re.IGNORECASE)
        if m2:
            put("党政机关网站标识", m2.group(1), "html")
        elif re.search(r"_ideConac|conac\.cn|dzjg\.(?:png|gif|jpg)|alt\s*=\s*[\"']?党政机关", raw, re.IGNORECASE):
            put("党政机关网站标识", "有", "html")
    return {**out, "sources": sources}


# -- mobile --------------------------------------------------------------------------------------
def mobile(home: PageRecord | None, html: str | None, home_url: str) -> dict[str, Any]:
    meta = {k.lower(): v for k, v in (home.meta if home else {}).items()}
    viewport = meta.get("viewport")
    doc = _parse(html or "")
    if not viewport and doc is not None:
        v = doc.xpath("//meta[translate(@name,'VIEWPORT','viewport')='viewport']/@content")
        viewport = str(v[0]) if v else None
    link: str | None = None
    links: list[tuple[str, str]] = [(lk.text or "", lk.url) for lk in (home.links if home else [])]
    if doc is not None:
        for a in doc.xpath("//a[@href]")[:2000]:
            links.append((_text(a) or (a.get("title") or ""), urljoin(home_url, a.get("href", ""))))
        for alt in doc.xpath("//link[@rel='alternate'][@media][@href]"):
            links.append(("alternate " + alt.get("media", ""), urljoin(home_url, alt.get("href", ""))))
    home_host = (urlsplit(home_url).hostname or "").lower()
    for text, url in links:
        try:
            p = urlsplit(url)
        except ValueError:
            continue
        host = (p.hostname or "").lower()
        if p.scheme not in ("http", "https"):
            continue
        if MOBILE_TEXT.search(text) or "alternate" in text and "max-width" in text \
                or (host != home_host and re.match(r"^(m|wap|mobile|3g|h5)\.", host)) \
                or re.match(r"^/(m|wap|mobile|h5|sj)(/|$|index)", p.path or "", re.IGNORECASE):
            link = url
            break
    redirect = None
    if html:
        m = MOBILE_REDIRECT.search(html[:200_000])
        if m:
            redirect = urljoin(home_url, m.group(1))
    return {"viewport": viewport or None, "mobile_link": link, "mobile_redirect": redirect,
            "ok": bool(viewport or link or redirect)}


# -- error report entry ----------------------------------------------------------------------
def error_report(home: PageRecord | None, html: str | None) -> dict[str, Any]:
    tf = home.text_facts if home else {}
    v = tf.get("error_report")
    if v:
        return {"present": True, "url": _fact_str(v) if not isinstance(v, bool) else None, "text": "我为政府网站找错",
                "source": "page"}
    for lk in home.links if home else []:
        if ERROR_REPORT.search(lk.url) or re.search(r"找错|纠错", lk.text or ""):
            return {"present": True, "url": lk.url, "text": (lk.text or "")[:40], "source": "page"}
    if html:
        m = re.search(r"""(?:href|src)\s*=\s*["']([^"']*(?:jiucuo|zfwzzc|exposure)[^"']*)""", html, re.IGNORECASE)
        if m:
            return {"present": True, "url": m.group(1), "text": "我为政府网站找错", "source": "html"}
        if re.search(r"我为政府网站找错|网站找错|政府网站找错", html):
            return {"present": True, "url": None, "text": "我为政府网站找错", "source": "html"}
    return {"present": False, "url": None, "text": None}


# -- search --------------------------------------------------------------------------------------
def _search_forms(doc: Any, base: str) -> list[dict[str, Any]]:
    forms = []
    for f in doc.xpath("//form"):
        inputs = f.xpath(".//input")
        texts = [i for i in inputs if (i.get("type") or "text").lower() in ("text", "search", "")]
        if not texts:
            continue
        action = f.get("action") or ""
        names = {(i.get("name") or "").lower() for i in texts}
        blob = " ".join([action, f.get("id") or "", f.get("name") or "", f.get("class") or "",
                         *(i.get("placeholder") or "" for i in texts),
                         *(b.get("value") or "" for b in f.xpath(".//input[@type='submit' or @type='button' or @type='image']")),
                         *(_text(b) for b in f.xpath(".//button"))])
        score = (2 if SEARCH_ACTION.search(action) else 0) + (2 if names & SEARCH_NAMES else 0) \
            + (1 if SEARCH_WORD.search(blob) else 0)
        if not score or any((i.get("type") or "").lower() == "password" for i in inputs):
            continue
        q = next((i for i in texts if (i.get("name") or "").lower() in SEARCH_NAMES), texts[0])
        params: list[tuple[str, str]] = []
        for el in f.xpath(".//input[@name]|.//select[@name]"):
            name = el.get("name")
            typ = (el.get("type") or "text").lower()
            if el is q or el.tag == "input" and typ in ("submit", "button", "image", "reset", "file"):
                continue
            if el.tag == "select":
                opts = el.xpath(".//option[@selected]") or el.xpath(".//option")
                params.append((name, (opts[0].get("value") or _text(opts[0])) if opts else ""))
            elif typ in ("checkbox", "radio"):
                if el.get("checked") is not None:
                    params.append((name, el.get("value") or "on"))
            elif typ in ("text", "search", "hidden", ""):
                params.append((name, el.get("value") or ""))
        forms.append({"score": score, "action": urljoin(base, action) if action and not action.lower().startswith(
            "javascript:") else (base if not action else None), "method": (f.get("method") or "get").lower(),
            "query_name": q.get("name"), "params": params, "onsubmit": bool(f.get("onsubmit"))})
    forms.sort(key=lambda x: -x["score"])
    return forms


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


def search(client: httpx.Client, home: PageRecord | None, html: str | None, home_url: str,
           articles: list[tuple[str, str]]) -> dict[str, Any]:
    tf = home.text_facts if home else {}
    doc = _parse(html or "")
    forms = _search_forms(doc, home_url) if doc is not None else []
    present = bool(forms) or bool(tf.get("has_search"))
    search_page: str | None = None
    if not forms:
        # a link to a search page (站内搜索 / 高级检索) with the form there
        cands = [(lk.text or "", lk.url) for lk in (home.links if home else [])]
        if doc is not None:
            cands += [(_text(a), urljoin(home_url, a.get("href", ""))) for a in doc.xpath("//a[@href]")[:2000]]
        for text, url in cands:
            if url.startswith("http") and (re.search(r"站内搜索|高级检索|全文检索|搜索", text)
                                            or SEARCH_ACTION.search(urlsplit(url).path or "")):
                search_page = url
                break
        if search_page:
            present = True
            try:
                _st, final, page_html, _h = _get(client, search_page)
                sdoc = _parse(page_html)
                forms = _search_forms(sdoc, final) if sdoc is not None else []
            except Exception as e:  # noqa: BLE001
                return {"present": True, "verified": None, "status": "unverified", "action": search_page,
                        "reason": f"搜索页面无法打开：{_net_error(e)[1] if not isinstance(e, _Challenged) else e}"}
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
    tried = []
    last_reason = ""
    for title, url in articles[:2]:
        params = [*form["params"], (form["query_name"], title)] if form["query_name"] else [*form["params"]]
        target = form["action"]
        sep = "&" if urlsplit(target).query else "?"
        full = target + sep + urlencode(params)
        tried.append(title)
        try:
            st, final, res_html, _h = _get(client, full)
        except _Challenged as e:
            return {**base, "verified": None, "status": "unverified", "query": title, "reason": f"搜索结果页为{e}"}
        except Exception as e:  # noqa: BLE001
            last_reason = f"搜索请求失败：{_net_error(e)[1]}"
            continue
        if st >= 400:
            last_reason = f"搜索结果页返回 HTTP {st}"
            continue
        if _result_has(res_html, final, title, url):
            return {**base, "verified": True, "status": "verified", "query": title, "result_url": final,
                    "reason": f"搜索“{title}”能检索到该文章"}
        if re.search(r"\$\.(?:ajax|get|post)|fetch\(|XMLHttpRequest|axios", res_html) and \
                len(_visible_text(_parse(res_html))) < 600:
            return {**base, "verified": None, "status": "unverified", "query": title,
                    "reason": "搜索结果由脚本加载，未能自动验证"}
        last_reason = f"搜索已发布文章标题“{title}”未检索到该文章"
    return {**base, "verified": False, "status": "not_found", "query": tried[0] if tried else None,
            "reason": last_reason or "搜索未能检索到已发布文章"}


# -- HTTPS -------------------------------------------------------------------------------------
def https(client: httpx.Client, home: PageRecord | None, home_url: str) -> dict[str, Any]:
    final = home.url if home is not None else home_url
    if home_url.startswith("https://") or final.startswith("https://"):
        return {"homepage_https": True, "https_url": final if final.startswith("https://") else home_url,
                "https_ok": True, "ok": True, "reason": "首页通过 HTTPS 提供"}
    p = urlsplit(home_url)
    host = p.hostname or ""
    netloc_host = f"[{host}]" if ":" in host else host
    cands = [urlunsplit(("https", netloc_host, p.path or "/", "", ""))]
    if p.port and p.port not in (80, 443):
        cands.insert(0, urlunsplit(("https", f"{netloc_host}:{p.port}", p.path or "/", "", "")))
    reason = ""
    for u in cands:
        try:
            st, fin, _t, _h = _get(client, u, limit=64 * 1024)
        except _Challenged as e:
            return {"homepage_https": False, "https_url": u, "https_ok": True, "status": e.status, "ok": True,
                    "reason": f"HTTPS 可访问（{e}）"}
        except Exception as e:  # noqa: BLE001
            reason = _net_error(e)[1]
            continue
        if st < 400:
            return {"homepage_https": False, "https_url": fin, "https_ok": True, "status": st, "ok": True,
                    "reason": f"首页为 HTTP，HTTPS 地址可访问（HTTP {st}）"}
        reason = f"HTTPS 地址返回 HTTP {st}"
    return {"homepage_https": False, "https_url": None, "https_ok": False, "ok": False,
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
    except Exception as e:  # noqa: BLE001
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
        except Exception as e:  # noqa: BLE001
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


def interaction(client: httpx.Client, home: PageRecord | None, html: str | None, home_url: str,
                titled: dict[str, PageRecord]) -> dict[str, Any]:
    chans: list[tuple[str, str]] = []
    for lk in home.links if home else []:
        if lk.kind in ("page", "external") and INTERACTION.search(lk.text or "") and len(lk.text or "") <= 20:
            chans.append(((lk.text or "").strip(), lk.url))
    doc = _parse(html or "")
    if doc is not None:
        for a in doc.xpath("//a[@href]")[:3000]:
            t = _text(a)
            if t and len(t) <= 20 and INTERACTION.search(t):
                u = urljoin(home_url, a.get("href", ""))
                if u.startswith("http"):
                    chans.append((t, u))
    for rec in titled.values():
        chans.append((_clean_title(rec.title), rec.url))
    seen: set[str] = set()
    uniq = []
    for t, u in chans:
        if u not in seen:
            seen.add(u)
            uniq.append({"text": t[:40], "url": u})
    out: dict[str, Any] = {"present": bool(uniq), "channels": uniq[:10], "messages_listed": False}
    if not uniq:
        return out
    # message lists: try the most specific entries first (信箱/留言/咨询), then the column
    order = sorted(uniq, key=lambda c: 0 if re.search(r"信箱|留言|咨询|信件|写信", c["text"]) else 1)
    rows: list[dict[str, Any]] = []
    for c in order[:4]:
        try:
            _st, final, page_html, _h = _get(client, c["url"], limit=HTML_LIMIT)
        except Exception:  # noqa: BLE001 - a failed fetch just gives no rows
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
def measure_site(store: CrawlStore, crawl_id: int, *, timeout: float = 10.0) -> dict[str, Any]:
    """Measure and store the site's properties (facts). Never raises for a site's fault."""
    info = store.crawl_info(crawl_id)
    if info is None:
        raise LookupError(f"存储中没有编号为 {crawl_id} 的抓取记录")
    home_url = info.start_urls[0]
    facts: dict[str, Any] = {}
    try:
        home, articles, titled = _scan_crawl(store, crawl_id, home_url)
    except Exception as e:  # noqa: BLE001
        home, articles, titled = None, [], {}
        facts["measure_error"] = {"error": f"读取抓取记录失败：{type(e).__name__}: {pii.redact(str(e))}"}
    page_url = home.url if home is not None and home.ok else home_url
    html: str | None = None
    fetch_reason = ""
    with _client(timeout, NetGuard(info.start_urls)) as client:
        try:
            st, final, text, _h = _get(client, page_url)
            if st < 400:
                html, page_url = text, final
            else:
                fetch_reason = f"首页返回 HTTP {st}"
        except _Challenged as e:
            fetch_reason = str(e)
        except Exception as e:  # noqa: BLE001
            fetch_reason = _net_error(e)[1]
        facts["homepage_fetch"] = {"url": page_url, "ok": html is not None, "reason": fetch_reason,
                                   "crawled": bool(home is not None and home.ok)}
        steps: list[tuple[str, Any]] = [
            ("identifiers", lambda: identifiers(home, html)),
            ("mobile", lambda: mobile(home, html, page_url)),
            ("error_report", lambda: error_report(home, html)),
            ("search", lambda: search(client, home, html, page_url, articles)),
            ("https", lambda: https(client, home, home_url)),
            ("ipv6", lambda: ipv6(client, home, home_url, timeout)),
            ("interaction", lambda: interaction(client, home, html, page_url, titled)),
        ]
        no_page = home is None or not home.ok
        for key, fn in steps:
            if no_page and html is None and key in ("identifiers", "mobile", "error_report", "search", "interaction"):
                facts[key] = {"error": f"首页未能获取（{fetch_reason or '未抓取到首页'}），无法测量"}
                continue
            try:
                facts[key] = fn()
            except Exception as e:  # noqa: BLE001 - never fail the audit
                log.warning("站点属性 %s 测量失败：%s", key, pii.redact(str(e)))
                facts[key] = {"error": f"测量失败：{type(e).__name__}: {pii.redact(str(e))[:200]}"}
    facts = {k: pii.redact_deep(v, mobiles=True) for k, v in facts.items()}
    for key, value in facts.items():
        store.set_fact(crawl_id, key, value)
    return facts
