"""Parse and check Open311 input: the POST requests form and the GET requests filters.

Every problem raises :class:`Open311Error` naming the field and the value; nothing else escapes
for any input. Routes stay one line::

    draft = check_draft(parse_request_form(form.multi_items()), catalogue)
    query = parse_request_query(request.query_params.multi_items(), now=now)
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from gridops.text import forbidden, strip_bidi
from gridops.web.open311.errors import Open311Error, bad_request
from gridops.web.open311.models import LIST_DATATYPES, STATUSES, Open311ServiceDefinition

MAX_DESCRIPTION = 4000
MAX_SPAN = timedelta(days=90)
MAX_PAGE_SIZE = 1000
MAX_IDS = 1000
#: Times a query may name (UTC): wide enough for any real search, narrow enough that the
#: 90-day span and the zone shifts around them stay inside Python's calendar (year 1 to 9999).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
_SHORT = 200  # names, ids, codes
_LIMITS = {
    "api_key": _SHORT,
    "service_code": _SHORT,
    "address_string": 500,
    "address_id": _SHORT,
    "email": 254,
    "device_id": _SHORT,
    "account_id": _SHORT,
    "first_name": 100,
    "last_name": 100,
    "phone": 32,
    "description": MAX_DESCRIPTION,
    "media_url": 2048,
    "jurisdiction_id": _SHORT,
    "lat": 40,
    "long": 40,
    "attribute": MAX_DESCRIPTION,
}
_QUERY_FIELDS = frozenset(
    {
        "service_request_id",
        "service_code",
        "start_date",
        "end_date",
        "status",
        "updated_after",
        "updated_before",
        "page",
        "page_size",
        "extensions",
        "jurisdiction_id",
    }
)
_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()\-]{3,31}$")

Items = Iterable[tuple[str, object]] | Mapping[str, object]


@dataclass(frozen=True)
class RequestDraft:
    """A checked POST requests form, before it becomes a ticket (立案前)."""

    api_key: str = field(repr=False)
    service_code: str
    lat: float | None = None
    long: float | None = None
    address_string: str | None = None
    address_id: str | None = None
    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    email: str | None = None
    device_id: str | None = None
    account_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    description: str | None = None
    media_url: str | None = None
    jurisdiction_id: str | None = None

    @property
    def has_point(self) -> bool:
        """True when the location is lat/long (the grid can place it)."""
        return self.lat is not None and self.long is not None


@dataclass(frozen=True)
class RequestQuery:
    """GET requests filters. With ``service_request_ids`` the other filters do not apply."""

    service_request_ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: frozenset[str] = frozenset()
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    page: int = 1
    page_size: int = MAX_PAGE_SIZE
    extensions: bool = False
    jurisdiction_id: str | None = None

    @property
    def offset(self) -> int:
        """Rows to skip for ``page``."""
        return (self.page - 1) * self.page_size


def _pairs(items: Items) -> list[tuple[str, object]]:
    if isinstance(items, Mapping):
        out: list[tuple[str, object]] = []
        for k, v in items.items():
            out.extend((k, x) for x in v) if isinstance(v, list | tuple) else out.append((k, v))
        return out
    return list(items)


def _text(name: str, value: object) -> str:
    """A stripped text value; refuses non-text, control characters and overlong values."""
    if not isinstance(value, str):
        raise bad_request(f"{name} must be text, got {type(value).__name__}")
    problem = forbidden(value)
    if problem:
        raise bad_request(f"{name} contains {problem}")
    text = strip_bidi(value).strip()
    limit = _LIMITS.get(name, _SHORT)
    if len(text) > limit:
        raise bad_request(f"{name} is {len(text)} characters long; at most {limit} allowed")
    return text


def _group(
    items: Items, known: frozenset[str]
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Split into known fields and ``attribute[code]`` answers; empty values and unknown
    fields (clients send extras such as ``format``) are skipped."""
    fields: dict[str, list[str]] = {}
    attributes: dict[str, list[str]] = {}
    for raw_key, raw_value in _pairs(items):
        if not isinstance(raw_key, str):
            raise bad_request(f"field name {raw_key!r} is not text")
        key = raw_key.strip()
        m = _ATTRIBUTE_KEY.match(key)
        if not m and key not in known:
            continue
        value = _text(key if not m else "attribute", raw_value)
        if value == "":
            continue
        if m:
            code = _text("attribute code", m.group(1))
            attributes.setdefault(code, []).append(value)
        else:
            fields.setdefault(key, []).append(value)
    return fields, attributes


def _one(fields: Mapping[str, list[str]], name: str) -> str | None:
    values = fields.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise bad_request(f"{name} is given {len(values)} times; give it once")
    return values[0]


