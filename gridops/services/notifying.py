"""The notify stage (通知): new events become deliveries to their recipients, then are sent.

The event log is the outbox: a cursor (``svc_cursors``) records how far it has been read, and
the deliveries of a batch of events are written with the cursor in one transaction (a unique
index makes a repeat harmless). Sending is per recipient: a failure is retried with backoff
for that recipient only, and given up after ``MAX_ATTEMPTS``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from gridops.notify import DeliveryFailed, LogSender, Message, Sender
from gridops.services.context import ServiceContext, current
from gridops.store import service_tables as store_tables
from gridops.store.service_tables import (
    collect_deliveries,
    cursor_position,
    due_deliveries,
    events_after,
    record_sends,
)

CURSOR = "notify"
MAX_ATTEMPTS = 5
BACKOFF_S = 30.0
KINDS = ("dispatch", "reassign", "escalate", "supervise", "return", "check_fail", "verify")

SENDER: Sender = LogSender()


def process_batch(limit: int) -> int:
    """The stage function."""
    return notify_batch(current(), limit, now=datetime.now(UTC), sender=SENDER)


def notify_batch(ctx: ServiceContext, limit: int, *, now: datetime, sender: Sender) -> int:
    """Turn up to ``limit`` new events into deliveries and send up to ``limit`` due ones;
    returns the larger of the two counts (a full batch re-kicks the stage)."""
    return max(collect(ctx, limit, now=now), send_due(ctx, limit, now=now, sender=sender))


def recipients(kind: str, ticket: dict, payload: dict) -> list[str]:
    """Who hears of an event: the assignee (else the owning unit) of a dispatch; the group
    of an escalation; the sub-centre's supervisor of a 督办 flag; the grid-worker post of a
    verification; the follow-up unit's dispatcher of a return."""
    changes = payload.get("changes", {})
    owner = changes.get("owner_unit", ticket["owner_unit"])
    assignee = changes.get("assignee", ticket["assignee"])
    l1 = ticket["cell_1"]
    if kind in ("dispatch", "reassign", "check_fail"):
        return [assignee or owner]
    if kind == "escalate":
        return [owner]
    if kind == "supervise":
        return [f"supervisor@sc-{l1}", owner] if owner else [f"supervisor@sc-{l1}"]
    if kind == "verify":
        return [f"gw-{ticket['cell_3']}"] if ticket["cell_3"] else [f"sc-{l1}"]
    if kind == "return":
        return [f"dispatcher@sc-{l1}"]
    return []


def collect(ctx: ServiceContext, limit: int, *, now: datetime) -> int:
    """Read events past the cursor, then write their deliveries and the new cursor together.

    The reading and the recipients are worked out outside the write transaction (SQLite has
    one writer, which routing needs); the write first checks that the cursor has not moved
    meanwhile, and nothing to collect takes no write transaction at all.
    """
    pos = cursor_position(ctx.store, CURSOR)
    rows = events_after(ctx.store, pos or 0, limit)
    if not rows:
        return 0
    new = []
    for r in rows:
        if r.type not in KINDS:
            continue
        ticket = {"owner_unit": r.owner_unit, "assignee": r.assignee, "cell_1": r.cell_1,
                  "cell_3": r.cell_3}  # fmt: skip
        for who in recipients(r.type, ticket, json.loads(r.payload)):
            new.append(delivery(r.ticket_id, r.seq, r.type, who, f"{r.number} {r.type}", now))
    if not collect_deliveries(ctx.store, cursor=CURSOR, seen=pos, position=rows[-1].id, rows=new):
        return 0  # another collector moved the cursor meanwhile; its deliveries stand
    return len(rows)


def delivery(ticket_id: str, seq: int, kind: str, recipient: str, text: str, now: datetime) -> dict:
    """A pending delivery row."""
    return {"ticket_id": ticket_id, "event_seq": seq, "kind": kind, "recipient": recipient,
            "message": text, "status": "pending", "attempts": 0, "next_at": now,
            "last_error": "", "created_at": now}  # fmt: skip


def send_due(ctx: ServiceContext, limit: int, *, now: datetime, sender: Sender) -> int:
    """Send pending deliveries whose time has come; record each outcome."""
    due = due_deliveries(ctx.store, now=now, limit=limit)
    outcomes = []
    for row in due:
        number, _, kind = row.message.partition(" ")
        try:
            sender.send(Message(row.recipient, number, row.kind, row.message))
            outcomes.append({"b_id": row.id, "status": "sent", "attempts": row.attempts + 1,
                             "next_at": now, "last_error": ""})  # fmt: skip
        except DeliveryFailed as exc:
            tries = row.attempts + 1
            outcomes.append({
                "b_id": row.id, "status": "failed" if tries >= MAX_ATTEMPTS else "pending",
                "attempts": tries, "next_at": now + timedelta(seconds=BACKOFF_S * 2 ** (tries - 1)),
                "last_error": str(exc)[:500]})  # fmt: skip
    record_sends(ctx.store, outcomes)
    return len(due)


def delivery_counts(ctx: ServiceContext) -> dict[str, int]:
    """Deliveries by status (pending, sent, failed)."""
    return store_tables.delivery_counts(ctx.store)
