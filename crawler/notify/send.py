"""send_notices: deliver planned notices over SMTP and HTTP, with retries and no leaked secret.

- Each notice is sent on its own: a failure of one never stops the others.
- Transient failures (connection, timeout, HTTP 5xx/429, SMTP 4xx, a robot's rate limit) are
  retried `retries` times with exponential backoff (backoff, 2×, 4× … seconds; a server's
  Retry-After up to 60 s wins). Permanent ones (bad address, signature, 4xx, SMTP 5xx) are not.
- Secrets (webhook URLs, sign secrets, the SMTP password) are read from the environment at
  send time, never put in a result, a log line or an exception text: results name only the
  environment variable, and httpx's own request log lines are redacted while sending.
- 企业微信 and 钉钉 robots accept 20 messages a minute each: sends to one robot are paced.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import smtplib
import ssl
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import quote_plus

import httpx

from crawler.net import http
from crawler.net.retry import retry_after

from .config import KIND_CN, NotifyConfigError, SmtpSettings
from .plan import Notice

log = logging.getLogger("govaudit.notify")
HTTP_TIMEOUT = 15.0
ROBOT_PER_MINUTE = 20
RETRY_AFTER_MAX = 60.0
_RATE_LIMIT_CODES = {45009, 130101}  # 企业微信 "api freq out of limit", 钉钉 "send too fast"
SENDER_NAME = "政务公开检查"


@dataclass(frozen=True)
class SendResult:
    notice_id: str
    kind: str
    unit: str
    destination: str  # printable: addresses or the env variable's name, never the URL
    ok: bool
    sent: bool  # False in a dry run
    attempts: int
    status: str  # one Chinese line

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class _Transient(Exception):
    def __init__(self, msg: str, retry_after: float | None = None) -> None:
        super().__init__(msg)
        self.retry_after = retry_after


class _Permanent(Exception):
    pass


class _Redactor(logging.Filter):
    """Replaces secret values in records of the HTTP libraries (httpx logs the request URL)."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record: drop its arguments
            msg = str(record.msg)
        clean = _scrub(msg, self.secrets)
        if clean != msg or record.args:
            record.msg, record.args = clean, None
        return True


def _scrub(s: str, secrets: list[str]) -> str:
    for v in secrets:
        if v:
            s = s.replace(v, "***")
            q = quote_plus(v)
            if q != v:
                s = s.replace(q, "***")
    return s


def _secrets(notices: list[Notice], env: Mapping[str, str]) -> list[str]:
    names = {n for x in notices for n in (x.target.url_env, x.target.secret_env) if n}
    names.add("GOVAUDIT_SMTP_PASSWORD")
    vals = [env.get(n, "").strip() for n in names]
    # longest first, so a URL is replaced whole before any secret inside it
    return sorted({v for v in vals if len(v) >= 4}, key=len, reverse=True)


