"""What the JSON API takes (gridops/web/input.py), over the real app: NaN, Infinity and a
number past a float's range are 422s, a lone surrogate in any text is a 422 naming the field
(both were 500s: the default 422 handler could not write them back, the database could not
store them), bidi controls are removed; nothing is written for a refused request."""

from __future__ import annotations

import pytest

from gridops.services.context import ServiceContext
from gridops.services.routing import route_batch
from gridops.store.accounts import Accounts

from .api.test_roles import reported
from .conftest import LUJIAZUI_L3, NOW, TestClient, Users, wgs84_point_in

JSON = {"content-type": "application/json"}


@pytest.fixture
def number(client: TestClient, ctx: ServiceContext, api_key: str) -> str:
    made = reported(client, ctx, api_key)
    assert route_batch(ctx, 10, now=NOW) == 1
    return str(made)


def version(ctx: ServiceContext, number: str) -> int:
    return ctx.store.get_by_number(number).version


@pytest.mark.parametrize(
    ("amount", "shown"), [("NaN", "nan"), ("Infinity", "inf"), ("-Infinity", "-inf"),
                          ("1e400", "inf")]
)  # fmt: skip
def test_a_number_that_is_not_finite_is_a_422(
    client: TestClient, ctx: ServiceContext, users: Users, number: str, amount: str, shown: str
) -> None:
    supervisor = users.add("s-1", "supervisor", "all")
    before = version(ctx, number)
    extend = client.post(f"/api/v1/tickets/{number}/extend", headers=supervisor | JSON,
                         content=f'{{"amount": {amount}, "approval": "A-1"}}')  # fmt: skip
    assert extend.status_code == 422, extend.text
    [error] = extend.json()["detail"]
    assert error["loc"] == ["body", "amount"] and error["type"] == "finite_number"
    assert error["input"] == shown
    body = (
        f'{{"owner_unit": "sc-310115005", "time_limit": {{"amount": {amount}, "clock": "hours"}}}}'
    )
    dispatch = client.post(f"/api/v1/tickets/{number}/dispatch", headers=supervisor | JSON,
                           content=body)  # fmt: skip
    assert dispatch.status_code == 422 and dispatch.json()["detail"][0]["input"] == shown
    assert version(ctx, number) == before


@pytest.mark.parametrize("value", ["nan", "inf", "-Infinity"])
def test_an_onsite_location_that_is_not_finite_is_a_422(
    client: TestClient, ctx: ServiceContext, users: Users, value: str
) -> None:
    worker = users.add("gw-1", "grid_worker", "gw-310115005001001")
    lat, _ = wgs84_point_in(ctx, LUJIAZUI_L3)
    form = {"category": "E0102", "lon": value, "lat": str(lat), "note": "当场清理"}
    refused = client.post("/api/v1/onsite", headers=worker, data=form)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "lon"]
    assert ctx.store.count() == 0


def test_a_lone_surrogate_is_a_422_naming_the_field(
    client: TestClient, ctx: ServiceContext, users: Users, number: str
) -> None:
    supervisor = users.add("s-1", "supervisor", "all")
    before = version(ctx, number)
    for action in ("supervise", "void", "force-close"):
        refused = client.post(f"/api/v1/tickets/{number}/{action}", headers=supervisor | JSON,
                              content='{"reason": "\\ud800 井盖"}')  # fmt: skip
        assert refused.status_code == 422, refused.text
        [error] = refused.json()["detail"]
        assert "reason contains lone surrogate U+D800; remove it" in error["msg"]
        assert error["input"] == {"reason": "\\ud800 井盖"}  # written back escaped
    too_long = '{"reason": "\\udfff' + "x" * 2000 + '"}'
    refused = client.post(f"/api/v1/tickets/{number}/supervise", headers=supervisor | JSON,
                          content=too_long)  # fmt: skip
    assert refused.status_code == 422
    nested = '{"owner_unit": "sc-310115005", "time_limit": {"amount": 2, "clock": "\\ud83d"}}'
    refused = client.post(f"/api/v1/tickets/{number}/dispatch", headers=supervisor | JSON,
                          content=nested)  # fmt: skip
    assert refused.status_code == 422
    assert "time_limit.clock contains lone surrogate U+D83D" in refused.json()["detail"][0]["msg"]
    assert version(ctx, number) == before

    admin = users.add("root", "admin")
    body = '{"id": "d-9", "name": "\\udc00", "role": "dispatcher"}'
    user = client.post("/api/v1/admin/users", headers=admin | JSON, content=body)
    assert user.status_code == 422 and "name contains lone surrogate U+DC00" in user.text
    assert "d-9" not in [u.id for u in Accounts(ctx.store.engine).list_users()]


def test_bidi_controls_are_removed_from_reasons_and_notes(
    client: TestClient, ctx: ServiceContext, users: Users, number: str
) -> None:
    supervisor = users.add("s-1", "supervisor", "all")
    flagged = client.post(f"/api/v1/tickets/{number}/supervise", headers=supervisor,
                          json={"reason": "逾期\u202e未处理\u2069"})  # fmt: skip
    assert flagged.status_code == 200, flagged.text
    event = ctx.store.events(ctx.store.get_by_number(number).id)[-1]
    assert event.type == "supervise" and event.payload["fields"]["reason"] == "逾期未处理"
