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
