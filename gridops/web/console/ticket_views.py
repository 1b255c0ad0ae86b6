"""Ticket detail (案卷详情) — routing decision and reasons, timeline, deadline countdown, photos —
and every console action on a ticket. Actions go through the JSON API's own route functions
(same permission checks, same validation, same ``gridops.services.actions.act`` call), so the
console can never do what the API would refuse."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import ValidationError

from gridops.errors import UserError
from gridops.services.field_moves import positions
from gridops.services.verification import ANSWERS as VERIFICATION_ANSWERS
from gridops.store.errors import StaleTicket, UnknownTicket
from gridops.tickets.errors import IllegalTransition, RoleNotAllowed
from gridops.tickets.evidence import before_after
from gridops.tickets.model import Ticket
from gridops.tickets.workflow import TABLE
from gridops.web.api import dispatch as dispatch_api
from gridops.web.api import field as field_api
from gridops.web.api import supervise as supervise_api
from gridops.web.api import verify as verify_api
from gridops.web.api.common import allowed_ticket, ticket_out, view_of
from gridops.web.console import ticket_page as page
from gridops.web.console.action_forms import CONFIRM, FormProblem, checked, field_of
from gridops.web.console.dispatch_views import with_due
from gridops.web.console.explain import Speaker
from gridops.web.console.i18n import Typed
from gridops.web.console.pages import done, html_errors, lang_of, refusal, render, signed_in
from gridops.web.console.session import check_csrf
from gridops.web.console.ticket_page import Forms
from gridops.web.permissions import ROLE_ACTIONS, Action, PermissionDenied, Principal, authorize
from gridops.web.state import State, WebState

router = APIRouter(include_in_schema=False)
Form = dict[str, Any]


@dataclass(frozen=True)
class ConsoleAction:
    """A button on the detail page: the permission it needs, the workflow move it makes."""

    name: str
    permission: Action
    move: str
    run: Callable[[WebState, Principal, str, Form], Any]


def _text(form: Form, key: str) -> str:
    value = form.get(key, "")
    return value.strip() if isinstance(value, str) else ""


def _body(model: Any, **values: Any) -> Any:
    """A JSON API body from form fields; a validation problem becomes a one-line UserError."""
    try:
        return model(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise UserError(f"{field}: {err['msg']}") from None


def _dispatch(s: WebState, m: Principal, n: str, f: Form) -> Any:
    body = _body(dispatch_api.DispatchIn, owner_unit=_text(f, "owner_unit"),
                 assignee=_text(f, "assignee"))  # fmt: skip
    return dispatch_api.dispatch(s, m, n, body)


def _reassign(s: WebState, m: Principal, n: str, f: Form) -> Any:
    body = _body(dispatch_api.ReassignIn, owner_unit=_text(f, "owner_unit"),
                 assignee=_text(f, "assignee"), reason=_text(f, "reason"))  # fmt: skip
    return dispatch_api.reassign(s, m, n, body)


def _escalate(s: WebState, m: Principal, n: str, f: Form) -> Any:
    body = _body(dispatch_api.EscalateIn, group=_text(f, "group"), reason=_text(f, "reason"))
    return dispatch_api.escalate(s, m, n, body)


def _void(s: WebState, m: Principal, n: str, f: Form) -> Any:
    return dispatch_api.void(s, m, n, _body(dispatch_api.ReasonIn, reason=_text(f, "reason")))


def _merge(s: WebState, m: Principal, n: str, f: Form) -> Any:
    body = _body(dispatch_api.MergeIn, duplicate_of=_text(f, "duplicate_of"),
                 reason=_text(f, "reason"))  # fmt: skip
    return dispatch_api.merge(s, m, n, body)


def _supervise(s: WebState, m: Principal, n: str, f: Form) -> Any:
    body = _body(dispatch_api.SuperviseIn, reason=_text(f, "reason"))
    return dispatch_api.supervise(s, m, n, body)


def _suspend(s: WebState, m: Principal, n: str, f: Form) -> Any:
    body = _body(dispatch_api.SuspendIn, approval=_text(f, "approval"), reason=_text(f, "reason"))
    return dispatch_api.suspend(s, m, n, body)


def _resume(s: WebState, m: Principal, n: str, f: Form) -> Any:
    return dispatch_api.resume(s, m, n, _body(dispatch_api.ResumeIn, note=_text(f, "note")))


def _extend(s: WebState, m: Principal, n: str, f: Form) -> Any:
    body = _body(dispatch_api.ExtendIn, amount=_text(f, "amount"),
                 approval=_text(f, "approval"), reason=_text(f, "reason"))  # fmt: skip
    return dispatch_api.extend(s, m, n, body)


def _accept(s: WebState, m: Principal, n: str, f: Form) -> Any:
    return field_api.accept(s, m, n)


def _return(s: WebState, m: Principal, n: str, f: Form) -> Any:
    return field_api.return_ticket(s, m, n, _body(field_api.ReturnIn, reason=_text(f, "reason")))


def _check_pass(s: WebState, m: Principal, n: str, f: Form) -> Any:
    body = _body(supervise_api.CheckIn, passed=True, note=_text(f, "note"))
    return supervise_api.check(s, m, n, body)


def _check_fail(s: WebState, m: Principal, n: str, f: Form) -> Any:
    body = _body(supervise_api.CheckIn, passed=False, reason=_text(f, "reason"))
    return supervise_api.check(s, m, n, body)


def _force_close(s: WebState, m: Principal, n: str, f: Form) -> Any:
    body = _body(supervise_api.ReasonIn, reason=_text(f, "reason"))
    return supervise_api.force_close(s, m, n, body)


def _reopen(s: WebState, m: Principal, n: str, f: Form) -> Any:
    return supervise_api.reopen(s, m, n, _body(supervise_api.ReasonIn, reason=_text(f, "reason")))


def _register(s: WebState, m: Principal, n: str, f: Form) -> Any:
    return verify_api.register(s, m, n, _body(verify_api.DecideIn, note=_text(f, "note")))


def _send_verify(s: WebState, m: Principal, n: str, f: Form) -> Any:
    body = _body(verify_api.DecideIn, note=_text(f, "note"))
    return verify_api.send_for_verification(s, m, n, body)


def _callback(s: WebState, m: Principal, n: str, f: Form) -> Any:
    body = _body(supervise_api.CallbackIn, satisfaction=_text(f, "satisfaction") or 0,
                 note=_text(f, "note"))  # fmt: skip
    return supervise_api.callback(s, m, n, body)


ACTIONS = {
    a.name: a
    for a in (
        ConsoleAction("dispatch", Action.DISPATCH, "dispatch", _dispatch),
        ConsoleAction("reassign", Action.REASSIGN, "reassign", _reassign),
        ConsoleAction("escalate", Action.ESCALATE, "escalate", _escalate),
        ConsoleAction("void", Action.VOID, "void", _void),
        ConsoleAction("merge", Action.MERGE, "merge_duplicate", _merge),
        ConsoleAction("supervise", Action.FLAG_SUPERVISION, "supervise", _supervise),
        ConsoleAction("suspend", Action.SUSPEND, "suspend", _suspend),
        ConsoleAction("resume", Action.RESUME, "resume", _resume),
        ConsoleAction("extend", Action.EXTEND, "extend", _extend),
        ConsoleAction("accept", Action.ACCEPT, "accept", _accept),
        ConsoleAction("return", Action.RETURN, "return", _return),
        ConsoleAction("check_pass", Action.CHECK, "check_pass", _check_pass),
        ConsoleAction("check_fail", Action.CHECK, "check_fail", _check_fail),
        ConsoleAction("force_close", Action.FORCE_CLOSE, "force_close", _force_close),
        ConsoleAction("reopen", Action.REOPEN, "reopen", _reopen),
        ConsoleAction("callback", Action.RECORD_CALLBACK, "evaluate", _callback),
        ConsoleAction("register", Action.DECIDE_VERIFICATION, "register", _register),
        ConsoleAction("verify", Action.DECIDE_VERIFICATION, "verify", _send_verify),
    )
}
DONE = ConsoleAction("done", Action.REPORT_DONE, "handle", lambda s, m, n, f: None)
#: The answers to a verification task (核实), multipart forms of their own (note, photos).
ANSWERS = tuple(
    ConsoleAction(f"verify_{answer}", Action.VERIFY, move, lambda s, m, n, f: None)
    for answer, move in VERIFICATION_ANSWERS.items()
)


def available(state: WebState, me: Principal, ticket: Ticket) -> list[str]:
    """The actions this user may take on this ticket now: permitted to their role and scope,
    and a move the workflow allows from the ticket's status for their role."""
    view = view_of(state, ticket)
    out = []
    for a in (*ACTIONS.values(), DONE, *ANSWERS):
        rule = TABLE[a.move]
        if a.permission not in ROLE_ACTIONS[me.role] or me.role not in rule.roles:
            continue
        if ticket.status in rule.sources and authorize(me, a.permission, view).allowed:
            out.append(a.name)
    return out


