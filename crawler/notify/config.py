"""Notice targets (`notify:` in sites.yaml) and the SMTP settings (environment).

A target says where a digest goes and when. Secrets (robot webhook URLs, which carry
their key, 钉钉 sign secrets, the SMTP password) are never written in sites.yaml: the
file names an environment variable and the value is read only when sending.
"""
from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

KINDS = ("email", "wecom", "dingtalk", "webhook")
KIND_CN = {"email": "邮件", "wecom": "企业微信机器人", "dingtalk": "钉钉机器人", "webhook": "JSON Webhook"}
TRIGGERS = ("new", "regressed", "verdict", "down", "all_failures", "fixed")
DEFAULT_TRIGGERS = ("new", "regressed", "verdict", "down")
ROLES = ("responsible", "lead")
TARGET_KEYS = ("kind", "name", "to", "url_env", "secret_env", "units", "on", "roles")
# keys people reach for when pasting a secret into the file: refused with the fix
_SECRET_KEYS = {"url": "url_env", "webhook": "url_env", "secret": "secret_env", "key": "url_env",
                "token": "url_env", "password": "GOVAUDIT_SMTP_PASSWORD", "access_token": "url_env"}
_ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_EMAIL_RE = re.compile(r"^[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"']+$")
_WHERE_RE = re.compile(r"^(.*):(\d+)$")


class NotifyConfigError(ValueError):
    """A bad `notify:` entry: one Chinese line naming where and the fix."""


@dataclass(frozen=True)
class NotifyTarget:
    kind: str  # email | wecom | dingtalk | webhook
    to: tuple[str, ...] = ()  # e-mail addresses (email)
    url_env: str = ""  # environment variable holding the webhook URL (robots, webhook)
    secret_env: str = ""  # 钉钉 sign secret; webhook: HMAC key for X-Govaudit-Signature
    units: tuple[str, ...] | None = None  # None = every unit
    on: tuple[str, ...] = DEFAULT_TRIGGERS
    roles: tuple[str, ...] = ROLES  # which of a unit's items: as 责任单位, as 牵头单位
    name: str = ""  # a label for dry-run output and logs
    where: str = ""  # file:line of the entry, for messages

    @property
    def destination(self) -> str:
        """Who receives it, printable (never a secret): addresses or the env variable's name."""
        if self.kind == "email":
            return ", ".join(self.to)
        return f"地址取自环境变量 {self.url_env}"

    @property
    def label(self) -> str:
        base = KIND_CN[self.kind]
        return f"{base}“{self.name}”" if self.name else base


def _key_where(where: str, raw: Any, key: str | None) -> str:
    """Refine "file:line" to the line of `key` when the YAML loader kept line numbers."""
    lines = getattr(raw, "key_lines", None)
    m = _WHERE_RE.match(where)
    if not m:
        return where
    if key is not None and isinstance(lines, dict) and key in lines:
        return f"{m.group(1)}:{lines[key]}"
    line = getattr(raw, "line", None)
    if isinstance(line, int):
        return f"{m.group(1)}:{line}"
    return where


def _str_list(v: Any) -> list[str] | None:
    if isinstance(v, str):
        return [v]
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return [x.strip() for x in v]
    return None


def parse_notify_targets(raw: Any, where: str) -> list[NotifyTarget]:
    """Validate a `notify:` value (a list of targets, or one mapping) strictly.

    `where` is "file:line" of the `notify:` key (given by the caller). Raises
    NotifyConfigError with one Chinese line: where, what is wrong, and the fix.
    """
    if raw is None:
        return []
    items = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(items, list):
        raise NotifyConfigError(f"{where}: notify 应为通知目标的列表（每项含 kind: email|wecom|dingtalk|webhook）")
    return [_parse_target(item, i, where) for i, item in enumerate(items, 1)]


def _parse_target(raw: Any, index: int, where: str) -> NotifyTarget:
    here = _key_where(where, raw, None)

    def err(key: str | None, msg: str) -> NotifyConfigError:
        return NotifyConfigError(f"{_key_where(where, raw, key) if key else here}: notify 第 {index} 项：{msg}")

    if not isinstance(raw, Mapping):
        raise NotifyConfigError(f"{here}: notify 第 {index} 项应为映射（如 kind: email, to: [地址]）")
    for key in raw:
        k = str(key)
        if k in TARGET_KEYS:
            continue
        if k.lower() in _SECRET_KEYS:
            fix = _SECRET_KEYS[k.lower()]
            raise err(k, f"不要把地址或密钥写在配置文件中（“{k}”），请放入环境变量并改用 {fix}")
        m = difflib.get_close_matches(k, TARGET_KEYS, n=1)
        hint = f"，是否应为 “{m[0]}”？" if m else ""
        raise err(k, f"未知的键 “{k}”{hint}（可用：{', '.join(TARGET_KEYS)}）")
    kind = raw.get("kind")
    if kind not in KINDS:
        if "kind" not in raw:
            raise err(None, f"缺少 kind（可选：{' | '.join(KINDS)}）")
        raise err("kind", f"未知的 kind “{kind}”（可选：{' | '.join(KINDS)}）")
    name = raw.get("name", "")
    if not isinstance(name, str):
        raise err("name", "name 应为字符串（通知目标的名称）")

    to: list[str] = []
    if kind == "email":
        got = _str_list(raw.get("to"))
        if not got or not all(got):
            raise err("to" if "to" in raw else None, "邮件目标需要 to: 收件地址列表（如 to: [zwgk@example.gov.cn]）")
        bad = [a for a in got if not _EMAIL_RE.match(a)]
        if bad:
            raise err("to", f"邮件地址 “{bad[0]}” 无效（应为 名称@域名）")
        to = list(dict.fromkeys(got))
        for k in ("url_env", "secret_env"):
            if k in raw:
                raise err(k, f"邮件目标不用 {k}（SMTP 服务器由环境变量 GOVAUDIT_SMTP_HOST 等设置）")
    else:
        if "to" in raw:
            raise err("to", f"{KIND_CN[kind]}不用 to，请用 url_env 指定存放机器人地址的环境变量")
    url_env = _env_name(raw, "url_env", err, required=kind != "email")
    secret_env = _env_name(raw, "secret_env", err, required=False)

    units: tuple[str, ...] | None = None
    if raw.get("units") is not None:
        got = _str_list(raw["units"])
        if not got or not all(got):
            raise err("units", "units 应为单位名称列表（省略则发给所有单位）")
        units = tuple(dict.fromkeys(got))
    on = _choice_list(raw, "on", TRIGGERS, DEFAULT_TRIGGERS, err,
                      "new 新增, regressed 反复, verdict 结论变化, down 网站无法访问, all_failures 每次都发, fixed 已整改")
    roles = _choice_list(raw, "roles", ROLES, ROLES, err, "responsible 责任单位, lead 牵头单位")
    return NotifyTarget(kind=str(kind), to=tuple(to), url_env=url_env, secret_env=secret_env, units=units,
                        on=on, roles=roles, name=name.strip(), where=here)


def _env_name(raw: Mapping[str, Any], key: str, err: Any, *, required: bool) -> str:
    v = raw.get(key)
    if v is None:
        if required:
            raise err(None, f"缺少 {key}：存放机器人地址的环境变量名（如 {key}: GOVAUDIT_WECOM_URL）")
        return ""
    if not isinstance(v, str) or not v.strip():
        raise err(key, f"{key} 应为环境变量名（如 GOVAUDIT_DINGTALK_SECRET）")
    v = v.strip()
    if "://" in v or not _ENV_RE.match(v):
        raise err(key, f"{key} 应为环境变量名，而不是地址或密钥本身（把值放入环境变量，这里只写变量名）")
    return v


def _choice_list(raw: Mapping[str, Any], key: str, allowed: tuple[str, ...], default: tuple[str, ...],
                 err: Any, help_cn: str) -> tuple[str, ...]:
    if raw.get(key) is None:
        return default
    got = _str_list(raw[key])
    if not got:
        raise err(key, f"{key} 应为列表（可选：{help_cn}）")
    for g in got:
        if g not in allowed:
            m = difflib.get_close_matches(g, allowed, n=1)
            hint = f"，是否应为 “{m[0]}”？" if m else ""
            raise err(key, f"{key} 中的 “{g}” 无效{hint}（可选：{help_cn}）")
    return tuple(dict.fromkeys(got))


# -- SMTP (environment only) ----------------------------------------------------------------
_TRUE = {"1", "true", "yes", "on", "是"}
_FALSE = {"0", "false", "no", "off", "否", ""}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    user: str = ""
    password: str = field(default="", repr=False)
    sender: str = ""
    starttls: bool = False
    ssl: bool = False
    timeout: float = 30.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SmtpSettings:
        """GOVAUDIT_SMTP_HOST, _PORT, _USER, _PASSWORD, _FROM, _STARTTLS, _SSL. Raises NotifyConfigError."""
        env = os.environ if environ is None else environ
        host = env.get("GOVAUDIT_SMTP_HOST", "").strip()
        if not host:
            raise NotifyConfigError("未设置环境变量 GOVAUDIT_SMTP_HOST（发送邮件通知所用的 SMTP 服务器）")

        def flag(name: str) -> bool:
            v = env.get(name, "").strip().lower()
            if v in _TRUE:
                return True
            if v in _FALSE:
                return False
            raise NotifyConfigError(f"环境变量 {name} 的值无效（应为 1 或 0）")

        ssl, starttls = flag("GOVAUDIT_SMTP_SSL"), flag("GOVAUDIT_SMTP_STARTTLS")
        if ssl and starttls:
            raise NotifyConfigError("GOVAUDIT_SMTP_SSL 与 GOVAUDIT_SMTP_STARTTLS 只能设置其一（465 端口用 SSL，587 端口用 STARTTLS）")
        port_s = env.get("GOVAUDIT_SMTP_PORT", "").strip()
        try:
            port = int(port_s) if port_s else (465 if ssl else 587 if starttls else 25)
        except ValueError:
            raise NotifyConfigError("环境变量 GOVAUDIT_SMTP_PORT 应为端口号（如 25、465、587）") from None
        if not 0 < port < 65536:
            raise NotifyConfigError("环境变量 GOVAUDIT_SMTP_PORT 应为 1–65535 之间的端口号")
        user = env.get("GOVAUDIT_SMTP_USER", "").strip()
        sender = env.get("GOVAUDIT_SMTP_FROM", "").strip() or (user if "@" in user else "")
        if not sender:
            raise NotifyConfigError("未设置环境变量 GOVAUDIT_SMTP_FROM（发件地址，如 govaudit@example.gov.cn）")
        if not _EMAIL_RE.match(sender):
            raise NotifyConfigError("环境变量 GOVAUDIT_SMTP_FROM 不是有效的邮件地址")
        return cls(host=host, port=port, user=user, password=env.get("GOVAUDIT_SMTP_PASSWORD", ""),
                   sender=sender, starttls=starttls, ssl=ssl)


def check_notify_env(targets: list[NotifyTarget], environ: Mapping[str, str] | None = None) -> list[str]:
    """What is missing in the environment for these targets (Chinese lines; values never shown).

    Call before a scheduled run starts (exit 2 when not empty), so a typo is found at once,
    not after a crawl of hours.
    """
    env = os.environ if environ is None else environ
    problems: list[str] = []
    if any(t.kind == "email" for t in targets):
        try:
            SmtpSettings.from_env(env)
        except NotifyConfigError as e:
            problems.append(str(e))
    for t in targets:
        for var, what in ((t.url_env, "地址"), (t.secret_env, "密钥")):
            if var and not env.get(var, "").strip():
                problems.append(f"{t.where or 'notify'}: 未设置环境变量 {var}（{t.label}的{what}）")
        if t.url_env and env.get(t.url_env, "").strip():
            url = env[t.url_env].strip().lower()
            if not url.startswith(("http://", "https://")):
                problems.append(f"{t.where or 'notify'}: 环境变量 {t.url_env} 的值不是 http(s) 地址（{t.label}）")
    return list(dict.fromkeys(problems))
