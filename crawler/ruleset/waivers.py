"""Waivers (豁免): approved exceptions to rules, per site, until a date.

A waivers file (`--waivers waivers.yaml`)::

    schema: govaudit.waivers/1          # optional
    waivers:
      - rule_id: national-rubric-ipv6   # a rule id, or a pattern such as national-rubric-*
        site: https://www.example.gov.cn/   # a URL (matched by host), a site name, or "*"
        reason: 机房改造期间暂不支持 IPv6，已列入2023年计划
        approved_by: 区政府办公室
        expires: 2023-06-30             # ISO date; the waiver applies up to and including this day

A top-level list of entries is accepted too. Validation is strict, like the rule loader:
unknown or missing keys, empty reasons, bad dates and rule ids that match no loaded rule
are errors `file:line: message`, exit 2.

A waiver applies to a finding of its rule on a matching site whose status is not `pass`:
the finding becomes `waived` (已豁免) and carries the waiver (and its original status).
A waiver that expired before the audit date (`--as-of`) does not apply; it is listed as
expired, and the finding it would have covered says so.
"""
from __future__ import annotations

import fnmatch
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.ruleset.yamlfile import LineDict, YamlFileError, line_of, load_yaml

SCHEMA = "govaudit.waivers/1"
WAIVER_KEYS = ("rule_id", "site", "reason", "approved_by", "expires")
FILE_KEYS = ("schema", "waivers")


class WaiverFileError(YamlFileError):
    """A problem in a waivers file, located: `str(e)` is `file:line: message`."""


@dataclass(frozen=True)
class Waiver:
    rule_id: str  # an id or an fnmatch pattern
    site: str  # URL, site name, or "*"
    reason: str
    approved_by: str
    expires: date
    file: str = ""
    line: int = 0

    def expired(self, as_of: date) -> bool:
        return self.expires < as_of

    def matches_rule(self, rule_id: str) -> bool:
        return fnmatch.fnmatchcase(rule_id, self.rule_id)

    def matches_site(self, names: list[str], urls: list[str]) -> bool:
        s = self.site.strip()
        if s == "*":
            return True
        if s.lower().startswith(("http://", "https://")):
            host = (urlsplit(s).hostname or "").lower()
            path = urlsplit(s).path.rstrip("/")
            for u in urls:
                parts = urlsplit(u or "")
                if (parts.hostname or "").lower() == host and parts.path.startswith(path):
                    return True
            return False
        return any(s == n.strip() for n in names if n)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["expires"] = self.expires.isoformat()
        d["file"] = Path(self.file).name
        return d


def _is_pattern(rule_id: str) -> bool:
    return any(c in rule_id for c in "*?[")


def load_waivers(path: str | Path) -> list[Waiver]:
    """Read and validate a waivers file; raises WaiverFileError (file:line)."""
    p = Path(path)
    data = load_yaml(p, WaiverFileError, option="--waivers")
    if data is None:
        return []
    if isinstance(data, dict):
        unknown = sorted(map(str, set(data) - set(FILE_KEYS)))
        if unknown:
            raise WaiverFileError(p, line_of(data, unknown[0]),
                                  f"未知的顶层键 “{unknown[0]}”（可用：{', '.join(FILE_KEYS)}）")
        if data.get("schema", SCHEMA) != SCHEMA:
            raise WaiverFileError(p, line_of(data, "schema"), f"不支持的 schema “{data.get('schema')}”（应为 {SCHEMA}）")
        entries = data.get("waivers")
        if entries is None:
            return []
        if not isinstance(entries, list):
            raise WaiverFileError(p, line_of(data, "waivers"), "waivers 应为列表（每项以 “- rule_id: …” 开头）")
    elif isinstance(data, list):
        entries = data
    else:
        raise WaiverFileError(p, 1, "豁免文件应为映射（waivers: 列表）或豁免条目的列表")
    return [_load_entry(p, raw, i) for i, raw in enumerate(entries, 1)]


