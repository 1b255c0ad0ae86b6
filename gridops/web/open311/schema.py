"""What the OpenAPI document says about Open311: the JSON shapes of every answer (XML carries
the same fields, :mod:`gridops.web.open311.formats`), the error list of each status, the query
parameters of the requests search and the POST form.

The routes parse their input themselves (:mod:`gridops.web.open311.params`), so that every
refusal is the spec's error list; these schemas only describe that input, as exactly as a schema
can: a value they allow is parsed, a value they refuse is a 400. Rules across parameters (a
search spans at most 90 days, ``end_date`` after ``start_date``) and against the data (a
``service_code`` that is not a service) are 400s a schema cannot state.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from gridops.text import TEXT_PATTERN
from gridops.web.open311.params import MAX_DESCRIPTION, MAX_PAGE_SIZE

#: ``json`` or ``xml``, any case; any other suffix is a 404 in the JSON error list.
FMT_PATTERN = "^([Jj][Ss][Oo][Nn]|[Xx][Mm][Ll])$"
_YEAR = "(197[1-9]|19[89][0-9]|2[0-8][0-9]{2}|29[0-8][0-9]|299[0-8])"
_DAY = f"{_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"
_ZONE = "(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])"
#: A date (00:00 UTC) or a date-time with a zone offset, 1971 to 2998 (empty: not given).
DATETIME_PATTERN = f"^({_DAY}(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]{_ZONE})?)?$"
XML = {"text/xml": {"schema": {"type": "string", "description": "The same fields in XML"}}}


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Service(_Shape):
    service_code: str
    service_name: str | None
    description: str | None
    metadata: bool
    type: str
    keywords: str | None
    group: str | None


class AttributeValue(_Shape):
    key: str
    name: str


class Attribute(_Shape):
    variable: bool
    code: str
    datatype: str
    required: bool
    datatype_description: str | None
    order: int
    description: str | None
    values: list[AttributeValue]


class ServiceDefinition(_Shape):
    service_code: str
    attributes: list[Attribute]


class Note(_Shape):
    datetime: str
    description: str | None
    type: str | None


class ServiceRequest(_Shape):
    """A request; ``extended_attributes`` and ``notes`` only with ``extensions=true``."""

    service_request_id: str | None
    status: str | None
    status_notes: str | None
    service_name: str | None
    service_code: str | None
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: str | None
    updated_datetime: str | None
    expected_datetime: str | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None
    extended_attributes: dict[str, Any] | None = None
    notes: list[Note] | None = None


class Receipt(_Shape):
    """The POST answer: ``service_request_id`` (or ``token``), the notice and account_id."""

    service_request_id: str | None = None
    token: str | None = None
    service_notice: str | None
    account_id: str | None


class TokenStatus(_Shape):
    service_request_id: str | None
    token: str


class Error(_Shape):
    """One error of the spec's list: the HTTP status as ``code`` and a sentence."""

    code: int
    description: str


_WHY = {
    400: "A parameter with a value that cannot be used; the description names it",
    403: "api_key missing or not valid",
    404: "No such format, service, request or token",
    405: "The resource does not take this method (see Allow)",
    413: "The form is over the size limit",
    429: "Over the rate limit of the key or the address (Retry-After)",
    503: "The database cannot take the request just now; nothing was written (Retry-After)",
}
_RETRY = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "string"}}}


def ok(model: Any, description: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for the 200 answer: ``model`` in JSON, the same in XML."""
    return {200: {"model": model, "description": description, "content": XML}}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for these statuses: the spec's error list in JSON or XML."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        out[code] = {"model": list[Error], "description": _WHY[code], "content": XML}
        if code in (429, 503):
            out[code]["headers"] = _RETRY
    return out


#: What every Open311 GET can answer besides 200.
GET_ERRORS = errors(400, 404, 503)


def _text(name: str, description: str, max_length: int = 200) -> dict[str, Any]:
    schema = {"type": "string", "maxLength": max_length, "pattern": TEXT_PATTERN}
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}  # fmt: skip


def _when(name: str, description: str) -> dict[str, Any]:
    schema = {"type": "string", "pattern": DATETIME_PATTERN}
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}  # fmt: skip


def _integer(name: str, description: str, pattern: str) -> dict[str, Any]:
    schema = {"type": "string", "pattern": pattern}  # empty: the default
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}  # fmt: skip


_BOOL = {"type": "string", "pattern": "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[01])?$"}
EXTENSIONS = {
    "name": "extensions",
    "in": "query",
    "required": False,
    "description": "true: each request also has extended_attributes and notes",
    "schema": _BOOL,
}
SEARCH_PARAMETERS = [
    _text(
        "service_request_id",
        "Comma list of request ids; when given, the other filters do not apply",
    ),  # fmt: skip
    _text("service_code", "Comma list of service codes"),
    _when("start_date", "Requested at or after (default: end_date − 90 days)"),
    _when("end_date", "Requested before (default: start_date + 90 days, or now)"),
    {
        "name": "status",
        "in": "query",
        "required": False,
        "description": "Comma list of open, closed",
        "schema": {"type": "string", "pattern": "^((open|closed)(,(open|closed))*)?$"},
    },
    _when("updated_after", "Updated at or after (v2.1 draft)"),
    _when("updated_before", "Updated before (v2.1 draft)"),
    _integer("page", "Page number, from 1", "^([1-9][0-9]{0,8})?$"),
    _integer(
        "page_size",
        f"Requests per page, at most {MAX_PAGE_SIZE} (the default)",
        "^([1-9][0-9]{0,2}|1000)?$",
    ),  # fmt: skip
    EXTENSIONS,
    _text("jurisdiction_id", "Accepted; this endpoint serves one jurisdiction"),
]


def _field(max_length: int = 200, **more: Any) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_length, "pattern": TEXT_PATTERN, **more}


POST_FORM: dict[str, Any] = {
    "requestBody": {
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "api_key": _field(),
                        "service_code": _field(),
                        "lat": _field(40, description="WGS84 latitude, -90..90"),
                        "long": _field(40, description="WGS84 longitude, -180..180"),
                        "address_string": _field(500),
                        "address_id": _field(),
                        "email": _field(254),
                        "first_name": _field(100),
                        "last_name": _field(100),
                        "phone": _field(32),
                        "description": _field(MAX_DESCRIPTION),
                        "media_url": _field(2048),
                        "device_id": _field(),
                        "account_id": _field(),
                    },
                    "required": ["api_key", "service_code"],
                }
            }
        },
        "required": True,
    }
}
