"""Verification tasks (核实任务) in the console: the list a grid worker or inspector sees on the
field page (deadline countdowns), and the target of the three answer forms — exists (属实),
does not exist (不属实, void: asks for confirmation, as it cannot be undone) and cannot verify
(无法核实) — each with a note and photos, through the JSON API's own routes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from gridops.errors import UserError
from gridops.web.api import verify as verify_api
from gridops.web.api.common import view_of
from gridops.web.console.dispatch_views import with_due
from gridops.web.console.pages import done, html_errors, signed_in
from gridops.web.console.session import check_csrf
from gridops.web.console.ticket_views import _next, _text, available
from gridops.web.permissions import ROLE_ACTIONS, Action, Principal, authorize
from gridops.web.state import State, WebState

router = APIRouter(include_in_schema=False)


def verification_rows(state: WebState, me: Principal) -> list[dict[str, Any]]:
    """``me``'s verification tasks as the field page shows them: the ticket, its countdown, the
    answers ``me`` may give and whether ``me`` may open the ticket's page."""
    from gridops.services.actions import load

    if Action.VERIFY not in ROLE_ACTIONS[me.role]:
        return []
    rows = []
    for t in verify_api.verification_tasks(state, me):
        ticket = load(state.ctx, t["id"])
        readable = authorize(me, Action.READ_TICKET, view_of(state, ticket)).allowed
        rows.append(with_due(t) | {"actions": available(state, me, ticket), "readable": readable})
    return rows


@router.post("/console/tickets/{number}/verification", response_class=HTMLResponse)
@html_errors
async def verification(request: Request, state: State, number: str) -> Response:
    """One answer to a verification task (multipart: answer, note, reason, photos)."""
    me = await run_in_threadpool(signed_in, state, request)
    async with request.form() as form:
        check_csrf(request, str(form.get("csrf") or ""))
        return await run_in_threadpool(_answer, state, me, form, number)


def _answer(state: WebState, me: Principal, form: Any, number: str) -> Response:
    plain = dict(form)
    given = _text(plain, "answer")
    note, reason = _text(plain, "note"), _text(plain, "reason")
    photos = [p for p in form.getlist("photos") if not isinstance(p, str) and p.filename]
    if given == "exists":
        verify_api.verified_exists(state, me, number, note=note, photos=photos)
    elif given in ("absent", "unverifiable"):
        if not reason:
            raise UserError("reason: say what was found on site (核实情况)")
        if given == "absent":
            if _text(plain, "confirm") != "yes":
                raise UserError(
                    "confirm: tick the box to confirm that the problem does not exist; the "
                    "report will not be registered (确认不予立案)"
                )
            verify_api.verified_absent(state, me, number, reason, note=note, photos=photos)
        else:
            verify_api.unverifiable(state, me, number, reason, note=note, photos=photos)
    else:
        raise UserError(f"answer {given!r} is unknown; one of: exists, absent, unverifiable")
    return done(_next(plain, "/console/field"), f"verify_{given}", number)
