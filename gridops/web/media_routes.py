"""``GET /media/{name}``: a stored photo (by content hash), to those who may read a ticket it
belongs to (``ticket_media``), or who have it to check (核查) or verify (核实) now — an
inspector judges the work by its photos. A photo of a ticket the user may not read gets the
same answer as no photo at all."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from gridops.store.errors import UnknownTicket
from gridops.store.media_refs import tickets_of
from gridops.tickets.model import Status
from gridops.web.answers import SIGNED_IN, answers
from gridops.web.api.common import view_of
from gridops.web.media import media_dir
from gridops.web.permissions import (
    Action,
    PermissionDenied,
    Principal,
    authorize,
    may_take,
    sees_every_ticket,
)
from gridops.web.state import Me, State, WebState

router = APIRouter(tags=["media"], responses=SIGNED_IN | answers(404))
_NAME = re.compile(r"^[0-9a-f]{64}\.(jpg|png)$")


def _readable(state: WebState, me: Principal, name: str) -> bool:
    """Whether ``me`` may read one of the tickets photo ``name`` belongs to."""
    for ticket_id in tickets_of(state.ctx.store.engine, name):
        try:
            ticket = state.ctx.store.get(ticket_id)
        except UnknownTicket:
            continue
        view = view_of(state, ticket)
        if authorize(me, Action.READ_TICKET, view).allowed:
            return True
        task = _TASKS.get(ticket.status)
        if task is not None and authorize(me, task, view).allowed:
            return True
    return False


#: The task a ticket's status makes of it, whose taker may see its photos.
_TASKS = {Status.HANDLED: Action.CHECK, Status.VERIFYING: Action.VERIFY}
_IMAGE = {"schema": {"type": "string", "format": "binary"}}
PHOTO: dict[int | str, dict[str, Any]] = {
    200: {"description": "The photo", "content": {"image/jpeg": _IMAGE, "image/png": _IMAGE}}
}


@router.get(
    "/media/{name}",
    summary="A stored photo (JPEG/PNG, EXIF stripped)",
    response_class=FileResponse,
    responses=PHOTO,
)
def media(state: State, me: Me, name: str) -> FileResponse:
    role = may_take(me, Action.READ_TICKET)
    if not role.allowed:
        raise PermissionDenied(f"{me.role.value} may not read ticket photos")
    path = media_dir(state.ctx.settings.data_dir) / name
    if _NAME.match(name) and path.is_file() and _readable(state, me, name):
        kind = "image/jpeg" if name.endswith(".jpg") else "image/png"
        return FileResponse(path, media_type=kind)
    if sees_every_ticket(me):
        raise HTTPException(404, f"no photo {name[:80]!r}")
    raise PermissionDenied(
        f"photos are shown to those who may read their ticket; photo {name[:80]!r} is not on a "
        "ticket you may read, or does not exist"
    )
