"""The canonical JSON: orjson's fast path gives exactly the reference encoder's bytes."""

from __future__ import annotations

import dataclasses
import json
import math
import struct
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gridops.tickets.codec import (
    _may_differ,
    canonical,
    canonical_bytes,
    compact,
    iso,
    parse_iso,
    plain,
    reference_canonical,
)
from gridops.tickets.model import Clock, Reporter
from gridops.tickets.vocabulary import ClockType, TimeLimit

scalars = (
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too: the reference path takes them
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(0, 2**64 - 1).map(lambda b: struct.unpack("d", struct.pack("Q", b))[0])
)
json_values = st.recursive(
    scalars.filter(lambda v: not (isinstance(v, float) and not math.isfinite(v))),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text() | st.integers(), inner, max_size=4)
    ),
    max_leaves=16,
)


@given(json_values)
@example({"x": 1e16, "y": 1e-7, "z": 1e-5, "w": 0.0001, "v": 5e-324, "u": -1.5e-300})
@example({"t": "2026-11-23T04:00:00.000000Z", "l": [10.00001, 0.00001, -0.00001e-3, 3e-5]})
@example({"text": '1e-5 :0.00001 井盖 \u2028 \x00\x1f\x7f "q" \\ \n\t\b\f\r'})
@example({"big": 2**64, "neg": -(2**63) - 1, "k": {1: "int key", 2: "sorted as text"}})
@example({1: "int key", "1": "str key"})
@example(["\ud800"])  # a lone surrogate
def test_canonical_is_byte_for_byte_the_reference(value):
    assert outcome(canonical, value) == outcome(reference_canonical, value)


@given(json_values)
@example(["\ud800"])  # a lone surrogate: no UTF-8 for it, either way
@example({"y": 1e-7, "t": "2026-11-23T04:00:00.000000Z", "big": 2**64})
def test_canonical_bytes_are_the_canonical_text_in_utf8(value):
    """What a hash is taken over: the same bytes as encoding canonical()'s text."""
    assert outcome(canonical_bytes, value) == outcome(lambda v: canonical(v).encode(), value)


@given(json_values)
@example({"x": 1e16, "y": 1e-7, "z": 1e-5, "v": 5e-324, "big": 2**64, "k": {1: "int key"}})
def test_compact_reads_back_as_the_canonical_form(value):
    """A ticket's row: not canonical bytes, but the same values when read (or the same
    refusal)."""
    assert outcome(lambda v: json.loads(compact(v)), value) == outcome(
        lambda v: json.loads(canonical(v)), value
    )


def test_whole_second_times_take_the_fast_path():
    """Deadlines fall on whole hours: their ``…:00.000000Z`` is no small float (it was taken
    for one, and sent most dispatched tickets to the slow encoder)."""
    assert not _may_differ(b'{"due_at":"2026-11-23T04:00:00.000000Z","x":120.000001}')
    for small in (b"[0.00001]", b'{"a":0.00001}', b"[1,-0.00001]", b"0.00001", b"[1e-5]"):
        assert _may_differ(small)


def outcome(encode, value):
    """The text, or the kind of refusal (mixed key types cannot be sorted, for one)."""
    try:
        return encode(value)
    except (TypeError, ValueError) as e:
        return type(e)


def test_canonical_refuses_what_the_reference_refuses():
    class Thing:
        pass

    for bad in (Thing(), datetime(2026, 1, 1, tzinfo=UTC), {"x": Thing()}):
        with pytest.raises(TypeError):
            canonical(bad)


def test_canonical_is_sorted_and_compact():
    assert canonical({"b": 1, "a": [1, "网格"], "c": {"z": None, "y": True}}) == (
        '{"a":[1,"网格"],"b":1,"c":{"y":true,"z":null}}'
    )


@given(st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=8))])))
def test_iso_round_trips_in_utc(dt):
    text = iso(dt)
    assert text.endswith("Z") and len(text) == 27
    assert parse_iso(text) == dt and parse_iso(text).tzinfo is UTC


def test_iso_refuses_naive_times_every_time():
    for _ in range(2):  # the cache must not remember a refusal as an answer
        with pytest.raises(ValueError, match="naive"):
            iso(datetime(2026, 1, 1))


@given(
    st.builds(
        Clock,
        limit=st.none() | st.builds(TimeLimit, st.floats(0.5, 100), st.sampled_from(ClockType)),
        started_at=st.none() | st.datetimes(timezones=st.just(UTC)),
        due_at=st.none() | st.datetimes(timezones=st.just(UTC)),
        paused_at=st.none() | st.datetimes(timezones=st.just(UTC)),
        remaining_s=st.none() | st.floats(0, 1e6),
        stopped_at=st.none() | st.datetimes(timezones=st.just(UTC)),
        extended=st.floats(0, 1e6),
    ),
    st.builds(Reporter, st.text(), st.text(), st.text()),
)
def test_plain_clock_and_reporter_are_every_field_made_plain(clock, reporter):
    """plain() has a fast path for these two; it equals the field-by-field definition."""
    for value in (clock, reporter):
        slow = {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        assert plain(value) == slow
