"""The notification outbox's claims (发件箱): a due delivery is marked ``sending`` with a lease
in a committed write before it is sent, and its outcome written after; a lease that ran out
marks a send that a dead worker left in doubt."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update

from gridops.store.engine import write
from gridops.store.repository import Store
from gridops.store.service_tables import deliveries


def claim_due(store: Store, *, now: datetime, limit: int, lease: timedelta) -> list[Any]:
    """Claim up to ``limit`` pending deliveries whose time has come, oldest first: each becomes
    ``sending`` until ``now + lease`` with one more attempt counted, in one write transaction
    (PostgreSQL: rows another worker holds are skipped). The claimed rows, as they now are."""
    d = deliveries.c
    due = (
        select(d.id)
        .where(d.status == "pending", d.next_at <= now)
        .order_by(d.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    with store.engine.connect() as conn:  # nothing due takes no write transaction
        if conn.execute(select(d.id).where(d.status == "pending", d.next_at <= now).limit(1)
                        ).first() is None:  # fmt: skip
            return []
    with write(store.engine) as conn:
        ids = [r.id for r in conn.execute(due)]
        if not ids:
            return []
        conn.execute(
            update(deliveries)
            .where(d.id.in_(ids), d.status == "pending")
            .values(status="sending", claimed_until=now + lease, attempts=d.attempts + 1)
        )
        return list(conn.execute(select(deliveries).where(d.id.in_(ids)).order_by(d.id)))


def release_expired(
    store: Store, *, now: datetime, resend: Callable[[str], bool]
) -> dict[str, int]:
    """Rows still ``sending`` past their lease (their worker died mid-send): those whose
    channel ``resend`` says may be sent again (the receiver drops a repeat of the key) go back
    to ``pending``; the others become ``unknown`` and are never sent again. Counts of each."""
    d = deliveries.c
    stale = select(d.id, d.channel).where(d.status == "sending", d.claimed_until < now)
    counts = {"pending": 0, "unknown": 0}
    if not has_stale_claims(store, now=now):  # the rule: no write transaction at all
        return counts
    with write(store.engine) as conn:
        rows = list(conn.execute(stale))
        for row in rows:
            status = "pending" if resend(row.channel) else "unknown"
            counts[status] += 1
            conn.execute(
                update(deliveries)
                .where(d.id == row.id, d.status == "sending")
                .values(
                    status=status,
                    next_at=now,
                    claimed_until=None,
                    last_error="the sending worker stopped mid-send",
                )  # fmt: skip
            )
    return counts


def record_outcomes(store: Store, outcomes: list[dict[str, Any]]) -> None:
    """Write send outcomes of claimed rows: each ``b_id``, ``status``, ``next_at`` and
    ``last_error`` (the lease is cleared)."""
    if not outcomes:
        return
    d = deliveries.c
    stmt = (
        update(deliveries)
        .where(d.id == bindparam("b_id"), d.status == "sending")
        .values(status=bindparam("status"), next_at=bindparam("next_at"),
                last_error=bindparam("last_error"), claimed_until=None)
    )  # fmt: skip
    with write(store.engine) as conn:
        conn.execute(stmt, outcomes)


def has_stale_claims(store: Store, *, now: datetime) -> bool:
    """Whether a ``sending`` row's lease has run out (the sweeper re-kicks notify for it)."""
    d = deliveries.c
    q = select(d.id).where(d.status == "sending", d.claimed_until < now).limit(1)
    with store.engine.connect() as conn:
        return conn.execute(q).first() is not None


def troubled(store: Store, *, limit: int) -> list[Any]:
    """The latest deliveries that did not arrive or may not have (``failed``, ``unknown``) and
    those held or backing off (``pending`` with attempts), newest first."""
    d = deliveries.c
    q = (
        select(d.id, d.ticket_id, d.kind, d.recipient, d.status, d.attempts, d.next_at,
               d.last_error, d.channel)
        .where((d.status.in_(("failed", "unknown"))) | ((d.status == "pending") & (d.attempts > 0)))
        .order_by(d.id.desc())
        .limit(limit)
    )  # fmt: skip
    with store.engine.connect() as conn:
        return list(conn.execute(q))
