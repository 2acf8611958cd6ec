"""Notices to each unit after a run: e-mail, 企业微信 / 钉钉 group robots, a JSON webhook.

    targets = parse_notify_targets(site_raw["notify"], "sites.yaml:12")   # strict, Chinese errors
    notices = plan_notices(doc, targets, report_base_url)                  # pure
    print(describe_notices(notices))                                       # --dry-run
    results = send_notices(notices, dry_run=False)                         # retries, no secrets

`doc` is a findings document (findings.json), with the run-history fields when known
(finding["change"], doc["history"], doc["unit_pages"]). See docs/NOTIFY.md.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .config import (
    DEFAULT_TRIGGERS,
    KINDS,
    TRIGGERS,
    NotifyConfigError,
    NotifyTarget,
    SmtpSettings,
    check_notify_env,
    parse_notify_targets,
)
from .plan import NOTICE_SCHEMA, Notice, describe_notices, plan_notices
from .send import SendResult, dingtalk_sign, send_notices, webhook_signature

__all__ = [
    "DEFAULT_TRIGGERS", "KINDS", "NOTICE_SCHEMA", "TRIGGERS", "Notice", "NotifyConfigError", "NotifyTarget",
    "SendResult", "SmtpSettings", "check_notify_env", "describe_notices", "dingtalk_sign", "notify_after_run",
    "parse_notify_targets", "plan_notices", "send_notices", "webhook_signature",
]


def notify_after_run(doc: dict[str, Any], targets: list[NotifyTarget], *, report_base_url: str | None = None,
                     dry_run: bool = False, out: Callable[[str], None] = print,
                     retries: int = 3, backoff: float = 2.0) -> list[SendResult]:
    """What the CLI / scheduler calls after a run: plan, then print (dry run) or send and print."""
    notices = plan_notices(doc, targets, report_base_url)
    if dry_run:
        out(describe_notices(notices) + ("\n（演练：未发送任何通知）" if notices else ""))
        return send_notices(notices, dry_run=True)
    results = send_notices(notices, dry_run=False, retries=retries, backoff=backoff)
    for r in results:
        out(r.status)
    return results
