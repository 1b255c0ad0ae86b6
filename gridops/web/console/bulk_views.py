"""Dispatch or void a selection of the desk at once (批量派遣/作废): each ticket through the JSON
API's own route (the same checks as one at a time), one after another; voiding is confirmed on a
page that names the selection and asks the reason; the outcome of each ticket is listed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from gridops.errors import UserError
from gridops.services.routing import suggestion
from gridops.web.api import dispatch as dispatch_api
from gridops.web.api.common import allowed_ticket
from gridops.web.console.action_forms import MAX_TEXT
from gridops.web.console.dispatch_views import require_queue_reader
from gridops.web.console.pages import REFUSALS, html_errors, lang_of, refusal, render, signed_in
from gridops.web.console.pickers import resolve_unit
from gridops.web.console.session import check_csrf
from gridops.web.permissions import Action, Principal
from gridops.web.state import State, WebState

router = APIRouter(include_in_schema=False)
MAX_SELECTED = 200
OPS = ("dispatch", "void")


@dataclass(frozen=True)
class Outcome:
    number: str
    ok: bool
    message: str = ""


@router.post("/console/dispatch/bulk", response_class=HTMLResponse)
@html_errors
async def bulk(request: Request, state: State) -> Response:
    me = await run_in_threadpool(signed_in, state, request)
    form = await request.form()
    check_csrf(request, str(form.get("csrf") or ""))
    numbers = [str(n)[:40] for n in form.getlist("n") if isinstance(n, str) and n][:MAX_SELECTED]
    fields = {k: str(form.get(k) or "").strip()[: MAX_TEXT + 1] for k in
              ("op", "owner_unit", "reason", "confirmed", "back")}  # fmt: skip
    return await run_in_threadpool(_bulk, request, state, me, list(dict.fromkeys(numbers)), fields)


def _bulk(
    request: Request, state: WebState, me: Principal, numbers: list[str], f: dict[str, str]
) -> Response:
    from gridops.web.console.i18n import translator

    require_queue_reader(me)
    lang = lang_of(request)
    t = translator(lang)
    op = f["op"] if f["op"] in OPS else "dispatch"
    back = "/console/dispatch" + (f["back"] if f["back"].startswith("?") else "")
    errors: dict[str, str] = {}
    if not numbers:
        errors["n"] = t("bulk_none")
    unit = None
    if op == "dispatch" and f["owner_unit"]:
        found = resolve_unit(state.ctx.ops.org, f["owner_unit"], lang, t)
        unit = found.unit
        if unit is None:
            errors["owner_unit"] = found.error
    if op == "void":
        if not f["reason"] and f["confirmed"] == "1":
            errors["reason"] = t("err.required", field=t("reason"))
        elif len(f["reason"]) > MAX_TEXT:
            errors["reason"] = t("err.too_long", field=t("reason"), n=MAX_TEXT)
    if errors or (op == "void" and f["confirmed"] != "1"):
        return render(request, state, "bulk.html", me=me, op=op, numbers=numbers, fields=f,
                      errors=errors, outcomes=None, back=back,
                      status=400 if errors else 200)  # fmt: skip
    outcomes = [_one(state, me, op, n, unit, f["reason"], t) for n in numbers]
    return render(request, state, "bulk.html", me=me, op=op, numbers=numbers, fields=f,
                  errors={}, outcomes=outcomes, back=back,
                  ok=sum(o.ok for o in outcomes))  # fmt: skip


def _one(
    state: WebState, me: Principal, op: str, number: str, unit: str | None, reason: str, t: Any
) -> Outcome:
    """Dispatch (to ``unit``, else to the ticket's routing suggestion) or void one ticket."""
    try:
        if op == "void":
            dispatch_api.void(state, me, number, dispatch_api.ReasonIn(reason=reason))
            return Outcome(number, True)
        found = allowed_ticket(state, me, number, Action.DISPATCH)
        assignee = ""
        if unit is None:
            suggested = suggestion(state.ctx, found, state.now())
            unit, assignee = suggested["owner_unit"], suggested.get("assignee", "")
        body = dispatch_api.DispatchIn(owner_unit=unit, assignee=assignee)
        dispatch_api.dispatch(state, me, found.number, body)
        return Outcome(number, True)
    except REFUSALS as exc:
        if type(exc) is UserError:
            return Outcome(number, False, t("err.input"))
        return Outcome(number, False, refusal(exc, t)[2])
