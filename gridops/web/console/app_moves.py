"""The field app's writes (``POST /console/app/moves``): accept, return, report done, answer a
verification and check, each sent with a key the phone made when the worker tapped — also
offline, queued on the device until the signal returns. The server applies a key at most once
(:mod:`gridops.store.field_moves`): sent again, it answers what it answered the first time.
A move the ticket no longer allows (reassigned, voided, moved by someone else) is answered 409
with a message in the worker's language; the phone keeps the worker's text and photos.
Done, verify and check carry the phone's position (proof of presence), and, when the phone
found itself beyond the category's radius, the worker's reason (``far_reason``)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from gridops.errors import UserError
from gridops.services import field_moves as moves
from gridops.services.field_moves import presence, record_answer
from gridops.store.errors import StaleTicket, UnknownTicket
from gridops.tickets.errors import BadTransitionInput, IllegalTransition, RoleNotAllowed
from gridops.tickets.model import Status, Ticket
from gridops.web.console.i18n import translator
from gridops.web.console.pages import lang_of, refusal, signed_in
from gridops.web.console.session import NotSignedIn, check_csrf
from gridops.web.permissions import Action, PermissionDenied, Principal
from gridops.web.state import State, WebState

router = APIRouter(include_in_schema=False)
KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
NUMBER = re.compile(r"^[A-Za-z0-9:_-]{1,40}$")  # a case number, or "patrol:<id>" (onsite)
MOVES = ("accept", "return", "done", "verify_exists", "verify_absent", "verify_unverifiable",
         "check_pass", "check_fail", "onsite")  # fmt: skip
WITH_POSITION = ("onsite", "done", "verify_exists", "verify_absent", "verify_unverifiable",
                 "check_pass", "check_fail")  # fmt: skip
CONFLICTS = (PermissionDenied, RoleNotAllowed, UnknownTicket, StaleTicket, IllegalTransition)


class Refused(Exception):
    """Bad input, said in the worker's language (``key`` in the catalogue)."""

    def __init__(self, key: str, **fmt: Any) -> None:
        super().__init__(key)
        self.key, self.fmt = key, fmt


def _json(code: int, **body: Any) -> JSONResponse:
    return JSONResponse(body, status_code=code, headers={"Cache-Control": "no-store"})


@router.post("/console/app/moves")
async def move(request: Request, state: State) -> Response:
    t = translator(lang_of(request))
    try:
        me = await run_in_threadpool(signed_in, state, request)
        check_csrf(request, request.headers.get("x-csrf-token"))
    except NotSignedIn:
        return _json(401, message=t("app.err.signin"), signin=True)
    except PermissionDenied:
        return _json(403, message=t("err.csrf"), signin=True)
    async with request.form() as form:
        return await run_in_threadpool(_move, state, me, form, t)


def _text(form: Any, key: str, limit: int = 2000) -> str:
    value = str(form.get(key) or "").strip()
    if len(value) > limit:
        raise Refused("app.err.too_long", field=key, limit=limit)
    return value


def _files(form: Any, key: str) -> list[Any]:
    return [f for f in form.getlist(key) if not isinstance(f, str) and f.filename]


def _position(form: Any) -> tuple[float, float] | None:
    raw_lon, raw_lat = form.get("lon"), form.get("lat")
    if not raw_lon or not raw_lat:
        return None
    try:
        lon, lat = float(str(raw_lon)), float(str(raw_lat))
    except ValueError:
        raise Refused("app.err.position", value=f"{raw_lon}, {raw_lat}") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise Refused("app.err.position", value=f"{lon}, {lat}")
    return lon, lat


def _move(state: WebState, me: Principal, form: Any, t: Any) -> Response:
    key, number, action = (str(form.get(k) or "") for k in ("key", "ticket", "action"))
    if not KEY.match(key) or not NUMBER.match(number) or action not in MOVES:
        return _json(400, message=t("app.err.move", key=key[:64], ticket=number[:40],
                                    action=action[:20]))  # fmt: skip
    ctx = state.ctx
    earlier = moves.claim(ctx, me.user_id, key, ticket=number, action=action, now=state.now())
    if earlier is not None:
        if earlier.answer is not None:
            return _json(200, **(earlier.answer | {"replayed": True}))
        return JSONResponse({"message": t("app.err.busy")}, status_code=503,
                            headers={"Retry-After": "5"})  # fmt: skip
    try:
        answer, recorded = _apply(state, me, form, number, action, key)
    except Refused as exc:
        moves.release(ctx, me.user_id, key)
        return _json(400, message=t(exc.key, **exc.fmt))
    except CONFLICTS as exc:
        moves.release(ctx, me.user_id, key)
        if action == "onsite":  # no ticket to have moved: a refusal (e.g. outside my area)
            code, _, message, detail = refusal(exc, t)
            return _json(code, message=message, detail=detail)
        return _json(409, conflict=True, **_conflict(state, me, number, action, exc, t))
    except (UserError, BadTransitionInput) as exc:  # after CONFLICTS: they are UserErrors too
        moves.release(ctx, me.user_id, key)
        return _json(400, message=t("err.input"), detail=str(exc))
    except BaseException:
        moves.release(ctx, me.user_id, key)
        raise
    if not recorded:  # an on-site report makes a ticket: its answer is recorded after it
        moves.finish(ctx, me.user_id, key, answer=answer, presence=None, photos_before=(),
                     photos_after=())  # fmt: skip
    return _json(200, **answer)


