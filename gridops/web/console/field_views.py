"""Field staff (处置人员, 网格员) on a phone: the verification tasks (核实) of my cells and my
tasks by deadline with countdowns, answer a verification, accept, return with a reason, report
done with a note and photos, and self-report an on-site fix at my location (the browser's
geolocation where allowed, typed lon/lat otherwise). The task list is live like the dispatch
queues: pushed over Server-Sent Events, polled where the stream fails."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from gridops.errors import UserError
from gridops.web.api import field as field_api
from gridops.web.console.dispatch_views import with_due
from gridops.web.console.live import embedded, fragment_stream
from gridops.web.console.pages import back, html_errors, render, signed_in
from gridops.web.console.session import check_csrf
from gridops.web.console.ticket_views import available
from gridops.web.permissions import FIELD_ROLES, ROLE_ACTIONS, Action, PermissionDenied, Principal
from gridops.web.state import State, WebState

router = APIRouter(include_in_schema=False)


def require_field_page(me: Principal) -> None:
    if me.role not in FIELD_ROLES and Action.SELF_REPORT not in ROLE_ACTIONS[me.role]:
        raise PermissionDenied(f"{me.role.value} has no field page; field staff and inspectors do")


def tasks_fragment(request: Request, state: WebState, me: Principal) -> HTMLResponse:
    """The task list (``_tasks.html``) as the page, the polled fragment and the stream show it:
    the verification tasks (核实任务) of the user's cells first, then the user's own tasks
    (field_api.my_tasks' scope; none for inspectors)."""
    from gridops.web.console.verify_views import verification_rows

    tasks = []
    if me.role in FIELD_ROLES:
        from gridops.services.actions import load

        for t in field_api.my_tasks(state, me)["tickets"]:
            tasks.append(with_due(t) | {"actions": available(state, me, load(state.ctx, t["id"]))})
    verifications = verification_rows(state, me)
    return render(request, state, "_tasks.html", me=me, tasks=tasks, verifications=verifications)


def live_tasks(request: Request, state: WebState) -> HTMLResponse:
    """The task list for the request's user, sign-in and role checked."""
    me = signed_in(state, request)
    require_field_page(me)
    return tasks_fragment(request, state, me)


@router.get("/console/field", response_class=HTMLResponse)
@html_errors
def field_page(request: Request, state: State) -> HTMLResponse:
    me = signed_in(state, request)
    require_field_page(me)
    live = embedded(tasks_fragment(request, state, me))
    categories = sorted(
        (c for c in state.ctx.ops.taxonomy.categories.values() if c.on_site),
        key=lambda c: c.code,
    )
    return render(
        request, state, "field.html", me=me, **live,
        categories=categories, msg=request.query_params.get("msg", ""),
    )  # fmt: skip


@router.get("/console/field/live", response_class=HTMLResponse)
@html_errors
def field_live(request: Request, state: State) -> HTMLResponse:
    """The task list alone: what the page's script swaps in when it polls."""
    return live_tasks(request, state)


@router.get("/console/field/stream")
@html_errors
def field_stream(request: Request, state: State) -> Response:
    """The task list as Server-Sent Events, sent when its HTML changes (as the dispatch stream);
    signed-out users are sent to the login page, roles without a field page get the 403 page."""
    require_field_page(signed_in(state, request))
    return fragment_stream(request, state, lambda: live_tasks(request, state))


def _number(form: Mapping[str, object], key: str, low: float, high: float) -> float:
    raw = form.get(key)
    try:
        value = float(str(raw))
    except ValueError:
        raise UserError(f"{key}: {raw!r} is not a number") from None
    if not low <= value <= high:
        raise UserError(f"{key}: {value} is outside {low}..{high}")
    return value


@router.post("/console/field/onsite", response_class=HTMLResponse)
@html_errors
async def onsite(request: Request, state: State) -> Response:
    """Self-report a problem fixed on the spot (自行处置), through the API's own route."""
    me = await run_in_threadpool(signed_in, state, request)
    async with request.form() as form:
        check_csrf(request, str(form.get("csrf") or ""))
        return await run_in_threadpool(_onsite, state, me, form)


def _onsite(state: WebState, me: Principal, form: Any) -> Response:
    plain = dict(form)
    photos = [p for p in form.getlist("photos") if not isinstance(p, str) and p.filename]
    note = str(plain.get("note") or "").strip()
    category = str(plain.get("category") or "").strip()
    if not note or not category:
        raise UserError("on-site report: category and note are required")
    made = field_api.onsite(
        state, me, category=category,
        lon=_number(plain, "lon", -180, 180), lat=_number(plain, "lat", -90, 90), note=note,
        crs="EPSG:4326", description=str(plain.get("description") or ""),
        photos=photos,
    )  # fmt: skip
    return back("/console/field", f"onsite: {made['number']}")
