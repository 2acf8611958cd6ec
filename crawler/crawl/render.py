"""JavaScript-built navigation: which pages need a real browser (`--render auto`).

Many 政务 portals build their menu or document list in the browser (TRS/Hanweb
`document.write`, jQuery `$.ajax(...).html(...)`, Vue apps). Without script such a page
has an empty container (`<div id="nav"></div>`, `<ul class="list"></ul>`) or no menu and
no list at all, and the audit would wrongly report missing columns.

`needs_render` looks at a fetched page (its HTML and what extraction found) and says
whether — and why — to fetch it again with a browser. Only those pages are rendered
(scrapy-playwright with the system Chromium; never a browser download), and at most
`GOVAUDIT_RENDER_MAX` per crawl, so the cost stays bounded.
"""
from __future__ import annotations

import os
import re
import shutil
from typing import Any

__all__ = ["RENDERED_META", "RENDER_MODES", "chromium_path", "needs_render", "render_meta", "render_settings"]

RENDER_MODES = ("off", "auto")
RENDERED_META = "govaudit_rendered"  # request meta: this request is the browser re-fetch

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage"]

# Containers that hold a menu or a list: id/class tokens such as nav, menu, list, lanmu …
_CONTAINER_RE = re.compile(
    r"(?:^|[-_\s])(?:nav|navs|navbar|menu|menus|submenu|list|lists|newslist|lanmu|column|columns|"
    r"channel|daohang|dh|subnav|sidebar|side|tree|app|catalog|xxgkml)(?:$|[-_\s\d])",
    re.IGNORECASE,
)
# Inline script that builds markup or loads data.
_BUILDER_RE = re.compile(
    r"innerHTML|outerHTML|document\.write|insertAdjacentHTML|appendChild|createElement|"
    r"\.html\s*\(|\.append\s*\(|\.load\s*\(|\$\.(?:ajax|get|getJSON|post)\b|fetch\s*\(|"
    r"XMLHttpRequest|axios|new\s+Vue|createApp|ReactDOM|template\s*\(",
)
_MAX_HTML = 1_000_000
RENDER_HANDLER = "crawler.crawl.render_handler.RenderDownloadHandler"


def chromium_path() -> str | None:
    """The system Chromium (Debian package), or None."""
    env = os.environ.get("GOVAUDIT_CHROMIUM")
    if env and os.path.isfile(env):
        return env
    for p in CHROMIUM_CANDIDATES:
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return found


def render_settings(mode: str, *, timeout: float = 30.0, max_pages: int = 50,
                    start_urls: list[str] | None = None) -> dict[str, Any]:
    """Scrapy settings for a render mode ("off" → none). Raises RuntimeError (Chinese
    message) when a browser is needed but none is installed. The browser's own requests
    (scripts, XHR, navigations) obey the same address rule as the crawler's
    (crawler.netguard, from `start_urls`); images, media and fonts are not loaded."""
    if mode not in RENDER_MODES:
        raise ValueError(f"--render 只能是 {' 或 '.join(RENDER_MODES)}")
    if mode == "off":
        return {}
    exe = chromium_path()
    if exe is None:
        raise RuntimeError("--render auto 需要 Chromium 浏览器（Debian：apt-get install chromium）")
    try:
        import scrapy_playwright  # noqa: F401
    except ImportError:
        raise RuntimeError("--render auto 需要 scrapy-playwright（pip install 'govaudit[render]'）") from None
    from crawler.crawl import settings as D

    # beside the others: only http/https go to the browser-capable handler (it fetches
    # requests without meta["playwright"] as the plain HTTP handler does)
    handlers = {**D.DOWNLOAD_HANDLERS, "http": RENDER_HANDLER, "https": RENDER_HANDLER}
    return {
        "GOVAUDIT_RENDER": mode,
        "GOVAUDIT_RENDER_MAX": max_pages,
        "DOWNLOAD_HANDLERS": handlers,
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": exe, "headless": True, "args": CHROMIUM_ARGS,
                                     "timeout": int(timeout * 1000)},
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": int(timeout * 1000),
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 2,
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        # images, fonts, media are not needed to see the menu: never download them; nor
        # anything on a private / link-local address the page's script points at
        "PLAYWRIGHT_ABORT_REQUEST": browser_request_filter(start_urls or []),
    }


