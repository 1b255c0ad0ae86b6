"""Notification senders (通知): the log sender when no channel is configured; the channels'
senders (WeCom, DingTalk, Feishu, e-mail, SMS gateway, webhook) in :mod:`gridops.notify.senders`.

A sender delivers one message and raises :class:`DeliveryFailed` when it cannot; the notify
stage (gridops.services.notifying, gridops.services.outbox) records each delivery and retries
only the failed ones (as FixMyStreet does).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("gridops.notify")


class DeliveryFailed(Exception):
    """The message did not reach the recipient; try again later."""


@dataclass(frozen=True)
class Message:
    """What a recipient is told about a ticket."""

    recipient: str  # a unit id, a staff id, or "<role>@<unit>"
    ticket_number: str
    kind: str  # the event type (dispatch, escalate, …) or "escalation-notify"
    text: str


class Sender(Protocol):
    name: str

    def send(self, message: Message) -> None: ...


class LogSender:
    """Writes each message to the ``gridops.notify`` log (the default; nothing leaves)."""

    name = "log"

    def __init__(self) -> None:
        self.sent: list[Message] = []  # the last messages, for the demo display

    def send(self, message: Message) -> None:
        log.info("notify %s: %s %s", message.recipient, message.ticket_number, message.text)
        self.sent.append(message)
        del self.sent[:-100]


class WebhookSender:
    """POSTs each message as JSON to ``url``; any HTTP error or timeout is a failed delivery."""

    name = "webhook"

    def __init__(self, url: str, *, timeout_s: float = 5.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"webhook url must be http(s)://…, got {url!r}")
        self.url = url
        self.timeout_s = timeout_s

    def send(self, message: Message) -> None:
        body = json.dumps(message.__dict__, ensure_ascii=False).encode()
        req = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:  # noqa: S310
                if resp.status >= 300:
                    raise DeliveryFailed(f"{self.url} answered {resp.status}")
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise DeliveryFailed(f"{self.url}: {exc}") from exc


__all__ = ["DeliveryFailed", "LogSender", "Message", "Sender", "WebhookSender"]
