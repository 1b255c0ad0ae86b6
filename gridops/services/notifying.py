"""The notify stage (通知): new events become deliveries to their recipients, then are sent.

The event log is the outbox: a cursor (``svc_cursors``) records how far it has been read, and
the deliveries of a batch of events are written with the cursor in one transaction (a unique
index makes a repeat harmless). Once any person or unit names a channel, a recipient becomes one
delivery per channel that reaches it (:mod:`gridops.org.reaching`: the assignee, else the unit
on shift and its own channels, else its shift lead; quiet hours set when it may go), with the
text in the channel's language; nobody to reach is a ``failed`` row saying so. Sending is per
delivery (:mod:`gridops.services.outbox`): a failure is retried with backoff for that delivery
only, and a worker that dies mid-send never makes a message arrive twice.

Late commits: on PostgreSQL event ids are taken when events are inserted, not when they
commit, so a routing batch holding ids 1000–1199 may commit after an API action's id 1200 was
read. The ids a run passes without seeing are kept as gaps (``svc_cursor_gaps``, written with
the cursor); every run also reads the events of the open gaps, and one found fills its gap
(its deliveries are collected then). A gap older than ``GAP_LIFE`` — far beyond any
transaction's life here — belonged to a rollback and is dropped; at most ``MAX_GAPS`` are kept
(the oldest go first, with a warning). On SQLite ids commit in order, so gaps are only ids of
rolled-back inserts below a committed one: rare, and the same code.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from gridops.notify import LogSender, Sender
from gridops.notify.words import WORDS
from gridops.org.reaching import addresses, held_until
from gridops.services import outbox
from gridops.services.context import ServiceContext, current
from gridops.services.outbox import BACKOFF_S, MAX_ATTEMPTS  # noqa: F401 - their home was here
from gridops.store import service_tables as store_tables
from gridops.store.service_tables import (
    CursorRead,
    collect_deliveries,
    read_cursor,
)

log = logging.getLogger(__name__)

CURSOR = "notify"
GAP_LIFE = timedelta(minutes=10)  # a gap this old was a rollback, not a late commit
MAX_GAPS = 5_000
KINDS = (
    "dispatch",
    "reassign",
    "escalate",
    "supervise",
    "return",
    "check_fail",
    "verify",
    "unverifiable",
)

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
    of an escalation; the sub-centre's supervisor and the owning unit of a 督办 flag (the
    verifying post, for an overdue verification); the verifying post (else the cell's
    grid-worker post) of a verification task; the sub-centre's dispatcher of a return and of
    a report that could not be verified (无法核实)."""
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
        if owner:
            return [owner]
        return [f"gw-{ticket['cell_3']}"] if ticket["cell_3"] else [f"sc-{l1}"]
    if kind in ("return", "unverifiable"):
        return [f"dispatcher@sc-{l1}"]
    return []


def collect(ctx: ServiceContext, limit: int, *, now: datetime) -> int:
    """Read events past the cursor and in its gaps, then write their deliveries, the new
    cursor and the gaps opened and closed together; how many events were collected.

    The reading and the recipients are worked out outside the write transaction (SQLite has
    one writer, which routing needs); the write first checks that the cursor has not moved
    meanwhile, and nothing to collect (no new event, none of a gap, no gap to drop) takes no
    write transaction at all.
    """
    read = read_cursor(ctx.store, CURSOR, limit)
    found = read.filled + read.events
    opened, closed = gap_changes(read, now)
    if not found and not closed:
        return 0
    new = [d for r in found for d in deliveries_of(ctx, r, now)]
    position = read.events[-1].id if read.events else (read.position or 0)
    if not collect_deliveries(ctx.store, cursor=CURSOR, seen=read.position, position=position,
                              rows=new, opened=opened, closed=closed):  # fmt: skip
        return 0  # another collector moved the cursor meanwhile; its deliveries stand
    return len(found)


def gap_changes(read: CursorRead, now: datetime) -> tuple[dict[int, datetime], set[int]]:
    """The gaps a run opens (the ids its events passed unseen, at ``now``) and closes (those
    filled, those older than ``GAP_LIFE``, and the oldest beyond ``MAX_GAPS``)."""
    unseen, holes = passed(read.position, [r.id for r in read.events])
    kept = {i: at for i, at in read.gaps.items() if at > now - GAP_LIFE}
    kept.update(dict.fromkeys(unseen, now))
    for r in read.filled:
        kept.pop(r.id, None)
    if len(kept) > MAX_GAPS or len(unseen) < holes:
        oldest = sorted(kept, key=lambda i: (kept[i], i))[: max(0, len(kept) - MAX_GAPS)]
        log.warning("notify: more than %d event ids passed unseen are open; forgetting the "
                    "%d oldest - their events, should they still commit, get no deliveries",
                    MAX_GAPS, len(oldest) + holes - len(unseen))  # fmt: skip
        for i in oldest:
            del kept[i]
    return {i: now for i in unseen if i in kept}, set(read.gaps) - set(kept)


