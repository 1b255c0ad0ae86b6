"""A held lock or an absent database is a 503 with Retry-After, never a frozen server or a 500
(gridops/web/unavailable.py and the paths it guards).

Another process holds the SQLite write lock — the ``-writelock`` file opened read-only and
``flock``ed, as any local user could, or SQLite's own lock taken with ``BEGIN IMMEDIATE`` —
while the real app serves: pages keep answering, a write waits at most
``GRIDOPS_WEB_WRITE_WAIT`` and then answers 503 in the route's format having written nothing,
and once the lock is free the same write succeeds. PostgreSQL outages: test_unavailable_pg.py.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import xmltodict
from fastapi import FastAPI
from live import serving
from redis import Redis

from gridops.processes import reaped, stop
from gridops.services.context import ServiceContext, build_context
from gridops.services.routing import route_batch
from gridops.settings import load_settings
from gridops.store.engine import writers_held
from gridops.web.console.session import csrf_token

from .conftest import LUJIAZUI_L3, NOW, TestClient, Users, photo, wgs84_point_in

HOLD_FLOCK = (  # what any local user who can read the file can do
    "import fcntl, os, select, sys\n"
    "fd = os.open(sys.argv[1], os.O_RDONLY)\n"
    "fcntl.flock(fd, fcntl.LOCK_EX)\n"
    "print('held', flush=True)\n"
    "select.select([sys.stdin], [], [], 60)\n"  # a safety net: gone after a minute
)
HOLD_SQLITE = (  # SQLite's own write lock, without gridops' flock
    "import select, sqlite3, sys\n"
    "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "db.execute('BEGIN IMMEDIATE')\n"
    "print('held', flush=True)\n"
    "select.select([sys.stdin], [], [], 60)\n"
)
PAUSE = {"approval": "审批-1", "reason": "等待许可"}


@contextmanager
def held(code: str, path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A child process holding a lock on ``path`` until it is stopped."""
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    with reaped(proc):
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"held"
        yield proc


@pytest.fixture
def ctx(
    request: pytest.FixtureRequest, tmp_path: Path, redis_server: str, redis_conn: Redis
) -> Iterator[ServiceContext]:
    """The web conftest's context with a short write bound (``indirect`` may set another)."""
    wait = getattr(request, "param", 0.5)
    env = {"GRIDOPS_DATA_DIR": str(tmp_path), "GRIDOPS_REDIS_URL": redis_server,
           "GRIDOPS_WEB_WRITE_WAIT": str(wait)}  # fmt: skip
    context = build_context(load_settings(env))
    yield context
    context.close()


def lock_file(ctx: ServiceContext) -> Path:
    return ctx.settings.data_dir / "gridops.db-writelock"


def tickets(ctx: ServiceContext) -> int:
    return ctx.store.count()


def report_form(ctx: ServiceContext, api_key: str, category: str = "E0102") -> dict[str, str]:
    lat, lon = wgs84_point_in(ctx, LUJIAZUI_L3)
    return {"api_key": api_key, "service_code": category, "lat": str(lat), "long": str(lon)}


def open_session(ctx: ServiceContext, token: str) -> str:
    """A console session of the user with ``token``, opened as signing in opens one (while the
    database is still up); returns its id, the cookie's value."""
    from datetime import timedelta

    from gridops.store.accounts import Accounts
    from gridops.store.sessions import Sessions
    from gridops.web.security import hash_token, issue_session

    user = Accounts(ctx.store.engine).user_by_token_hash(hash_token(token))
    assert user is not None
    issued = issue_session()
    Sessions(ctx.store.engine).open(user, id_hash=issued.token_hash, now=NOW,
                                    lifetime=timedelta(hours=12))  # fmt: skip
    return issued.token


def session(sid: str, lang: str = "en") -> dict[str, str]:
    """The console's session cookie ``sid`` (the browser sends it as this header)."""
    return {"Cookie": f"gridops_session={sid}; gridops_lang={lang}"}


def open311_errors(response: httpx.Response, fmt: str) -> list[dict[str, Any]]:
    if fmt == "json":
        assert response.headers["content-type"].startswith("application/json")
        return list(response.json())
    assert response.headers["content-type"].startswith("text/xml")
    found = xmltodict.parse(response.content)["errors"]["error"]
    return [found] if isinstance(found, dict) else list(found)


