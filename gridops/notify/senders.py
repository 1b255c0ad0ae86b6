"""Senders per channel type, each speaking its service's own message format (通知发送).

- ``wecom``: 企业微信群机器人 — POST ``{"msgtype": "text", "text": {"content",
  "mentioned_mobile_list"}}`` to the robot's URL (``…/cgi-bin/webhook/send?key=…``);
  success is ``errcode`` 0.
- ``dingtalk``: 钉钉自定义机器人, 加签 — ``timestamp`` (ms) and ``sign`` = urlencode(base64(
  HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}"))) added to the URL's query; body
  ``{"msgtype": "text", "text": {"content"}, "at": {"atMobiles", "isAtAll"}}``; ``errcode`` 0.
- ``feishu``: 飞书自定义机器人, 签名校验 — ``timestamp`` (s) and ``sign`` = base64(HMAC-SHA256(
  key=f"{timestamp}\\n{secret}", msg=b"")) in the body beside ``"msg_type": "text"`` and
  ``"content": {"text"}``; ``code`` 0.
- ``webhook``: our JSON (id, kind, ticket, text, lang) with an ``Idempotency-Key`` header and,
  with a secret, ``X-Gridops-Signature: sha256=<hex HMAC of timestamp.body>``.
- ``sms``: the gateway's body template of notify.yaml, with ``Idempotency-Key``.
- ``email``: stdlib smtplib through notify.yaml's SMTP server, ``Message-ID`` from the key.

Every message carries its delivery's key. Only the webhook and the SMS gateway receivers are
expected to drop a repeat of a key (``DEDUPES``); robots and mail servers cannot, which decides
what the outbox does with a send a dead worker left in doubt (:mod:`gridops.services.outbox`).
Errors name the channel by type and secret name, never by a URL that carries a token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import quote_plus, urlsplit

from gridops.notify import DeliveryFailed
from gridops.org.channels import Channel, NotifyPolicy

DEDUPES = frozenset({"webhook", "sms"})
TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Note:
    """One notification ready to send: its idempotency ``key``, the ticket's ``number``, the
    event ``kind``, a ``subject`` (e-mail) and the ``text``."""

    key: str
    number: str
    kind: str
    subject: str
    text: str


@dataclass(frozen=True)
class Request:
    """An HTTP POST as it will be sent."""

    url: str
    headers: dict[str, str]
    body: bytes


def describe(channel: Channel) -> str:
    """The channel in an error message: no token, no secret."""
    if channel.url_secret:
        return f"{channel.type} (url_secret {channel.url_secret})"
    if channel.url:
        parts = urlsplit(channel.url)
        return f"{channel.type} {parts.scheme}://{parts.netloc}"
    return f"{channel.type} {channel.to}"


def _secret(secrets: Mapping[str, str], name: str, channel: Channel) -> str:
    value = secrets.get(name)
    if not value:
        raise DeliveryFailed(f"{describe(channel)}: GRIDOPS_SECRET_{name} is not set")
    return value


def _json(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


def _with_query(url: str, **params: str) -> str:
    joined = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{url}{'&' if '?' in url else '?'}{joined}"


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉加签: urlencoded base64 HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return quote_plus(base64.b64encode(digest.digest()))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """飞书签名校验: base64 HMAC-SHA256 of nothing keyed by "timestamp\\nsecret"."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def build_request(
    channel: Channel, note: Note, secrets: Mapping[str, str], policy: NotifyPolicy,
    clock: Callable[[], float] = time.time,
) -> Request:  # fmt: skip
    """The POST for an HTTP channel (all but e-mail). Signatures carry the wall ``clock``'s
    time (the services check it against theirs), whatever time the caller simulates."""
    now = clock()
    url = channel.url or (_secret(secrets, channel.url_secret, channel) if channel.url_secret
                          else "")  # fmt: skip
    headers = {"Content-Type": "application/json; charset=utf-8"}
    mention = list(channel.mention)
    if channel.type == "wecom":
        text = {"content": note.text, "mentioned_mobile_list": mention}
        return Request(url, headers, _json({"msgtype": "text", "text": text}))
    if channel.type == "dingtalk":
        ts = int(now * 1000)
        sign = dingtalk_sign(_secret(secrets, channel.secret, channel), ts)
        body = {"msgtype": "text", "text": {"content": note.text},
                "at": {"atMobiles": mention, "isAtAll": False}}  # fmt: skip
        return Request(_with_query(url, timestamp=str(ts), sign=sign), headers, _json(body))
    if channel.type == "feishu":
        ts = int(now)
        sign = feishu_sign(_secret(secrets, channel.secret, channel), ts)
        body = {"timestamp": str(ts), "sign": sign, "msg_type": "text",
                "content": {"text": note.text}}  # fmt: skip
        return Request(url, headers, _json(body))
    headers["Idempotency-Key"] = note.key
    if channel.type == "sms":
        if policy.sms is None:
            raise DeliveryFailed("sms: no gateway in notify.yaml (sms: url, body)")
        fill = {"to": channel.to, "text": note.text, "key": note.key}
        body_text = policy.sms.body
        for name, value in fill.items():
            body_text = body_text.replace("{" + name + "}", json.dumps(value, ensure_ascii=False))
        if policy.sms.secret:
            headers["Authorization"] = f"Bearer {_secret(secrets, policy.sms.secret, channel)}"
        return Request(policy.sms.url, headers, body_text.encode())
    data = _json({"id": note.key, "kind": note.kind, "ticket": note.number, "text": note.text,
                  "lang": channel.lang})  # fmt: skip
    if channel.secret:
        stamp = str(int(now))
        mac = hmac.new(_secret(secrets, channel.secret, channel).encode(),
                       stamp.encode() + b"." + data, hashlib.sha256)  # fmt: skip
        headers["X-Gridops-Timestamp"] = stamp
        headers["X-Gridops-Signature"] = f"sha256={mac.hexdigest()}"
    return Request(url, headers, data)