def passed(position: int | None, ids: list[int]) -> tuple[list[int], int]:
    """The ids between ``position`` (never moved: the first of ``ids``) and the last of
    ``ids`` (ascending) that are not among them, highest first, at most ``MAX_GAPS`` of
    them; and how many there are in all."""
    if not ids:
        return [], 0
    low = ids[0] - 1 if position is None else position
    unseen: list[int] = []
    top = ids[-1]
    for below in [*reversed(ids[:-1]), low]:
        unseen.extend(range(top - 1, below, -1)[: MAX_GAPS - len(unseen)])
        top = below
    return unseen, ids[-1] - low - len(ids)


def deliveries_of(ctx: ServiceContext, r: Any, now: datetime) -> list[dict]:
    """The deliveries of event row ``r`` (none for a kind nobody hears of): one per channel
    of each recipient (:func:`gridops.org.reaching.addresses`) once any channel is configured,
    else one per recipient for the process's sender (the log)."""
    if r.type not in KINDS:
        return []
    ticket = {"owner_unit": r.owner_unit, "assignee": r.assignee, "cell_1": r.cell_1,
              "cell_3": r.cell_3}  # fmt: skip
    payload = json.loads(r.payload)
    who = recipients(r.type, ticket, payload)
    if not channels_in_use(ctx):
        return [delivery(r.ticket_id, r.seq, r.type, w, f"{r.number} {r.type}", now) for w in who]
    reason = payload.get("fields", {}).get("reason") or ""
    kind = "overdue" if r.type == "supervise" and reason == "overdue" else r.type
    facts = {"number": r.number, "category": r.category, "due_at": r.due_at,
             "reason": reason or payload.get("changes", {}).get("last_reason") or ""}  # fmt: skip
    rows = [row for w in who for row in channel_deliveries(ctx, r.ticket_id, r.seq, r.type,
                                                           kind, w, facts, now)]  # fmt: skip
    return once_per_channel(rows)


def once_per_channel(rows: list[dict]) -> list[dict]:
    """One event's rows with each channel once (a group robot that two recipients share — a
    unit's and its sub-centre's — hears of the event once)."""
    seen: set[str] = set()
    kept = []
    for row in rows:
        if row["channel"] and row["channel"] in seen:
            continue
        seen.add(row["channel"])
        kept.append(row)
    return kept


def channels_in_use(ctx: ServiceContext) -> bool:
    """Whether any person (roster.yaml) or unit (org.yaml) names a channel."""
    return bool(ctx.ops.org.channels) or any(s.channels for s in ctx.roster.named)


def render(ctx: ServiceContext, kind: str, facts: dict[str, Any], lang: str,
           escalated: bool) -> str:  # fmt: skip
    """The text of a notification in ``lang`` (the catalogue's notify.* words)."""
    i = 0 if lang == "zh" else 1
    category = ctx.ops.taxonomy.categories.get(facts["category"])
    name = facts["category"]
    if category is not None:
        name = category.zh if i == 0 else category.en or category.zh
    due = facts["due_at"]
    if due is not None:
        local = due.astimezone(ZoneInfo(ctx.roster.timezone))
        when = WORDS["notify.due"][i].format(due=f"{local:%Y-%m-%d %H:%M}")
    else:
        when = WORDS["notify.no_due"][i]
    text = WORDS[f"notify.{kind}"][i].format(number=facts["number"], category=name, due=when,
                                             reason=facts["reason"] or "-")  # fmt: skip
    return text + (WORDS["notify.to_lead"][i] if escalated else "")


def channel_deliveries(
    ctx: ServiceContext, ticket_id: str, seq: int, event: str, kind: str, target: str,
    facts: dict[str, Any], now: datetime,
) -> list[dict]:  # fmt: skip
    """One delivery per channel that reaches ``target`` (quiet hours set ``next_at``); when
    nothing reaches it, one ``failed`` row that says so (never a silent drop)."""
    found = addresses(target, ctx.roster, ctx.ops.org, now, ctx.calendar.is_working_day)
    if not found:
        row = delivery(ticket_id, seq, event, target, f"{facts['number']} {kind}", now)
        return [row | {"status": "failed", "last_error": f"nobody to reach for {target}: no "
                       "channel of its own, of anyone on shift or of a shift lead"}]  # fmt: skip
    rows = []
    for n, a in enumerate(found):
        text = render(ctx, kind, facts, a.channel.lang, a.escalated)
        row = delivery(ticket_id, seq, event, f"{target}>{a.who}/{n}"[:120],
                       f"{facts['number']} {text}", now)  # fmt: skip
        at = held_until(ctx.notify, kind, a, now, ctx.roster.timezone)
        rows.append(row | {"channel": json.dumps(a.channel.as_dict()), "next_at": at})
    return rows


def delivery(ticket_id: str, seq: int, kind: str, recipient: str, text: str, now: datetime) -> dict:
    """A pending delivery row."""
    return {"ticket_id": ticket_id, "event_seq": seq, "kind": kind, "recipient": recipient,
            "message": text, "status": "pending", "attempts": 0, "next_at": now,
            "last_error": "", "created_at": now, "channel": ""}  # fmt: skip


def send_due(ctx: ServiceContext, limit: int, *, now: datetime, sender: Sender) -> int:
    """Send pending deliveries whose time has come (:mod:`gridops.services.outbox`)."""
    return outbox.send_due(ctx, limit, now=now, sender=sender, policy=ctx.notify)


def delivery_counts(ctx: ServiceContext) -> dict[str, int]:
    """Deliveries by status (pending, sent, failed)."""
    return store_tables.delivery_counts(ctx.store)
