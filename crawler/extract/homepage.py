"""What the site properties need from the homepage's HTML, read once.

`homepage_facts(html, url)` → a small JSON-able dict: the search forms, the first link to a
search page, to a mobile version and the interaction channels, the viewport, a scripted
mobile redirect, footer identifiers and the 找错 / 党政机关 marks. The extractor stores it
on the homepage record (`PageRecord.text_facts["homepage_html"]`, depth 0 only), so the site
properties (crawler.collect.properties) need not fetch the homepage again; they compute
it themselves for a crawl stored before this existed.
"""
from __future__ import annotations

import copy
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from crawler.text.identifiers import ICP_RE, POLICE_RE, SITE_ID_RE

__all__ = ["HOMEPAGE_FACTS", "homepage_facts", "interaction_link", "is_mobile_link", "is_search_link",
           "parse_html", "search_forms", "text_of", "visible_text"]

HOMEPAGE_FACTS = "homepage_html"  # the text_facts key

SEARCH_NAMES = {"q", "query", "keyword", "keywords", "searchword", "searchwords", "word", "wd", "kw", "sw",
                "key", "keys", "searchkey", "searchtext", "search", "textfield", "content", "title", "qt", "s",
                "searchvalue", "searchstr", "text", "sousuo"}
SEARCH_ACTION = re.compile(r"search|sousuo|jsearch|query|so\.|/so/|/s\.|/s/|seek|jansearch|trssearch|was5|"
                           r"fulltext|zhuanti/ss|/ss/", re.IGNORECASE)
SEARCH_WORD = re.compile(r"搜索|检索|搜\s*索|查询|search", re.IGNORECASE)
SEARCH_LINK_TEXT = re.compile(r"站内搜索|高级检索|全文检索|搜索")
ERROR_REPORT = re.compile(r"jiucuo|zfwzzc|zfwzgl\.www\.gov\.cn/exposure|pucha\.kaipuyun\.cn/exposure|找错|纠错",
                          re.IGNORECASE)
DZJG = re.compile(r"conac\.cn|_ideConac|dzjg|党政机关", re.IGNORECASE)
MOBILE_TEXT = re.compile(r"手机版|移动版|手机门户|触屏版|wap版|WAP|移动端|手机网站", re.IGNORECASE)
MOBILE_REDIRECT = re.compile(
    r"(?:iphone|android|mobile|ipad|windows phone|symbian)[\s\S]{0,400}?(?:location(?:\.href)?|window\.location)"
    r"\s*(?:=|\.replace\(|\.assign\()\s*['\"]([^'\"]+)", re.IGNORECASE)
INTERACTION = re.compile(r"互动交流|政民互动|互动平台|在线咨询|咨询投诉|咨询|留言|信箱|在线访谈|网上信访|书记信箱|"
                         r"区长信箱|县长信箱|市长信箱|局长信箱|民意征集|意见征集|12345|我要写信", re.IGNORECASE)
_WS = re.compile(r"\s+")
MAX_CHANNELS = 200
MAX_FORMS = 5
MAX_PARAMS = 50
MAX_VALUE = 300  # characters of a form value (hostile pages)
MAX_URL = 2083


def join(base: str, href: str | None) -> str:
    """`href` resolved against `base`; "" when it is malformed or absurdly long (hostile)."""
    try:
        u = urljoin(base, (href or "").strip())
    except ValueError:
        return ""
    return u if len(u) <= MAX_URL else ""


def parse_html(html: str) -> Any:
    import lxml.html

    try:
        return lxml.html.fromstring(html) if html and html.strip() else None
    except (ValueError, Exception):  # noqa: BLE001 - hostile markup
        return None


def text_of(el: Any) -> str:
    return _WS.sub(" ", el.text_content() if el is not None else "").strip()


def visible_text(doc: Any) -> str:
    if doc is None:
        return ""
    d = copy.deepcopy(doc)
    for bad in d.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    return text_of(d)


def is_mobile_link(text: str, url: str, home_host: str) -> bool:
    try:
        p = urlsplit(url)
    except ValueError:
        return False
    host = (p.hostname or "").lower()
    if p.scheme not in ("http", "https"):
        return False
    return bool(MOBILE_TEXT.search(text) or "alternate" in text and "max-width" in text
                or (host != home_host and re.match(r"^(m|wap|mobile|3g|h5)\.", host))
                or re.match(r"^/(m|wap|mobile|h5|sj)(/|$|index)", p.path or "", re.IGNORECASE))


def is_search_link(text: str, url: str) -> bool:
    if not url.startswith("http"):
        return False
    try:
        path = urlsplit(url).path or ""
    except ValueError:
        return False
    return bool(SEARCH_LINK_TEXT.search(text) or SEARCH_ACTION.search(path))


def interaction_link(text: str) -> bool:
    return bool(text) and len(text) <= 20 and bool(INTERACTION.search(text))


def _form_params(f: Any, q: Any) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    for el in f.xpath(".//input[@name]|.//select[@name]"):
        name = el.get("name")
        typ = (el.get("type") or "text").lower()
        if el is q or el.tag == "input" and typ in ("submit", "button", "image", "reset", "file"):
            continue
        if el.tag == "select":
            opts = el.xpath(".//option[@selected]") or el.xpath(".//option")
            params.append((name, ((opts[0].get("value") or text_of(opts[0])) if opts else "")[:MAX_VALUE]))
        elif typ in ("checkbox", "radio"):
            if el.get("checked") is not None:
                params.append((name, el.get("value") or "on"))
        elif typ in ("text", "search", "hidden", ""):
            params.append((name, (el.get("value") or "")[:MAX_VALUE]))
    return params[:MAX_PARAMS]


