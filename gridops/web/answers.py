"""What a JSON API route answers besides 200, for the OpenAPI document (``responses=``).

Every refusal of the JSON API is ``{"detail": …}``: a sentence naming the field or the reason,
or (422 from request validation) FastAPI's list of field errors. A router lists the answers all
its routes share (:data:`SIGNED_IN`); a route adds its own (``answers(404, 409)``), so the
document says exactly which statuses a call can get — schemathesis checks it against a live
server (tests/web/test_openapi_fuzz.py).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class FieldError(BaseModel):
    """One field FastAPI's request validation refused."""

    model_config = ConfigDict(extra="allow")

    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """Why a request was refused: a sentence, or the list of refused fields (422)."""

    detail: str | list[FieldError]


WHY: dict[int, str] = {
    400: "Bad input: a value the service cannot use (the reason names the field and the value), "
    "or a body that is not valid JSON",
    401: "No bearer token, or one that is not valid (unknown, expired, its user inactive)",
    403: "The role or unit scope may not do this; a ticket outside your scope gets this too "
    "(no 404 vs 403 oracle on case numbers)",
    404: "Not found: no such ticket (told only to readers of every ticket), user, API key or photo",
    409: "The workflow does not take this move from the ticket's status, or someone moved the "
    "ticket first (reload and try again)",
    413: "The request body is over the size limit",
    422: "A field is missing or not valid",
    503: "The database cannot take the request just now; nothing was written (Retry-After)",
}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}},
    503: {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "string"}}},
}


def answers(*codes: int, why: dict[int, str] | None = None) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for these statuses, each a :class:`Problem` (``why`` overrides words)."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        out[code] = {"model": Problem, "description": (why or {}).get(code, WHY[code])}
        if code in _HEADERS:
            out[code]["headers"] = _HEADERS[code]
    return out


#: What every signed-in route can answer: no or a bad token, a refusal, a bad field, an outage.
SIGNED_IN = answers(401, 403, 422, 503)
#: A route with a JSON or form body: it may not parse (400) or be too large (413).
WITH_BODY = answers(400, 413)
#: A move on one ticket: the body, an unknown ticket, and the workflow's refusals.
TICKET_MOVE = answers(400, 404, 409, 413)
