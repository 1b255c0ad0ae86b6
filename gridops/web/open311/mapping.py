"""Our domain as Open311 sees it: categories → services, tickets → service requests.

Pure glue for the routes. What goes out: the case number (案卷号) as ``service_request_id``;
``status`` open/closed (our workflow status, cells, deadline and owner in
``extended_attributes``); the owner unit's name as ``agency_responsible``; status changes as
``notes``. What never goes out: the reporter (name, phone, email) and event payloads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

from gridops.org.categories import Category
from gridops.tickets.events import Event
from gridops.tickets.model import Status, Ticket
from gridops.web.open311.models import Open311Note, Open311Request, Open311Service

WGS84_LIKE = frozenset({"EPSG:4326", "WGS84", "EPSG:4490", "CGCS2000"})  # within a metre or so


def service_from_category(category: Category, *, group: str | None = None) -> Open311Service:
    """One 小类 as an Open311 service (``service_code`` = our category code)."""
    return Open311Service(
        service_code=category.code,
        service_name=category.zh,
        description=category.en,
        metadata=False,
        type="realtime",
        keywords=(category.kind.value, category.class_code),
        group=group,
    )


def _local(value: datetime | None, tz: tzinfo) -> datetime | None:
    return value.astimezone(tz) if value is not None else None


def status_notes(ticket: Ticket) -> str | None:
    """A short public note for statuses Open311 folds into open/closed."""
    if ticket.status is Status.DUPLICATE and ticket.duplicate_of:
        return f"duplicate of {ticket.duplicate_of}"
    if ticket.status is Status.VOID:
        return "void (不予立案)"
    if ticket.status is Status.EVALUATED and ticket.satisfaction is not None:
        return f"closed; satisfaction {ticket.satisfaction}"
    return None


def extended_attributes(ticket: Ticket, tz: tzinfo = UTC) -> dict[str, Any]:
    """Our workflow view of a request (shown with ``extensions=true``)."""
    return {
        "workflow_status": ticket.status.value,
        "kind": ticket.kind.value,
        "cells": list(ticket.cells),
        "owner_unit": ticket.owner_unit or None,
        "deadline": _local(ticket.clock.due_at, tz),
        "priority": ticket.priority,
        "supervised": ticket.supervised,
        "escalation_level": ticket.escalation_level,
        "joint_group": ticket.joint_group or None,
        "report_count": ticket.report_count,
    }


def notes_from_events(events: Iterable[Event], tz: tzinfo = UTC) -> tuple[Open311Note, ...]:
    """Status changes as notes; payloads (which may hold personal data) are left out."""
    return tuple(
        Open311Note(e.at.astimezone(tz), f"{e.from_status or 'new'} → {e.to_status}", e.type)
        for e in events
        if e.from_status != e.to_status
    )


def request_from_ticket(
    ticket: Ticket,
    *,
    service_name: str | None = None,
    agency_names: Mapping[str, str] | None = None,
    events: Iterable[Event] = (),
    media_url: Callable[[str], str] | None = None,
    wgs84: tuple[float, float] | None = None,
    tz: tzinfo = UTC,
) -> Open311Request:
    """The ticket as a service request. ``wgs84`` (lon, lat) is needed when the ticket was
    reported in another CRS (e.g. GCJ-02); without it lat/long are left empty, never wrong."""
    if wgs84 is None and ticket.crs.upper() in WGS84_LIKE:
        wgs84 = (ticket.lon, ticket.lat)
    names = agency_names or {}
    return Open311Request(
        service_request_id=ticket.number,
        status="open" if ticket.status.open else "closed",
        status_notes=status_notes(ticket),
        service_name=service_name,
        service_code=ticket.category,
        description=ticket.description or None,
        agency_responsible=names.get(ticket.owner_unit, ticket.owner_unit) or None,
        requested_datetime=_local(ticket.reported_at, tz),
        updated_datetime=_local(ticket.updated_at, tz),
        expected_datetime=_local(ticket.clock.due_at, tz),
        lat=wgs84[1] if wgs84 else None,
        long=wgs84[0] if wgs84 else None,
        media_url=media_url(ticket.media[0]) if media_url and ticket.media else None,
        extended_attributes=extended_attributes(ticket, tz),
        notes=notes_from_events(events, tz),
    )
