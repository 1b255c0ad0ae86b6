"""What an Open311 GeoReport v2 document holds: services, definitions, requests, receipts.

Plain frozen dataclasses that check their arguments when built. They carry no reporter contact
fields at all (name, phone, email), so Open311 GET output cannot leak personal data.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SERVICE_TYPES = ("realtime", "batch", "blackbox")
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_DATATYPES = ("singlevaluelist", "multivaluelist")
STATUSES = ("open", "closed")
_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def _aware(name: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name} must be timezone-aware (Open311 needs a zone offset): {value!r}")


def _check_extended(value: Any, path: str) -> None:
    """Extended attributes: str/int/float/bool/None/datetime, lists and dicts of those."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if (
                not isinstance(key, str)
                or not _XML_NAME.match(key)
                or key.lower().startswith("xml")
            ):
                raise ValueError(f"{path}: key {key!r} is not usable as an XML element name")
            _check_extended(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_extended(item, f"{path}[{i}]")
    elif isinstance(value, datetime):
        _aware(path, value)
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{path}: {value!r} is not a finite number")
    elif not (value is None or isinstance(value, str | int | float | bool)):
        raise ValueError(f"{path}: {type(value).__name__} cannot be rendered")


@dataclass(frozen=True)
class Open311Service:
    """One entry of ``services``: our category (事部件类别) as an Open311 service."""

    service_code: str
    service_name: str
    description: str | None = None
    metadata: bool = False  # true when services/{code} has attributes to fill in
    type: str = "realtime"
    keywords: tuple[str, ...] = ()
    group: str | None = None

    def __post_init__(self) -> None:
        if not self.service_code:
            raise ValueError("service_code must not be empty")
        if self.type not in SERVICE_TYPES:
            raise ValueError(f"service type must be one of {SERVICE_TYPES}, got {self.type!r}")
        object.__setattr__(self, "keywords", tuple(self.keywords))


@dataclass(frozen=True)
class AttributeValue:
    """One choice of a list attribute: ``key`` is sent back, ``name`` is shown."""

    key: str
    name: str


@dataclass(frozen=True)
class Open311Attribute:
    """One question of a service definition."""

    code: str
    datatype: str
    description: str
    required: bool = False
    order: int = 1
    variable: bool = True  # false: informational text, no answer expected
    datatype_description: str | None = None
    values: tuple[AttributeValue, ...] = ()

    def __post_init__(self) -> None:
        if not self.code:
            raise ValueError("attribute code must not be empty")
        if self.datatype not in DATATYPES:
            raise ValueError(f"attribute {self.code!r}: datatype {self.datatype!r} unknown")
        object.__setattr__(self, "values", tuple(self.values))
        if self.datatype in LIST_DATATYPES and not self.values:
            raise ValueError(f"attribute {self.code!r}: a {self.datatype} needs values")
        if self.datatype not in LIST_DATATYPES and self.values:
            raise ValueError(f"attribute {self.code!r}: a {self.datatype} takes no values")


@dataclass(frozen=True)
class Open311ServiceDefinition:
    """``services/{service_code}``: the attributes a request of this service carries."""

    service_code: str
    attributes: tuple[Open311Attribute, ...] = ()

    def __post_init__(self) -> None:
        attrs = tuple(sorted(self.attributes, key=lambda a: a.order))
        codes = [a.code for a in attrs]
        if len(set(codes)) != len(codes):
            raise ValueError(f"service {self.service_code!r}: attribute codes repeat: {codes}")
        object.__setattr__(self, "attributes", attrs)

    def attribute(self, code: str) -> Open311Attribute | None:
        """The attribute with this code, if any."""
        return next((a for a in self.attributes if a.code == code), None)


@dataclass(frozen=True)
class Open311Note:
    """One step of a request's history (``notes`` extension)."""

    datetime: datetime
    description: str
    type: str = "update"

    def __post_init__(self) -> None:
        _aware("note datetime", self.datetime)


@dataclass(frozen=True)
class Open311Request:
    """One service request as GET requests shows it. ``status`` stays open|closed; our workflow
    status, cells, deadline and owner go in ``extended_attributes`` (``extensions=true``)."""

    service_request_id: str
    status: str
    service_code: str
    service_name: str | None = None
    status_notes: str | None = None
    description: str | None = None
    agency_responsible: str | None = None
    service_notice: str | None = None
    requested_datetime: datetime | None = None
    updated_datetime: datetime | None = None
    expected_datetime: datetime | None = None
    address: str | None = None
    address_id: str | None = None
    zipcode: str | None = None
    lat: float | None = None
    long: float | None = None
    media_url: str | None = None
    extended_attributes: Mapping[str, Any] | None = None
    notes: tuple[Open311Note, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"request status must be open or closed, got {self.status!r}")
        if not self.service_request_id:
            raise ValueError("service_request_id must not be empty")
        for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
            _aware(name, getattr(self, name))
        for name, bound in (("lat", 90.0), ("long", 180.0)):
            v = getattr(self, name)
            if v is not None and not (math.isfinite(v) and -bound <= v <= bound):
                raise ValueError(f"{name} must be a finite number within ±{bound:g}, got {v!r}")
        if self.extended_attributes is not None:
            _check_extended(dict(self.extended_attributes), "extended_attributes")
        object.__setattr__(self, "notes", tuple(self.notes))


@dataclass(frozen=True)
class Open311Receipt:
    """The answer to POST requests: the new id, or a token when the id comes later."""

    service_request_id: str | None = None
    token: str | None = None
    service_notice: str | None = None
    account_id: str | None = None

    def __post_init__(self) -> None:
        if (self.service_request_id is None) == (self.token is None):
            raise ValueError("a receipt carries exactly one of service_request_id and token")


@dataclass(frozen=True)
class Open311TokenStatus:
    """``tokens/{token}``: the request id once the token's request exists, else None."""

    token: str
    service_request_id: str | None = None