def _next(form: Form, default: str) -> str:
    """Where to go after a form: a console path only (never an outside URL)."""
    target = _text(form, "next")
    return target if re.fullmatch(r"/console/[\w/?=&.%-]*", target) else default


@router.get("/console/tickets/{number}", response_class=HTMLResponse)
@html_errors
def ticket_page(request: Request, state: State, number: str) -> HTMLResponse:
    me = signed_in(state, request)
    return show(request, state, me, allowed_ticket(state, me, number, Action.READ_TICKET))


def show(
    request: Request,
    state: WebState,
    me: Principal,
    found: Ticket,
    *,
    status: int = 200,
    forms: Forms | None = None,
    problem: str = "",
    detail: str = "",
) -> HTMLResponse:
    """The ticket page for ``me``; after a refused form, with its errors and what was typed."""
    from gridops.services.queues import timeline
    from gridops.web.console.i18n import translator
    from gridops.web.console.pickers import people, resolve_unit

    lang = lang_of(request)
    say = Speaker(translator(lang), lang, state.ctx.ops, state.ctx.grid, state.ctx.roster,
                  name_of=lambda uid: person_name(state, uid))  # fmt: skip
    decided, suggested = page.decision(state, found)
    forms = forms or Forms()
    actions = available(state, me, found)
    owner = decided.get("owner_unit") or found.owner_unit
    if "reassign" in actions and found.owner_unit:  # the unit that holds it now, not routing's
        owner = found.owner_unit
    if forms.failed in ("dispatch", "reassign"):  # the people of the unit that was typed
        typed = resolve_unit(state.ctx.ops.org, forms.typed.get("owner_unit", ""), lang, say.t)
        owner = typed.unit or owner
    if owner in state.ctx.ops.org and {"dispatch", "reassign"} & set(actions):
        forms.unit = say.unit_text(owner)
        forms.people = people(state, owner)
        forms.person = (
            decided.get("assignee", "") if suggested and owner != found.owner_unit else ""
        )
    groups, group = page.groups(say, found, decided)
    events = timeline(state.ctx, found)
    numbers = {}  # the case numbers of the tickets the timeline names by id (a duplicate's)
    for e in events:
        other = (e.payload.get("changes") or {}).get("duplicate_of")
        if other and other not in numbers:
            with suppress(UnknownTicket):
                numbers[other] = state.ctx.store.get(other).number
    before, after = (page.photos(p) for p in before_after(found, events))
    return render(
        request, state, "ticket.html", me=me, status=status,
        ticket=with_due(ticket_out(state, me, found)),
        routing=page.routing_of(say, decided, suggested),
        events=page.timeline(say, me, events, found, numbers),
        actions=actions, groups=groups, group=group, forms=forms, problem=problem, detail=detail,
        before=before, after=after,
        category=state.ctx.ops.taxonomy.categories.get(found.category),
        presence=positions(state.ctx, found.number, found.category),
        glmap=ticket_map(state, found), assignee_name=person_name(state, found.assignee),
    )  # fmt: skip


