"""What the crawl records about one fetched URL.

`PageRecord` is the contract between the spider (which fills it, one per response or
failure) and everything downstream (the store, the site model, the checks). It holds
facts only — no judgement. Every string in it came from a hostile site.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Kinds of outgoing reference found on a page.
LINK_KINDS = ("page", "image", "video", "audio", "attachment", "external", "script")


@dataclass(frozen=True, slots=True)
class Link:
    """A reference on a page: an <a href>, <img src>, <video src>, an attachment …"""

    url: str
    text: str = ""
    kind: str = "page"  # one of LINK_KINDS
    region: str = ""  # "nav", "list", "breadcrumb", "footer", "content", "" (unknown)


@dataclass(frozen=True, slots=True)
class ListItem:
    """One entry of a list region (a column page's document list)."""

    url: str
    title: str
    date: str | None = None  # ISO yyyy-mm-dd, or None when the page gave none
    openable: bool = True  # False: the entry has no link a person can follow (javascript:, onclick, no
    # href, plain text); `url` is then the list page's own URL with a "#entry-N" fragment


@dataclass(slots=True)
class PageRecord:
    url: str  # final URL after redirects
    requested_url: str = ""
    status: int = 0  # HTTP status; 0 when no response arrived
    depth: int = 0
    fetched_at: str = ""  # ISO timestamp (UTC)
    content_type: str = ""
    encoding: str = ""  # the encoding the body was decoded with
    size: int = 0  # body bytes
    title: str = ""
    breadcrumb: list[str] = field(default_factory=list)  # names, first usually 首页
    meta: dict[str, str] = field(default_factory=dict)  # SiteIDCode, ColumnName, PubDate …
    links: list[Link] = field(default_factory=list)  # every reference, deduplicated
    items: list[ListItem] = field(default_factory=list)  # the list region, if any
    pagination: list[str] = field(default_factory=list)  # other pages of the same list
    refresh_to: str | None = None  # meta-refresh / JS-forward target
    redirects: list[str] = field(default_factory=list)  # URLs passed through before `url`
    page_date: str | None = None  # the article's own date (PubDate meta or on-page), ISO
    written_date: str | None = None  # 成文日期 when the page states it, ISO
    text_facts: dict[str, Any] = field(default_factory=dict)  # footer ids, masked PII …
    error: str | None = None  # why no usable response: "timeout", "dns", "refused", …
    challenge: str | None = None  # WAF challenge detected ("jsluid", "wzws", "412-js" …)

    @property
    def ok(self) -> bool:
        return self.error is None and 200 <= self.status < 300

    def nav_links(self) -> list[Link]:
        return [lk for lk in self.links if lk.region == "nav" and lk.kind == "page"]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any], links: dict[tuple[str, str, str, str], Link] | None = None) -> PageRecord:
        """A record from its stored dict. `links`: a cache the caller keeps across records
        (menus and footers repeat on every page: one Link object for all)."""
        d = dict(d)
        if links is None:
            d["links"] = [Link(**x) for x in d.get("links", [])]
        else:
            d["links"] = [_link(x, links) for x in d.get("links", [])]
        d["items"] = [ListItem(**x) for x in d.get("items", [])]
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})


_LINK_CACHE_MAX = 20_000


def _link(x: dict[str, Any], cache: dict[tuple[str, str, str, str], Link]) -> Link:
    key = (x["url"], x.get("text", ""), x.get("kind", "page"), x.get("region", ""))
    got = cache.get(key)
    if got is None:
        if len(cache) >= _LINK_CACHE_MAX:
            cache.clear()
        got = cache[key] = Link(*key)
    return got
