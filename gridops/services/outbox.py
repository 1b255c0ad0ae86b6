"""Sending the outbox (发送): every due delivery is sent once, retried with backoff after a
failure, and never sent twice because a worker died mid-send.

Mark before send: a worker claims due rows (``sending``, a lease of ``LEASE``, one more attempt)
in a committed write, sends each, and writes each outcome as soon as it is known — ``sent``, or
``pending`` again after ``BACKOFF_S · 2^(attempts-1)``, or ``failed`` after ``MAX_ATTEMPTS``.
A worker killed between its claim and the outcome leaves the row ``sending``; once the lease has
run out nobody can tell whether the message left. Then:

- webhook and SMS gateway rows go back to ``pending`` and are sent again with the same
  idempotency key (header ``Idempotency-Key``, the body's ``id``): the receiver drops the repeat,
  so the message arrives, once — at-least-once sending, exactly-once receiving;
- robot (WeCom, DingTalk, Feishu) and e-mail rows become ``unknown`` and are never sent again:
  those services cannot drop a repeat, so a message in doubt is at most once (a group never sees
  it twice; it may, rarely, never see it — counted under ``unknown`` and logged).

Rows with no channel (no channels configured) go to the process's own sender, the log.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta
from typing import Any

from gridops.notify import DeliveryFailed, Message, Sender
from gridops.notify.senders import DEDUPES, Note, send
from gridops.notify.words import WORDS
from gridops.org.channels import Channel, NotifyPolicy
from gridops.services.context import ServiceContext
from gridops.store.outbox import claim_due, record_outcomes, release_expired

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)  # far beyond a send's timeout (10 s) and a few retries of SMTP
MAX_ATTEMPTS = 5
BACKOFF_S = 30.0


def idempotency_key(ticket_id: str, seq: int, kind: str, recipient: str) -> str:
    """The delivery's key, the same however often its row is collected or sent."""
    raw = f"{ticket_id}|{seq}|{kind}|{recipient}".encode()
    return "gridops-" + hashlib.sha256(raw).hexdigest()[:32]


def may_resend(channel_json: str) -> bool:
    """Whether a send left in doubt may go again: the receiver drops a repeated key (webhook,
    SMS gateway) or it is the process's own log."""
    if not channel_json:
        return True
    return json.loads(channel_json).get("type") in DEDUPES


def send_due(ctx: ServiceContext, limit: int, *, now: datetime, sender: Sender,
             policy: NotifyPolicy | None = None) -> int:  # fmt: skip
    """Release leases that ran out, then claim and send up to ``limit`` due deliveries; how
    many were claimed."""
    released = release_expired(ctx.store, now=now, resend=may_resend)
    if released["unknown"]:
        log.warning("notify: %d robot/e-mail message(s) were being sent by a worker that "
                    "stopped; not sent again (status unknown)", released["unknown"])  # fmt: skip
    claimed = claim_due(ctx.store, now=now, limit=limit, lease=LEASE)
    plain: list[dict[str, Any]] = []
    for row in claimed:
        outcome = _send_one(ctx, row, now, sender, policy or NotifyPolicy())
        if row.channel:
            record_outcomes(ctx.store, [outcome])  # at once: a later kill cannot undo it
        else:
            plain.append(outcome)
    record_outcomes(ctx.store, plain)
    return len(claimed)


def _send_one(ctx: ServiceContext, row: Any, now: datetime, sender: Sender,
              policy: NotifyPolicy) -> dict[str, Any]:  # fmt: skip
    number, _, text = row.message.partition(" ")
    try:
        if not row.channel:
            sender.send(Message(row.recipient, number, row.kind, row.message))
        else:
            channel = Channel.from_dict(json.loads(row.channel))
            lang = 0 if channel.lang == "zh" else 1
            key = idempotency_key(row.ticket_id, row.event_seq, row.kind, row.recipient)
            subject = WORDS["notify.subject"][lang].format(number=number)
            send(channel, Note(key, number, row.kind, subject, text), ctx.settings.secrets, policy)
        return {"b_id": row.id, "status": "sent", "next_at": now, "last_error": ""}
    except DeliveryFailed as exc:
        tries = row.attempts
        return {"b_id": row.id, "status": "failed" if tries >= MAX_ATTEMPTS else "pending",
                "next_at": now + timedelta(seconds=BACKOFF_S * 2 ** (tries - 1)),
                "last_error": str(exc)[:500]}  # fmt: skip
