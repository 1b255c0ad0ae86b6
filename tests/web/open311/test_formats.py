"""Open311 rendering: exact shapes, and render → parse gives the same values back."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridops.web.open311.errors import Open311Error
from gridops.web.open311.formats import (
    REQUEST_FIELDS,
    AttributeValue,
    Format,
    Open311Attribute,
    Open311Note,
    Open311Receipt,
    Open311Request,
    Open311Service,
    Open311ServiceDefinition,
    Open311TokenStatus,
    clean_text,
    render_error,
    render_errors,
    render_receipts,
    render_requests,
    render_service_definition,
    render_services,
    render_tokens,
)

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 22, 18, 30, 5, tzinfo=CST)

REQUEST = Open311Request(
    service_request_id="E0102261122000001",
    status="open",
    service_code="01-03",
    service_name="道路破损 road damage",
    description="人行道 <坑> & crack",
    agency_responsible="张江镇城运分中心",
    requested_datetime=T0,
    updated_datetime=T0 + timedelta(hours=1),
    lat=31.2035,
    long=121.5905,
    extended_attributes={
        "workflow_status": "dispatched",
        "cells": ["310115125", "310115125001"],
        "deadline": T0 + timedelta(hours=4),
        "owner_unit": "sc-310115125",
    },
    notes=(Open311Note(T0, "dispatched to sc-310115125", "dispatch"),),
)


def xml_root(body: bytes) -> ET.Element:
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(body)


def test_requests_json_has_every_field_with_null_for_empty() -> None:
    doc = render_requests([REQUEST], Format.JSON)
    assert doc.status == 200 and doc.media_type.startswith("application/json")
    (item,) = json.loads(doc.body)
    assert list(item) == list(REQUEST_FIELDS)
    assert item["status_notes"] is None and item["media_url"] is None
    assert item["requested_datetime"] == "2026-11-22T18:30:05+08:00"
    assert item["lat"] == 31.2035 and item["description"] == "人行道 <坑> & crack"
    assert "extended_attributes" not in item and "notes" not in item


def test_requests_xml_shape_and_empty_elements() -> None:
    doc = render_requests([REQUEST], Format.XML)
    assert doc.media_type.startswith("text/xml")
    root = xml_root(doc.body)
    assert root.tag == "service_requests"
    (req,) = root.findall("request")
    assert [c.tag for c in req] == list(REQUEST_FIELDS)
    empty = req.find("status_notes")
    assert empty is not None and empty.text is None and len(empty) == 0
    assert req.findtext("description") == "人行道 <坑> & crack"
    assert req.findtext("long") == "121.5905"


def test_extensions_add_extended_attributes_and_notes() -> None:
    (item,) = json.loads(render_requests([REQUEST], Format.JSON, extensions=True).body)
    assert item["extended_attributes"]["cells"] == ["310115125", "310115125001"]
    assert item["extended_attributes"]["deadline"] == "2026-11-22T22:30:05+08:00"
    assert item["notes"] == [
        {
            "datetime": "2026-11-22T18:30:05+08:00",
            "description": "dispatched to sc-310115125",
            "type": "dispatch",
        }
    ]
    req = xml_root(render_requests([REQUEST], Format.XML, extensions=True).body)[0]
    cells = req.findall("extended_attributes/cells/item")
    assert [c.text for c in cells] == ["310115125", "310115125001"]
    assert req.findtext("extended_attributes/workflow_status") == "dispatched"
    assert req.findtext("notes/note/type") == "dispatch"


def test_services_list_both_formats() -> None:
    services = [
        Open311Service(
            "01-03", "道路破损", "road damage", True, "realtime", ("road", "路面"), "市容"
        ),
        Open311Service("02-01", "暴露垃圾"),
    ]
    data = json.loads(render_services(services, Format.JSON).body)
    assert data[0] == {
        "service_code": "01-03",
        "service_name": "道路破损",
        "description": "road damage",
        "metadata": True,
        "type": "realtime",
        "keywords": "road, 路面",
        "group": "市容",
    }
    assert data[1]["keywords"] is None and data[1]["metadata"] is False
    root = xml_root(render_services(services, Format.XML).body)
    assert root.tag == "services" and [s.findtext("service_code") for s in root] == [
        "01-03",
        "02-01",
    ]
    assert root[0].findtext("metadata") == "true" and root[1].findtext("metadata") == "false"


def test_service_definition_shape() -> None:
    definition = Open311ServiceDefinition(
        "01-03",
        (
            Open311Attribute("depth", "number", "深度 depth (cm)", order=2),
            Open311Attribute(
                "kind",
                "singlevaluelist",
                "类型",
                required=True,
                order=1,
                values=(AttributeValue("hole", "坑洞"), AttributeValue("crack", "裂缝")),
            ),
        ),
    )
    data = json.loads(render_service_definition(definition, Format.JSON).body)
    assert data["service_code"] == "01-03"
    assert [a["code"] for a in data["attributes"]] == ["kind", "depth"]  # by order
    assert data["attributes"][0]["values"] == [
        {"key": "hole", "name": "坑洞"},
        {"key": "crack", "name": "裂缝"},
    ]
    assert data["attributes"][1]["datatype_description"] is None
    root = xml_root(render_service_definition(definition, Format.XML).body)
    assert root.tag == "service_definition" and root.findtext("service_code") == "01-03"
    attrs = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attrs] == ["kind", "depth"]
    assert [v.findtext("key") for v in attrs[0].findall("values/value")] == ["hole", "crack"]
    assert attrs[0].findtext("required") == "true" and attrs[0].findtext("variable") == "true"


def test_receipt_token_and_errors() -> None:
    data = json.loads(
        render_receipts([Open311Receipt("E01", service_notice="4 小时内处置")], Format.JSON).body
    )
    assert data == [
        {"service_request_id": "E01", "service_notice": "4 小时内处置", "account_id": None}
    ]
    root = xml_root(render_receipts([Open311Receipt(token="tk1")], Format.XML).body)
    assert [c.tag for c in root[0]] == ["token", "service_notice", "account_id"]
    assert json.loads(render_tokens([Open311TokenStatus("tk1")], Format.JSON).body) == [
        {"service_request_id": None, "token": "tk1"}
    ]
    err = render_error(Open311Error(403, "api_key is required"), Format.JSON)
    assert err.status == 403
    assert json.loads(err.body) == [{"code": 403, "description": "api_key is required"}]
    errs = render_errors([Open311Error(400, "a"), Open311Error(404, "b")], Format.XML)
    root = xml_root(errs.body)
    assert errs.status == 400 and root.tag == "errors"
    assert [(e.findtext("code"), e.findtext("description")) for e in root] == [
        ("400", "a"),
        ("404", "b"),
    ]


def test_values_that_cannot_be_rendered_are_refused_when_built() -> None:
    with pytest.raises(ValueError, match="open or closed"):
        Open311Request("E1", "dispatched", "01")
    with pytest.raises(ValueError, match="zone offset"):
        Open311Request("E1", "open", "01", requested_datetime=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="XML element name"):
        Open311Request("E1", "open", "01", extended_attributes={"bad key": 1})
    with pytest.raises(ValueError, match="needs values"):
        Open311Attribute("k", "singlevaluelist", "d")
    with pytest.raises(ValueError, match="exactly one"):
        Open311Receipt()
    with pytest.raises(Open311Error) as caught:
        Format.from_suffix("yaml")
    assert caught.value.code == 404 and "yaml" in caught.value.description


def test_xml_illegal_characters_are_dropped_in_both_formats() -> None:
    r = Open311Request("E1", "open", "01", description="a\x00b\x1bc\ud800d\ttab")
    (item,) = json.loads(render_requests([r], Format.JSON).body)
    assert item["description"] == "abcd\ttab"
    assert xml_root(render_requests([r], Format.XML).body)[0].findtext("description") == "abcd\ttab"


# --- round trips ------------------------------------------------------------------------------

text = st.text(max_size=40)
opt_text = st.none() | text
zones = st.sampled_from([UTC, CST, timezone(timedelta(hours=-5, minutes=-30))])
stamps = st.builds(
    lambda d, tz: d.replace(microsecond=0, tzinfo=tz),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
    zones,
)
requests = st.builds(
    Open311Request,
    service_request_id=st.from_regex(r"[A-Z0-9]{1,20}", fullmatch=True),
    status=st.sampled_from(["open", "closed"]),
    service_code=st.from_regex(r"[0-9]{2}-[0-9]{2}", fullmatch=True),
    service_name=opt_text,
    status_notes=opt_text,
    description=opt_text,
    agency_responsible=opt_text,
    requested_datetime=st.none() | stamps,
    updated_datetime=st.none() | stamps,
    lat=st.none() | st.floats(-90, 90),
    long=st.none() | st.floats(-180, 180),
    media_url=opt_text,
    extended_attributes=st.none()
    | st.dictionaries(
        st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True).filter(
            lambda k: not k.startswith("xml")
        ),
        st.none() | text | st.lists(text, max_size=3) | st.integers(),
        max_size=4,
    ),
)


def expected(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return clean_text(value)
    return value


@given(requests)
def test_json_round_trip(r: Open311Request) -> None:
    (item,) = json.loads(render_requests([r], Format.JSON, extensions=True).body)
    for name in REQUEST_FIELDS:
        assert item[name] == expected(getattr(r, name))
    for key, value in (r.extended_attributes or {}).items():
        want = [clean_text(v) for v in value] if isinstance(value, list) else expected(value)
        assert item["extended_attributes"][key] == want
    for name in ("requested_datetime", "updated_datetime"):
        if getattr(r, name) is not None:
            assert datetime.fromisoformat(item[name]) == getattr(r, name)


def xml_value(element: ET.Element | None) -> str | None:
    """What a client reads: the text, or None for an empty element (as xmltodict does)."""
    assert element is not None
    return element.text if element.text else None


@given(requests)
def test_xml_round_trip(r: Open311Request) -> None:
    req = xml_root(render_requests([r], Format.XML).body)[0]
    for name in REQUEST_FIELDS:
        value = getattr(r, name)
        got = xml_value(req.find(name))
        if isinstance(value, float):
            assert got is not None and float(got) == value and math.isfinite(float(got))
        elif value is None or value == "" or (isinstance(value, str) and not clean_text(value)):
            assert got is None
        else:
            assert got == expected(value)


@given(requests)
def test_xmltodict_reads_the_same_as_json(r: Open311Request) -> None:
    """What an xmltodict client gets equals the JSON, modulo XML's untyped text."""
    (from_json,) = json.loads(render_requests([r], Format.JSON).body)
    xmltodict = pytest.importorskip("xmltodict")  # a dev dependency (comes with georeport)
    from_xml = xmltodict.parse(render_requests([r], Format.XML).body)["service_requests"]["request"]
    for name in REQUEST_FIELDS:
        j, x = from_json[name], from_xml[name]
        if j is None or j == "":
            assert x is None
        elif isinstance(j, float | int):
            assert x is not None and float(x) == j
        else:
            # xmltodict strips surrounding whitespace by default
            assert x == j.strip() or (x is None and j.strip() == "")