def _coordinate(name: str, value: str, bound: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise bad_request(f"{name} {value!r} is not a number") from None
    if not math.isfinite(number) or not -bound <= number <= bound:
        raise bad_request(f"{name} {value!r} is outside -{bound:g}..{bound:g}")
    return number


def _check_jurisdiction(given: str | None, served: str | None) -> None:
    if given is not None and served is not None and given != served:
        raise Open311Error(
            404, f"jurisdiction_id {given!r} not found; this endpoint serves {served!r}"
        )


def parse_request_form(items: Items, *, jurisdiction_id: str | None = None) -> RequestDraft:
    """Check a POST requests form (``form.multi_items()`` or a mapping) into a RequestDraft."""
    fields, attrs = _group(items, frozenset(_LIMITS) - {"attribute"})
    api_key = _one(fields, "api_key")
    if api_key is None:
        raise Open311Error(403, "api_key is required to create a service request")
    jid = _one(fields, "jurisdiction_id")
    _check_jurisdiction(jid, jurisdiction_id)
    service_code = _one(fields, "service_code")
    if service_code is None:
        raise bad_request("service_code is required")
    lat_s, long_s = _one(fields, "lat"), _one(fields, "long")
    if (lat_s is None) != (long_s is None):
        raise bad_request("lat and long must be given together")
    lat = _coordinate("lat", lat_s, 90.0) if lat_s is not None else None
    lon = _coordinate("long", long_s, 180.0) if long_s is not None else None
    address_string = _one(fields, "address_string")
    address_id = _one(fields, "address_id")
    if lat is None and address_string is None and address_id is None:
        raise bad_request("a location is required: lat and long, address_string or address_id")
    email = _one(fields, "email")
    if email is not None and not _EMAIL.match(email):
        raise bad_request(f"email {email!r} is not an e-mail address")
    phone = _one(fields, "phone")
    if phone is not None:  # a Chinese input method types full-width forms: １３８, （, －
        phone = unicodedata.normalize("NFKC", phone).strip()
    if phone is not None and not _PHONE.match(phone):
        raise bad_request(f"phone {phone!r} is not a phone number (digits, spaces, + ( ) -)")
    media_url = _one(fields, "media_url")
    if media_url is not None and not re.match(r"^https?://[^\s]+$", media_url):
        raise bad_request(f"media_url {media_url!r} must be an http(s) URL")
    return RequestDraft(
        api_key=api_key,
        service_code=service_code,
        lat=lat,
        long=lon,
        address_string=address_string,
        address_id=address_id,
        attributes={code: tuple(values) for code, values in attrs.items()},
        email=email,
        device_id=_one(fields, "device_id"),
        account_id=_one(fields, "account_id"),
        first_name=_one(fields, "first_name"),
        last_name=_one(fields, "last_name"),
        phone=phone,
        description=_one(fields, "description"),
        media_url=media_url,
        jurisdiction_id=jid,
    )


def check_attributes(
    answers: Mapping[str, tuple[str, ...]], definition: Open311ServiceDefinition
) -> dict[str, tuple[str, ...]]:
    """Answers checked against the service definition: required, datatype, allowed values."""
    for code in answers:
        if definition.attribute(code) is None:
            raise bad_request(
                f"attribute[{code}] is not an attribute of {definition.service_code!r}"
            )
    for attr in definition.attributes:
        values = answers.get(attr.code, ())
        if not values:
            if attr.required and attr.variable:
                raise bad_request(
                    f"attribute[{attr.code}] is required for {definition.service_code!r}"
                )
            continue
        if not attr.variable:
            raise bad_request(f"attribute[{attr.code}] is informational and takes no answer")
        if len(values) > 1 and attr.datatype != "multivaluelist":
            raise bad_request(f"attribute[{attr.code}] takes one value, got {len(values)}")
        for value in values:
            _check_value(attr.code, attr.datatype, value, {v.key for v in attr.values})
    return {code: tuple(values) for code, values in answers.items() if values}


def _check_value(code: str, datatype: str, value: str, keys: set[str]) -> None:
    if datatype in LIST_DATATYPES:
        if value not in keys:
            raise bad_request(f"attribute[{code}] {value!r} is not one of {sorted(keys)}")
    elif datatype == "number":
        try:
            ok = math.isfinite(float(value))
        except ValueError:
            ok = False
        if not ok:
            raise bad_request(f"attribute[{code}] {value!r} is not a number")
    elif datatype == "datetime":
        _parse_datetime(f"attribute[{code}]", value)


def check_draft(
    draft: RequestDraft, definitions: Mapping[str, Open311ServiceDefinition]
) -> RequestDraft:
    """The draft with its service known and its attributes checked (400 otherwise)."""
    definition = definitions.get(draft.service_code)
    if definition is None:
        raise bad_request(f"service_code {draft.service_code!r} is not a service here")
    return replace(draft, attributes=check_attributes(draft.attributes, definition))


# --- GET requests -----------------------------------------------------------------------------


def _parse_datetime(name: str, value: str) -> datetime:
    """W3C ISO 8601 with a zone offset (``Z`` or ``+08:00``); a bare date means 00:00 UTC."""
    try:
        if len(value) == 10:
            parsed = datetime.combine(date.fromisoformat(value), time(), UTC)
        else:
            parsed = datetime.fromisoformat(value)
    except ValueError:
        raise bad_request(f"{name} {value!r} is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise bad_request(f"{name} {value!r} needs a zone offset such as Z or +08:00")
    try:
        at = parsed.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-14:00 is in year 10000 in UTC
        at = None
    if at is None or not EARLIEST <= at < LATEST:
        raise bad_request(
            f"{name} {value!r} is out of range; give a time from 1970-01-01 to 2999-12-31"
        )
    return parsed


def _comma_list(name: str, value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    parts = tuple(dict.fromkeys(p.strip() for p in value.split(",") if p.strip()))
    if len(parts) > MAX_IDS:
        raise bad_request(f"{name} lists {len(parts)} values; at most {MAX_IDS} allowed")
    return parts


def _joined(fields: Mapping[str, list[str]], name: str) -> str | None:
    """A comma list; a repeated parameter (``status=open&status=closed``) counts as one."""
    values = fields.get(name)
    return ",".join(values) if values else None


def _int(name: str, value: str | None, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    if not re.fullmatch(r"[0-9]{1,9}", value) or not low <= int(value) <= high:
        raise bad_request(f"{name} {value!r} must be a whole number from {low} to {high}")
    return int(value)


def _bool(name: str, value: str | None) -> bool:
    if value is None:
        return False
    lowered = value.lower()
    if lowered not in ("true", "false", "1", "0"):
        raise bad_request(f"{name} {value!r} must be true or false")
    return lowered in ("true", "1")


def _date_range(start_s: str | None, end_s: str | None, now: datetime) -> tuple[datetime, datetime]:
    start = _parse_datetime("start_date", start_s) if start_s else None
    end = _parse_datetime("end_date", end_s) if end_s else None
    if start is None and end is None:
        return now - MAX_SPAN, now
    if start is None:
        assert end is not None
        return end - MAX_SPAN, end
    if end is None:
        return start, start + MAX_SPAN
    if end < start:
        raise bad_request(f"end_date {end_s!r} is before start_date {start_s!r}")
    if end - start > MAX_SPAN:
        raise bad_request(f"start_date {start_s!r} to end_date {end_s!r} spans more than 90 days")
    return start, end


def parse_request_query(
    items: Items,
    *,
    now: datetime,
    jurisdiction_id: str | None = None,
    max_page_size: int = MAX_PAGE_SIZE,
) -> RequestQuery:
    """GET requests filters; defaults: the last 90 days before ``now``, page 1 of 1000."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    fields, _ = _group(items, _QUERY_FIELDS)
    jid = _one(fields, "jurisdiction_id")
    _check_jurisdiction(jid, jurisdiction_id)
    page = _int("page", _one(fields, "page"), 1, 1, 10**9)
    page_size = _int("page_size", _one(fields, "page_size"), max_page_size, 1, max_page_size)
    extensions = _bool("extensions", _one(fields, "extensions"))
    common = {
        "page": page,
        "page_size": page_size,
        "extensions": extensions,
        "jurisdiction_id": jid,
    }
    ids = _comma_list("service_request_id", _joined(fields, "service_request_id"))
    if ids:
        return RequestQuery(service_request_ids=ids, **common)  # type: ignore[arg-type]
    statuses = _comma_list("status", _joined(fields, "status"))
    for status in statuses:
        if status not in STATUSES:
            raise bad_request(f"status {status!r} must be open or closed")
    start, end = _date_range(_one(fields, "start_date"), _one(fields, "end_date"), now)
    after_s, before_s = _one(fields, "updated_after"), _one(fields, "updated_before")
    after = _parse_datetime("updated_after", after_s) if after_s else None
    before = _parse_datetime("updated_before", before_s) if before_s else None
    if after is not None and before is not None and before < after:
        raise bad_request(f"updated_before {before_s!r} is before updated_after {after_s!r}")
    return RequestQuery(
        service_codes=_comma_list("service_code", _joined(fields, "service_code")),
        start=start,
        end=end,
        statuses=frozenset(statuses),
        updated_after=after,
        updated_before=before,
        **common,  # type: ignore[arg-type]
    )
