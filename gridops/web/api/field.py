"""Field staff (处置人员, 网格员): my tasks by deadline, accept (签收), return with a reason
(退单), report done with a note and photos (处理反馈), and self-report an on-site fix
(自行处置) with its location."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import Field

from gridops.errors import UserError
from gridops.store.batch_write import Within
from gridops.store.media_refs import add_refs
from gridops.tickets.model import Ticket, TicketDraft
from gridops.tickets.vocabulary import Role, Source
from gridops.web.answers import SIGNED_IN, TICKET_MOVE, WITH_BODY, answers
from gridops.web.api.addressing import ADDRESS_400, AddressRefused, place_of
from gridops.web.api.common import act_as, allowed_ticket, ticket_out
from gridops.web.api.idempotency import IdempotencyKey, once
from gridops.web.input import Body
from gridops.web.media import MAX_BYTES, store_photo
from gridops.web.permissions import (
    ALL,
    FIELD_ROLES,
    Action,
    PermissionDenied,
    Principal,
    require,
)
from gridops.web.queries import cells_covered
from gridops.web.state import Me, State, WebState

router = APIRouter(tags=["field"], responses=SIGNED_IN)
MAX_PHOTOS = 9
Photos = Annotated[list[UploadFile], File(description="JPEG or PNG photos, ≤ 10 MB each")]
PhotosBefore = Annotated[
    list[UploadFile],
    File(description="Photos of the place before the work (处置前), JPEG or PNG, ≤ 10 MB each"),
]


class ReturnIn(Body):
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


def store_photos(state: WebState, photos: list[UploadFile]) -> tuple[str, ...]:
    """Each upload checked by content, EXIF stripped, stored by hash; returns the file names
    (blocking file work: routes calling it are plain ``def``, run in the thread pool)."""
    if len(photos) > MAX_PHOTOS:
        raise UserError(f"{len(photos)} photos sent; at most {MAX_PHOTOS} per report")
    refs = []
    for upload in photos:
        data = upload.file.read(MAX_BYTES + 1)
        refs.append(store_photo(data, state.ctx.settings.data_dir).filename)
    return tuple(refs)


def field_tickets(
    state: WebState, me: Principal, statuses: tuple[Any, ...] | None = None
) -> list[Ticket]:
    """``me``'s field work in ``statuses`` (the working ones unless given): tickets of my units
    or assigned to me, earliest deadline first — the one rule for the JSON API, the console's
    field page and the field app (403 for roles with no field tasks)."""
    from gridops.services.queries import WORKING
    from gridops.store.queries import TicketScope, find_many

    if me.role not in FIELD_ROLES:
        raise PermissionDenied(f"{me.role.value} has no field tasks; field staff do")
    units = frozenset() if me.unit_scope == ALL else me.unit_scope  # all units: only my own
    scope = TicketScope(owner_units=frozenset(units), assignee=me.user_id)
    found = find_many(state.ctx.store, statuses=statuses or WORKING, scope=scope, order="due",
                      limit=500)  # fmt: skip
    far = state.now().replace(year=9999)
    return sorted(found, key=lambda t: (t.clock.due_at or far, t.number))


def handled_by_me_since(state: WebState, me: Principal, since: datetime) -> list[Ticket]:
    """The tickets ``me`` reported done since ``since`` (handled, closed or evaluated)."""
    from gridops.store.queries import find_many
    from gridops.tickets.model import Status

    if me.role not in FIELD_ROLES:
        raise PermissionDenied(f"{me.role.value} has no field tasks; field staff do")
    done = find_many(state.ctx.store, statuses=(Status.CLOSED, Status.EVALUATED, Status.HANDLED),
                     assignee=me.user_id, order="due", limit=200)  # fmt: skip
    return [t for t in done if t.handled_at is not None and t.handled_at >= since]


@router.get("/my/tasks", summary="Open tasks of mine and my units, earliest deadline first")
def my_tasks(state: State, me: Me) -> dict[str, Any]:
    return {"tickets": [ticket_out(state, me, t) for t in field_tickets(state, me)]}


@router.post(
    "/tickets/{ticket}/accept", summary="Accept a task (签收)", responses=answers(400, 404, 409)
)
def accept(state: State, me: Me, ticket: str, key: IdempotencyKey = None) -> Any:
    def move(within: Within | None) -> Ticket:
        found = allowed_ticket(state, me, ticket, Action.ACCEPT)
        return act_as(state, me, found, "accept", within=within, assignee=me.user_id)

    return once(state, me, key, ticket=ticket, action="accept", move=move,
                out=lambda t: ticket_out(state, me, t))  # fmt: skip


@router.post(
    "/tickets/{ticket}/return", summary="Return with a reason (退单)", responses=TICKET_MOVE
)
def return_ticket(
    state: State, me: Me, ticket: str, body: ReturnIn, key: IdempotencyKey = None
) -> Any:
    def move(within: Within | None) -> Ticket:
        found = allowed_ticket(state, me, ticket, Action.RETURN)
        return act_as(state, me, found, "return", within=within, reason=body.reason)

    return once(state, me, key, ticket=ticket, action="return", move=move,
                out=lambda t: ticket_out(state, me, t))  # fmt: skip


@router.post(
    "/tickets/{ticket}/done", summary="Report done with a note and photos", responses=TICKET_MOVE
)
def report_done(
    state: State,
    me: Me,
    ticket: str,
    note: Annotated[str, Form(min_length=1, max_length=2000)],
    photos: Photos = [],  # noqa: B006 - FastAPI copies defaults
    photos_before: PhotosBefore = [],  # noqa: B006
    key: IdempotencyKey = None,
) -> Any:
    def move(within: Within | None) -> Ticket:
        found = allowed_ticket(state, me, ticket, Action.REPORT_DONE)
        after, before = store_photos(state, photos), store_photos(state, photos_before)
        return handled(state, me, found, note, after, within=within, before=before)

    return once(state, me, key, ticket=ticket, action="done", move=move,
                out=lambda t: ticket_out(state, me, t))  # fmt: skip


class PhotosMissing(UserError):
    """A done without a photo before and one after the work, where its category asks."""


def photos_missing(state: WebState, ticket: Ticket, before: Any, after: Any) -> bool:
    """Whether a done of ``ticket`` with these photos lacks the before or the after that its
    category asks for (``photos_before_after``)."""
    category = state.ctx.ops.taxonomy.categories.get(ticket.category)
    return category is not None and category.photos_before_after and not (before and after)


def handled(
    state: WebState, me: Principal, found: Ticket, note: str, evidence: tuple[str, ...],
    within: Within | None = None, before: tuple[str, ...] = (),
) -> Ticket:  # fmt: skip
    """``found`` reported done by ``me`` (allowed already) with its stored photos — after the
    work (``evidence``) and before it (``before``) — linked to the ticket so its readers may
    see them (the API's, the console's and the field app's one way). A category that asks
    for photos before and after gets both or a 400."""
    if photos_missing(state, found, before, evidence):
        raise PhotosMissing(
            f"category {found.category} needs photos before the work (photos_before) and "
            "after it (photos), at least one of each"
        )
    fields: dict[str, Any] = {"note": note, "evidence": evidence}
    if before:
        fields["evidence_before"] = before
    moved = act_as(state, me, found, "handle", within=within, **fields)
    add_refs(state.ctx.store.engine, moved.id, (*before, *evidence))
    return moved


def _own_ground(state: WebState, me: Principal) -> Callable[[int, TicketDraft], None] | None:
    """The check that a self-report's place lies in the reporter's units' area (their own
    cells, those of the units under them; anywhere for scope "all")."""
    if me.unit_scope == ALL:
        return None
    covered = cells_covered(state.ctx.ops.org, me.unit_scope)

    def admit(i: int, draft: TicketDraft) -> None:
        if not covered.intersection(draft.cells):
            where = draft.cells[-1] if draft.cells else "no cell"
            raise PermissionDenied(
                f"{me.role.value} self-report only within their units' area "
                f"({', '.join(sorted(me.unit_scope))}); the place lies in cell {where}, "
                "outside it"
            )

    return admit


@router.post(
    "/onsite",
    summary="Self-report a problem fixed on the spot (自行处置), in your area",
    description="Where: `lon` and `lat` (in `crs`), or a stored address (标准地址库) — "
    "`address_id`, or `address` as said (taken when clear; else a 400 listing `candidates`, "
    "best first, whose `id` to send back as `address_id`). While the server is still loading "
    "its address book, an address gets a 503 with Retry-After.",
    responses=WITH_BODY | ADDRESS_400,
)
def onsite(
    state: State,
    me: Me,
    category: Annotated[str, Form(min_length=1, max_length=40)],
    note: Annotated[str, Form(min_length=1, max_length=2000)],
    lon: Annotated[float | None, Form(ge=-180, le=180, allow_inf_nan=False)] = None,
    lat: Annotated[float | None, Form(ge=-90, le=90, allow_inf_nan=False)] = None,
    crs: Annotated[str, Form(max_length=20)] = "EPSG:4326",
    address: Annotated[
        str, Form(max_length=200, description="The address as said, e.g. 锦绣路1号")
    ] = "",
    address_id: Annotated[str, Form(max_length=64, description="The id of a stored address")] = "",
    description: Annotated[str, Form(max_length=4000)] = "",
    photos: Photos = [],  # noqa: B006 - FastAPI copies defaults
) -> Any:
    from gridops.services.intake import IntakeReport, submit

    require(me, Action.SELF_REPORT)
    try:
        place = place_of(state, lon=lon, lat=lat, crs=crs, address=address, address_id=address_id)
    except AddressRefused as refused:
        return refused.response()
    media = store_photos(state, photos)
    source = Source.INSPECTOR if me.role is Role.INSPECTOR else Source.GRID_WORKER
    report = IntakeReport(
        category=category,
        lon=place.lon,
        lat=place.lat,
        crs=place.crs,
        source=source,
        description=description,
        media=media,
        onsite_note=note,
    )
    [made] = submit(state.ctx, [report], actor=me.user_id, role=me.role, now=state.now(),
                    admit=_own_ground(state, me))  # fmt: skip
    add_refs(state.ctx.store.engine, made.id, media)
    return ticket_out(state, me, made)
