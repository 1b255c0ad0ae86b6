"""The notify stage: the event log as outbox, per-recipient retries."""

from __future__ import annotations

from datetime import timedelta

from gridops.notify import DeliveryFailed, LogSender, Message
from gridops.services.intake import submit
from gridops.services.notifying import MAX_ATTEMPTS, delivery_counts, notify_batch
from gridops.services.routing import route_batch
from gridops.tickets import Role

from .conftest import NOW, report_at, some_cells


class Flaky:
    """Fails for one recipient, delivers to the rest."""

    name = "flaky"

    def __init__(self, bad: str) -> None:
        self.bad = bad
        self.sent: list[Message] = []

    def send(self, message: Message) -> None:
        if message.recipient == self.bad:
            raise DeliveryFailed("mailbox full")
        self.sent.append(message)


def test_each_dispatch_is_delivered_once(ctx) -> None:
    cells = some_cells(ctx, 5)
    submit(ctx, [report_at(ctx, c) for c in cells], actor="i", role=Role.INSPECTOR, now=NOW)
    route_batch(ctx, 100, now=NOW)
    sender = LogSender()
    notify_batch(ctx, 100, now=NOW, sender=sender)
    notify_batch(ctx, 100, now=NOW, sender=sender)  # again: nothing new
    assert len(sender.sent) == 5
    assert delivery_counts(ctx) == {"sent": 5}


def test_a_failing_recipient_is_retried_alone_then_given_up(ctx) -> None:
    cells = some_cells(ctx, 3)
    made = submit(ctx, [report_at(ctx, c) for c in cells], actor="i", role=Role.INSPECTOR, now=NOW)
    route_batch(ctx, 100, now=NOW)
    first = ctx.store.get(made[0].id)
    bad = first.assignee or first.owner_unit
    sender = Flaky(bad)
    at = NOW
    for _ in range(MAX_ATTEMPTS + 2):
        notify_batch(ctx, 100, now=at, sender=sender)
        at += timedelta(hours=2)
    assert len(sender.sent) == 2
    assert delivery_counts(ctx) == {"sent": 2, "failed": 1}