@pytest.mark.parametrize("ctx", [120.0], indirect=True)
def test_pages_answer_while_a_post_waits_for_a_held_writer(
    ctx: ServiceContext, app: FastAPI, api_key: str, users: Users
) -> None:
    token = users.add("d-1", "dispatcher", "all")["Authorization"].split()[1]
    sid = open_session(ctx, token)  # before the lock is held: opening one writes
    posted: dict[str, httpx.Response] = {}
    with (
        serving(app) as base,
        httpx.Client(base_url=base, timeout=30) as http,
        held(HOLD_FLOCK, lock_file(ctx)) as holder,
    ):

        def post() -> None:
            url = f"{base}/open311/v2/requests.json"
            posted["r"] = httpx.post(url, data=report_form(ctx, api_key), timeout=300)

        poster = threading.Thread(target=post)
        poster.start()
        try:
            for _ in range(3000):  # until the batch with the POST is on its way to the writer
                if app.state.web.intake.batches:
                    break
                time.sleep(0.01)
            assert app.state.web.intake.batches == 1
            assert http.get("/openapi.json").status_code == 200
            assert http.get("/open311/v2/requests.json").json() == []
            page = http.get("/console/dispatch", headers=session(sid))
            assert page.status_code == 200 and "Dispatch" in page.text
            assert poster.is_alive() and tickets(ctx) == 0  # still waiting, nothing written
            stop(holder)
        finally:
            poster.join(120)
    assert posted["r"].status_code == 200, posted["r"].text
    assert tickets(ctx) == 1


@pytest.mark.parametrize("ctx", [120.0], indirect=True)
def test_field_writes_wait_for_the_writer_off_the_event_loop(
    ctx: ServiceContext, app: FastAPI, api_key: str, users: Users
) -> None:
    # the routes that take photos (API and console) and the console's own forms
    with serving(app) as base, httpx.Client(base_url=base, timeout=30) as http:
        for category in ("E0102", "E0104"):  # two categories: not merged as duplicates
            form = report_form(ctx, api_key, category)
            assert http.post("/open311/v2/requests.json", data=form).is_success
        assert route_batch(ctx, 10, now=NOW) == 2
        routed = ctx.store.find(status="dispatched")
        made: dict[str, dict[str, str]] = {}  # the grid workers on shift the tickets went to
        bearers = []
        for t in routed:
            assert t.assignee
            if t.assignee not in made:
                made[t.assignee] = users.add(t.assignee, "grid_worker", t.owner_unit)
            bearers.append(made[t.assignee])
            assert http.post(f"/api/v1/tickets/{t.number}/accept", headers=bearers[-1]).is_success
        bearer, token = bearers[0], bearers[1]["Authorization"].split()[1]
        sid = open_session(ctx, token)
        cookie, csrf = session(sid), csrf_token(app.state.web.csrf_key, sid)
        lat, lon = wgs84_point_in(ctx, LUJIAZUI_L3)
        spot = {"category": "E0102", "lon": str(lon), "lat": str(lat), "note": "当场清理"}
        jpeg = [("photos", ("p.jpg", photo(), "image/jpeg"))]
        calls: list[tuple[str, dict[str, Any]]] = [
            (f"/api/v1/tickets/{routed[0].number}/done",
             {"headers": bearer, "data": {"note": "已清运"}, "files": jpeg}),
            ("/api/v1/onsite", {"headers": bearer, "data": spot}),
            (f"/console/tickets/{routed[1].number}/done",
             {"headers": cookie, "data": {"csrf": csrf, "note": "已清运"}, "files": jpeg}),
            ("/console/field/onsite", {"headers": cookie, "data": {"csrf": csrf, **spot}}),
        ]  # fmt: skip
        answers: dict[str, int] = {}

        def call(path: str, kw: dict[str, Any]) -> None:
            with httpx.Client(base_url=base, timeout=300) as own:
                answers[path] = own.post(path, **kw).status_code

        with held(HOLD_FLOCK, lock_file(ctx)) as holder:
            threads = [threading.Thread(target=call, args=c) for c in calls]
            for thread in threads:
                thread.start()
            try:
                for _ in range(20):  # the loop stays free however far the writes have got
                    assert http.get("/openapi.json").status_code == 200
                    time.sleep(0.05)
                assert not answers and ctx.store.count() == 2  # all still waiting
                stop(holder)
            finally:
                for thread in threads:
                    thread.join(120)
    assert answers == {calls[0][0]: 200, calls[1][0]: 200, calls[2][0]: 303, calls[3][0]: 303}
    assert {t.status.value for t in ctx.store.find()} == {"handled"} and ctx.store.count() == 4