def _form_score(f: Any, texts: list[Any]) -> int:
    action = f.get("action") or ""
    names = {(i.get("name") or "").lower() for i in texts}
    blob = " ".join([action, f.get("id") or "", f.get("name") or "", f.get("class") or "",
                     *(i.get("placeholder") or "" for i in texts),
                     *(b.get("value") or "" for b in f.xpath(
                         ".//input[@type='submit' or @type='button' or @type='image']")),
                     *(text_of(b) for b in f.xpath(".//button"))])
    return (2 if SEARCH_ACTION.search(action) else 0) + (2 if names & SEARCH_NAMES else 0) \
        + (1 if SEARCH_WORD.search(blob) else 0)


def search_forms(doc: Any, base: str) -> list[dict[str, Any]]:
    """The page's search forms, best first: {score, action, method, query_name, params, onsubmit}."""
    forms = []
    for f in doc.xpath("//form"):
        inputs = f.xpath(".//input")
        texts = [i for i in inputs if (i.get("type") or "text").lower() in ("text", "search", "")]
        if not texts:
            continue
        score = _form_score(f, texts)
        if not score or any((i.get("type") or "").lower() == "password" for i in inputs):
            continue
        q = next((i for i in texts if (i.get("name") or "").lower() in SEARCH_NAMES), texts[0])
        action = f.get("action") or ""
        target = join(base, action) or None if action and not action.lower().startswith("javascript:") \
            else (base if not action else None)
        forms.append({"score": score, "action": target, "method": (f.get("method") or "get").lower()[:10],
                      "query_name": q.get("name"), "params": _form_params(f, q), "onsubmit": bool(f.get("onsubmit"))})
    forms.sort(key=lambda x: -x["score"])
    return forms[:MAX_FORMS]


def _marks(raw: str) -> dict[str, Any]:
    """党政机关网站标识 and 我为政府网站找错 as the raw HTML shows them."""
    out: dict[str, Any] = {"dzjg": None, "error_report_url": None, "error_report_text": False}
    m = re.search(r"""(?:href|src)\s*=\s*["']([^"']*conac\.cn[^"']*)""", raw, re.IGNORECASE)
    if m:
        out["dzjg"] = m.group(1)
    elif re.search(r"_ideConac|conac\.cn|dzjg\.(?:png|gif|jpg)|alt\s*=\s*[\"']?党政机关", raw, re.IGNORECASE):
        out["dzjg"] = "有"
    m = re.search(r"""(?:href|src)\s*=\s*["']([^"']*(?:jiucuo|zfwzzc|exposure)[^"']*)""", raw, re.IGNORECASE)
    if m:
        out["error_report_url"] = m.group(1)
    if out["error_report_url"] and len(out["error_report_url"]) > MAX_URL:
        out["error_report_url"] = None
    if out["dzjg"] and len(out["dzjg"]) > MAX_URL:
        out["dzjg"] = "有"
    out["error_report_text"] = bool(re.search(r"我为政府网站找错|网站找错|政府网站找错", raw))
    return out


def _identifiers(doc: Any) -> dict[str, str | None]:
    text = visible_text(doc)
    meta = doc.xpath("//meta[translate(@name,'SITEIDCODE','siteidcode')='siteidcode']/@content")
    found = {"meta_site_id": str(meta[0]).strip() if meta else None}
    for key, rx in (("site_id", SITE_ID_RE), ("icp", ICP_RE), ("police", POLICE_RE)):
        m = rx.search(text)
        found[key] = m.group(1) if m else None
    return found


def homepage_facts(html: str, url: str) -> dict[str, Any]:
    """The facts above for the homepage `html` fetched from (final) `url`; {} when unparsable."""
    doc = parse_html(html or "")
    if doc is None:
        return {}
    home_host = (urlsplit(url).hostname or "").lower()
    anchors = [(text_of(a), a.get("title") or "", join(url, a.get("href"))) for a in doc.xpath("//a[@href]")[:3000]]
    mobile = [(t or title, u) for t, title, u in anchors[:2000]]
    mobile += [("alternate " + alt.get("media", ""), join(url, alt.get("href")))
               for alt in doc.xpath("//link[@rel='alternate'][@media][@href]")]
    viewport = doc.xpath("//meta[translate(@name,'VIEWPORT','viewport')='viewport']/@content")
    redirect = MOBILE_REDIRECT.search(html[:200_000])
    return {
        "url": url,
        "viewport": str(viewport[0]) if viewport else None,
        "mobile_link": next((u for t, u in mobile if is_mobile_link(t, u, home_host)), None),
        "mobile_redirect": (join(url, redirect.group(1)) or None) if redirect else None,
        "search_forms": search_forms(doc, url),
        "search_page": next((u for t, _x, u in anchors[:2000] if is_search_link(t, u)), None),
        "channels": [(t, u) for t, _x, u in anchors[:3000] if interaction_link(t) and u.startswith("http")][
            :MAX_CHANNELS],
        "identifiers": _identifiers(doc),
        **_marks(html),
    }
