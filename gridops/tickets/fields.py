"""Checking and converting the fields a transition takes (one clear error per bad value)."""

from __future__ import annotations

from math import inf
from typing import Any

from gridops.errors import UserError
from gridops.text import forbidden, strip_bidi
from gridops.tickets.errors import BadTransitionInput
from gridops.tickets.model import ID_RE
from gridops.tickets.vocabulary import TimeLimit

TEXT_FIELDS = {"reason", "note", "approval", "group", "owner_unit", "assignee"}
MAX_TEXT = 2000


def coerce(where: str, name: str, value: Any) -> Any:
    """``value`` checked and converted for field ``name``; UserError names what is wrong."""

    def bad(what: str) -> UserError:
        return BadTransitionInput(f"{where}: {name} {value!r} {what}")

    if name in TEXT_FIELDS:
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise bad(f"must be text of at most {MAX_TEXT} characters")
        problem = forbidden(value)
        if problem:
            raise BadTransitionInput(f"{where}: {name} contains {problem}; remove it")
        return strip_bidi(value)
    if name == "time_limit":
        if isinstance(value, TimeLimit):
            return value
        try:
            return TimeLimit(float(value["amount"]), value["clock"])
        except (TypeError, KeyError, ValueError):
            raise bad("must be a TimeLimit or {amount, clock}") from None
    if name in ("priority", "satisfaction"):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise bad("must be a whole number from 1 to 5")
        return value
    if name == "reports":  # how many reports a merged duplicate brings
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise bad("must be a whole number of at least 1")
        return value
    if name == "amount":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < inf:
            raise bad("must be a positive finite number")
        return float(value)
    if name in ("duplicate_of", "duplicate_id"):
        if not isinstance(value, str) or not ID_RE.match(value):
            raise bad("is not a ticket id (32 lowercase hex characters)")
        return value
    if name in ("evidence", "evidence_before"):
        if isinstance(value, str) or not all(isinstance(v, str) for v in value):
            raise bad("must be a list of media references")
        return tuple(value)
    if name == "routing":
        if not isinstance(value, dict):
            raise bad("must be a mapping (a RoutingDecision as JSON)")
        return value
    return value
