"""WAF / anti-bot challenges: the one place that tells a challenge page from a site's answer.

`detect_challenge(status, headers, body, content_type="")` → the challenge's name, or None.
The crawl (crawler.extract: a challenged page is recorded, never parsed as content), the
link checker (a challenged link is ``blocked``, never ``broken``), site properties and the
availability probes (``challenged``, never ``down``) all call it, so a response is a
challenge to every stage or to none. A challenge is never circumvented.

Names and what they mean
  jsluid    HTTP 521 with a ``__jsluid`` cookie, the ``__jsl_clearance`` script, or a
            script-only body (加速乐 / 知道创宇)
  wzws      the wzws challenge script (``wzwschallenge``…), or a ``wzws_*`` cookie on a
            response that is not plainly a real page (any status but 200, or a small or
            script-only 200 body; a HEAD answer has no body and counts as small). A real
            page that merely carries the cookie is content.
  412-js    HTTP 412 / 202 whose body is a small script (Ruishu ``$_ts`` and the like)
  202-js
  412       any other HTTP 412 without a readable explanation (under 400 bytes of text)
  200-js    HTTP 200 that is only the Ruishu ``$_ts`` loader
  waf-468   HTTP 468 (a WAF's own status code)
  captcha   a small interstitial (2xx/403/405/503) asking for a CAPTCHA / 安全验证
  waf-page  a small interstitial naming a WAF (安全狗, 云锁, 网站防火墙, 访问被拦截 …)

"Small interstitial": fewer than 10 links and under 1,500 characters of visible text —
an article about 安全检查 on a real page (menus, footer links) is never a challenge.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["CHALLENGE_CN", "TITLE_RE", "challenge_label", "cookie_names", "decode_head", "detect_challenge",
           "visible_text"]

HEAD_BYTES = 300_000  # of a body looked at for scripts and markers
TEXT_BYTES = 64 * 1024  # of a body decoded to read its title and text
MAX_INTERSTITIAL_TEXT = 1500  # visible characters of a challenge interstitial
MAX_INTERSTITIAL_LINKS = 10

CHALLENGE_CN = {
    "jsluid": "加速乐脚本验证", "wzws": "网站卫士验证", "412-js": "脚本验证（HTTP 412）",
    "202-js": "脚本验证（HTTP 202）", "412": "防护拦截（HTTP 412）", "200-js": "脚本验证",
    "waf-468": "防护拦截（HTTP 468）", "captcha": "验证码页面", "waf-page": "防火墙拦截页面",
}

_SCRIPT_BLOCK_RE = re.compile(rb"<script\b.*?(?:</script\s*>|$)", re.IGNORECASE | re.DOTALL)
_TAG_BYTES_RE = re.compile(rb"<[^>]*>")
_RUISHU_RE = re.compile(rb"\$_ts\s*=|window\[['\"]\$_ts['\"]\]")
_WZWS_SCRIPT_RE = re.compile(rb"wzwschallenge|wzwstemplate|wzwsquestion", re.IGNORECASE)
_SCRIPT_RE = re.compile(rb"<script", re.IGNORECASE)
_LINK_RE = re.compile(rb"<a\s", re.IGNORECASE)

TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAG_RE = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_CAPTCHA_TITLE = re.compile(
    r"验证码|安全验证|人机验证|访问验证|滑动验证|安全检查|安全拦截|访问被拒|拒绝访问|访问受限|captcha|"
    r"security\s*check|access\s*denied|just\s*a\s*moment|attention\s*required|waf", re.IGNORECASE)
_WAF_BODY = re.compile(
    r"wzws|__jsl_clearance|_jsluid|\$_ts|安全狗|云锁|网站防火墙|防火墙拦截|您的访问(?:已)?被拦截|"
    r"访问被拦截|请求被拦截|非法请求已被|geetest|g-recaptcha|h-captcha|cf-chl|challenge-platform|"
    r"滑动验证|人机验证|请输入验证码后继续访问", re.IGNORECASE)
_CAPTCHA_WORD = re.compile(r"验证码|captcha|滑动验证|人机验证", re.IGNORECASE)


def challenge_label(name: str | None) -> str:
    """The challenge in the inspector's words (验证码页面 …); "" for None."""
    if not name:
        return ""
    return CHALLENGE_CN.get(name, "防护验证")


