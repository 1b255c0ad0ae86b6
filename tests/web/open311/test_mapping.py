"""Tickets as Open311 requests: public fields only, our workflow in extended attributes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from gridops.org.categories import Category
from gridops.tickets import (
    Kind,
    Reporter,
    TicketDraft,
    TimeLimit,
    Transition,
    apply,
    case_number,
    report,
)
from gridops.tickets.vocabulary import ClockType
from gridops.web.open311.formats import Format, render_requests
from gridops.web.open311.mapping import request_from_ticket, service_from_category

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
CST = timezone(timedelta(hours=8))


def reported(crs: str = "EPSG:4326") -> Transition:
    draft = TicketDraft(
        category="E0102",
        kind=Kind.EVENT,
        lon=121.5905,
        lat=31.2035,
        crs=crs,
        cells=("310115125", "310115125001", "310115125001003"),
        description="暴露垃圾 rubbish",
        reporter=Reporter("张三丰", "13812345678", "zs@example.com"),
    )
    number = case_number(Kind.EVENT, "E0102", "20261122", 1)
    return report(draft, id="a" * 32, number=number, now=NOW, actor="citizen", role="public")


def test_dispatched_ticket_as_request() -> None:
    first = reported()
    second = apply(
        first.ticket,
        "dispatch",
        actor="router",
        role="system",
        now=NOW + timedelta(minutes=1),
        owner_unit="sc-310115125",
        time_limit=TimeLimit(4, ClockType.HOURS),
    )
    r = request_from_ticket(
        second.ticket,
        service_name="暴露垃圾",
        agency_names={"sc-310115125": "张江镇城运分中心"},
        events=[first.event, second.event],
        media_url=lambda h: f"https://ops.example/media/{h}",
        tz=CST,
    )
    assert r.service_request_id == second.ticket.number  # the public case number, not the id
    assert r.status == "open" and r.agency_responsible == "张江镇城运分中心"
    assert r.requested_datetime == NOW and r.requested_datetime.utcoffset() == timedelta(hours=8)
    assert r.lat == 31.2035 and r.long == 121.5905
    ext = dict(r.extended_attributes or {})
    assert ext["workflow_status"] == "dispatched" and ext["owner_unit"] == "sc-310115125"
    assert ext["cells"] == ["310115125", "310115125001", "310115125001003"]
    assert ext["deadline"] == NOW + timedelta(minutes=1, hours=4)
    assert [n.type for n in r.notes] == ["report", "dispatch"]
    body = render_requests([r], Format.JSON, extensions=True).body.decode()
    for secret in ("张三丰", "13812345678", "zs@example.com", "5678"):
        assert secret not in body
    assert json.loads(body)[0]["expected_datetime"] == "2026-11-22T14:01:00+08:00"


def test_other_crs_leaves_lat_long_empty_unless_converted() -> None:
    ticket = reported(crs="GCJ-02").ticket
    assert request_from_ticket(ticket).lat is None
    converted = request_from_ticket(ticket, wgs84=(121.586, 31.205))
    assert (converted.long, converted.lat) == (121.586, 31.205)


def test_void_ticket_is_closed_with_a_note() -> None:
    void = apply(reported().ticket, "void", actor="d1", role="dispatcher", now=NOW, reason="重复")
    r = request_from_ticket(void.ticket)
    assert r.status == "closed" and r.status_notes == "void (不予立案)"


def test_category_as_service() -> None:
    category = Category(
        code="E0102",
        kind=Kind.EVENT,
        class_code="E01",
        zh="暴露垃圾",
        en="exposed rubbish",
        departments=("dept-sanitation",),
        time_limit=TimeLimit(4, ClockType.WORKING_HOURS),
        on_site=True,
        verify_public=False,
        joint_group=None,
        priority="normal",
        duplicate_radius_m=50.0,
        duplicate_window_h=24.0,
        escalation=None,
    )
    s = service_from_category(category, group="市容环境")
    assert (s.service_code, s.service_name, s.description) == (
        "E0102",
        "暴露垃圾",
        "exposed rubbish",
    )
    assert s.keywords == ("event", "E01") and s.group == "市容环境"
