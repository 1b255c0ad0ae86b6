"""What the fuzzer found, one answer at a time: each status a route really gives is in the
OpenAPI document with the body it has, an unknown account is a 404, a 405 lists every method
of the resource, and a body's unknown keys never refuse it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import Users


@pytest.fixture
def doc(client: TestClient) -> dict[str, Any]:
    return client.get("/openapi.json").json()


def documented(doc: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    responses: dict[str, Any] = doc["paths"][path][method.lower()]["responses"]
    return responses


def test_a_refusal_is_documented_with_its_body(
    client: TestClient, users: Users, doc: dict[str, Any]
) -> None:
    dispatcher = users.add("d-1", "dispatcher", "all")
    field = users.add("f-1", "field_staff", "all")
    seen = [
        ("POST", "/api/v1/tickets/{ticket}/dispatch",
         client.post("/api/v1/tickets/0/dispatch", json={"owner_unit": "x"}, headers=dispatcher)),
        ("GET", "/api/v1/admin/users", client.get("/api/v1/admin/users", headers=field)),
        ("GET", "/api/v1/tickets/{ticket}", client.get("/api/v1/tickets/0", headers=dispatcher)),
        ("POST", "/api/v1/tickets/{ticket}/verify",
         client.post("/api/v1/tickets/0/verify", content=b"\xff{", headers=dispatcher
                     | {"Content-Type": "application/json"})),
        ("GET", "/api/v1/me", client.get("/api/v1/me")),
    ]  # fmt: skip
    assert [r.status_code for *_, r in seen] == [404, 403, 404, 400, 401]
    for method, path, response in seen:
        answer = documented(doc, method, path)[str(response.status_code)]
        schema = answer["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Problem"}, (path, answer)
        assert isinstance(response.json()["detail"], str)
    photo = documented(doc, "GET", "/media/{name}")["200"]["content"]
    assert photo.keys() == {"image/jpeg", "image/png"}  # it said application/json
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            if path.startswith("/api/v1/"):
                assert {"401", "403", "422", "503"} <= operation["responses"].keys(), path
            if "requestBody" in operation and path.startswith("/api/"):
                assert {"400", "413"} <= operation["responses"].keys(), (method, path)


def test_open311_answers_are_documented_in_json_and_xml(
    client: TestClient, doc: dict[str, Any]
) -> None:
    for fmt in ("A", "1"):  # FastAPI refused a digit with its own 422 before the route saw it
        got = client.get(f"/open311/v2/services.{fmt}")
        assert got.status_code == 404, got.text
        assert got.json() == [{"code": 404, "description": f"format {fmt!r} is not served; "
                                                           "use .json or .xml"}]  # fmt: skip
    answers = documented(doc, "GET", "/open311/v2/services.{fmt}")
    assert answers["404"]["content"].keys() == {"application/json", "text/xml"}
    assert answers["404"]["content"]["application/json"]["schema"]["type"] == "array"
    assert answers["200"]["content"].keys() == {"application/json", "text/xml"}
    posted = documented(doc, "POST", "/open311/v2/requests.{fmt}")
    assert {"200", "400", "403", "404", "413", "429", "503"} <= posted.keys()


def test_open311_search_parameters_are_in_the_document(doc: dict[str, Any]) -> None:
    operation = doc["paths"]["/open311/v2/requests.{fmt}"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"fmt", "service_request_id", "service_code", "start_date", "end_date",
                     "status", "updated_after", "updated_before", "page", "page_size",
                     "extensions", "jurisdiction_id"}  # fmt: skip
    one = doc["paths"]["/open311/v2/requests/{service_request_id}.{fmt}"]["get"]
    assert "extensions" in {p["name"] for p in one["parameters"]}


def test_open311_extensions_of_one_request_are_checked_like_the_search(
    client: TestClient,
) -> None:
    got = client.get("/open311/v2/requests/x.json?extensions=perhaps")
    assert got.status_code == 400 and "extensions" in got.json()[0]["description"]


def test_an_open311_form_that_does_not_parse_is_an_open311_400(client: TestClient) -> None:
    got = client.post("/open311/v2/requests.xml", content=b"--x\r\n",
                      headers={"Content-Type": "multipart/form-data"})  # fmt: skip
    assert got.status_code == 400 and got.text.startswith("<?xml"), got.text
    assert "<code>400</code>" in got.text


def test_an_unknown_user_or_key_is_a_404(client: TestClient, users: Users) -> None:
    admin = users.add("root", "admin")
    calls = [
        client.patch("/api/v1/admin/users/nobody", json={"active": False}, headers=admin),
        client.post("/api/v1/admin/users/nobody/token", headers=admin),
        client.delete("/api/v1/admin/api-keys/nothing", headers=admin),
    ]
    assert [c.status_code for c in calls] == [404, 404, 404], [c.text for c in calls]
    assert "nobody" in calls[0].json()["detail"] and "nothing" in calls[2].json()["detail"]


def test_a_405_lists_every_method_of_the_resource(client: TestClient) -> None:
    users_405 = client.options("/api/v1/admin/users")
    assert users_405.status_code == 405 and users_405.headers["allow"] == "GET, POST"
    page = client.put("/console/login")
    assert page.status_code == 405 and page.headers["allow"] == "GET, POST"
    assert page.headers["content-type"].startswith("text/html")
    open311 = client.post("/open311/v2/services.json")  # the catch-all said 404
    assert open311.status_code == 405 and open311.headers["allow"] == "GET"
    assert open311.json()[0]["code"] == 405
    both = client.options("/open311/v2/requests.xml")  # was {"detail": …}, not Open311's list
    assert both.status_code == 405 and both.headers["allow"] == "GET, POST"
    assert "<code>405</code>" in both.text
    assert client.delete("/open311/v2/nothing.json").json()[0]["code"] == 404


def test_unknown_keys_of_a_body_are_ignored_whatever_they_hold(
    client: TestClient, users: Users, doc: dict[str, Any]
) -> None:
    admin = users.add("root", "admin")
    made = client.post("/api/v1/admin/api-keys", json={"name": "k-1", "\x0b": "a\x0bb"},
                       headers=admin)  # fmt: skip
    assert made.status_code == 200, made.text
    refused = client.post("/api/v1/admin/api-keys", json={"name": "k\x0b2"}, headers=admin)
    assert refused.status_code == 422 and "name contains control character U+000B" in refused.text
    name = doc["components"]["schemas"]["ApiKeyIn"]["properties"]["name"]
    assert name["pattern"].startswith("^[^\\u0000-")