def render_meta(reason: str) -> dict[str, Any]:
    """Request meta for a browser re-fetch: scrapy-playwright, and wait until the page's
    scripts have loaded their data (no network activity for 0.5 s)."""
    return {"playwright": True, RENDERED_META: reason,
            "playwright_page_goto_kwargs": {"wait_until": "networkidle"}}


def browser_request_filter(start_urls: list[str]) -> Any:
    """The PLAYWRIGHT_ABORT_REQUEST predicate: True (abort) for images, media and fonts,
    and for any URL the address guard refuses (a hostile page's script cannot make the
    browser reach the auditor's network: fetch("http://169.254.169.254/…"))."""
    return BrowserRequestFilter(list(start_urls))


class BrowserRequestFilter:
    """See `browser_request_filter`. An object, not a closure: crawl settings travel to the
    crawl's own process pickled (crawler.crawl.apart)."""

    def __init__(self, start_urls: list[str]) -> None:
        self.start_urls = start_urls
        self._guard: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {"start_urls": self.start_urls, "_guard": None}

    async def __call__(self, req: Any) -> bool:
        import asyncio

        from crawler.net.guard import NetGuard

        if self._guard is None:
            self._guard = NetGuard(self.start_urls)
        guard = self._guard
        if getattr(req, "resource_type", "") in ("image", "media", "font"):
            return True
        url = str(getattr(req, "url", "") or "")
        if not url.startswith(("http://", "https://")):
            return not url.startswith(("data:", "blob:", "about:"))  # ws:, file:, ftp: …: never
        host = guard.host_needs_lookup(url)
        if host is not None:
            await asyncio.to_thread(guard.addresses, host)
        return guard.refuse(url) is not None


def _tokens(el: Any) -> str:
    return f"{el.get('id') or ''} {el.get('class') or ''}".strip()


def needs_render(html_text: str, record: Any = None) -> str | None:
    """Why the page should be rendered by a browser, or None.

    - ``empty-container:<tag>#<id/class>``: a menu/list container with no link and no text,
      on a page that has script;
    - ``script-built``: extraction found neither menu links nor list items, and an inline
      script builds markup or loads data (or the page is almost all script).
    """
    if not html_text or "<script" not in html_text[:_MAX_HTML].lower():
        return None
    if record is not None and (getattr(record, "text_facts", None) or {}).get("script_list"):
        return None  # the list was read from the data the page's script renders
    try:
        from lxml import html as lhtml

        root = lhtml.fromstring(html_text[:_MAX_HTML])
    except Exception:
        return None
    scripts = root.xpath("//script")
    if not scripts:
        return None
    inline = " ".join((s.text or "") for s in scripts[:200])[:500_000]
    builds = bool(_BUILDER_RE.search(inline)) or any(s.get("src") for s in scripts)

    for el in root.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag not in ("div", "ul", "ol", "nav", "section", "table", "tbody", "dl", "span", "td", "main"):
            continue
        tok = _tokens(el)
        if not tok or not _CONTAINER_RE.search(tok):
            continue
        if el.xpath(".//a[@href]") or "".join(
                el.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]")).strip():
            continue
        if builds:
            return f"empty-container:{tag}#{tok[:40]}"

    if record is not None and builds:
        nav = [lk for lk in getattr(record, "links", []) if getattr(lk, "region", "") == "nav"]
        items = getattr(record, "items", []) or []
        if not nav and not items:
            return "script-built"
    if builds and len(root.xpath("//a[@href]")) < 3:
        body = root.find("body")
        text = (body.text_content() if body is not None else "") or ""
        script_text = sum(len(s.text or "") for s in scripts)
        if len(text.strip()) - script_text < 200:
            return "script-built"
    return None