def cookie_names(headers: Mapping[Any, Any] | Any) -> list[str]:
    """Lower-case names of the cookies a response sets. Accepts httpx.Headers, Scrapy
    Headers, or a plain mapping whose Set-Cookie value is a string (several joined by
    newlines, as crawler.extract.normalize_headers joins them), a list, or bytes."""
    if not headers:
        return []
    if hasattr(headers, "get_list"):  # httpx.Headers
        raw: list[Any] = list(headers.get_list("set-cookie"))
    elif hasattr(headers, "getlist"):  # scrapy Headers
        raw = list(headers.getlist("Set-Cookie"))
    else:
        raw = []
        for k, v in headers.items():
            key = k.decode("latin-1") if isinstance(k, bytes) else str(k)
            if key.lower() == "set-cookie":
                raw.extend(v if isinstance(v, (list, tuple)) else [v])
    out = []
    for item in raw:
        s = item.decode("latin-1") if isinstance(item, bytes) else str(item or "")
        for line in s.split("\n"):
            name = line.split("=", 1)[0].strip().lower()
            if name:
                out.append(name)
    return out


def _visible_bytes(body: bytes) -> int:
    text = _TAG_BYTES_RE.sub(b" ", _SCRIPT_BLOCK_RE.sub(b" ", body[:200_000]))
    return len(re.sub(rb"(?:&nbsp;|\s)+", b"", text))


def _script_only(head: bytes, max_visible: int = 120) -> bool:
    """A small page that is little more than script (a JS challenge)."""
    if len(head) >= HEAD_BYTES or not _SCRIPT_RE.search(head):
        return False
    return _visible_bytes(head) < max_visible and len(_LINK_RE.findall(head[:HEAD_BYTES])) < 3


def decode_head(body: bytes, content_type: str = "") -> str:
    """The text of (the first bytes of) a body; never fails (UTF-8 with replacement at worst)."""
    try:
        from crawler.extract.decoding import decode_body

        return decode_body(body, content_type)[0]
    except Exception:  # noqa: BLE001 - decoding must never fail a detection
        return body.decode("utf-8", "replace")


def visible_text(html: str) -> str:
    """Text of an HTML fragment without scripts, styles and tags, whitespace collapsed."""
    return re.sub(r"\s+", " ", _TAG_RE.sub(" ", html)).strip()


def _interstitial(status: int, head: bytes, content_type: str) -> str | None:
    """captcha | waf-page for a small page asking to prove one is human, else None."""
    if not head or not (200 <= status < 300 or status in (403, 405, 503)):
        return None
    if len(_LINK_RE.findall(head)) >= MAX_INTERSTITIAL_LINKS:
        return None  # cheap first: real pages have menus
    html = decode_head(head[:TEXT_BYTES], content_type)
    visible = visible_text(html)
    if len(visible) >= MAX_INTERSTITIAL_TEXT:
        return None
    m = TITLE_RE.search(html)
    title = visible_text(m.group(1)) if m else ""
    if title and _CAPTCHA_TITLE.search(title):
        return "captcha"
    if _WAF_BODY.search(html):
        return "captcha" if _CAPTCHA_WORD.search(html) else "waf-page"
    return None


def detect_challenge(status: int, headers: Mapping[Any, Any] | Any, body: bytes = b"",
                     content_type: str = "") -> str | None:
    """The name of the WAF challenge this response is (see the module text), or None.

    `body` may be the first bytes only (a HEAD answer: b""); `content_type` helps decode
    the title of a CAPTCHA page. Pure and cheap: it runs on every crawled page."""
    head = (body or b"")[:HEAD_BYTES]
    cookies = cookie_names(headers)
    if status == 521 and (any(c.startswith("__jsluid") for c in cookies) or b"__jsl" in head
                          or (_SCRIPT_RE.search(head) and b"document.cookie" in head) or _script_only(head)):
        return "jsluid"
    if _WZWS_SCRIPT_RE.search(head):
        return "wzws"
    if any(c.startswith("wzws") for c in cookies) and (status != 200 or len(head) < 2048 or _script_only(head)):
        return "wzws"
    if status in (412, 202) and _script_only(head, max_visible=400):
        return f"{status}-js"
    if status == 412 and _visible_bytes(head) < 400:
        return "412"  # no If-* header was sent: a short 412 is a WAF's refusal
    if status == 200 and _RUISHU_RE.search(head) and _script_only(head):
        return "200-js"
    if status == 468:
        return "waf-468"
    return _interstitial(status, head, content_type)
