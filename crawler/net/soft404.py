"""Soft 404s: a 200 answer that is really a 'page not found' page — the one place that judges it.

`soft_404(body, content_type, final_url, title=None, text_length=None)` → why (Chinese), or None.
The link check (a link to such a page is ``broken``, and so is an image or attachment whose
URL returns one), the verification during the crawl (through
crawler.collect.links.classify_response) and the availability probes (a homepage that shows
one is ``down``) all call it, so a page is "not found" to every stage or to none. Like
crawler.net.challenge it judges an answer by its URL, title and first bytes only.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from crawler.net.challenge import TEXT_BYTES, TITLE_RE, decode_head, visible_text
from crawler.text import pii

__all__ = ["soft_404"]

_SOFT404_TITLE = re.compile(
    r"页面不存在|网页不存在|页面未找到|找不到(?:该|此|您要的|您所|您访问的|您要访问的)?(?:页面|网页)|not\s*found|"
    r"页面已(?:被)?删除|(?:信息|文章|内容|页面)不存在|不存在或已(?:被)?删除|无法找到(?:该|此)?(?:页面|网页)|"
    r"页面丢失|出错啦|错误页面|error\s*page", re.IGNORECASE)
_SOFT404_SHORT_TITLE = re.compile(r"(?<!\d)404(?!\d)|找不到|不存在", re.IGNORECASE)
_SOFT404_BODY = re.compile(
    r"页面不存在|页面未找到|找不到(?:该|此|您要的|您所|您访问的|您要访问的)?(?:页面|网页|文件|信息)|"
    r"(?<!\d)404\s*not\s*found|您(?:所)?访问的(?:页面|网页|文章|信息)(?:已|不存在|被)|页面已(?:被)?删除|"
    r"信息已(?:被)?删除|内容已(?:被)?删除|无法找到(?:该|此)?(?:页面|网页)", re.IGNORECASE)
_SOFT404_PATH = re.compile(r"/(?:404|error|notfound|not_found|nopage|page404)(?:\.s?html?|\.jsp|\.php|\.aspx?|/|$)",
                           re.IGNORECASE)


def soft_404(body: bytes, content_type: str = "", final_url: str = "", title: str | None = None,
             text_length: int | None = None) -> str | None:
    """Why a 200 response is really a 'page not found' page, or None.

    Error pages are short: a title or text that says 页面不存在 only counts on a small page
    (an article titled “关于群众反映找不到办事入口问题的回复” is not an error page)."""
    if final_url and _SOFT404_PATH.search(urlsplit(final_url).path or ""):
        return f"跳转到错误页面 {urlsplit(final_url).path}"
    text = ""
    if title is None:
        html = decode_head(body[:TEXT_BYTES], content_type) if body else ""
        m = TITLE_RE.search(html)
        title = visible_text(m.group(1)) if m else ""
        text = visible_text(html)
        text_length = len(text)
    small = text_length is None or text_length < 3000
    strong = bool(title) and bool(_SOFT404_TITLE.search(title)) and len(title) <= 30
    weak = bool(title) and bool(_SOFT404_SHORT_TITLE.search(title)) and len(title) <= 12
    if small and (strong or weak):
        return f"页面标题为“{pii.redact(title[:40])}”（软 404）"
    if text and len(text) < 2000:
        m2 = _SOFT404_BODY.search(text)
        if m2:
            return f"页面内容为“{m2.group(0)}”（软 404）"
    return None
