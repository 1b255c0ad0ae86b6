"""Idempotency keys on the JSON API's field moves (SQLite and PostgreSQL): accept, return, done,
verify and check sent twice under one ``Idempotency-Key`` are applied once and the first answer
is replayed; a key reused for another move is refused; a bad key is named. The answer commits
with the move: a crash after the commit leaves the answer to replay, not a conflict."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from redis import Redis

from gridops.services.context import ServiceContext
from gridops.services.routing import route_batch

from ..conftest import (
    BOTH_DATABASES,
    LUJIAZUI_L3,
    NOW,
    TestClient,
    Users,
    context_on,
    photo,
    wgs84_point_in,
)
from .test_verify import POST, verifying


@pytest.fixture(params=BOTH_DATABASES)
def ctx(request: pytest.FixtureRequest, tmp_path, redis_server: str, redis_conn: Redis
        ) -> Iterator[ServiceContext]:  # fmt: skip
    yield from context_on(request, tmp_path, redis_server)


def routed(client: TestClient, ctx: ServiceContext, api_key: str, users: Users,
           code: str = "E0102"):  # fmt: skip
    """A public report routed to a grid worker: (number, the worker's headers)."""
    lat, lon = wgs84_point_in(ctx, LUJIAZUI_L3)
    form = {"api_key": api_key, "service_code": code, "lat": str(lat), "long": str(lon),
            "description": "垃圾"}  # fmt: skip
    number = client.post("/open311/v2/requests.json", data=form).json()[0]["service_request_id"]
    route_batch(ctx, 10, now=NOW)
    t = ctx.store.get_by_number(number)
    return number, users.add(t.assignee, "grid_worker", t.owner_unit)


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def events(ctx: ServiceContext, number: str, kind: str) -> int:
    t = ctx.store.get_by_number(number)
    return sum(e.type == kind for e in ctx.store.events(t.id))


def test_each_move_sent_twice_is_applied_once_and_answered_alike(
    client: TestClient, ctx: ServiceContext, api_key: str, users: Users
) -> None:
    number, worker = routed(client, ctx, api_key, users)
    supervisor = users.add("s-1", "supervisor", "sc-310115005")
    url = f"/api/v1/tickets/{number}"
    sends = [
        ("accept", worker, {}),
        ("done", worker, {"data": {"note": "已清运"},
                          "files": [("photos", ("p.jpg", photo(), "image/jpeg"))]}),
        ("check", supervisor, {"json": {"passed": False, "reason": "未清理干净"}}),
    ]  # fmt: skip
    for path, who, body in sends:
        k = key()
        first = client.post(f"{url}/{path}", headers=who | k, **body)
        again = client.post(f"{url}/{path}", headers=who | k, **body)
        assert first.status_code == again.status_code == 200, (path, first.text, again.text)
        assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
        assert "Idempotent-Replayed" not in first.headers
    assert (events(ctx, number, "accept"), events(ctx, number, "handle")) == (1, 1)
    assert events(ctx, number, "check_fail") == 1
    number, worker = routed(client, ctx, api_key, users, "E0104")  # another, to return
    url, k = f"/api/v1/tickets/{number}", key()
    ret = client.post(f"{url}/return", headers=worker | k, json={"reason": "不属于本单位"})
    assert ret.status_code == 200 and ret.json()["status"] == "returned"
    assert client.post(f"{url}/return", headers=worker | k,
                       json={"reason": "不属于本单位"}).json() == ret.json()  # fmt: skip
    assert events(ctx, number, "return") == 1


def test_a_verification_answer_is_applied_once(
    client: TestClient, ctx: ServiceContext, api_key: str, users: Users
) -> None:
    number = verifying(client, ctx, api_key)
    gw = users.add("gw-v", "grid_worker", POST)
    k, url = key(), f"/api/v1/tickets/{number}/verification/exists"
    first = client.post(url, headers=gw | k, data={"note": "属实"})
    again = client.post(url, headers=gw | k, data={"note": "属实"})
    assert first.status_code == again.status_code == 200 and again.json() == first.json()
    assert events(ctx, number, "verified") == 1


def test_a_reused_or_bad_key_is_refused_and_a_failed_move_frees_its_key(
    client: TestClient, ctx: ServiceContext, api_key: str, users: Users
) -> None:
    number, worker = routed(client, ctx, api_key, users)
    k = key()
    bad = client.post(f"/api/v1/tickets/{number}/accept", headers=worker | {"Idempotency-Key": "x"})
    assert bad.status_code == 400 and "Idempotency-Key 'x'" in bad.json()["detail"]
    refused = client.post(
        f"/api/v1/tickets/{number}/done", headers=worker | k, data={"note": "早了"}
    )  # not accepted yet: refused, the key freed
    assert refused.status_code == 409
    assert client.post(f"/api/v1/tickets/{number}/accept", headers=worker | k).status_code == 200
    reused = client.post(f"/api/v1/tickets/{number}/return", headers=worker | k,
                         json={"reason": "不属于本单位"})  # fmt: skip
    assert reused.status_code == 409 and "make a new key" in reused.json()["detail"]
    assert client.post(f"/api/v1/tickets/{number}/accept", headers=worker).status_code == 409


def test_a_crash_after_the_commit_leaves_the_answer_to_replay(
    client: TestClient, ctx: ServiceContext, api_key: str, users: Users,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """The process dies after the move committed (here: what follows it raises): the key's
    answer committed with the move, so the retry gets it — not a conflict, not a second move."""
    import gridops.services.actions as actions

    number, worker = routed(client, ctx, api_key, users)
    k = key()

    def crash(*args: object, **kw: object) -> None:
        raise RuntimeError("killed")

    monkeypatch.setattr(actions, "follow_up", crash)
    with pytest.raises(RuntimeError, match="killed"):
        client.post(f"/api/v1/tickets/{number}/accept", headers=worker | k)
    monkeypatch.undo()
    retry = client.post(f"/api/v1/tickets/{number}/accept", headers=worker | k)
    assert retry.status_code == 200 and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["status"] == "accepted" and events(ctx, number, "accept") == 1