def person_name(state: WebState, user_id: str | None) -> str:
    """The display name of the user ``user_id`` ("" when none is kept or it is the id itself:
    people of the roster who have no account are shown by id)."""
    from gridops.store.errors import UnknownAccount

    if not user_id:
        return ""
    try:
        name = state.accounts.user(user_id).name
    except UnknownAccount:
        return ""
    return name if name and name != user_id else ""


def ticket_map(state: WebState, found: Ticket) -> dict[str, str]:
    """The ticket page's mini-map: its pin on its unit cell (outlined), among its neighbours."""
    from gridops.web.console.map_views import bounds_of, map_box, point_on_map

    cells = list(found.cells)
    l3 = cells[-1] if cells and cells[-1] in state.ctx.grid.cells else ""
    pin = point_on_map(state, found.point_lon, found.point_lat)
    w, s, e, n = bounds_of(state, l3) if l3 else (pin[0], pin[1], pin[0], pin[1])
    pad = max(e - w, n - s, 0.002)
    return map_box(
        state, bounds=[w - pad, s - pad, e + pad, n + pad], level=str(state.ctx.grid.levels),
        within=l3[:9], selected=l3, cells="/console/map/cells.geojson", pin=pin,
        number=found.number,
    )  # fmt: skip


@router.post("/console/tickets/{number}/do/{action}", response_class=HTMLResponse)
@html_errors
async def ticket_action(request: Request, state: State, number: str, action: str) -> Response:
    """One action from a console form (CSRF-checked), then back to the page it came from; a
    destructive move is confirmed on a page of its own first; a refusal is the ticket page
    again with the message beside the field and what was typed kept."""
    me = await run_in_threadpool(signed_in, state, request)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    check_csrf(request, _text(form, "csrf"))
    return await run_in_threadpool(_act, request, state, me, number, action, form)