def post(channel: Channel, req: Request) -> None:
    """Send ``req``; a transport error, a non-2xx status or a robot's error code fails."""
    http = urllib.request.Request(req.url, data=req.body, headers=req.headers, method="POST")
    try:
        with urllib.request.urlopen(http, timeout=TIMEOUT_S) as resp:  # noqa: S310 - http(s) only
            raw = resp.read(65536)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise DeliveryFailed(f"{describe(channel)} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryFailed(f"{describe(channel)}: {reason}") from None
    if channel.type in ("wecom", "dingtalk", "feishu"):
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            raise DeliveryFailed(f"{describe(channel)} answered no JSON") from None
        code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
        if code != 0:
            msg = answer.get("errmsg", answer.get("msg", ""))
            raise DeliveryFailed(f"{describe(channel)} refused: {code} {msg}"[:300])


def send_mail(channel: Channel, note: Note, secrets: Mapping[str, str],
              policy: NotifyPolicy) -> None:  # fmt: skip
    """One e-mail through the SMTP server of notify.yaml."""
    smtp = policy.smtp
    if smtp is None:
        raise DeliveryFailed("email: no SMTP server in notify.yaml (smtp: host, from)")
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = smtp.sender, channel.to, note.subject
    mail["Message-ID"] = f"<{note.key}@gridops>"
    mail.set_content(note.text)
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT_S) as conn:
            if smtp.starttls:
                conn.starttls(context=ssl.create_default_context())
            if smtp.user:
                conn.login(smtp.user, _secret(secrets, smtp.password_secret, channel))
            conn.send_message(mail)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(f"email via {smtp.host}:{smtp.port}: {exc}"[:300]) from None


def send(channel: Channel, note: Note, secrets: Mapping[str, str], policy: NotifyPolicy) -> None:
    """Deliver ``note`` on ``channel`` or raise DeliveryFailed."""
    if channel.type == "email":
        send_mail(channel, note, secrets, policy)
    else:
        post(channel, build_request(channel, note, secrets, policy))
