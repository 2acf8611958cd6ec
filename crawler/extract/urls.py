"""Links: resolving hrefs against the page (session ids dropped, junk counted by reason)
and the kind of file a URL names (page, image, video, audio, attachment: crawler.net.kinds)."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

from crawler.extract.common import MAX_URL_LEN
from crawler.net.kinds import link_kind

__all__ = ["Resolver", "link_kind"]

_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "sms:", "data:", "about:", "vbscript:", "file:",
                 "callto:", "weixin:", "wtai:", "blob:")


_JSESSIONID_RE = re.compile(r";jsessionid=[^/?#;]*", re.IGNORECASE)
_SESSION_PARAM_RE = re.compile(r"(?:^|&)(?:jsessionid|phpsessid|aspsessionid\w*|sessionid)=[^&]*", re.IGNORECASE)


class Resolver:
    def __init__(self, base: str, encoding: str) -> None:
        self.base = base
        self.encoding = encoding if encoding and not encoding.startswith("utf-16") else "utf-8"
        self.skipped: dict[str, int] = {}

    def __call__(self, href: str | None, *, count: bool = True) -> str | None:
        """An absolute http(s) URL without fragment, or None (counted by reason)."""
        if href is None:
            return None
        h = href.strip().replace("\t", "").replace("\n", "").replace("\r", "")
        if not h:
            return None
        if len(h) > MAX_URL_LEN:
            if count:
                self._skip("too-long")
            return None
        if h[0] == "#":
            if count:
                self._skip("fragment")
            return None
        low = h[:12].lower()
        if low.startswith(_SKIP_SCHEMES):
            if count:
                self._skip(low.split(":", 1)[0])
            return None
        if "\\" in h:
            h = h.replace("\\", "/")
        try:
            u = urljoin(self.base, h)
            parts = urlsplit(u)
        except ValueError:
            return None
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return None
        path, query = parts.path, parts.query
        if ";" in path:
            path = _JSESSIONID_RE.sub("", path)  # Java CMSs add the session to every link
        if query and "sess" in query.lower():
            query = _SESSION_PARAM_RE.sub("", query).strip("&")
        if parts.fragment or path is not parts.path or query is not parts.query:
            u = urlunsplit((parts.scheme, parts.netloc, path, query, ""))
        if not u.isascii() or " " in u:
            try:
                u = safe_url_string(u, encoding=self.encoding)
            except (ValueError, UnicodeError):
                return None
        try:
            if urlsplit(u).hostname is None:
                return None
        except ValueError:
            return None
        if len(u) > MAX_URL_LEN:
            if count:
                self._skip("too-long")
            return None
        return u

    def _skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1


# ------------------------------------------------------------------------------------------