@pytest.mark.parametrize("ctx", [5.0], indirect=True)
def test_the_bound_counts_from_the_write_so_a_slow_upload_keeps_all_of_it(
    ctx: ServiceContext, app: FastAPI, api_key: str
) -> None:
    # the form takes longer to arrive than the whole bound; then the writer is busy for a
    # moment (another thread of the server's process holds it): the POST must still wait
    body = urlencode(report_form(ctx, api_key)).encode()

    def slowly() -> Iterator[bytes]:
        yield body[:10]
        time.sleep(6)  # past the 5 s bound
        yield body[10:]

    posted: dict[str, httpx.Response] = {}
    with serving(app) as base:

        def post() -> None:
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            posted["r"] = httpx.post(f"{base}/open311/v2/requests.json", content=slowly(),
                                     headers=headers, timeout=120)  # fmt: skip

        poster = threading.Thread(target=post)
        with writers_held(ctx.store.engine):
            poster.start()
            for _ in range(3000):  # until the POST's batch is on its way to the writer
                if app.state.web.intake.batches or not poster.is_alive():
                    break
                time.sleep(0.01)
            time.sleep(0.2)  # every chance to find the writer busy
        poster.join(120)
    assert posted["r"].status_code == 200, posted["r"].text
    assert tickets(ctx) == 1


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_open311_post_past_the_bound_is_a_503_and_writes_nothing(
    client: TestClient, ctx: ServiceContext, api_key: str, fmt: str
) -> None:
    url = f"/open311/v2/requests.{fmt}"
    with held(HOLD_FLOCK, lock_file(ctx)):
        refused = client.post(url, data=report_form(ctx, api_key))
        assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
        [error] = open311_errors(refused, fmt)
        assert int(error["code"]) == 503 and "busy" in error["description"]
        assert tickets(ctx) == 0
        assert client.get(f"/open311/v2/requests.{fmt}").status_code == 200  # reads go on
    made = client.post(url, data=report_form(ctx, api_key))
    assert made.status_code == 200, made.text
    assert tickets(ctx) == 1


def test_sqlites_own_lock_is_bounded_too(
    client: TestClient, ctx: ServiceContext, api_key: str
) -> None:
    # a program holding SQLite's write lock without our flock: its busy timeout (30 s) must
    # end at the request's bound as well
    with held(HOLD_SQLITE, ctx.settings.data_dir / "gridops.db"):
        refused = client.post("/open311/v2/requests.json", data=report_form(ctx, api_key))
        assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
        assert "busy" in refused.json()[0]["description"]
        assert tickets(ctx) == 0
    made = client.post("/open311/v2/requests.json", data=report_form(ctx, api_key))
    assert made.status_code == 200 and tickets(ctx) == 1


def test_api_and_console_writes_get_503s_in_their_own_format(
    client: TestClient, ctx: ServiceContext, api_key: str, users: Users
) -> None:
    client.post("/open311/v2/requests.json", data=report_form(ctx, api_key))
    assert route_batch(ctx, 10, now=NOW) == 1
    [number] = [t.number for t in ctx.store.find(status="dispatched")]
    bearer = users.add("d-1", "dispatcher", "all")
    token = bearer["Authorization"].split()[1]
    sid = open_session(ctx, token)  # before the lock is held: opening one writes
    with held(HOLD_FLOCK, lock_file(ctx)):
        api = client.post(f"/api/v1/tickets/{number}/suspend", headers=bearer, json=PAUSE)
        assert api.status_code == 503 and api.headers["retry-after"] == "1"
        assert "busy" in api.json()["detail"]
        form = {"csrf": csrf_token(client.app.state.web.csrf_key, sid), **PAUSE}
        for lang, title, words in (("en", "Temporarily unavailable", "Try again in 1 s"),
                                   ("zh", "暂时无法服务", "请 1 秒后重试")):  # fmt: skip
            page = client.post(f"/console/tickets/{number}/do/suspend", data=form,
                               headers=session(sid, lang))  # fmt: skip
            assert page.status_code == 503 and page.headers["retry-after"] == "1"
            assert page.headers["content-type"].startswith("text/html")
            assert title in page.text and words in page.text
        assert client.get(f"/api/v1/tickets/{number}", headers=bearer).status_code == 200
    assert ctx.store.get_by_number(number).status.value == "dispatched"  # nothing written
    done = client.post(f"/api/v1/tickets/{number}/suspend", headers=bearer, json=PAUSE)
    assert done.status_code == 200 and done.json()["status"] == "suspended"
