"""Open311 POST located by ``address_string`` or ``address_id`` through the address database
(ambiguous or unknown: 400 in Open311's error form, candidates listed); GET gives ``address``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gridops.services.addresses import import_addresses
from gridops.services.context import ServiceContext

from .conftest import LUJIAZUI_L3, TestClient, wgs84_point_in

BASE = "/open311/v2"
OTHER_L3 = "310115004001001"  # 潍坊新村街道


@pytest.fixture
def addresses(ctx: ServiceContext, tmp_path) -> None:
    def at(code: str) -> str:
        p = ctx.grid.cells[code].geometry.representative_point()
        return f"{p.x:.7f},{p.y:.7f}"

    f = tmp_path / "addresses.csv"
    f.write_text(
        "id,address,lon,lat,aliases\n"
        f"L1,浦东新区陆家嘴街道锦绣路1号,{at(LUJIAZUI_L3)},No. 1 Jinxiu Road\n"
        f"L2,浦东新区陆家嘴街道张杨路88号,{at(LUJIAZUI_L3)},\n"
        f"W2,浦东新区潍坊新村街道张杨路88号,{at(OTHER_L3)},\n",
        encoding="utf-8",
    )
    import_addresses(ctx.store, ctx.grid, f, now=datetime.now(UTC))


def post(client: TestClient, api_key: str, **where: str):
    form = {"api_key": api_key, "service_code": "E0102", "description": "暴露垃圾"} | where
    return client.post(f"{BASE}/requests.json", data=form)


def get(client: TestClient, number: str) -> dict:
    [req] = client.get(f"{BASE}/requests/{number}.json").json()
    return req


@pytest.mark.usefixtures("addresses")
def test_located_by_address_string_typo_and_english_too(
    client: TestClient, ctx: ServiceContext, api_key: str
) -> None:
    for text in ("锦绣路１号", "陆家嘴街道锦秀路1号", "No. 1, Jinxiu Rd"):
        made = post(client, api_key, address_string=text)
        assert made.status_code == 200, made.text
        number = made.json()[0]["service_request_id"]
        assert ctx.store.get_by_number(number).cells[-1] == LUJIAZUI_L3
        assert get(client, number)["address"] == "浦东新区陆家嘴街道锦绣路1号"


@pytest.mark.usefixtures("addresses")
def test_located_by_address_id(client: TestClient, ctx: ServiceContext, api_key: str) -> None:
    made = post(client, api_key, address_id="W2")
    assert made.status_code == 200, made.text
    number = made.json()[0]["service_request_id"]
    assert ctx.store.get_by_number(number).cells[-1] == OTHER_L3
    assert get(client, number)["address"] == "浦东新区潍坊新村街道张杨路88号"


@pytest.mark.usefixtures("addresses")
def test_ambiguous_lists_the_candidates_and_unknown_is_named(
    client: TestClient, ctx: ServiceContext, api_key: str
) -> None:
    ambiguous = post(client, api_key, address_string="张杨路88号")
    assert ambiguous.status_code == 400
    errors = ambiguous.json()
    assert "is not clear: 2 candidate(s) follow; send the address_id" in errors[0]["description"]
    listed = " ".join(e["description"] for e in errors[1:])
    assert "address_id=L2" in listed and "address_id=W2" in listed
    assert all(e["code"] == 400 for e in errors)
    xml = client.post(
        f"{BASE}/requests.xml",
        data={"api_key": api_key, "service_code": "E0102", "address_string": "张杨路88号"},
    )
    assert xml.status_code == 400 and xml.text.count("<error>") == 3
    unknown = post(client, api_key, address_id="NOPE")
    assert unknown.status_code == 400
    assert "address_id 'NOPE' is not in the address database" in unknown.text
    assert post(client, api_key, address_string="陆家嘴街道张杨路88号").status_code == 200
    assert ctx.store.count() == 1


@pytest.mark.usefixtures("addresses")
def test_a_ticket_reported_by_point_gets_its_nearest_address(
    client: TestClient, ctx: ServiceContext, api_key: str
) -> None:
    lat, lon = wgs84_point_in(ctx, OTHER_L3)
    made = post(client, api_key, lat=str(lat), long=str(lon))
    assert get(client, made.json()[0]["service_request_id"])["address"] == (
        "浦东新区潍坊新村街道张杨路88号"
    )


@pytest.mark.usefixtures("addresses")
def test_while_the_address_book_loads_a_post_by_address_is_a_503_with_retry_after(
    client: TestClient, ctx: ServiceContext, api_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading
    import weakref

    from gridops.services import address_books

    monkeypatch.setattr(address_books, "_SHELVES", weakref.WeakKeyDictionary())  # a fresh start

    gate, real = threading.Event(), address_books.load_addresses
    monkeypatch.setattr(address_books, "LOOKUP_WAIT_S", 0.05)
    monkeypatch.setattr(
        address_books, "load_addresses", lambda e, *a: gate.wait(30) and real(e, *a)
    )
    try:
        made = post(client, api_key, address_string="锦绣路1号")
        assert made.status_code == 503 and made.headers["Retry-After"] == "5"
        assert "still being loaded" in made.json()[0]["description"]
        lat, lon = wgs84_point_in(ctx, OTHER_L3)
        by_point = post(client, api_key, lat=str(lat), long=str(lon))  # needs no book
        assert by_point.status_code == 200, by_point.text
    finally:
        gate.set()
    assert post(client, api_key, address_string="锦绣路1号").status_code == 200