def _apply(
    state: WebState, me: Principal, form: Any, number: str, action: str, key: str
) -> tuple[dict[str, Any], bool]:
    """Take the move through the API's own checks and functions (the same permissions). A move
    on a ticket records its answer under ``key`` in its own transaction: (answer, True)."""
    from gridops.web.api import field as field_api
    from gridops.web.api.common import act_as, allowed_ticket
    from gridops.web.api.verify import answered as verified

    note, reason = _text(form, "note"), _text(form, "reason")
    far_reason = _text(form, "far_reason", 500)  # read before the move: refused, nothing moved
    position = _position(form) if action in WITH_POSITION else None
    if action == "onsite":
        if position is None:
            raise Refused("app.err.no_position")
        if not note:
            raise Refused("app.err.note")
        photos = _files(form, "after") + _files(form, "before")
        moved = field_api.onsite(
            state, me, category=_text(form, "category", 40), lon=position[0], lat=position[1],
            note=note, crs="EPSG:4326", description=_text(form, "description", 4000),
            photos=photos,
        )  # fmt: skip
        return ({"number": moved["number"], "status": moved["status"], "action": action,
                 "far": False, "distance_m": None}, False)  # fmt: skip
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    answered: list[dict[str, Any]] = []

    def within(conn: Connection, written: list[Ticket]) -> None:
        """The answer, with the proof of presence, recorded in the move's transaction."""
        moved = written[0]
        where = None
        if position is not None:
            where = presence(state.ctx, moved, *position, reason=far_reason)
        answered.append({"number": moved.number, "status": moved.status.value, "action": action,
                         "far": bool(where and where.far),
                         "distance_m": where.distance_m if where else None})  # fmt: skip
        record_answer(conn, me.user_id, key, answer=answered[0], presence=where,
                      photos_before=before, photos_after=after)  # fmt: skip

    if action == "accept":
        found = allowed_ticket(state, me, number, Action.ACCEPT)
        act_as(state, me, found, "accept", within=within, assignee=me.user_id)
    elif action == "return":
        if not reason:
            raise Refused("app.err.reason")
        found = allowed_ticket(state, me, number, Action.RETURN)
        act_as(state, me, found, "return", within=within, reason=reason)
    elif action == "done":
        found = allowed_ticket(state, me, number, Action.REPORT_DONE)
        if field_api.photos_missing(state, found, _files(form, "before"), _files(form, "after")):
            raise Refused("app.err.before_after")
        if not note:
            raise Refused("app.err.note")
        before = field_api.store_photos(state, _files(form, "before"))
        after = field_api.store_photos(state, _files(form, "after"))
        field_api.handled(state, me, found, note, after, within=within, before=before)
    elif action.startswith("verify_"):
        given = action.removeprefix("verify_")
        if given != "exists" and not reason:
            raise Refused("app.err.reason")
        found = allowed_ticket(state, me, number, Action.VERIFY)
        after = field_api.store_photos(state, _files(form, "after") + _files(form, "before"))
        verified(state, me, found, given, note, reason, after, within=within)
    else:
        passed = action == "check_pass"
        if not passed and not reason:
            raise Refused("app.err.reason")
        found = allowed_ticket(state, me, number, Action.CHECK)
        fields = {"note": note} if passed and note else {} if passed else {"reason": reason}
        act_as(state, me, found, action, within=within, **fields)
    return answered[0], True


def _conflict(
    state: WebState, me: Principal, number: str, action: str, exc: Exception, t: Any
) -> dict[str, Any]:
    """What the worker is told when the ticket moved before their move arrived."""
    from gridops.services.actions import load

    _, _, message, detail = refusal(exc, t)
    try:
        now = load(state.ctx, number)
    except UnknownTicket:
        return {"message": t("app.conflict.gone"), "detail": detail}
    if now.status is Status.VOID:
        message = t("app.conflict.void")
    elif now.assignee and now.assignee != me.user_id:
        message = t("app.conflict.reassigned")
    elif isinstance(exc, IllegalTransition):
        message = t("app.conflict.moved", status=t(f"status.{now.status.value}"))
    return {"message": message, "detail": detail, "status": now.status.value}
