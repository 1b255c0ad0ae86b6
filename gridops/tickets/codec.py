"""Tickets ⇄ plain JSON data, and the canonical JSON encoding that event hashes are taken over.

Timestamps are ISO-8601 UTC with a ``Z`` (``2026-11-22T02:30:00.000000Z``); tuples become
lists; enums their values. ``decode_ticket(encode_ticket(t)) == t``.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

from gridops.tickets.model import Clock, Reporter, Status, Ticket, build_ticket
from gridops.tickets.vocabulary import Kind, Source, TimeLimit

_DATETIMES = frozenset(f.name for f in dataclasses.fields(Ticket) if "datetime" in str(f.type)) | {
    "reported_at"
}
_TICKET_FIELDS = tuple(f.name for f in dataclasses.fields(Ticket))
_CLOCK_DATETIMES = ("started_at", "due_at", "paused_at", "stopped_at")
#: fields added after chains were first written: encoded only when set, so that the bytes of
#: older tickets (and the hashes over them) do not change
_LATER = frozenset({"reporter_salt", "reporter_digest"})


@lru_cache(maxsize=4096)  # one transition stamps the same instant into several fields
def iso(dt: datetime) -> str:
    """ISO-8601 UTC with microseconds and a Z; refuses naive datetimes."""
    if dt.tzinfo is None:
        raise ValueError(f"naive datetime {dt!r}: gridops needs timezone-aware times")
    return dt.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@lru_cache(maxsize=4096)
def parse_iso(text: str) -> datetime:
    """Inverse of :func:`iso` (any ISO-8601 time with an offset, returned in UTC)."""
    return datetime.fromisoformat(text).astimezone(UTC)


_PASSTHROUGH = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME  # refused
_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | _PASSTHROUGH


def canonical(data: Any) -> str:
    """Canonical JSON: sorted keys, no whitespace, UTF-8 kept.

    The bytes are those of ``json.dumps(data, sort_keys=True, separators=(",", ":"),
    ensure_ascii=False, allow_nan=False)`` (the reference every stored hash was taken over),
    made by orjson about ten times faster; whatever orjson cannot encode exactly the same way
    (integers beyond 64 bits, non-string keys, lone surrogates, small floats) goes to the
    reference encoder. Values must be finite: the reference refuses NaN, orjson would write
    ``null`` — every float that reaches a ticket is range-checked or computed first.
    """
    out = _fast_canonical(data)
    return reference_canonical(data) if out is None else out.decode("utf-8")


def canonical_bytes(data: Any) -> bytes:
    """:func:`canonical` as UTF-8 bytes (what a hash is taken over), without a round trip
    through ``str``."""
    out = _fast_canonical(data)
    return reference_canonical(data).encode("utf-8") if out is None else out


def _fast_canonical(data: Any) -> bytes | None:
    """orjson's canonical bytes, or None where the reference encoder must write them."""
    try:
        out = orjson.dumps(data, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return None
    return None if _may_differ(out) else out


def compact(data: Any) -> str:
    """Compact JSON for what is stored but never hashed (a ticket's row): orjson's output as
    it comes — keys in the order given, floats in orjson's shortest form, which reads back as
    the same float — with neither the sorting nor the look-alike scan of :func:`canonical`.
    Whatever orjson refuses (integers beyond 64 bits, non-string keys) takes
    :func:`canonical`. Values must be finite, as there."""
    try:
        return orjson.dumps(data, option=_PASSTHROUGH).decode("utf-8")
    except TypeError:
        return canonical(data)


_DIGITS = frozenset(b"0123456789")


def _may_differ(out: bytes) -> bool:
    """Whether orjson's bytes may differ from the reference encoder's: a float in exponent
    form with a one-digit negative exponent (``1e-7`` for ``1e-07``) or a small float written
    out in full (``0.00001`` for ``1e-05``: at the start of a number, so not after a digit —
    a whole-second time, ``"…T04:00:00.000000Z"``, is no look-alike). A look-alike inside a
    string only costs the slower path. (Plain substring scans: a regular expression costs
    more than orjson itself.)"""
    i = out.find(b"0.0000")
    while i != -1:
        if not i or out[i - 1] not in _DIGITS:  # a number starts here, not "…00.000000Z"
            return True
        i = out.find(b"0.0000", i + 1)
    i = out.find(b"e-")
    while i != -1:
        one_digit = out[i + 2 : i + 3].isdigit() and not out[i + 3 : i + 4].isdigit()
        if one_digit and i and out[i - 1] in _DIGITS:
            return True
        i = out.find(b"e-", i + 2)
    return False


def reference_canonical(data: Any) -> str:
    """The canonical JSON by the standard library (what :func:`canonical` equals)."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


class PlainData(dict[str, Any]):
    """A dict its maker vouches is JSON-ready all the way down (string keys; dicts, lists and
    scalars inside), so :func:`plain` passes it on as it is instead of walking it again —
    a routing decision, made plain once, is not re-walked for every event that carries it.
    Like every value on a ticket it is not mutated once the ticket holds it."""


_PRIMITIVE = frozenset({str, int, float, bool, type(None)})


def plain(value: Any) -> Any:
    """Any field value as JSON-ready data."""
    kind = type(value)
    if kind in _PRIMITIVE or kind is PlainData:
        return value
    if kind is dict:  # the common nested cases first (routing, escalation snapshots)
        return {
            k if type(k) is str else str(k): v if type(v) in _PRIMITIVE else plain(v)
            for k, v in value.items()
        }
    if kind is list or kind is tuple:
        return [v if type(v) in _PRIMITIVE else plain(v) for v in value]
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, TimeLimit):
        return {"amount": value.amount, "clock": value.clock.value}
    if isinstance(value, Clock):
        return _enc_clock(value)
    if isinstance(value, Reporter):
        return _enc_reporter(value)
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, Status | Kind | Source):
        return value.value
    return value


def _enc_dt(v: datetime | None) -> str | None:
    return None if v is None else iso(v)


def _enc_tuple(v: tuple[Any, ...]) -> list[Any]:
    return [x if type(x) is str else plain(x) for x in v]


def _enc_enum(v: Any) -> Any:
    return None if v is None else v.value


def _enc_clock(c: Clock) -> dict[str, Any]:
    limit = c.limit
    return {
        "limit": None if limit is None else {"amount": limit.amount, "clock": limit.clock.value},
        "started_at": _enc_dt(c.started_at),
        "due_at": _enc_dt(c.due_at),
        "paused_at": _enc_dt(c.paused_at),
        "remaining_s": c.remaining_s,
        "stopped_at": _enc_dt(c.stopped_at),
        "extended": c.extended,
    }


def _enc_reporter(r: Reporter) -> dict[str, Any]:
    return {"name": r.name, "phone": r.phone, "email": r.email}


_ENCODERS: dict[str, Any] = {
    **{name: _enc_dt for name in _DATETIMES},
    **{name: _enc_tuple for name in ("cells", "overlays", "media", "returned_by", "evidence")},
    **{name: _enc_enum for name in ("kind", "source", "status", "suspended_from")},
    "clock": _enc_clock,
    "reporter": _enc_reporter,
    "routing": plain,
}


#: per field, in declaration order: its encoder (None: already plain) and whether it is left
#: out when unset (_LATER)
_PLAN = tuple((name, _ENCODERS.get(name), name in _LATER) for name in _TICKET_FIELDS)


def encode_ticket(ticket: Ticket) -> dict[str, Any]:
    """The ticket as plain JSON data (every field; read from the instance's dict, which holds
    every field of a frozen dataclass, by one precomputed plan)."""
    d = ticket.__dict__
    out: dict[str, Any] = {}
    for name, enc, later in _PLAN:
        value = d[name]
        if later and not value:
            continue
        out[name] = value if enc is None else enc(value)
    return out


def _opt_dt(v: Any) -> datetime | None:
    return None if v is None else parse_iso(v)


def decode_clock(data: dict[str, Any]) -> Clock:
    limit = data.get("limit")
    return Clock(
        limit=None if limit is None else TimeLimit(limit["amount"], limit["clock"]),
        remaining_s=data.get("remaining_s"),
        extended=data.get("extended", 0.0),
        **{k: _opt_dt(data.get(k)) for k in _CLOCK_DATETIMES},
    )


_KINDS = {k.value: k for k in Kind}
_SOURCES = {k.value: k for k in Source}
_STATUSES = {k.value: k for k in Status}


def decode_ticket(data: dict[str, Any]) -> Ticket:
    """Inverse of :func:`encode_ticket`."""
    d = dict(data)
    for name in _DATETIMES:
        if name in d:
            d[name] = _opt_dt(d[name])
    d["kind"] = _KINDS.get(d["kind"]) or Kind(d["kind"])  # a dict lookup, not Enum()'s call
    d["source"] = _SOURCES.get(d["source"]) or Source(d["source"])
    d["status"] = _STATUSES.get(d["status"]) or Status(d["status"])
    if d.get("suspended_from") is not None:
        d["suspended_from"] = Status(d["suspended_from"])
    for name in ("cells", "media", "returned_by", "evidence"):
        d[name] = tuple(d.get(name) or ())
    d["overlays"] = tuple(tuple(p) for p in d.get("overlays") or ())
    d["reporter"] = Reporter(**(d.get("reporter") or {}))
    d["clock"] = decode_clock(d.get("clock") or {})
    return build_ticket(d)
