"""Delivering notices to real local servers: an aiosmtpd SMTP server and an HTTP receiver
that checks the robots' payload formats (企业微信: msgtype markdown, content ≤ 4096 bytes;
钉钉: the signature made with the secret, markdown title/text ≤ 20000 bytes) and the
generic webhook's JSON and HMAC signature. Nothing of the transport is mocked."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from crawler.notify import (
    describe_notices,
    notify_after_run,
    parse_notify_targets,
    plan_notices,
    send_notices,
)
from tests.support.mockserver import App, Handler, MockServer
from tests.support.notifydocs import make_doc, three_units_doc

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

WECOM_KEY = "wk-7f3a9c1e-5b2d-4e8f-a6c0-9d1b3e5f7a2c"
DT_TOKEN = "dt0a1b2c3d4e5f60718293a4b5c6d7e8f9"
DT_SECRET = "SEC9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0"
HOOK_SECRET = "hook-secret-5d41402abc4b2a76b9719d911017c592"
SMTP_USER = "audit@example.gov.cn"
SMTP_PASSWORD = "smtp-pw-Zx9!Qw7#Er5"
SECRETS = (WECOM_KEY, DT_TOKEN, DT_SECRET, HOOK_SECRET, SMTP_PASSWORD)


# -- the HTTP receiver --------------------------------------------------------------------------
@dataclass
class Received:
    wecom: list[dict[str, Any]] = field(default_factory=list)
    dingtalk: list[dict[str, Any]] = field(default_factory=list)
    hook: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # why a payload was refused
    server: MockServer | None = None

    @property
    def hits(self) -> dict[str, int]:
        """Requests per URL path (without query), as the server counted them."""
        by_path: dict[str, int] = {}
        for (_method, path), n in (self.server.method_hits() if self.server else {}).items():
            by_path[path] = by_path.get(path, 0) + n
        return by_path


def _reply(h: Handler, code: int, body: dict[str, Any]) -> None:
    h.send(code, json.dumps(body), "application/json")


def _receiver_routes(rec: Received) -> dict[str, App]:
    """The robots' and the generic webhook's endpoints, checking what real ones check."""

    def robot_error(h: Handler, why: str, errcode: int) -> None:
        rec.rejected.append(why)
        _reply(h, 200, {"errcode": errcode, "errmsg": why})  # the robots answer 200 with an errcode

    def payload(h: Handler) -> tuple[dict[str, str], dict[str, Any] | None]:
        q = {k: v[0] for k, v in h.query.items()}
        try:
            return q, json.loads(h.body)
        except ValueError:
            robot_error(h, "body is not JSON", 40001)
            return q, None

    def wecom(h: Handler) -> None:  # 企业微信
        q, data = payload(h)
        if data is None:
            return
        if q.get("key") != WECOM_KEY:
            return robot_error(h, "invalid webhook url", 93000)
        md = data.get("markdown") or {}
        if data.get("msgtype") != "markdown" or not isinstance(md.get("content"), str) or not md["content"]:
            return robot_error(h, "invalid markdown message", 40008)
        if len(md["content"].encode("utf-8")) > 4096:
            return robot_error(h, "content exceed max length 4096", 40058)
        rec.wecom.append(data)
        _reply(h, 200, {"errcode": 0, "errmsg": "ok"})

    def dingtalk(h: Handler) -> None:  # 钉钉
        q, data = payload(h)
        if data is None:
            return
        if q.get("access_token") != DT_TOKEN:
            return robot_error(h, "token is not exist", 300001)
        ts, sign = q.get("timestamp", ""), q.get("sign", "")
        want = base64.b64encode(hmac.new(DT_SECRET.encode(), f"{ts}\n{DT_SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
        if not ts.isdigit() or abs(time.time() * 1000 - int(ts)) > 3600_000 or sign != want:
            return robot_error(h, "sign not match", 310000)
        md = data.get("markdown") or {}
        if data.get("msgtype") != "markdown" or not md.get("title") or not md.get("text"):
            return robot_error(h, "invalid markdown message (title, text)", 40035)
        if len(md["text"].encode("utf-8")) > 20000:
            return robot_error(h, "message too long", 460101)
        rec.dingtalk.append(data)
        _reply(h, 200, {"errcode": 0, "errmsg": "ok"})

    def hook(h: Handler) -> None:  # the generic webhook; /flaky answers 503 twice first
        _q, data = payload(h)
        if data is None:
            return
        if h.url_path == "/flaky" and h.hit_count() <= 2:
            return _reply(h, 503, {"error": "busy"})
        want_sig = "sha256=" + hmac.new(HOOK_SECRET.encode(), h.body, hashlib.sha256).hexdigest()
        if h.headers.get("X-Govaudit-Signature") != want_sig:
            rec.rejected.append("bad webhook signature")
            return _reply(h, 401, {"error": "signature"})
        if data.get("schema") != "govaudit.notice/1" or h.headers.get("X-Govaudit-Notice") != data.get("id"):
            rec.rejected.append("bad webhook schema")
            return _reply(h, 400, {"error": "schema"})
        rec.hook.append(data)
        _reply(h, 200, {"ok": True})

    return {"/cgi-bin/webhook/send": wecom, "/robot/send": dingtalk, "/hook": hook, "/flaky": hook,
            "*": lambda h: _reply(h, 404, {"error": "not found"})}


@pytest.fixture
def receiver() -> Iterator[tuple[str, Received]]:
    rec = Received()
    with MockServer(_receiver_routes(rec)) as server:
        rec.server = server
        yield server.url.rstrip("/"), rec


# -- the SMTP server ------------------------------------------------------------------------
class Mailbox:
    def __init__(self, fail_first: int = 0) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.fail_first = fail_first
        self.logins: list[tuple[str, bool]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.fail_first > 0:
            self.fail_first -= 1
            return "451 4.3.0 Try again later"
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == SMTP_USER
              and auth_data.password.decode() == SMTP_PASSWORD)
        self.logins.append((mechanism, ok))
        return AuthResult(success=ok)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    box = Mailbox()
    port = _free_port()
    ctl = Controller(box, hostname="127.0.0.1", port=port, authenticator=box.authenticate,
                     auth_require_tls=False, auth_required=True)
    ctl.start()
    monkeypatch.setenv("GOVAUDIT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("GOVAUDIT_SMTP_PORT", str(port))
    monkeypatch.setenv("GOVAUDIT_SMTP_USER", SMTP_USER)
    monkeypatch.setenv("GOVAUDIT_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setenv("GOVAUDIT_SMTP_FROM", "govaudit@example.gov.cn")
    monkeypatch.delenv("GOVAUDIT_SMTP_STARTTLS", raising=False)
    monkeypatch.delenv("GOVAUDIT_SMTP_SSL", raising=False)
    try:
        yield box
    finally:
        ctl.stop()


@pytest.fixture
def robots_env(receiver: tuple[str, Received], monkeypatch: pytest.MonkeyPatch) -> tuple[str, Received]:
    base, rec = receiver
    monkeypatch.setenv("T_WECOM_URL", f"{base}/cgi-bin/webhook/send?key={WECOM_KEY}")
    monkeypatch.setenv("T_DT_URL", f"{base}/robot/send?access_token={DT_TOKEN}")
    monkeypatch.setenv("T_DT_SECRET", DT_SECRET)
    monkeypatch.setenv("T_HOOK_URL", f"{base}/hook")
    monkeypatch.setenv("T_HOOK_SECRET", HOOK_SECRET)
    monkeypatch.setenv("T_FLAKY_URL", f"{base}/flaky")
    monkeypatch.setenv("T_GONE_URL", f"{base}/no-such-hook")
    monkeypatch.setenv("T_CLOSED_URL", f"http://127.0.0.1:{_free_port()}/send")
    return base, rec


ALL_CHANNELS = [
    {"kind": "email", "to": ["fgw@example.gov.cn"], "units": ["区发展改革委"]},
    {"kind": "email", "to": ["cz@example.gov.cn", "cz-head@example.gov.cn"], "units": ["区财政局"]},
    {"kind": "wecom", "url_env": "T_WECOM_URL"},
    {"kind": "dingtalk", "url_env": "T_DT_URL", "secret_env": "T_DT_SECRET"},
    {"kind": "webhook", "url_env": "T_HOOK_URL", "secret_env": "T_HOOK_SECRET"},
]


def _text_of(msg: EmailMessage, subtype: str) -> str:
    part = msg.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    return str(part.get_content())


# -- tests --------------------------------------------------------------------------------------
def test_each_unit_receives_one_digest_with_only_its_items_on_every_channel(smtp, robots_env):
    _, rec = robots_env
    doc = three_units_doc()
    notices = plan_notices(doc, parse_notify_targets(ALL_CHANNELS, "sites.yaml:5"), "https://r.example/out/")
    results = send_notices(notices, dry_run=False, backoff=0.01)
    assert [r.ok for r in results] == [True] * len(notices), [r.status for r in results]
    assert all(r.status.startswith("已发送：") and r.attempts == 1 for r in results)
    assert not rec.rejected

    # e-mail: one per unit, to that unit's mailbox, with only its items
    assert len(smtp.logins) == 2 and all(ok for _, ok in smtp.logins)  # logged in with the password
    mails = {tuple(sorted(to)): m for to, m in smtp.messages}
    assert sorted(mails) == [("cz-head@example.gov.cn", "cz@example.gov.cn"), ("fgw@example.gov.cn",)]
    fgw = mails[("fgw@example.gov.cn",)]
    assert str(fgw["Subject"]) == "【政务公开检查】重庆市山城区人民政府：新增 2 项问题"
    assert fgw.get_content_type() == "multipart/alternative"
    plain, html = _text_of(fgw, "plain"), _text_of(fgw, "html")
    for body in (plain, html):
        assert "要求fgw-1" in body and "要求fgw-2" in body and "要求fgw-3" in body
        assert "要求cz-1" not in body and "要求jw-1" not in body
        assert "2021-06-30" in body and "https://r.example/out/units/01-区发展改革委.html" in body
    cz = mails[("cz-head@example.gov.cn", "cz@example.gov.cn")]
    assert "反复 1 项问题" in str(cz["Subject"]) and "要求cz-1" in _text_of(cz, "plain")
    assert "要求fgw-1" not in _text_of(cz, "plain")

    # robots and webhook: one digest per unit that has news (区教委 has none)
    for payloads, key in ((rec.wecom, "content"), (rec.dingtalk, "text")):
        assert len(payloads) == 2
        by_unit = {("区发展改革委" if "**区发展改革委**" in p["markdown"][key] else "区财政局"): p["markdown"][key]
                   for p in payloads}
        assert "要求fgw-1" in by_unit["区发展改革委"] and "要求cz-1" not in by_unit["区发展改革委"]
        assert "要求cz-1" in by_unit["区财政局"] and "要求fgw" not in by_unit["区财政局"]
    assert sorted(p["unit"] for p in rec.hook) == ["区发展改革委", "区财政局"]
    for p in rec.hook:
        want = {"区发展改革委": {"fgw-1", "fgw-2", "fgw-3"}, "区财政局": {"cz-1"}}[p["unit"]]
        assert {i["rule_id"] for i in p["items"]} == want


def test_long_digest_is_cut_to_the_robots_limits_and_accepted(robots_env):
    _, rec = robots_env
    doc = make_doc([{"rule_id": f"r{i:03d}", "title": f"长标题要求{i}" * 3, "status": "fail", "change": "new",
                     "message": "栏目“政务公开 > 法定主动公开内容”长期未更新，请及时发布。" * 15, "severity": "major",
                     "evidence": [{"url": f"http://site.test/c{i}/", "text": f"政务公开 > 栏目{i}"}],
                     "deadline": "2021-09-30", "responsible_units": ["区发展改革委"], "lead_units": []}
                    for i in range(400)])
    ts = parse_notify_targets(ALL_CHANNELS[2:4], "sites.yaml:5")
    notices = plan_notices(doc, ts, "https://r.example/out/")
    results = send_notices(notices, dry_run=False, backoff=0.01)
    assert all(r.ok for r in results), [r.status for r in results]
    assert not rec.rejected and len(rec.wecom) == 1 and len(rec.dingtalk) == 1
    assert "项见报告" in rec.wecom[0]["markdown"]["content"]
    assert "项见报告" in rec.dingtalk[0]["markdown"]["text"]


def test_transient_failures_are_retried_with_backoff(robots_env):
    _, rec = robots_env
    (t,) = parse_notify_targets([{"kind": "webhook", "url_env": "T_FLAKY_URL", "secret_env": "T_HOOK_SECRET"}], "s:1")
    notices = plan_notices(three_units_doc(), [t])
    waits: list[float] = []

    def sleep(s: float) -> None:
        waits.append(s)
        time.sleep(s)

    results = send_notices(notices[:1], dry_run=False, retries=3, backoff=0.05, sleep=sleep)
    (r,) = results
    assert r.ok and r.attempts == 3 and "第 3 次尝试成功" in r.status, r.status
    assert waits == [0.05, 0.1]  # exponential
    assert rec.hits["/flaky"] == 3 and len(rec.hook) == 1


def test_smtp_temporary_refusal_is_retried(smtp):
    smtp.fail_first = 1
    (t,) = parse_notify_targets([{"kind": "email", "to": ["fgw@example.gov.cn"], "units": ["区发展改革委"]}], "s:1")
    (r,) = send_notices(plan_notices(three_units_doc(), [t]), dry_run=False, backoff=0.01)
    assert r.ok and r.attempts == 2, r.status
    assert len(smtp.messages) == 1


def test_one_failing_channel_does_not_stop_the_others(smtp, robots_env):
    _, rec = robots_env
    ts = parse_notify_targets([
        {"kind": "webhook", "url_env": "T_GONE_URL"},  # 404: permanent, not retried
        {"kind": "wecom", "url_env": "T_CLOSED_URL"},  # nobody listens: transient, retried then given up
        {"kind": "dingtalk", "url_env": "T_DT_URL"},  # signature missing: the robot refuses (errcode)
        {"kind": "webhook", "url_env": "T_UNSET_URL"},  # env variable not set
        {"kind": "email", "to": ["fgw@example.gov.cn"], "units": ["区发展改革委"]},
        {"kind": "webhook", "url_env": "T_HOOK_URL", "secret_env": "T_HOOK_SECRET", "units": ["区财政局"]},
    ], "sites.yaml:5")
    notices = plan_notices(three_units_doc(), ts)
    results = send_notices(notices, dry_run=False, retries=2, backoff=0.01)
    by = {(r.kind, r.destination, r.unit): r for r in results}
    gone = by[("webhook", "地址取自环境变量 T_GONE_URL", "区发展改革委")]
    assert not gone.ok and gone.attempts == 1 and "HTTP 404" in gone.status and gone.status.startswith("发送失败：")
    closed = by[("wecom", "地址取自环境变量 T_CLOSED_URL", "区发展改革委")]
    assert not closed.ok and closed.attempts == 3 and "无法连接" in closed.status
    ding = by[("dingtalk", "地址取自环境变量 T_DT_URL", "区财政局")]
    assert not ding.ok and ding.attempts == 1 and "errcode 310000" in ding.status
    unset = by[("webhook", "地址取自环境变量 T_UNSET_URL", "区财政局")]
    assert not unset.ok and "未设置环境变量 T_UNSET_URL" in unset.status
    assert by[("email", "fgw@example.gov.cn", "区发展改革委")].ok
    assert by[("webhook", "地址取自环境变量 T_HOOK_URL", "区财政局")].ok
    assert len(smtp.messages) == 1 and [p["unit"] for p in rec.hook] == ["区财政局"]


def test_dry_run_sends_nothing_and_says_what_would_be_sent(smtp, robots_env, capsys):
    _, rec = robots_env
    targets = parse_notify_targets(ALL_CHANNELS, "sites.yaml:5")
    results = notify_after_run(three_units_doc(), targets, report_base_url="https://r.example/out/", dry_run=True)
    out = capsys.readouterr().out
    assert len(results) == 8 and all(not r.sent and r.attempts == 0 for r in results)
    assert smtp.messages == [] and rec.hits == {}
    assert out.startswith("共 8 条通知：") and "（演练：未发送任何通知）" in out
    assert "邮件 → fgw@example.gov.cn｜区发展改革委｜【政务公开检查】重庆市山城区人民政府：新增 2 项问题｜" in out
    assert "企业微信机器人 → 地址取自环境变量 T_WECOM_URL｜区财政局" in out


def test_secrets_never_appear_in_output_logs_or_written_results(smtp, robots_env, capsys, caplog, tmp_path: Path):
    _, rec = robots_env
    caplog.set_level(logging.DEBUG)  # every logger, httpx's request lines included
    targets = parse_notify_targets(ALL_CHANNELS + [{"kind": "webhook", "url_env": "T_GONE_URL"},
                                                   {"kind": "wecom", "url_env": "T_CLOSED_URL"}], "sites.yaml:5")
    doc = three_units_doc()
    dry = notify_after_run(doc, targets, report_base_url="https://r.example/out/", dry_run=True)
    sent = notify_after_run(doc, targets, report_base_url="https://r.example/out/", retries=1, backoff=0.01)
    assert sum(r.ok for r in sent) == 8 and sum(not r.ok for r in sent) == 4
    assert all(ok for _, ok in smtp.logins) and smtp.logins  # the password was really used
    assert len(rec.dingtalk) == 2  # signed with the secret, verified by the receiver
    out = capsys.readouterr()
    record = tmp_path / "notices.json"
    record.write_text(json.dumps([r.to_dict() for r in dry + sent], ensure_ascii=False), encoding="utf-8")
    (tmp_path / "dry-run.txt").write_text(describe_notices(plan_notices(doc, targets)), encoding="utf-8")
    assert any("HTTP Request" in m for m in caplog.messages)  # httpx did log its requests …
    texts = {"stdout": out.out, "stderr": out.err, "log": caplog.text + "\n".join(caplog.messages)}
    texts.update({p.name: p.read_text(encoding="utf-8") for p in tmp_path.iterdir()})
    for name, text in texts.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret[:6]}… leaked into {name}"
    assert "T_WECOM_URL" in out.out  # … and the results name the variable instead
