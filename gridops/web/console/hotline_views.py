"""The hotline desk (12345 受理): an acceptor takes a call by address.

One form: the caller's number and name, the place as the caller says it, the description and
the category. As they type (``hotline.js``), the look-up fragment shows address candidates
with their cells, categories suggested from the description and the caller's open tickets at
the chosen place; without JavaScript the 查找 (look up) button shows the same. Both requests
are POSTs: the caller's number never goes into an address bar or a log line. 受理 (take the
call) creates the ticket through intake, source hotline, and opens its page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from gridops.web.console.pages import done, html_errors, render, signed_in
from gridops.web.console.session import check_csrf
from gridops.web.permissions import Action, Principal, require
from gridops.web.state import State, WebState

router = APIRouter(include_in_schema=False)
FIELDS = ("phone", "name", "address", "address_id", "description", "category", "category_other")
LIMITS = {"phone": 20, "name": 50, "address": 200, "address_id": 40, "description": 2000}


def _typed(form: Any) -> dict[str, str]:
    typed = {k: str(form.get(k) or "").strip() for k in FIELDS}
    return {k: v[: LIMITS.get(k, 40)] for k, v in typed.items()}


def _call(typed: dict[str, str]) -> Any:
    from gridops.services.hotline import Call

    category = typed["category"]
    if category in ("", "other"):
        category = typed["category_other"]
    return Call(typed["phone"], typed["name"], typed["address"], typed["address_id"],
                typed["description"], category)  # fmt: skip


def _look(state: WebState, typed: dict[str, str]) -> dict[str, Any]:
    from gridops.services.hotline import look_up

    found = look_up(state.ctx, _call(typed))
    if found.chosen is None or found.chosen.id != typed["address_id"]:
        ids = {c.id for c in found.candidates}
        if typed["address_id"] and typed["address_id"] not in ids and found.chosen is None:
            typed["address_id"] = ""  # the place typed since no longer holds the one chosen
    categories = state.ctx.ops.taxonomy.categories
    suggested = [s for s in found.categories if s.code in categories]
    codes = {s.code for s in suggested}
    category, other = typed["category"], typed["category_other"]
    if category in codes:
        mode, pick = category, category
    elif category and category != "other":
        mode, pick = "other", category  # suggested before, no longer: kept in the list
    elif category == "other" and other:
        mode, pick = "other", other
    elif suggested:
        mode, pick = suggested[0].code, suggested[0].code
    else:
        mode, pick = "", ""  # nothing chosen yet
    return {"look": found, "suggested": suggested, "typed": typed, "category_mode": mode,
            "category_pick": pick, "lineage": _lineage(state, found)}  # fmt: skip


def _lineage(state: WebState, found: Any) -> dict[str, list[str]]:
    """Each candidate's cell with the cells above it, top first (街镇 › 居村 › 网格)."""
    cells = state.ctx.grid.cells
    out: dict[str, list[str]] = {}
    for c in [*found.candidates, *([found.chosen] if found.chosen else [])]:
        chain, code = [], c.cell
        while code in cells:
            chain.append(code)
            code = cells[code].parent or ""
        out[c.cell] = chain[::-1]
    return out


def _page(request: Request, state: WebState, me: Principal, typed: dict[str, str],
          errors: dict[str, str] | None = None, status: int = 200) -> HTMLResponse:  # fmt: skip
    categories = sorted(state.ctx.ops.taxonomy.categories.values(), key=lambda c: c.code)
    return render(
        request, state, "hotline.html", me=me, status=status, errors=errors or {},
        categories=categories, **_look(state, typed),
    )  # fmt: skip


@router.get("/console/hotline", response_class=HTMLResponse)
@html_errors
def hotline_page(request: Request, state: State) -> HTMLResponse:
    me = signed_in(state, request)
    require(me, Action.TAKE_CALL)
    return _page(request, state, me, {k: "" for k in FIELDS})


@router.post("/console/hotline/look", response_class=HTMLResponse)
@html_errors
async def hotline_look(request: Request, state: State) -> HTMLResponse:
    """The look-up fragment for the form as typed so far (what the page's script swaps in)."""
    me = await run_in_threadpool(signed_in, state, request)
    require(me, Action.TAKE_CALL)
    async with request.form() as form:
        check_csrf(request, str(form.get("csrf") or ""))
        typed = _typed(form)
    values = await run_in_threadpool(_look, state, typed)
    return render(request, state, "_hotline_look.html", me=me, errors={}, **values)


@router.post("/console/hotline", response_class=HTMLResponse)
@html_errors
async def hotline_take(request: Request, state: State) -> Response:
    """``op=look``: the page again with the look-up; ``op=take``: the ticket, then its page."""
    me = await run_in_threadpool(signed_in, state, request)
    require(me, Action.TAKE_CALL)
    async with request.form() as form:
        check_csrf(request, str(form.get("csrf") or ""))
        typed = _typed(form)
        op = str(form.get("op") or "look")
    if op != "take":
        return await run_in_threadpool(_page, request, state, me, typed)
    return await run_in_threadpool(_take, request, state, me, typed)


def _take(request: Request, state: WebState, me: Principal, typed: dict[str, str]) -> Response:
    from gridops.services.address_books import AddressBookLoading
    from gridops.services.addresses import AddressAmbiguous, AddressNotFound
    from gridops.services.hotline import check_call, take_call

    call = _call(typed)
    problems = check_call(call, state.ctx.ops.taxonomy.categories)
    errors = {k: f"err.hotline.{v}" for k, v in problems.items()}
    if not errors:
        try:
            ticket = take_call(state.ctx, call, actor=me.user_id, now=state.now())
        except AddressNotFound:
            errors["address"] = "err.hotline.address_unknown"
        except AddressAmbiguous:
            errors["address"] = "err.hotline.address_ambiguous"
        except AddressBookLoading:
            errors["address"] = "err.hotline.address_loading"
        else:
            return done(f"/console/tickets/{ticket.number}", "hotline", ticket.number)
    return _page(request, state, me, typed, errors, status=400)
