"""Open311 GeoReport v2 routes against the real app: shapes, filters, errors, POST with an API
key, tokens, the outside-grid 400, the rate limit and reporter data never going out."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from gridops.services.context import ServiceContext

from .conftest import LUJIAZUI_L3, TestClient, wgs84_point_in

BASE = "/open311/v2"


def post(client: TestClient, ctx: ServiceContext, api_key: str, fmt: str = "json", **extra):
    lat, lon = wgs84_point_in(ctx, LUJIAZUI_L3)
    form = {
        "api_key": api_key,
        "service_code": "E0102",
        "lat": str(lat),
        "long": str(lon),
        "description": "路边暴露垃圾",
        "first_name": "三",
        "last_name": "张",
        "phone": "13812345678",
        "email": "zhang@example.com",
    } | extra
    return client.post(f"{BASE}/requests.{fmt}", data=form)


def test_a_phone_number_typed_full_width_is_taken_half_width(
    client: TestClient, ctx: ServiceContext, api_key: str
) -> None:
    """A Chinese input method types （０２１）　５８８８－１２３４: it was refused."""
    made = post(client, ctx, api_key, phone="（０２１）　５８８８－１２３４")
    assert made.status_code == 200, made.text
    ticket = ctx.store.get_by_number(made.json()[0]["service_request_id"])
    assert ticket.reporter.phone == "(021) 5888-1234"
    assert post(client, ctx, api_key, phone="１３８ｘ").status_code == 400  # still not a number


def test_services_in_both_formats(client: TestClient) -> None:
    js = client.get(f"{BASE}/services.json")
    assert js.status_code == 200 and js.headers["content-type"].startswith("application/json")
    codes = [s["service_code"] for s in js.json()]
    assert "E0102" in codes and "C0101" in codes
    xml = client.get(f"{BASE}/services.xml")
    root = ET.fromstring(xml.content)
    assert root.tag == "services" and len(root) == len(codes)
    definition = client.get(f"{BASE}/services/E0102.json").json()
    assert definition == {"service_code": "E0102", "attributes": []}
    assert client.get(f"{BASE}/services/NOPE.json").status_code == 404


def test_post_creates_a_request_and_get_shows_it_without_reporter_data(
    client: TestClient, ctx: ServiceContext, api_key: str
) -> None:
    made = post(client, ctx, api_key)
    assert made.status_code == 200, made.text
    [receipt] = made.json()
    number = receipt["service_request_id"]
    assert set(receipt) == {"service_request_id", "service_notice", "account_id"}
    got = client.get(f"{BASE}/requests/{number}.json", params={"extensions": "true"})
    [req] = got.json()
    assert req["status"] == "open" and req["service_code"] == "E0102"
    assert req["extended_attributes"]["workflow_status"] == "reported"
    assert req["requested_datetime"].endswith("+08:00")
    lat, lon = wgs84_point_in(ctx, LUJIAZUI_L3)
    assert abs(req["lat"] - lat) < 1e-6 and abs(req["long"] - lon) < 1e-6
    assert req["notes"][0]["description"] == "new → reported"
    for body in (got.text, client.get(f"{BASE}/requests.xml").text):
        assert "13812345678" not in body and "zhang@example.com" not in body
        assert "张" not in body.replace("张江", "")
    ticket = ctx.store.get_by_number(number)
    assert ticket.reporter.phone == "13812345678"  # kept, for dispatchers only
    token = client.get(f"{BASE}/tokens/{ticket.id}.json").json()
    assert token == [{"service_request_id": number, "token": ticket.id}]


def test_get_requests_filters(client: TestClient, ctx: ServiceContext, api_key: str) -> None:
    first = post(client, ctx, api_key).json()[0]["service_request_id"]
    second = post(client, ctx, api_key).json()[0]["service_request_id"]
    listed = client.get(f"{BASE}/requests.json").json()
    assert [r["service_request_id"] for r in listed] == [second, first]
    assert client.get(f"{BASE}/requests.json", params={"status": "closed"}).json() == []
    one = client.get(f"{BASE}/requests.json", params={"service_request_id": first}).json()
    assert [r["service_request_id"] for r in one] == [first]
    paged = client.get(f"{BASE}/requests.json", params={"page_size": 1, "page": 2}).json()
    assert [r["service_request_id"] for r in paged] == [first]
    old = client.get(f"{BASE}/requests.json", params={"end_date": "2026-01-01T00:00:00Z"})
    assert old.json() == []
    span = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"}
    bad = client.get(f"{BASE}/requests.xml", params=span)
    assert bad.status_code == 400
    err = ET.fromstring(bad.content)
    assert err.tag == "errors" and err[0].findtext("code") == "400"
    assert "90 days" in (err[0].findtext("description") or "")


def test_errors_in_the_spec_shape(client: TestClient, ctx: ServiceContext, api_key: str) -> None:
    lat, lon = wgs84_point_in(ctx, LUJIAZUI_L3)
    missing = client.post(f"{BASE}/requests.json", data={"service_code": "E0102"})
    assert missing.status_code == 403 and missing.json()[0]["code"] == 403
    wrong = post(client, ctx, "gok_wrong")
    assert wrong.status_code == 403 and "api_key is not valid" in wrong.json()[0]["description"]
    outside = client.post(
        f"{BASE}/requests.json",
        data={"api_key": api_key, "service_code": "E0102", "lat": "39.9", "long": "116.4"},
    )
    assert outside.status_code == 400
    assert "outside every level-1 cell" in outside.json()[0]["description"]
    long_text = post(client, ctx, api_key, description="x" * 4001)
    assert long_text.status_code == 400 and "at most 4000" in long_text.json()[0]["description"]
    unknown = post(client, ctx, api_key, service_code="Z9999")
    assert unknown.status_code == 400
    form = {"api_key": api_key, "service_code": "E0102", "address_string": "世纪大道 1 号"}
    address_only = client.post(f"{BASE}/requests.json", data=form)
    assert address_only.status_code == 400 and "matches no address" in address_only.text
    assert client.get(f"{BASE}/requests/E404.json").status_code == 404
    assert client.get(f"{BASE}/requests.yaml").status_code == 404
    assert client.get(f"{BASE}/tokens/{'0' * 32}.xml").status_code == 404
    assert client.get(f"{BASE}/nothing.json").json()[0]["code"] == 404
    assert ctx.store.count() == 0


def test_rate_limit_per_address(client: TestClient, ctx: ServiceContext, api_key: str) -> None:
    codes = [post(client, ctx, api_key, description=f"n{i}").status_code for i in range(41)]
    assert codes[:40] == [200] * 40
    refused = post(client, ctx, api_key)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert json.loads(refused.text)[0]["code"] == 429
    assert ctx.store.count() == 40


def test_body_size_limit(client: TestClient, api_key: str) -> None:
    big = client.post(
        f"{BASE}/requests.json",
        content=b"x" * (11 * 1024 * 1024),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert big.status_code == 413


def test_out_of_range_times_are_open311_400s_in_both_formats(client: TestClient) -> None:
    """Unauthenticated searches with times past year 9999 in UTC (or before year 1) were 500s:
    every time filter is a 400 in the asked format naming the parameter."""
    queries = {
        "end_date": "9999-12-31T23:59:59-14:00",
        "start_date": "0001-01-01T00:00:00+14:00",
        "updated_after": "9999-12-31T23:59:59-14:00",
        "updated_before": "0001-01-01",
    }
    for name, value in queries.items():
        js = client.get(f"{BASE}/requests.json", params={name: value})
        assert js.status_code == 400, js.text
        assert js.json() == [{"code": 400, "description": f"{name} {value!r} is out of range; "
                              "give a time from 1970-01-01 to 2999-12-31"}]  # fmt: skip
        xml = client.get(f"{BASE}/requests.xml", params={name: value})
        root = ET.fromstring(xml.content)
        assert xml.status_code == 400 and root.tag == "errors" and name in xml.text


def test_bidi_controls_are_removed_from_what_a_citizen_writes(
    client: TestClient, ctx: ServiceContext, api_key: str
) -> None:
    made = post(client, ctx, api_key, description="井盖\u202e缺失\u2066", first_name="\u202a三")
    assert made.status_code == 200, made.text
    ticket = ctx.store.get_by_number(made.json()[0]["service_request_id"])
    assert ticket.description == "井盖缺失" and ticket.reporter.name == "三 张"
    refused = post(client, ctx, api_key, description="井盖\x07缺失")
    assert refused.status_code == 400
    assert refused.json()[0]["description"] == "description contains control character U+0007"


def test_an_expired_api_key_is_refused_like_a_wrong_one(
    client: TestClient, ctx: ServiceContext
) -> None:
    from datetime import timedelta

    from gridops.store.accounts import Accounts
    from gridops.web.security import issue_api_key

    from .conftest import NOW

    issued = issue_api_key()
    Accounts(ctx.store.engine).add_api_key("old-app", key_hash=issued.token_hash,
                                           key_hint=issued.hint, now=NOW - timedelta(days=9),
                                           expires_at=NOW)  # fmt: skip
    lat, lon = wgs84_point_in(ctx, LUJIAZUI_L3)
    form = {"api_key": issued.token, "service_code": "E0102", "lat": str(lat), "long": str(lon)}
    refused = client.post("/open311/v2/requests.json", data=form)
    assert refused.status_code == 403 and "api_key is not valid" in refused.text
    assert ctx.store.count() == 0