def _act(
    request: Request, state: WebState, me: Principal, number: str, action: str, form: Form
) -> Response:
    from gridops.web.console.i18n import translator

    lang = lang_of(request)
    t = translator(lang)
    chosen = ACTIONS.get(action)
    if chosen is None:
        return render(request, state, "error.html", me=me, status=400, title="bad_request",
                      reason=t("err.unknown_action", value=Typed(action[:40])))  # fmt: skip
    try:
        values = checked(state, action, form, lang, t)
        if action in CONFIRM and values.get("confirmed") != "1":
            found = allowed_ticket(state, me, number, Action.READ_TICKET)
            if action in available(state, me, found):  # else the refusal, without asking
                return render(request, state, "confirm.html", me=me, action=action,
                              number=found.number, form=values)  # fmt: skip
        moved = chosen.run(state, me, number, values)
    except FormProblem as p:
        return _refused(request, state, me, number, action, form, 400, p.errors, "")
    except (UnknownTicket, PermissionDenied, RoleNotAllowed, IllegalTransition,
            StaleTicket) as exc:  # fmt: skip
        code, _, message, _ = refusal(exc, t)
        if action == "merge" and not isinstance(exc, IllegalTransition | StaleTicket):
            code, message = 400, ""
            errors = {"duplicate_of": t("err.no_ticket", value=Typed(form.get("duplicate_of", "")))}
            return _refused(request, state, me, number, action, form, code, errors, message)
        return _refused(request, state, me, number, action, form, code, {}, message, exc)
    except UserError as exc:
        problem = field_of(action, exc, form, t)
        return _refused(request, state, me, number, action, form, 400, problem.errors, "", exc)
    return done(_next(values, f"/console/tickets/{moved['number']}"), action, moved["number"])


def _refused(
    request: Request,
    state: WebState,
    me: Principal,
    number: str,
    action: str,
    form: Form,
    status: int,
    errors: dict[str, str],
    message: str,
    exc: Exception | None = None,
) -> Response:
    """The ticket page again (its reader may read it) with the refusal; else the error page."""
    try:
        found = allowed_ticket(state, me, number, Action.READ_TICKET)
    except (UnknownTicket, PermissionDenied, RoleNotAllowed):
        if exc is None:
            raise
        raise exc from None
    detail = str(getattr(exc, "reason", exc)) if exc is not None else ""
    forms = Forms(failed=action, typed={k: v for k, v in form.items() if k != "csrf"},
                  errors=errors)  # fmt: skip
    return show(request, state, me, found, status=status, forms=forms, problem=message,
                detail=detail)  # fmt: skip


@router.post("/console/tickets/{number}/done", response_class=HTMLResponse)
@html_errors
async def ticket_done(request: Request, state: State, number: str) -> Response:
    """Report done with a note and photos (multipart), through the API's own route."""
    me = await run_in_threadpool(signed_in, state, request)
    async with request.form() as form:
        check_csrf(request, str(form.get("csrf") or ""))
        from gridops.web.console.i18n import translator

        t = translator(lang_of(request))
        return await run_in_threadpool(_done, state, me, form, number, t)


def _done(state: WebState, me: Principal, form: Any, number: str, t: Any = None) -> Response:
    def files(name: str) -> list[Any]:
        return [p for p in form.getlist(name) if not isinstance(p, str) and p.filename]

    note = _text(dict(form), "note")
    if not note:
        raise UserError(t("err.required", field=t("note")) if t else "note: say what was done")
    try:
        field_api.report_done(state, me, number, note, files("photos"), files("photos_before"))
    except field_api.PhotosMissing:
        if t is None:
            raise
        raise UserError(t("app.err.before_after")) from None  # the API's words are English
    return done(_next(dict(form), "/console/field"), "done", number)


@router.get("/console/media/{name}")
@html_errors
def console_media(request: Request, state: State, name: str) -> Response:
    """A ticket photo for a signed-in console user (the cookie stands in for the bearer)."""
    from gridops.web.media_routes import media

    me = signed_in(state, request)
    response: FileResponse = media(state, me, name)
    return response
