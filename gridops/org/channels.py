"""Where a person or a unit is reached (通知渠道), and the deployment's notification policy.

A channel is data read from roster.yaml (a person's ``channels``) or org.yaml (a unit's
``channels``): its type — ``wecom`` 企业微信群机器人, ``dingtalk`` 钉钉机器人,
``feishu`` 飞书机器人, ``email`` 邮件, ``sms`` 短信网关, ``webhook`` — and its address.
Secrets are never written in the YAML: a channel names them (``url_secret: LAW_ROBOT``) and
the value comes from the environment (``GRIDOPS_SECRET_LAW_ROBOT``, through the settings).
notify.yaml holds what is the same for the whole deployment: quiet hours (免打扰), the SMTP
server and the SMS gateway. Pure: validation only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from urllib.parse import urlsplit

from gridops.yamlconfig import Node, read_yaml

CHANNEL_TYPES = ("wecom", "dingtalk", "feishu", "email", "sms", "webhook")
ROBOTS = ("wecom", "dingtalk", "feishu")
#: Event kinds a notification may be about; quiet hours hold all but the ``urgent`` ones.
NOTICE_KINDS = ("dispatch", "reassign", "check_fail", "return", "supervise", "overdue",
                "escalate", "verify", "unverifiable", "escalation-notify")  # fmt: skip
SECRET_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,60}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9]{6,15}$")
LANGS = ("zh", "en")


@dataclass(frozen=True)
class Channel:
    """One way to reach someone. ``url`` or ``url_secret`` (the name of a secret holding a
    robot's whole webhook URL, which carries its token); ``secret``: the name of the signing
    secret (DingTalk 加签, Feishu 签名校验, a webhook's HMAC); ``to``: an e-mail address or a
    phone number; ``mention``: phone numbers a robot @-mentions."""

    type: str
    url: str = ""
    url_secret: str = ""
    secret: str = ""
    to: str = ""
    mention: tuple[str, ...] = ()
    lang: str = "zh"

    def secrets(self) -> tuple[str, ...]:
        """The names of the secrets this channel needs."""
        return tuple(s for s in (self.url_secret, self.secret) if s)

    def as_dict(self) -> dict[str, object]:
        """The channel as stored with a delivery (names of secrets, never their values)."""
        return {k: v for k, v in self.__dict__.items() if v not in ("", ())}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Channel:
        return cls(**{**data, "mention": tuple(data.get("mention", ()))})  # type: ignore[arg-type]


def check_url(node: Node, key: str) -> str:
    """An http(s) URL with a host, or a ConfigError naming the key and the value."""
    url = node.text(key)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise node.error(f"bad URL {url!r}: give http(s)://host/path", key)
    return url


def _secret_name(node: Node, key: str) -> str:
    name = node.text(key)
    if not SECRET_NAME.match(name):
        raise node.error(f"{name!r} is not a secret's name: give NAME (capitals, digits, _), "
                         f"its value in the environment as GRIDOPS_SECRET_NAME", key)  # fmt: skip
    return name


def parse_channel(node: Node) -> Channel:
    """One channel of a person or a unit."""
    keys = {"type", "url", "url_secret", "secret", "to", "mention", "lang"}
    node.mapping(keys, {"type"})
    kind = node.choice("type", CHANNEL_TYPES)
    lang = node.choice("lang", LANGS, "zh")
    mention = node.texts("mention")
    for phone in mention:
        if not PHONE.match(phone):
            raise node.error(f"bad phone number {phone!r} to @-mention", "mention")
    if kind in ("email", "sms"):
        node.mapping({"type", "to", "lang"}, {"type", "to"})
        to = node.text("to")
        if kind == "email" and not EMAIL.match(to):
            raise node.error(f"bad e-mail address {to!r}", "to")
        if kind == "sms" and not PHONE.match(to):
            raise node.error(f"bad phone number {to!r}: digits, optionally +country", "to")
        return Channel(kind, to=to, lang=lang)
    if node.has("url") == node.has("url_secret"):
        raise node.error(f"a {kind} channel needs url or url_secret (one of them)")
    url = check_url(node, "url") if node.has("url") else ""
    url_secret = _secret_name(node, "url_secret") if node.has("url_secret") else ""
    if kind in ("dingtalk", "feishu") and not node.has("secret"):
        raise node.error(f"missing required key 'secret': a {kind} robot is signed (加签); name "
                         "the secret holding its signing key", "secret")  # fmt: skip
    secret = _secret_name(node, "secret") if node.has("secret") else ""
    if kind == "wecom" and secret:
        raise node.error("a WeCom group robot is not signed; remove secret", "secret")
    return Channel(kind, url=url, url_secret=url_secret, secret=secret, mention=mention,
                   lang=lang)  # fmt: skip


def parse_channels(node: Node) -> tuple[Channel, ...]:
    """A list of channels (or nothing)."""
    return () if node.value is None else tuple(parse_channel(n) for n in node.seq())


@dataclass(frozen=True)
class Smtp:
    """The SMTP server e-mail goes through (stdlib smtplib)."""

    host: str
    port: int = 25
    sender: str = "gridops@localhost"
    user: str = ""
    password_secret: str = ""
    starttls: bool = False


@dataclass(frozen=True)
class SmsGateway:
    """A generic SMS gateway: a POST of ``body`` to ``url`` with {to} {text} {key} filled in
    (JSON-escaped), ``secret`` sent as a Bearer token."""

    url: str
    body: str = '{"to": {to}, "text": {text}, "id": {key}}'
    secret: str = ""


@dataclass(frozen=True)
class NotifyPolicy:
    """notify.yaml: quiet hours and the gateways. Quiet hours hold a message for someone who
    is not on shift until they end; ``urgent`` kinds are never held."""

    quiet_start: time | None = None
    quiet_end: time | None = None
    urgent: tuple[str, ...] = ("supervise", "overdue")
    smtp: Smtp | None = None
    sms: SmsGateway | None = None

    def secrets(self) -> tuple[str, ...]:
        found = [self.smtp.password_secret if self.smtp else "",
                 self.sms.secret if self.sms else ""]  # fmt: skip
        return tuple(s for s in found if s)


def _clock(node: Node, key: str) -> time:
    text = node.text(key)
    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", text)
    if not m:
        raise node.error(f"expected a time HH:MM, got {text!r}", key)
    return time(int(m[1]), int(m[2]))


def load_policy(path: Path) -> NotifyPolicy:
    """Read notify.yaml; no file means no quiet hours and no gateways."""
    if not path.is_file():
        return NotifyPolicy()
    return policy_from_dict(read_yaml(path), source=str(path))


def policy_from_dict(raw: object, *, source: str = "notify.yaml") -> NotifyPolicy:
    top = Node(raw or {}, source).mapping({"quiet_hours", "smtp", "sms"})
    start = end = None
    urgent: tuple[str, ...] = NotifyPolicy.urgent
    if top.has("quiet_hours"):
        q = top.child("quiet_hours").mapping({"start", "end", "urgent"}, {"start", "end"})
        start, end = _clock(q, "start"), _clock(q, "end")
        if start == end:
            raise q.error("start and end are the same time; remove quiet_hours instead", "end")
        if q.has("urgent"):
            urgent = q.texts("urgent")
            for kind in urgent:
                if kind not in NOTICE_KINDS:
                    raise q.error(f"unknown kind {kind!r}; one of: {', '.join(NOTICE_KINDS)}",
                                  "urgent")  # fmt: skip
    smtp = sms = None
    if top.has("smtp"):
        s = top.child("smtp").mapping({"host", "port", "from", "user", "password_secret",
                                       "starttls"}, {"host", "from"})  # fmt: skip
        port = int(s.number("port", 25))
        if not 0 < port < 65536:
            raise s.error(f"bad port {port}", "port")
        sender = s.text("from")
        if not EMAIL.match(sender):
            raise s.error(f"bad e-mail address {sender!r}", "from")
        pw = _secret_name(s, "password_secret") if s.has("password_secret") else ""
        if s.has("user") != bool(pw):
            raise s.error("user and password_secret go together", "password_secret")
        smtp = Smtp(s.text("host"), port, sender, s.text("user", ""), pw, s.flag("starttls", False))
    if top.has("sms"):
        g = top.child("sms").mapping({"url", "body", "secret"}, {"url"})
        body = g.text("body", SmsGateway.body)
        for need in ("{to}", "{text}"):
            if need not in body:
                raise g.error(f"the body template lacks {need}", "body")
        secret = _secret_name(g, "secret") if g.has("secret") else ""
        sms = SmsGateway(check_url(g, "url"), body, secret)
    return NotifyPolicy(start, end, urgent, smtp, sms)
