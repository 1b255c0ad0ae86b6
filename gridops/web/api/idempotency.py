"""Idempotency keys on the JSON API's field moves (accept, return, done, verify, check): a client
that may send a request twice — a phone's queue replayed after a lost answer — names it with an
``Idempotency-Key`` header. The move is applied at most once per (user, key), through the field
app's own table (:mod:`gridops.store.field_moves`), and the same key again gets the first answer
replayed (header ``Idempotent-Replayed: true``). The answer is recorded in the move's own
transaction: if the move committed, so did its answer. A request that fails releases its key.
Without the header a route behaves as it always did."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Header
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import Connection

from gridops.errors import UserError
from gridops.services import field_moves as moves
from gridops.store.batch_write import Within
from gridops.store.field_moves import record
from gridops.tickets import Ticket
from gridops.web.permissions import Principal
from gridops.web.state import WebState

KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",  # its shape is checked in once(): a 400 naming it and the fix
        description="8–64 letters, digits, - or _ made by the client for this one move: sent "
        "again, the move is not applied twice and the first answer is replayed",
    ),
]


def once(
    state: WebState,
    me: Principal,
    key: str | None,
    *,
    ticket: str,
    action: str,
    move: Callable[[Within | None], Ticket],
    out: Callable[[Ticket], dict[str, Any]],
) -> Any:
    """``out(move(within))`` applied at most once under ``key``; ``move`` must pass ``within``
    to the write so that the answer commits with the move."""
    if key is None:
        return out(move(None))
    if not KEY.match(key):
        raise UserError(
            f"Idempotency-Key {key[:70]!r} is not 8–64 letters, digits, - or _; make one per "
            "move, e.g. a UUID without braces"
        )
    ctx, user = state.ctx, me.user_id
    earlier = moves.claim(ctx, user, key, ticket=ticket, action=action, now=state.now())
    if earlier is not None:
        if (earlier.ticket, earlier.action) != (ticket, action):
            return JSONResponse({"detail": (
                f"Idempotency-Key {key!r} was used for {earlier.action} on {earlier.ticket}; "
                f"make a new key for {action} on {ticket}")}, status_code=409)  # fmt: skip
        if earlier.answer is None:
            return JSONResponse(
                {"detail": f"the move under Idempotency-Key {key!r} is being applied; try again"},
                status_code=409, headers={"Retry-After": "2"},
            )  # fmt: skip
        return JSONResponse(earlier.answer, headers={"Idempotent-Replayed": "true"})
    answered: list[dict[str, Any]] = []

    def within(conn: Connection, written: list[Ticket]) -> None:
        answered.append(jsonable_encoder(out(written[0])))
        record(conn, user, key, answer=answered[0])

    try:
        moved = move(within)
    except BaseException:
        moves.release(ctx, user, key)  # only a claim still applying: a recorded one stays
        raise
    if not answered:  # the move wrote nothing to record within: recorded after it
        answered.append(jsonable_encoder(out(moved)))
        moves.finish(ctx, user, key, answer=answered[0], presence=None, photos_before=(),
                     photos_after=())  # fmt: skip
    return answered[0]
