"""The live queue stream (Server-Sent Events) on real uvicorn, read as a browser's EventSource
would: refused like the polled fragment, scoped like it, an event for a ticket reported after
the stream opened, only heartbeats while nothing changes, and an end (lifetime, deactivated
user); open streams sharing one marker read per check; in Chromium, a page that fell back to
polling going back to the stream. Timings are shortened through WebState.extra; every wait is
for an outcome."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event

from gridops.services.routing import route_batch
from gridops.store.accounts import Accounts
from gridops.tickets.model import Ticket
from gridops.web.console.live import LINE_END, TIMING_KEY, Timing, digest, sse_event

from .conftest import LUJIAZUI_L3, NOW, Server, point_in, sign_in

FAST = Timing(check=0.05, heartbeat=0.2, refresh=0.1, lifetime=120, retry_ms=500)
LIVE, STREAM = "/console/dispatch/live", "/console/dispatch/stream"


@dataclass(frozen=True)
class Event:
    id: str
    data: str
    kind: str = "message"  # the ``event:`` field


@dataclass(frozen=True)
class Comment:
    text: str


@dataclass(frozen=True)
class Retry:
    ms: int


Item = Event | Comment | Retry


def parse(lines: Iterator[str]) -> Iterator[Item]:
    """The items of an event stream, block by block (the SSE parsing rules we rely on)."""
    data: list[str] = []
    event_id, kind = "", "message"
    for line in lines:
        if line == "":
            if data:
                yield Event(event_id, "\n".join(data), kind)
            data, kind = [], "message"
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "":
            yield Comment(value)
        elif field == "data":
            data.append(value)
        elif field == "id":
            event_id = value
        elif field == "event":
            kind = value
        elif field == "retry":
            yield Retry(int(value))


def read_until(items: Iterator[Item], done: Callable[[Item], bool]) -> list[Item]:
    """Items up to and including the first that is ``done`` (the read timeout bounds a stall)."""
    seen = []
    for item in items:
        seen.append(item)
        if done(item):
            return seen
    raise AssertionError(f"the stream ended before the awaited item; it sent {seen}")


def heartbeats(n: int) -> Callable[[Item], bool]:
    count = 0

    def done(item: Item) -> bool:
        nonlocal count
        count += isinstance(item, Comment)
        return count >= n

    return done


def carrying(number: str) -> Callable[[Item], bool]:
    return lambda item: isinstance(item, Event) and f'data-number="{number}"' in item.data


@pytest.fixture(autouse=True)
def fast(server: Server) -> Iterator[None]:
    extra = server.app.state.web.extra
    extra[TIMING_KEY] = FAST
    yield
    extra.pop(TIMING_KEY, None)


@contextmanager
def console(server: Server, token: str | None = None) -> Iterator[httpx.Client]:
    """A browser-like client of the real server, signed in through the form with ``token``."""
    with httpx.Client(base_url=server.url, timeout=httpx.Timeout(30.0)) as client:
        if token:
            sign_in(client, token)  # type: ignore[arg-type]  # the same form calls as TestClient
        yield client


def stream_url(client: httpx.Client, page: str = "/console/dispatch") -> str:
    """The stream address a console page gives its script (with the hash it rendered)."""
    got = client.get(page)
    assert got.status_code == 200, got.text
    found = re.search(r'<div id="live"[^>]*data-stream="([^"]+)"', got.text)
    assert found, f"{page} names no stream"
    return html.unescape(found.group(1))


def report(server: Server, l3: str = LUJIAZUI_L3, code: str = "E0102") -> str:
    lon, lat = point_in(server.ctx, l3)
    form = {"api_key": server.users.api_key(), "service_code": code, "lat": str(lat),
            "long": str(lon), "description": "暴露垃圾"}  # fmt: skip
    r = httpx.post(f"{server.url}/open311/v2/requests.json", data=form)
    assert r.status_code in (200, 201), r.text
    return str(r.json()[0]["service_request_id"])


def test_strangers_and_other_roles_are_refused_as_by_the_fragment(server: Server) -> None:
    with console(server) as stranger:
        for path in (LIVE, STREAM):
            r = stranger.get(path + "?queue=new")
            assert r.status_code == 303, path
            assert r.headers["location"].startswith("/console/login?next=")
    with console(server, server.users.add("fs-1", "field_staff", "sc-310115005")) as worker:
        for path in (LIVE, STREAM):
            r = worker.get(path)
            assert r.status_code == 403 and "may not read the dispatch queues" in r.text, path


def test_nothing_changed_sends_only_heartbeats(server: Server) -> None:
    report(server)  # a queue with a row in it
    with console(server, server.users.add("d-quiet", "dispatcher", "all")) as client:
        url = stream_url(client)
        with client.stream("GET", url) as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            assert r.headers["cache-control"] == "no-store"
            items = read_until(parse(r.iter_lines()), heartbeats(5))
    assert items[0] == Retry(FAST.retry_ms)
    assert not [i for i in items if isinstance(i, Event)]  # re-rendered, same hash: not sent


def test_a_ticket_reported_after_the_stream_opened_arrives_as_an_event(server: Server) -> None:
    with console(server, server.users.add("d-live", "dispatcher", "all")) as client:
        url = stream_url(client)
        with client.stream("GET", url) as r:
            items = parse(r.iter_lines())
            read_until(items, heartbeats(1))  # open, and the page's rows are what it holds
            number = report(server)
            event = read_until(items, carrying(number))[-1]
            # the fragment as it settles (a loaded machine may catch a step of the report on
            # its way): the last event before two quiet heartbeats, which the reconnect names
            settled = [i for i in read_until(items, heartbeats(2)) if isinstance(i, Event)]
            event = settled[-1] if settled else event
        assert isinstance(event, Event) and 'id="queues"' in event.data
        assert event.id == digest(event.data)
        # a reconnect names the last event: the unchanged fragment is not sent again
        with client.stream("GET", url, headers={"Last-Event-ID": event.id}) as again:
            quiet = read_until(parse(again.iter_lines()), heartbeats(3))
        assert not [i for i in quiet if isinstance(i, Event)]


def test_a_dispatcher_out_of_scope_never_sees_the_ticket_in_the_stream(server: Server) -> None:
    other_l3 = next(c for c in sorted(server.ctx.grid.cells) if c.startswith("310115004")
                    and len(c) == len(LUJIAZUI_L3))  # fmt: skip
    with console(server, server.users.add("d-out", "dispatcher", "sc-310115004")) as client:
        url = stream_url(client)
        with client.stream("GET", url) as r:
            items = parse(r.iter_lines())
            read_until(items, heartbeats(1))
            elsewhere = report(server)  # Lujiazui, 310115005: not theirs
            own = report(server, other_l3)
            seen = read_until(items, carrying(own))
    events = [i for i in seen if isinstance(i, Event)]
    assert events and not [e for e in events if elsewhere in e.data]


def test_the_stream_ends_after_its_lifetime(server: Server) -> None:
    server.app.state.web.extra[TIMING_KEY] = Timing(check=0.05, heartbeat=0.2, lifetime=1.0)
    with console(server, server.users.add("d-life", "dispatcher", "all")) as client:
        url = stream_url(client)
        with client.stream("GET", url) as r:
            items = list(parse(r.iter_lines()))  # returns only when the server ends it
    assert items[0] == Retry(3000)
    assert not [i for i in items if isinstance(i, Event)]


def test_the_stream_ends_when_its_user_is_deactivated(server: Server) -> None:
    with console(server, server.users.add("d-gone", "dispatcher", "all")) as client:
        url = stream_url(client)
        with client.stream("GET", url) as r:
            items = parse(r.iter_lines())
            read_until(items, heartbeats(1))
            Accounts(server.ctx.store.engine).update_user("d-gone", now=NOW, active=False)
            rest = list(items)  # returns only when the server ends it
        events = [i for i in rest if isinstance(i, Event)]
        assert [e.kind for e in events] == ["ended"]  # the page says so (console.js)
        assert client.get(STREAM, follow_redirects=False).status_code == 303


@given(st.text())
def test_an_event_reads_back_as_its_data(text: str) -> None:
    lines = LINE_END.split(sse_event(text, "h1"))
    assert list(parse(iter(lines))) == [Event("h1", LINE_END.sub("\n", text))]


def test_timings_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Timing(check=0)


FIELD_LIVE, FIELD_STREAM = "/console/field/live", "/console/field/stream"


def routed(server: Server, number: str) -> Ticket:
    """The ticket after the routing stage (in-process) dispatched it."""
    route_batch(server.ctx, 10, now=NOW)
    found = server.ctx.store.get_by_number(number)
    assert found.assignee and found.owner_unit, f"{number} was not dispatched: {found.status}"
    return found


def test_strangers_and_dispatchers_are_refused_the_field_stream_as_the_page(
    server: Server,
) -> None:
    with console(server) as stranger:
        for path in ("/console/field", FIELD_LIVE, FIELD_STREAM):
            r = stranger.get(path)
            assert r.status_code == 303, path
            assert r.headers["location"].startswith("/console/login?next=")
    with console(server, server.users.add("d-field", "dispatcher", "all")) as dispatcher:
        for path in ("/console/field", FIELD_LIVE, FIELD_STREAM):
            r = dispatcher.get(path)
            assert r.status_code == 403 and "dispatcher has no field page" in r.text, path
            assert "text/event-stream" not in r.headers["content-type"]


def test_a_field_worker_is_streamed_their_new_task_and_never_another_units(
    server: Server,
) -> None:
    # categories no other test reports here, so none is taken for a duplicate
    first = routed(server, report(server, code="E0104"))  # Lujiazui's unit and one of its staff
    worker, unit = first.assignee, first.owner_unit
    other_l3 = next(c for c in sorted(server.ctx.grid.cells) if c.startswith("310115004")
                    and len(c) == len(LUJIAZUI_L3))  # fmt: skip
    with console(server, server.users.add(worker, "grid_worker", unit)) as client:
        url = stream_url(client, "/console/field")
        polled = client.get(FIELD_LIVE)
        assert polled.status_code == 200 and f'data-number="{first.number}"' in polled.text
        with client.stream("GET", url) as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            items = parse(r.iter_lines())
            read_until(items, heartbeats(1))  # open, holding the page's list
            elsewhere = report(server, other_l3, code="E0104")
            mine = report(server, LUJIAZUI_L3, code="E0201")
            route_batch(server.ctx, 10, now=NOW)
            theirs = server.ctx.store.get_by_number(elsewhere)
            assert theirs.assignee and theirs.owner_unit != unit  # precondition: dispatched
            got = server.ctx.store.get_by_number(mine)  # precondition: dispatched to the unit
            assert got.assignee and got.owner_unit == unit, (got.status, got.owner_unit)
            seen = read_until(items, carrying(mine))
    events = [i for i in seen if isinstance(i, Event)]
    assert events[-1].id == digest(events[-1].data) and 'id="task-list"' in events[-1].data
    assert not [e for e in events if f'data-number="{elsewhere}"' in e.data]
    assert not [e for e in events if "queue-table" in e.data]  # the field list, not the queues


@contextmanager
def marker_reads(server: Server) -> Iterator[list[float]]:
    """When each change-marker query ran on the server's store (monotonic clock)."""
    engine, seen = server.ctx.store.engine, []

    def heard(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        if "max(ticket_events.id)" in statement and "count(*)" in statement:
            seen.append(time.monotonic())

    event.listen(engine, "before_cursor_execute", heard)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", heard)


def test_open_streams_share_one_marker_read_per_check(server: Server) -> None:
    """Three streams checking every 0.2 s: the marker is read at most once per check between
    them (reads begin at least ``check`` apart, so ``spent / check`` plus the edges), where a
    marker per stream would read about three times as often; each stream still sees the ticket."""
    timing = Timing(check=0.2, heartbeat=0.5, refresh=60, lifetime=120)
    server.app.state.web.extra[TIMING_KEY] = timing
    with (
        console(server, server.users.add("d-shared", "dispatcher", "all")) as client,
        marker_reads(server) as reads,
    ):
        url = stream_url(client)
        with (
            client.stream("GET", url) as one,
            client.stream("GET", url) as two,
            client.stream("GET", url) as three,
        ):
            streams = [parse(r.iter_lines()) for r in (one, two, three)]
            for items in streams:
                read_until(items, heartbeats(1))
            began = time.monotonic()
            number = report(server)
            for items in streams:
                read_until(items, carrying(number))
            for items in streams:
                read_until(items, heartbeats(4))  # a couple of seconds of checks
            spent = time.monotonic() - began
    during = [t for t in reads if began <= t <= began + spent]
    assert 1 <= len(during) <= spent / timing.check + 2, (len(during), spent)


@pytest.mark.slow
def test_a_page_polling_after_failed_streams_returns_to_the_stream(
    server: Server, browser: Any
) -> None:
    """The stream is refused until the page polls; once it is reachable the page's next try
    (every data-restream ms, set short here) opens it and polling stops; a ticket reported then
    arrives over the stream while polls are refused."""
    context = browser.new_context(base_url=server.url)
    context.add_init_script("""document.addEventListener("DOMContentLoaded", function () {
        var live = document.getElementById("live"); if (live) live.dataset.restream = "500"; });""")
    refuse = "**/console/dispatch/stream*"
    context.route(refuse, lambda route: route.abort())
    page = context.new_page()
    page.goto("/console/login")
    page.fill("#token", server.users.add("d-back", "dispatcher", "all"))
    page.click("#login")
    page.wait_for_load_state()
    page.wait_for_function("() => document.getElementById('live').dataset.polling === '1'",
                           timeout=60_000)  # fmt: skip
    assert page.get_attribute("#live", "data-streaming") is None
    context.unroute(refuse)
    page.wait_for_function("() => document.getElementById('live').dataset.restreamed === '1'",
                           timeout=60_000)  # fmt: skip
    assert page.get_attribute("#live", "data-polling") is None
    assert page.get_attribute("#live", "data-streaming") == "1"
    polls: list[str] = []
    context.route("**/console/dispatch/live*",
                  lambda route: (polls.append(route.request.url), route.abort()))  # fmt: skip
    number = report(server)
    page.wait_for_selector(f'#queue-table tr[data-number="{number}"]', timeout=60_000)
    assert int(page.get_attribute("#live", "data-streamed") or 0) >= 1 and polls == []
    context.close()