codes = st.from_regex(r"[A-Za-z0-9-]{1,12}", fullmatch=True)
services = st.builds(
    Open311Service,
    service_code=codes,
    service_name=text,
    description=opt_text,
    metadata=st.booleans(),
    type=st.sampled_from(["realtime", "batch", "blackbox"]),
    keywords=st.lists(st.from_regex(r"[a-z路面]{1,8}", fullmatch=True), max_size=3).map(tuple),
    group=opt_text,
)


@given(st.lists(services, min_size=2, max_size=4))
def test_services_xmltodict_equals_json(items: list[Open311Service]) -> None:
    from_json = json.loads(render_services(items, Format.JSON).body)
    xmltodict = pytest.importorskip("xmltodict")
    from_xml = xmltodict.parse(render_services(items, Format.XML).body)["services"]["service"]
    for j, x in zip(from_json, from_xml, strict=True):
        assert list(j) == list(x)
        for key, value in j.items():
            if isinstance(value, bool):
                assert x[key] == ("true" if value else "false")
            elif value is None or not value.strip():
                assert x[key] is None
            else:
                assert x[key] == value.strip()


definitions = st.builds(
    Open311ServiceDefinition,
    service_code=codes,
    attributes=st.lists(
        st.builds(
            Open311Attribute,
            code=codes,
            datatype=st.sampled_from(["string", "number", "datetime", "text"]),
            description=text,
            required=st.booleans(),
            order=st.integers(1, 99),
        ),
        max_size=4,
        unique_by=lambda a: a.code,
    ).map(tuple),
)


@given(definitions)
def test_definition_json_round_trip(d: Open311ServiceDefinition) -> None:
    data = json.loads(render_service_definition(d, Format.JSON).body)
    assert data["service_code"] == d.service_code
    assert [(a["code"], a["order"], a["required"]) for a in data["attributes"]] == [
        (a.code, a.order, a.required) for a in d.attributes
    ]
    root = xml_root(render_service_definition(d, Format.XML).body)
    assert [a.findtext("code") for a in root.iter("attribute")] == [a.code for a in d.attributes]
