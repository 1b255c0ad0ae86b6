"""The JSON API's intake (/api/v1/onsite) takes a stored address like Open311 does: an id, or
a text taken when clear; not clear → 400 listing the candidates; unknown → 400; nothing is
written on a refusal; still loading → 503 with Retry-After."""

from __future__ import annotations

import threading
import weakref

import pytest

from gridops.services import address_books
from gridops.services.addresses import import_addresses
from gridops.services.context import ServiceContext

from ..conftest import LUJIAZUI_L3, NOW, TestClient, Users

OTHER_L3 = "310115004001001"  # 潍坊新村街道
INSPECTOR = ("i-1", "inspector", "all")
NOTE = {"category": "E0102", "note": "当场清理"}


@pytest.fixture
def addresses(ctx: ServiceContext, tmp_path) -> None:
    def at(code: str) -> str:
        p = ctx.grid.cells[code].geometry.representative_point()
        return f"{p.x:.7f},{p.y:.7f}"

    f = tmp_path / "addresses.csv"
    f.write_text(
        "id,address,lon,lat\n"
        f"L1,浦东新区陆家嘴街道锦绣路1号,{at(LUJIAZUI_L3)}\n"
        f"L2,浦东新区陆家嘴街道张杨路88号,{at(LUJIAZUI_L3)}\n"
        f"W2,浦东新区潍坊新村街道张杨路88号,{at(OTHER_L3)}\n",
        encoding="utf-8",
    )
    import_addresses(ctx.store, ctx.grid, f, now=NOW)


def onsite(client: TestClient, who: dict[str, str], **where: str):
    return client.post("/api/v1/onsite", headers=who, data=NOTE | where)


@pytest.mark.usefixtures("addresses")
def test_by_address_text_id_and_the_ambiguity_rule(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    me = users.add(*INSPECTOR)
    made = onsite(client, me, address="陆家嘴街道锦秀路1号")  # a typo, still clear
    assert made.status_code == 200, made.text
    ticket = made.json()
    assert ticket["address"]["id"] == "L1" and ticket["address"]["distance_m"] == 0.0
    assert ctx.store.get_by_number(ticket["number"]).cells[-1] == LUJIAZUI_L3
    by_id = onsite(client, me, address_id="W2")
    assert by_id.status_code == 200 and by_id.json()["address"]["id"] == "W2"
    before = ctx.store.count()
    unclear = onsite(client, me, address="张杨路88号")
    assert unclear.status_code == 400
    body = unclear.json()
    assert "'张杨路88号' is not clear" in body["detail"] and "address_id" in body["detail"]
    assert {c["id"] for c in body["candidates"]} == {"L2", "W2"}
    assert {c["cell"] for c in body["candidates"]} == {LUJIAZUI_L3, OTHER_L3}
    chosen = onsite(client, me, address="张杨路88号", address_id=body["candidates"][0]["id"])
    assert chosen.status_code == 200  # the id sent back settles it
    for where, words in (
        ({"address": "no such place 999"}, "matches no address"),
        ({"address_id": "X9"}, "'X9' is not in the address database"),
        ({}, "send lon and lat, or address"),
        ({"lon": "121.5"}, "send both lon and lat"),
    ):
        refused = onsite(client, me, **where)
        assert refused.status_code == 400 and words in refused.json()["detail"], refused.text
    assert ctx.store.count() == before + 1  # refusals wrote nothing


@pytest.mark.usefixtures("addresses")
def test_the_reporters_area_holds_for_an_address_too(client: TestClient, users: Users) -> None:
    worker = users.add("gw-1", "grid_worker", f"gw-{LUJIAZUI_L3}")
    assert onsite(client, worker, address_id="W2").status_code == 403
    assert onsite(client, worker, address_id="L1").status_code == 200


@pytest.mark.usefixtures("addresses")
def test_while_the_book_loads_an_address_is_a_503(
    client: TestClient, users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    me = users.add(*INSPECTOR)
    gate, real = threading.Event(), address_books.load_addresses
    monkeypatch.setattr(address_books, "_SHELVES", weakref.WeakKeyDictionary())  # a fresh start
    monkeypatch.setattr(address_books, "LOOKUP_WAIT_S", 0.05)
    monkeypatch.setattr(
        address_books, "load_addresses", lambda e, *a: gate.wait(30) and real(e, *a)
    )
    try:
        busy = onsite(client, me, address="锦绣路1号")
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
        assert "still being loaded" in busy.json()["detail"]
    finally:
        gate.set()
    assert onsite(client, me, address="锦绣路1号").status_code == 200


def test_the_openapi_document_names_the_address_fields(client: TestClient) -> None:
    op = client.get("/openapi.json").json()["paths"]["/api/v1/onsite"]["post"]
    ref = op["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    form = schemas[ref.rsplit("/", 1)[1]]
    assert {"address", "address_id", "lon", "lat"} <= set(form["properties"])
    assert {"lon", "lat"}.isdisjoint(form.get("required", []))
    problem = op["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
    assert "candidates" in schemas[problem.rsplit("/", 1)[1]]["properties"]
