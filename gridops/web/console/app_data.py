"""What the field app (城管通) shows: the user's tasks in five tabs — 待签收 (to accept),
处理中 (in hand), 待核实 (to verify), 待核查 (done, waiting for the check) and 已完成 today —
each a compact card (category, place, countdown, the point in WGS84 for the distance from the
phone, the navigation links, the report's photos, the moves the user may make now)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from gridops.grids.crs import WGS84, to_grid_crs
from gridops.grids.navigation import nav_links
from gridops.tickets.model import Status, Ticket
from gridops.web.console.explain import Speaker
from gridops.web.console.map_views import task_map
from gridops.web.console.ticket_views import available
from gridops.web.permissions import FIELD_ROLES, ROLE_ACTIONS, Action, Principal
from gridops.web.state import WebState

TABS = ("todo", "doing", "verify", "check", "done")
_TODO = {Status.DISPATCHED}
_DOING = {Status.ACCEPTED, Status.REWORK, Status.ESCALATED}


def card(state: WebState, me: Principal, ticket: Ticket, say: Speaker) -> dict[str, Any]:
    """One task as the app shows it (a plain dict, JSON as it is)."""
    from gridops.services.addresses import nearest_address
    from gridops.services.field_moves import of_ticket, radius_of

    lon, lat = to_grid_crs(ticket.lon, ticket.lat, ticket.crs, WGS84)
    place = place_of(ticket, say)
    near = nearest_address(state.ctx.store, ticket)
    address = ""  # the 标准地址库's nearest address, as the console's tables say it
    if near is not None:
        metres, said = round(near.distance_m), (say.lang == "en" and near.en) or near.text
        address = (said if metres <= 30
                   else say.t("address_near", address=said, metres=metres))  # fmt: skip
    links = nav_links(lon, lat, (near.text if near else "") or place or ticket.number)
    category = state.ctx.ops.taxonomy.categories.get(ticket.category)
    due, clock = ticket.clock.due_at, ticket.clock
    clock_state = ""  # as the console's with_due: no countdown once paused or stopped
    if due is not None and clock.paused_at:
        clock_state = "paused"
    elif due is not None and clock.stopped_at:
        clock_state = "done_late" if clock.stopped_at > due else "done_on_time"
    moves = of_ticket(state.ctx, ticket.number)
    far = [m.presence for m in moves if m.presence is not None and m.presence.far]
    before, after = before_after(state, ticket, moves)
    return {
        "number": ticket.number,
        "status": ticket.status.value,
        "category": ticket.category,
        "category_name": say.category(ticket.category),
        "description": ticket.description,
        "place": place,
        "address": address,
        "nearby": [str(n.striptags()) for n in say.nearby(ticket.overlays)],
        "lon": round(lon, 7),
        "lat": round(lat, 7),
        "nav": {"amap": links.amap, "baidu": links.baidu, "system": links.system},
        "map": task_map(state, ticket, say),
        "due": due.isoformat() if due and not clock_state else None,
        "clock_state": clock_state,
        "overdue": ticket.overdue(state.now()),
        "media": list(ticket.media),
        "evidence": list(ticket.evidence),
        "note": ticket.handling_note,
        "last_reason": ticket.last_reason,
        "actions": available(state, me, ticket),
        "before_after": bool(category and category.photos_before_after),
        "radius_m": radius_of(state.ctx, ticket.category),
        "far_m": [round(p.distance_m) for p in far],
        "far_why": [p.reason for p in far],
        "before": before,
        "after": after,
    }


def place_of(ticket: Ticket, say: Speaker) -> str:
    """The deepest named cell of a ticket in the reader's language, with its 街镇 where the
    name does not hold it (English names read "community 1" alone): "Weifang · community 1"."""
    named = [(c, say.place_text(c)) for c in reversed(ticket.cells)]
    deepest = next(((c, n) for c, n in named if n != c), None)
    if deepest is None:
        return ""
    top = say.place_text(ticket.cells[0]) if ticket.cells else ""
    if deepest[0] == ticket.cells[0] or top == ticket.cells[0] or top in deepest[1]:
        return deepest[1]
    return f"{top} · {deepest[1]}"


def before_after(state: WebState, ticket: Ticket, moves: Any) -> tuple[list[str], list[str]]:
    """The photos of the place before the work (the report's, and those the worker took
    before) and after it, for the check (核查) to compare side by side: from the last done
    move made in the app, else — for a ticket awaiting its check — from the ticket's events
    (a done through the API or the console's pages), else the ticket's evidence as after."""
    done = [m for m in moves if m.action == "done" and (m.photos_before or m.photos_after)]
    if done:
        after = list(done[-1].photos_after)
        taken = list(done[-1].photos_before)
        before = [p for p in dict.fromkeys([*map(str, ticket.media), *taken]) if p not in after]
        return before, after
    if ticket.status is Status.HANDLED:
        from gridops.services.queues import timeline
        from gridops.tickets.evidence import before_after as told

        return told(ticket, timeline(state.ctx, ticket))
    after = [str(p) for p in ticket.evidence]
    return [p for p in dict.fromkeys(map(str, ticket.media)) if p not in after], after


def _today_start(state: WebState) -> datetime:
    local = state.now().astimezone(state.tz)
    return datetime.combine(local.date(), time(0), tzinfo=state.tz)


def tabs(state: WebState, me: Principal, say: Speaker) -> dict[str, list[dict[str, Any]]]:
    """The five tabs of ``me``'s tasks, earliest deadline first, each from the rule the JSON
    API answers with (my tasks, my verifications, my checks)."""
    from gridops.services.queries import WORKING
    from gridops.web.api.field import field_tickets, handled_by_me_since
    from gridops.web.api.supervise import check_tasks
    from gridops.web.api.verify import verification_tickets

    out: dict[str, list[dict[str, Any]]] = {tab: [] for tab in TABS}
    mine: list[Ticket] = []
    if me.role in FIELD_ROLES:
        mine = field_tickets(state, me, (*WORKING, Status.HANDLED))
        since = _today_start(state)
        out["done"] = [card(state, me, t, say) for t in handled_by_me_since(state, me, since)]
    for t in mine:
        if t.status in _TODO:
            out["todo"].append(card(state, me, t, say))
        elif t.status in _DOING:
            out["doing"].append(card(state, me, t, say))
        elif t.status is Status.HANDLED and t.assignee == me.user_id:
            out["check"].append(card(state, me, t, say))
    if Action.VERIFY in ROLE_ACTIONS[me.role]:
        out["verify"] = [card(state, me, t, say) for t in verification_tickets(state, me)]
    if Action.CHECK in ROLE_ACTIONS[me.role]:
        out["check"] += [card(state, me, t, say) for t in check_tasks(state, me)]
    return out
