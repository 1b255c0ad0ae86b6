"""Picking a unit and a person by name, never by a typed id: a typed piece of a unit's name
(老港镇市容) is resolved to the unit — or refused, in the reader's language, naming what matched —
and the people of that unit are listed with whether they are on shift and their open work. The
script of a page asks the two fragments here as the dispatcher types (HTML, not JSON)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from gridops.org.names import find_units, unit_name
from gridops.services.desk import Person, people_of
from gridops.web.console.dispatch_views import require_queue_reader
from gridops.web.console.i18n import Typed
from gridops.web.console.pages import html_errors, render, signed_in
from gridops.web.state import State, WebState

router = APIRouter(include_in_schema=False)
SHOWN = 12  # options offered while typing
#: Units a ticket may be dispatched to (not joint groups: those are reached by escalating).
OWNER_KINDS = ("centre", "locality", "department", "branch", "overlay_owner")


@dataclass(frozen=True)
class Resolved:
    """A typed unit: its id, or the reason (in the reader's language) there is none."""

    unit: str | None
    error: str = ""


def resolve_unit(
    org: Any, typed: str, lang: str, t: Callable[..., str], *, kinds: Any = OWNER_KINDS
) -> Resolved:
    """The unit ``typed`` names: its id, its whole name, or the one unit whose name holds it."""
    typed = " ".join(typed.split())
    if not typed:
        return Resolved(None, t("err.required", field=t("unit")))
    found = find_units(org, typed, limit=SHOWN, kinds=kinds)
    if not found:
        return Resolved(None, t("err.no_unit", value=Typed(typed)))
    folded = typed.casefold()
    exact = [u for u in found if folded in (u.id.casefold(), u.zh.casefold(), u.en.casefold())]
    if len(exact) == 1 or len(found) == 1:
        return Resolved((exact or found)[0].id)
    comma = "、" if lang == "zh" else ", "
    names = comma.join(unit_name(u, lang).text for u in found[:5]) + ("…" * (len(found) > 5))
    return Resolved(None, t("err.many_units", value=Typed(typed), names=names))


def people(state: WebState, unit: str) -> list[Person]:
    """The people of ``unit`` with their shift and open work, now."""
    return people_of(state.ctx, unit, state.now(), state.accounts.list_users())


@router.get("/console/pick/units", response_class=HTMLResponse)
@html_errors
def pick_units(request: Request, state: State) -> HTMLResponse:
    """``<option>``s of the units whose name holds ``q`` (for the field's datalist)."""
    from gridops.web.console.pages import lang_of

    require_queue_reader(signed_in(state, request))
    q = " ".join(request.query_params.get("q", "").split())[:60]
    kinds = ("joint_group",) if request.query_params.get("kind") == "joint_group" else OWNER_KINDS
    found = find_units(state.ctx.ops.org, q, limit=SHOWN, kinds=kinds) if q else []
    lang = lang_of(request)
    options = [(unit_name(u, lang).text, u.id) for u in found]
    return render(request, state, "_unit_options.html", options=options)


@router.get("/console/pick/people", response_class=HTMLResponse)
@html_errors
def pick_people(request: Request, state: State) -> HTMLResponse:
    """The radio buttons of the people of the unit typed in ``unit`` (or why there are none)."""
    from gridops.web.console.i18n import translator
    from gridops.web.console.pages import lang_of

    require_queue_reader(signed_in(state, request))
    lang = lang_of(request)
    typed = request.query_params.get("unit", "")[:100]
    field = request.query_params.get("form", "dispatch")
    field = field if field in ("dispatch", "reassign", "bulk") else "dispatch"
    found = resolve_unit(state.ctx.ops.org, typed, lang, translator(lang))
    return render(request, state, "_people.html", form=field, people=(
        people(state, found.unit) if found.unit else []), unit=found.unit, error=found.error,
        chosen="")  # fmt: skip