# -- e-mail ------------------------------------------------------------------------------------
def build_message(n: Notice, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = " ".join(n.subject.split())
    local, _, domain = sender.partition("@")
    msg["From"] = Address(display_name=SENDER_NAME, username=local, domain=domain)
    msg["To"] = ", ".join(n.target.to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(idstring=n.id, domain=domain or None)
    msg["X-Govaudit-Notice"] = n.id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(n.text)
    msg.add_alternative(n.html, subtype="html")
    return msg


def _smtp_send(n: Notice, s: SmtpSettings) -> str:
    msg = build_message(n, s.sender)
    try:
        smtp_cls = smtplib.SMTP_SSL if s.ssl else smtplib.SMTP
        with smtp_cls(s.host, s.port, timeout=s.timeout) as smtp:
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.user:
                smtp.login(s.user, s.password)
            refused = smtp.send_message(msg)
    except smtplib.SMTPAuthenticationError:
        raise _Permanent("SMTP 登录失败（检查 GOVAUDIT_SMTP_USER 和 GOVAUDIT_SMTP_PASSWORD）") from None
    except smtplib.SMTPNotSupportedError:
        raise _Permanent("SMTP 服务器不支持所需功能（STARTTLS 或登录），检查 GOVAUDIT_SMTP_STARTTLS") from None
    except smtplib.SMTPRecipientsRefused as e:
        codes = [c for c, _ in e.recipients.values()]
        if codes and all(400 <= c < 500 for c in codes):
            raise _Transient(f"收件人暂时被拒收（SMTP {codes[0]}）") from None
        raise _Permanent(f"收件人被拒收（SMTP {codes[0] if codes else '?'}）：{', '.join(e.recipients)}") from None
    except smtplib.SMTPResponseException as e:
        if 400 <= e.smtp_code < 500:
            raise _Transient(f"SMTP 服务器暂时拒绝（{e.smtp_code}）") from None
        raise _Permanent(f"SMTP 服务器拒绝（{e.smtp_code}）") from None
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError):
        raise _Transient("SMTP 连接中断") from None
    except ssl.SSLError:
        raise _Permanent("SMTP 加密连接失败（证书或 TLS 设置）") from None
    except TimeoutError:
        raise _Transient("SMTP 连接超时") from None
    except ConnectionRefusedError:
        raise _Transient(f"无法连接 SMTP 服务器 {s.host}:{s.port}（连接被拒绝）") from None
    except OSError as e:
        raise _Transient(f"无法连接 SMTP 服务器 {s.host}:{s.port}（{type(e).__name__}）") from None
    if refused:
        return f"，部分收件人被拒收：{', '.join(refused)}"
    return ""


# -- HTTP robots and webhook --------------------------------------------------------------------
def dingtalk_sign(url: str, secret: str, now_ms: int | None = None) -> str:
    """钉钉 signed webhook: &timestamp=…&sign=urlencode(base64(HMAC-SHA256(secret, "ts\\nsecret")))."""
    ts = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode("utf-8"), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    sign = quote_plus(base64.b64encode(digest).decode("ascii"))
    return f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={sign}"


def webhook_signature(body: bytes, secret: str) -> str:
    """X-Govaudit-Signature of the generic webhook: "sha256=" + hex HMAC-SHA256(secret, body)."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _retry_after(r: httpx.Response) -> float | None:
    return retry_after(r.headers, RETRY_AFTER_MAX)


def _http_send(n: Notice, client: httpx.Client, env: Mapping[str, str]) -> str:
    t = n.target
    url = env.get(t.url_env, "").strip()
    if not url:
        raise _Permanent(f"未设置环境变量 {t.url_env}（{KIND_CN[t.kind]}地址）")
    if not url.lower().startswith(("http://", "https://")):
        raise _Permanent(f"环境变量 {t.url_env} 的值不是 http(s) 地址")
    secret = env.get(t.secret_env, "").strip() if t.secret_env else ""
    if t.secret_env and not secret:
        raise _Permanent(f"未设置环境变量 {t.secret_env}（{KIND_CN[t.kind]}密钥）")
    body = n.body_bytes()
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if t.kind == "dingtalk" and secret:
        url = dingtalk_sign(url, secret)  # fresh timestamp on every attempt
    if t.kind == "webhook":
        headers["X-Govaudit-Notice"] = n.id
        headers["X-Govaudit-Schema"] = "govaudit.notice/1"
        if secret:
            headers["X-Govaudit-Signature"] = webhook_signature(body, secret)
    try:
        r = client.post(url, content=body, headers=headers)
    except httpx.TimeoutException:
        raise _Transient("请求超时") from None
    except httpx.ConnectError:
        raise _Transient("无法连接（连接被拒绝或域名无法解析）") from None
    except httpx.TransportError as e:
        raise _Transient(f"网络错误（{type(e).__name__}）") from None
    except httpx.HTTPError as e:  # invalid URL and the like
        raise _Permanent(f"地址无效（{type(e).__name__}），检查环境变量 {t.url_env}") from None
    code = r.status_code
    if code == 429 or code == 408 or code >= 500:
        raise _Transient(f"HTTP {code}（服务器暂时不可用）", _retry_after(r))
    if 300 <= code < 400:
        raise _Permanent(f"HTTP {code}（地址发生跳转，检查环境变量 {t.url_env}）")
    if code >= 400:
        raise _Permanent(f"HTTP {code}（地址或请求被拒绝）")
    if t.kind in ("wecom", "dingtalk"):
        try:
            data = r.json()
            errcode = int(data.get("errcode", 0))
            errmsg = str(data.get("errmsg", ""))[:80]
        except (ValueError, AttributeError, TypeError):
            raise _Permanent("机器人返回的不是 JSON（地址可能不是群机器人 Webhook）") from None
        if errcode in _RATE_LIMIT_CODES:
            raise _Transient(f"机器人发送过于频繁（errcode {errcode}）")
        if errcode != 0:
            raise _Permanent(f"机器人拒绝消息（errcode {errcode}：{errmsg}）")
    return ""


class _Pacer:
    """At most ROBOT_PER_MINUTE sends a minute to one robot."""

    def __init__(self, sleep: Callable[[float], None]) -> None:
        self.sent: dict[str, deque[float]] = {}
        self.sleep = sleep

    def wait(self, key: str) -> None:
        q = self.sent.setdefault(key, deque())
        if len(q) >= ROBOT_PER_MINUTE:
            delay = 60.0 - (time.monotonic() - q[0])
            if delay > 0:
                self.sleep(delay)
            q.popleft()
        q.append(time.monotonic())


# -- the loop ---------------------------------------------------------------------------------
def _who(n: Notice) -> str:
    return f"{KIND_CN[n.kind]}{'“' + n.target.name + '”' if n.target.name else ''} → {n.target.destination}（{n.unit}）"


def send_notices(notices: list[Notice], *, dry_run: bool, retries: int = 3, backoff: float = 2.0,
                 environ: Mapping[str, str] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> list[SendResult]:
    """Send each notice (or, with dry_run, nothing) → one result per notice, in order.

    `retries` is the number of further attempts after a transient failure (so at most
    retries + 1 attempts), waiting backoff × 2^k seconds before the k-th retry.
    """
    env = os.environ if environ is None else environ
    results: list[SendResult] = []
    if dry_run:
        for n in notices:
            results.append(SendResult(n.id, n.kind, n.unit, n.target.destination, ok=True, sent=False,
                                      attempts=0, status=f"演练，未发送：{_who(n)}：{n.subject}"))
        return results
    secrets = _secrets(notices, env)
    redactor = _Redactor(secrets)
    loggers = [logging.getLogger(name) for name in ("httpx", "httpcore")]
    for lg in loggers:
        lg.addFilter(redactor)
    smtp: SmtpSettings | None = None
    smtp_error = ""
    if any(n.kind == "email" for n in notices):
        try:
            smtp = SmtpSettings.from_env(env)
        except NotifyConfigError as e:
            smtp_error = str(e)
    pacer = _Pacer(sleep)
    try:
        with http.client("notify", timeout=HTTP_TIMEOUT, accept="*/*", follow_redirects=False) as client:
            for n in notices:
                results.append(_send_one(n, client, env, smtp, smtp_error, pacer, retries, backoff, sleep, secrets))
    finally:
        for lg in loggers:
            lg.removeFilter(redactor)
    return results


def _send_one(n: Notice, client: httpx.Client, env: Mapping[str, str], smtp: SmtpSettings | None,
              smtp_error: str, pacer: _Pacer, retries: int, backoff: float,
              sleep: Callable[[float], None], secrets: list[str]) -> SendResult:
    attempts = 0
    error = ""
    ok = False
    note = ""
    for attempt in range(1, max(retries, 0) + 2):
        attempts = attempt
        try:
            if n.kind == "email":
                if smtp is None:
                    raise _Permanent(smtp_error or "未配置 SMTP")
                note = _smtp_send(n, smtp)
            else:
                if n.kind in ("wecom", "dingtalk"):
                    pacer.wait(n.target.url_env)
                note = _http_send(n, client, env)
            ok = True
            break
        except _Permanent as e:
            error = str(e)
            break
        except _Transient as e:
            error = str(e)
            if attempt > retries:
                break
            delay = backoff * (2 ** (attempt - 1))
            if e.retry_after is not None:
                delay = max(delay, e.retry_after)
            log.info("%s", _scrub(f"{_who(n)}：{error}，{delay:g} 秒后重试（第 {attempt} 次失败）", secrets))
            sleep(delay)
        except Exception as e:  # noqa: BLE001 - one channel's bug must not stop the others
            error = f"内部错误（{type(e).__name__}）"
            break
    if ok:
        tail = f"，第 {attempts} 次尝试成功" if attempts > 1 else ""
        status = f"已发送：{_who(n)}：{n.subject}{tail}{note}"
    else:
        status = f"发送失败：{_who(n)}：{error}，共尝试 {attempts} 次"
    status = _scrub(status, secrets)
    (log.info if ok else log.warning)("%s", status)
    return SendResult(n.id, n.kind, n.unit, n.target.destination, ok=ok, sent=ok, attempts=attempts, status=status)
