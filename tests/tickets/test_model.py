"""Drafts and ids: bad input gives one clear error."""

from __future__ import annotations

import pytest

from gridops.errors import UserError
from gridops.tickets import (
    Kind,
    case_number,
    check_id,
    decode_ticket,
    encode_ticket,
)
from tickets.factory import draft, fresh


@pytest.mark.parametrize(
    "kw,match",
    [
        ({"category": "9999"}, "unknown category '9999'"),
        ({"category": "bad code!"}, "malformed"),
        ({"lon": None}, "location is missing"),
        ({"lat": 123.0}, "not a lon/lat"),
        ({"description": "x" * 4001}, "4001 characters"),
        ({"kind": "thing"}, "'thing' is not a valid Kind"),
        ({"priority": 0}, "priority"),
    ],
)
def test_bad_drafts_are_refused(kw, match):
    with pytest.raises(UserError, match=match):
        draft(**kw).validate({"0102", "bad code!"})


def test_description_of_exactly_4000_is_fine():
    draft(description="网" * 4000).validate()


@pytest.mark.parametrize("bad", ["", "123", "G" * 32, "A" * 32, None])
def test_malformed_ids(bad):
    with pytest.raises(UserError, match="malformed"):
        check_id(bad)


def test_case_number_format():
    assert case_number(Kind.COMPONENT, "01.01", "20261122", 7) == "C010120261122" + "00007"
    # codes that carry their kind letter (config/categories.yaml) do not repeat it
    assert case_number(Kind.EVENT, "E0102", "20261122", 12) == "E010220261122" + "00012"
    assert case_number(Kind.COMPONENT, "C0101", "20261122", 1) == "C010120261122" + "00001"


def test_encode_decode_round_trip():
    t = fresh().ticket
    assert decode_ticket(encode_ticket(t)) == t


def test_draft_defaults_point_to_reported_location():
    t = fresh().ticket
    assert (t.point_lon, t.point_lat) == (t.lon, t.lat)


# -- evolve and build_ticket: dataclasses.replace and Ticket(**) without __init__ -------------


def test_evolve_is_dataclasses_replace():
    from dataclasses import replace

    from gridops.tickets.model import evolve

    t = fresh().ticket
    changes = {"owner_unit": "u", "assignee": "s", "version": 2, "cells": ("a",)}
    assert evolve(t, changes) == replace(t, **changes)
    assert evolve(t, {}) == t and evolve(t, {}) is not t
    assert t.owner_unit == ""  # the original is untouched
    with pytest.raises(TypeError, match="no field"):
        evolve(t, {"owner": "u"})


def test_build_ticket_is_the_constructor():
    from dataclasses import asdict, fields

    from gridops.tickets import Ticket
    from gridops.tickets.model import build_ticket

    t = fresh().ticket
    values = {f.name: getattr(t, f.name) for f in fields(Ticket)}
    assert build_ticket(values) == Ticket(**values)
    names = "id number category kind source lon lat crs point_lon point_lat reported_at"
    required = {k: values[k] for k in names.split()}
    a, b = build_ticket(required), build_ticket(required)
    assert asdict(a) == asdict(Ticket(**required))
    assert a.routing is not b.routing  # default factories run per ticket
    with pytest.raises(TypeError, match="unknown fields \\['x'\\]"):
        build_ticket({**values, "x": 1})
    with pytest.raises(TypeError, match="missing \\['id'\\]"):
        build_ticket({k: v for k, v in values.items() if k != "id"})
