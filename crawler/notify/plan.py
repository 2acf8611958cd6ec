"""plan_notices: which unit hears what through which target after a run (pure)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any

from .config import KIND_CN, NotifyTarget
from .digest import Digest, build_digests, fired
from .render import EMAIL_ITEMS_MAX, render_html, render_markdown, render_text

NOTICE_SCHEMA = "govaudit.notice/1"
WECOM_LIMIT = 4096  # bytes of markdown.content (UTF-8), 企业微信群机器人
DINGTALK_LIMIT = 20000  # bytes of markdown.text, 钉钉群机器人
WEBHOOK_ITEMS_MAX = 1000  # items in one JSON notice; the rest are counted (`truncated`)
TRIGGER_CN = {"new": "新增问题", "regressed": "问题反复", "verdict": "结论变化", "down": "网站无法访问",
              "all_failures": "尚有问题", "fixed": "已整改"}


@dataclass(frozen=True, eq=False)
class Notice:
    """One digest for one unit through one target. Holds no secret (only env variable names)."""
    id: str  # stable for (site, run, unit, target): receivers may de-duplicate retries
    target: NotifyTarget
    unit: str
    site_name: str
    subject: str
    triggers: tuple[str, ...]
    items: int  # the unit's failing items
    listed: int  # how many of them the message writes out (robots may cut the rest)
    text: str = ""  # e-mail: plain text part
    html: str = ""  # e-mail: HTML part
    payload: dict[str, Any] | None = field(default=None)  # robots and webhook: the JSON body

    @property
    def kind(self) -> str:
        return self.target.kind

    def body_bytes(self) -> bytes:
        if self.payload is not None:
            return json.dumps(self.payload, ensure_ascii=False).encode("utf-8")
        return (self.text + self.html).encode("utf-8")

    @property
    def size(self) -> int:
        return len(self.body_bytes())


def webhook_payload(d: Digest, notice_id: str) -> dict[str, Any]:
    """The generic JSON notice (schema govaudit.notice/1, documented in docs/NOTIFY.md)."""
    items = d.items[:WEBHOOK_ITEMS_MAX]
    return {
        "schema": NOTICE_SCHEMA,
        "id": notice_id,
        "subject": d.subject,
        "unit": d.unit,
        "site": {"name": d.site_name, "url": d.site_url, "unit": d.site_unit, "down": d.down,
                 "down_reason": d.down_reason or None},
        "as_of": d.as_of or None,
        "run": {"id": d.run_id, "previous_date": d.previous_date or None},
        "verdict": {"verdict": d.verdict or None, "previous": d.previous_verdict or None,
                    "changed": d.verdict_changed},
        "triggers": list(d.triggers),
        "counts": {"new": d.count("new"), "regressed": d.count("regressed"), "open": d.count("open"),
                   "failing": len(d.items), "pending": len(d.pending), "fixed": len(d.fixed)},
        "items": [i.to_dict() for i in items],
        "truncated": len(d.items) - len(items),
        "pending": [i.to_dict() for i in d.pending[:WEBHOOK_ITEMS_MAX]],
        "fixed": [i.to_dict() for i in d.fixed[:WEBHOOK_ITEMS_MAX]],
        "link": d.link,
    }


def _notice(d: Digest, t: NotifyTarget, notice_id: str) -> Notice:
    base = Notice(id=notice_id, target=t, unit=d.unit, site_name=d.site_name, subject=d.subject,
                  triggers=d.triggers, items=len(d.items), listed=len(d.items))
    if t.kind == "email":
        return replace(base, listed=min(len(d.items), EMAIL_ITEMS_MAX), text=render_text(d), html=render_html(d))
    if t.kind == "wecom":
        md, listed = render_markdown(d, WECOM_LIMIT, "\n")
        return replace(base, listed=listed, payload={"msgtype": "markdown", "markdown": {"content": md}})
    if t.kind == "dingtalk":
        md, listed = render_markdown(d, DINGTALK_LIMIT, "\n\n")
        title = f"{d.unit}：{d.subject.removeprefix('【政务公开检查】')}"[:64]
        return replace(base, listed=listed,
                       payload={"msgtype": "markdown", "markdown": {"title": title, "text": md}})
    payload = webhook_payload(d, notice_id)
    return replace(base, listed=len(payload["items"]), payload=payload)


def _order(digests: dict[str, Digest]) -> list[str]:
    """Units with most failing items first, then by name; the site's own unit first among equals."""
    return sorted(digests, key=lambda u: (-len(digests[u].items), u != digests[u].site_unit, u))


def plan_notices(doc: dict[str, Any], targets: list[NotifyTarget],
                 report_base_url: str | None = None) -> list[Notice]:
    """The notices to send after a run: per target, one digest per unit whose triggers fire.

    A unit gets only its own items (as 责任单位, and as 牵头单位 unless the target's `roles`
    leave that out). Site-level events (网站无法访问, a changed verdict) go to the site's
    unit. Nothing is planned when no trigger fires. The same unit through the same channel
    and destination is planned once even if two targets name it.
    """
    if not targets:
        return []
    digests = build_digests(doc, report_base_url)
    order = _order(digests)
    site_key = f"{(doc.get('site') or {}).get('url', '')}|{(doc.get('history') or {}).get('run_id') or ''}|" \
               f"{doc.get('as_of', '')}|{(doc.get('crawl') or {}).get('id', '')}"
    seen: set[tuple[str, str, str]] = set()
    out: list[Notice] = []
    for t in targets:
        wanted = order if t.units is None else [u for u in order if u in set(t.units)]
        dest = ",".join(sorted(t.to)) if t.kind == "email" else t.url_env
        for unit in wanted:
            key = (t.kind, dest, unit)
            if key in seen:
                continue
            d = fired(digests[unit], t.on, t.roles)
            if d is None:
                continue
            seen.add(key)
            nid = hashlib.sha256(f"{site_key}|{unit}|{t.kind}|{dest}".encode()).hexdigest()[:20]
            out.append(_notice(d, t, nid))
    return out


def _size(n: int) -> str:
    return f"{n} 字节" if n < 1024 else f"{n / 1024:.1f} KB"


def describe_notices(notices: list[Notice]) -> str:
    """What would be sent, one line each (for --dry-run): channel, to whom, unit, subject, size."""
    if not notices:
        return "没有需要发送的通知（没有新增或反复的问题、结论未变化、网站可以访问）。"
    lines = [f"共 {len(notices)} 条通知："]
    for k, n in enumerate(notices, 1):
        listed = f"，列出 {n.listed}/{n.items} 项" if n.listed < n.items else (f"，{n.items} 项" if n.items else "")
        why = "、".join(TRIGGER_CN[t] for t in n.triggers)
        lines.append(f"{k}. {KIND_CN[n.kind]}{'“' + n.target.name + '”' if n.target.name else ''}"
                     f" → {n.target.destination}｜{n.unit}｜{n.subject}｜{_size(n.size)}{listed}（原因：{why}）")
    return "\n".join(lines)