def _load_entry(p: Path, raw: Any, index: int) -> Waiver:
    if not isinstance(raw, dict):
        raise WaiverFileError(p, None, f"第 {index} 项豁免应为映射（rule_id, site, reason, approved_by, expires）")
    line = line_of(raw) or 0

    def err(key: str | None, msg: str) -> WaiverFileError:
        return WaiverFileError(p, line_of(raw, key) if key and isinstance(raw, LineDict) else line,
                               f"第 {index} 项豁免：{msg}")

    unknown = sorted(map(str, set(raw) - set(WAIVER_KEYS)))
    if unknown:
        raise err(unknown[0], f"未知的键 “{unknown[0]}”（可用：{', '.join(WAIVER_KEYS)}）")
    for key in ("rule_id", "site", "reason", "approved_by"):
        v = raw.get(key)
        if not isinstance(v, str) or not v.strip():
            raise err(key if key in raw else None, f"缺少必填字段 “{key}”（非空字符串）")
    if "expires" not in raw:
        raise err(None, "缺少必填字段 “expires”（到期日期 YYYY-MM-DD）")
    exp = raw["expires"]
    if isinstance(exp, str):
        try:
            exp = date.fromisoformat(exp.strip())
        except ValueError:
            raise err("expires", f"expires “{raw['expires']}” 不是有效日期（应为 YYYY-MM-DD，如 2023-06-30）") from None
    if not isinstance(exp, date):
        raise err("expires", "expires 应为日期 YYYY-MM-DD（如 2023-06-30）")
    site = raw["site"].strip()
    if site.lower().startswith(("http://", "https://")) and not urlsplit(site).hostname:
        raise err("site", f"site “{site}” 不是有效网址")
    return Waiver(rule_id=raw["rule_id"].strip(), site=site, reason=raw["reason"].strip(),
                  approved_by=raw["approved_by"].strip(), expires=exp, file=str(p), line=line)


def check_rule_ids(waivers: list[Waiver], rule_ids: set[str] | list[str]) -> None:
    """A waiver whose rule id (or pattern) matches no loaded rule is a typo: raise."""
    ids = set(rule_ids)
    for w in waivers:
        if _is_pattern(w.rule_id):
            if not any(w.matches_rule(r) for r in ids):
                raise WaiverFileError(w.file, w.line, f"规则 id 模式 “{w.rule_id}” 不匹配任何已加载的规则")
        elif w.rule_id not in ids:
            import difflib

            m = difflib.get_close_matches(w.rule_id, sorted(ids), n=1)
            hint = f"，是否应为 “{m[0]}”？" if m else "（请核对规则文件中的 id）"
            raise WaiverFileError(w.file, w.line, f"规则 id “{w.rule_id}” 不存在于已加载的规则中{hint}")


def apply_waivers(findings: list[Any], waivers: list[Waiver], *, as_of: date, names: list[str],
                  urls: list[str]) -> dict[str, Any]:
    """Mark waived findings (crawler.evaluate.Finding objects or finding dicts) in place.

    Returns the document's "waivers" section: applied and expired waivers for this site.
    """
    applied: dict[tuple[str, int], dict[str, Any]] = {}
    expired: dict[tuple[str, int], dict[str, Any]] = {}
    for w in waivers:
        if w.matches_site(names, urls) and w.expired(as_of):
            expired[(w.file, w.line)] = w.to_dict()
    for f in findings:
        rule_id = str(f.get("rule_id") if isinstance(f, dict) else f.rule_id)
        status = str(f.get("status") if isinstance(f, dict) else f.status)
        if status in ("pass", "not_applicable"):
            continue
        for w in waivers:
            if not (w.matches_rule(rule_id) and w.matches_site(names, urls)):
                continue
            info = {**w.to_dict(), "original_status": status}
            if w.expired(as_of):
                _set(f, "waiver_expired", info)
                continue
            _set(f, "waiver", info)
            if isinstance(f, dict):
                f["status"] = "waived"
            else:
                f.status = "waived"
            applied.setdefault((w.file, w.line), {**w.to_dict(), "rule_ids": []})["rule_ids"].append(rule_id)
            break
    # a waiver that matched nothing is listed, never silently ignored
    site_desc = "、".join(dict.fromkeys(x for x in [*names, *urls] if x)) or "（未知）"
    unmatched = []
    for w in waivers:
        if (w.file, w.line) in applied or (w.file, w.line) in expired:
            continue
        if not w.matches_site(names, urls):
            why = f"网站“{w.site}”与本站（{site_desc}）不符"
        else:
            why = "本站该规则已通过、不适用或未加载，无需豁免"
        unmatched.append({**w.to_dict(), "why": why})
    return {"applied": list(applied.values()), "expired": list(expired.values()), "unmatched": unmatched}


def _set(f: Any, key: str, value: Any) -> None:
    if isinstance(f, dict):
        f[key] = value
    else:
        f.details[key] = value
