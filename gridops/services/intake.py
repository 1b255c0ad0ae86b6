"""Intake (信息收集 / 上报): validate reports, place them in the grid, create tickets, kick routing.

Every report is checked before anything is written: one bad report raises a UserError naming
its index, field and value, and no ticket is created. A grid worker's report fixed on the spot
(``onsite_note``, 自行处置) goes reported → handled through ``onsite_resolve`` in the same
transaction that creates it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from gridops.errors import UserError
from gridops.grids.crs import normalise_crs, to_grid_crs_many
from gridops.grids.model import by_level
from gridops.services.context import ServiceContext
from gridops.services.errors import OutsideGrid
from gridops.tickets import (
    Reporter,
    Role,
    Source,
    Status,
    Ticket,
    TicketDraft,
    Transition,
    apply,
)

ONSITE_ROLES = frozenset({Role.GRID_WORKER, Role.INSPECTOR, Role.FIELD_STAFF})
ONSITE_SOURCES = frozenset({Source.GRID_WORKER, Source.INSPECTOR})


@dataclass(frozen=True)
class IntakeReport:
    """One report as an intake channel received it (Open311, JSON API, CSV, simulator)."""

    category: str
    lon: float
    lat: float
    crs: str = "EPSG:4326"
    source: Source | str = Source.PUBLIC
    description: str = ""
    reporter: Reporter = field(default_factory=Reporter)
    media: tuple[str, ...] = ()
    priority: int | None = None
    idempotency_key: str | None = None
    onsite_note: str | None = None  # a grid worker fixed it on the spot (with evidence)


def submit(
    ctx: ServiceContext,
    reports: Sequence[IntakeReport],
    *,
    actor: str,
    role: Role | str,
    now: datetime,
    admit: Callable[[int, TicketDraft], None] | None = None,
) -> list[Ticket]:
    """Validate all, normalise to the grid CRS, locate in bulk, create (idempotent by key),
    resolve on-site fixes, commit, then kick the routing stage. Tickets come back in order.
    ``admit(index, draft)`` sees each located draft before anything is written and may refuse
    it by raising (e.g. a place outside the reporter's units): then no ticket is created."""
    if not reports:
        return []
    role = _role(role)
    drafts = _drafts(ctx, reports, role)
    if admit is not None:
        for i, draft in enumerate(drafts):
            admit(i, draft)
    tickets = ctx.store.create_tickets(
        drafts,
        now=now,
        actor=actor,
        role=role,
        categories=ctx.ops.taxonomy.categories,
        then=lambda made: _onsite_moves(ctx, reports, made, actor=actor, role=role, now=now),
    )
    if any(t.status is Status.REPORTED for t in tickets):
        ctx.kick("routing")
    return tickets


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise UserError(f"intake: unknown role {role!r}") from None


def _drafts(ctx: ServiceContext, reports: Sequence[IntakeReport], role: Role) -> list[TicketDraft]:
    categories = ctx.ops.taxonomy.categories
    for i, r in enumerate(reports):
        _check(i, r, categories, role)
    lons = np.empty(len(reports))
    lats = np.empty(len(reports))
    by_crs: dict[str, list[int]] = {}
    for i, r in enumerate(reports):
        by_crs.setdefault(normalise_crs(r.crs), []).append(i)
    for crs, idx in by_crs.items():
        x, y = to_grid_crs_many(
            [float(reports[i].lon) for i in idx], [float(reports[i].lat) for i in idx], crs,
            ctx.grid.crs,
        )  # fmt: skip
        lons[idx], lats[idx] = x, y
    levels = ctx.grid.locate_many(lons, lats)
    overlays = ctx.grid.locate_overlays_many(lons, lats)
    drafts = []
    for i, r in enumerate(reports):
        if not levels[0][i]:
            raise OutsideGrid(
                f"report {i}: location ({r.lon}, {r.lat}) in {r.crs} lies outside every "
                f"level-1 cell of grid {ctx.grid.name!r}"
            )
        cells = by_level(str(level[i]) for level in levels)
        over = tuple((layer, str(codes[i])) for layer, codes in overlays.items() if codes[i])
        draft = TicketDraft(
            category=r.category,
            kind=categories[r.category].kind,
            lon=float(r.lon),
            lat=float(r.lat),
            source=r.source,
            crs=r.crs,
            point_lon=float(lons[i]),
            point_lat=float(lats[i]),
            cells=cells,
            overlays=over,
            description=r.description,
            reporter=r.reporter,
            media=tuple(r.media),
            priority=3 if r.priority is None else r.priority,
            idempotency_key=r.idempotency_key,
        )
        try:
            draft.validate(categories)
        except UserError as exc:
            raise UserError(f"report {i}: {exc}") from None
        drafts.append(draft)
    return drafts


def _check(i: int, r: IntakeReport, categories: object, role: Role) -> None:
    where = f"report {i}"
    if r.category not in categories:  # type: ignore[operator]
        raise UserError(f"{where}: category {r.category!r} is unknown; see config/categories.yaml")
    for name in ("lon", "lat"):
        value = getattr(r, name)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise UserError(f"{where}: {name} {value!r} is not a finite number")
    try:
        normalise_crs(r.crs)
    except Exception:  # noqa: BLE001 - any failure means an unknown CRS
        raise UserError(
            f"{where}: crs {r.crs!r} is unknown; use EPSG:4326, GCJ-02 or BD-09"
        ) from None
    try:
        source = Source(r.source)
    except ValueError:
        known = ", ".join(s.value for s in Source)
        raise UserError(f"{where}: source {r.source!r} is unknown; known: {known}") from None
    if r.priority is not None and (
        isinstance(r.priority, bool) or not isinstance(r.priority, int) or not 1 <= r.priority <= 5
    ):
        raise UserError(f"{where}: priority {r.priority!r} must be 1 (urgent) to 5")
    if r.onsite_note is not None:
        if not r.onsite_note.strip():
            raise UserError(f"{where}: onsite_note is empty; describe what was done on the spot")
        if source not in ONSITE_SOURCES or role not in ONSITE_ROLES:
            raise UserError(
                f"{where}: onsite_note needs source grid_worker or inspector and role "
                f"grid_worker, inspector or field_staff; got source {source.value} and role "
                f"{role.value}"
            )
        if not categories[r.category].on_site:  # type: ignore[index]
            raise UserError(
                f"{where}: category {r.category} may not be resolved on the spot (on_site: false)"
            )


def _onsite_moves(
    ctx: ServiceContext,
    reports: Sequence[IntakeReport],
    tickets: list[Ticket],
    *,
    actor: str,
    role: Role,
    now: datetime,
) -> list[Transition]:
    """reported → handled for on-site fixes of freshly created tickets, written by the store in
    the creating transaction (so routing can never claim them as ``reported``). A repeat of the
    same idempotency key finds its ticket already moved and leaves it alone."""
    moves: list[Transition] = []
    for r, t in zip(reports, tickets, strict=True):
        if r.onsite_note is None or t.status is not Status.REPORTED or t.version != 1:
            continue
        owner = ctx.grid.cells[t.cells[-1]].owner_unit if t.cells else ""
        moves.append(
            apply(t, "onsite_resolve", actor=actor, role=role, now=now, calendar=ctx.calendar,
                  note=r.onsite_note, evidence=tuple(r.media), owner_unit=owner)
        )  # fmt: skip
    return moves
