"""Render Open311 GeoReport v2 documents in JSON and XML, exactly in the spec's shapes.

Empty values: every field of a shape is always present. JSON gives ``null`` (as the spec's own
examples do, e.g. ``"account_id": null``); XML gives an empty element (``<account_id />``),
which ``xmltodict`` — used by Python clients such as ``georeport`` — reads back as ``None``.
Timestamps are ISO 8601 to the second with the datetime's own zone offset
(``2026-11-22T18:30:00+08:00``). Text is UTF-8; characters XML 1.0 cannot carry (C0 controls
other than tab/newline/return, lone surrogates, U+FFFE/U+FFFF) are dropped from both formats,
and line ends are normalised to ``\n`` (an XML parser turns a bare ``\r`` into ``\n``), so
JSON and XML always say the same thing.

A route is one line: ``return to_response(render_requests(reqs, fmt, extensions=q.extensions))``
where ``to_response`` wraps a :class:`Document` in the framework's response type.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from gridops.web.open311.errors import Open311Error
from gridops.web.open311.models import (
    AttributeValue,
    Open311Attribute,
    Open311Note,
    Open311Receipt,
    Open311Request,
    Open311Service,
    Open311ServiceDefinition,
    Open311TokenStatus,
)

__all__ = [
    "AttributeValue",
    "Document",
    "Format",
    "Open311Attribute",
    "Open311Note",
    "Open311Receipt",
    "Open311Request",
    "Open311Service",
    "Open311ServiceDefinition",
    "Open311TokenStatus",
    "clean_text",
    "format_datetime",
    "render_error",
    "render_errors",
    "render_receipts",
    "render_requests",
    "render_service_definition",
    "render_services",
    "render_tokens",
]

XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Format(StrEnum):
    """The two formats a resource is served in; XML is the spec's required one."""

    JSON = "json"
    XML = "xml"

    @property
    def media_type(self) -> str:
        """The Content-Type header value."""
        return (
            "application/json; charset=utf-8" if self is Format.JSON else "text/xml; charset=utf-8"
        )

    @classmethod
    def from_suffix(cls, suffix: str) -> Format:
        """``json`` or ``xml`` (any case); anything else is a 404 naming the suffix."""
        try:
            return cls(suffix.lower())
        except ValueError:
            raise Open311Error(404, f"format {suffix!r} is not served; use .json or .xml") from None


@dataclass(frozen=True)
class Document:
    """A rendered response: body bytes, Content-Type and HTTP status."""

    body: bytes
    media_type: str
    status: int = 200


def clean_text(text: str) -> str:
    """Drop characters XML 1.0 cannot carry and normalise line ends to ``\n``."""
    return _NOT_XML_CHAR.sub("", text).replace("\r\n", "\n").replace("\r", "\n")


def format_datetime(value: datetime) -> str:
    """ISO 8601 to the second with the zone offset; naive datetimes are refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"datetime needs a zone offset for Open311: {value!r}")
    return value.isoformat(timespec="seconds")


# --- plain data (the JSON shapes; XML is built from the same data) -------------------------


def _scalar(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, str):
        return clean_text(value)
    return value


def _plain(value: Any) -> Any:
    """Extended-attribute values as JSON-ready data."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return _scalar(value)


def service_data(s: Open311Service) -> dict[str, Any]:
    """One service in the spec's field order."""
    return {
        "service_code": _scalar(s.service_code),
        "service_name": _scalar(s.service_name),
        "description": _scalar(s.description),
        "metadata": s.metadata,
        "type": s.type,
        "keywords": _scalar(", ".join(s.keywords)) if s.keywords else None,
        "group": _scalar(s.group),
    }


def _attribute_data(a: Open311Attribute) -> dict[str, Any]:
    return {
        "variable": a.variable,
        "code": _scalar(a.code),
        "datatype": a.datatype,
        "required": a.required,
        "datatype_description": _scalar(a.datatype_description),
        "order": a.order,
        "description": _scalar(a.description),
        "values": [{"key": _scalar(v.key), "name": _scalar(v.name)} for v in a.values],
    }


def definition_data(d: Open311ServiceDefinition) -> dict[str, Any]:
    """A service definition with its attributes in ``order``."""
    return {
        "service_code": _scalar(d.service_code),
        "attributes": [_attribute_data(a) for a in d.attributes],
    }


def _note_data(n: Open311Note) -> dict[str, Any]:
    return {
        "datetime": format_datetime(n.datetime),
        "description": _scalar(n.description),
        "type": _scalar(n.type),
    }


REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)


def request_data(r: Open311Request, *, extensions: bool = False) -> dict[str, Any]:
    """One request; with ``extensions`` also ``extended_attributes`` and ``notes``."""
    data = {name: _scalar(getattr(r, name)) for name in REQUEST_FIELDS}
    if extensions:
        data["extended_attributes"] = _plain(dict(r.extended_attributes or {}))
        data["notes"] = [_note_data(n) for n in r.notes]
    return data


def receipt_data(r: Open311Receipt) -> dict[str, Any]:
    """The POST answer: service_request_id (or token), service_notice, account_id."""
    first = (
        {"service_request_id": _scalar(r.service_request_id)}
        if r.service_request_id is not None
        else {"token": _scalar(r.token)}
    )
    return first | {
        "service_notice": _scalar(r.service_notice),
        "account_id": _scalar(r.account_id),
    }


def token_data(t: Open311TokenStatus) -> dict[str, Any]:
    """A token lookup: the request id once known (else null), and the token."""
    return {"service_request_id": _scalar(t.service_request_id), "token": _scalar(t.token)}


# --- serialisation ---------------------------------------------------------------------------


def _json(data: Any, status: int = 200) -> Document:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return Document(body.encode("utf-8"), Format.JSON.media_type, status)


def _xml_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _xml_fill(parent: ET.Element, value: Any, item_tag: str = "item") -> None:
    """Put ``value`` into ``parent``: mappings as child elements, lists as repeated ``item``."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            _xml_fill(ET.SubElement(parent, key), item, _ITEM_TAGS.get(key, "item"))
    elif isinstance(value, list | tuple):
        for item in value:
            _xml_fill(ET.SubElement(parent, item_tag), item)
    else:
        parent.text = _xml_text(value)


# Spec containers and the name of their repeated child element.
_ITEM_TAGS = {"attributes": "attribute", "values": "value", "notes": "note"}


def _xml(root_tag: str, item_tag: str, items: Iterable[Any], status: int = 200) -> Document:
    root = ET.Element(root_tag)
    for item in items:
        _xml_fill(ET.SubElement(root, item_tag), item)
    body = XML_DECLARATION + ET.tostring(root, encoding="unicode").encode("utf-8")
    return Document(body, Format.XML.media_type, status)


def _list(fmt: Format, root: str, item: str, data: list[Any], status: int = 200) -> Document:
    return _json(data, status) if fmt is Format.JSON else _xml(root, item, data, status)


def render_services(services: Iterable[Open311Service], fmt: Format) -> Document:
    """``services.{fmt}``: ``[{…}]`` or ``<services><service>…</service></services>``."""
    return _list(fmt, "services", "service", [service_data(s) for s in services])


def render_service_definition(definition: Open311ServiceDefinition, fmt: Format) -> Document:
    """``services/{code}.{fmt}``: ``{service_code, attributes[]}`` or ``<service_definition>``."""
    data = definition_data(definition)
    if fmt is Format.JSON:
        return _json(data)
    root = ET.Element("service_definition")
    _xml_fill(root, data)
    body = XML_DECLARATION + ET.tostring(root, encoding="unicode").encode("utf-8")
    return Document(body, Format.XML.media_type)


def render_requests(
    requests: Iterable[Open311Request], fmt: Format, *, extensions: bool = False
) -> Document:
    """``requests.{fmt}`` and ``requests/{id}.{fmt}`` (a list holding one request)."""
    data = [request_data(r, extensions=extensions) for r in requests]
    return _list(fmt, "service_requests", "request", data)


def render_receipts(receipts: Iterable[Open311Receipt], fmt: Format) -> Document:
    """POST ``requests.{fmt}``: a list with one receipt, in ``<service_requests><request>``."""
    return _list(fmt, "service_requests", "request", [receipt_data(r) for r in receipts])


def render_tokens(tokens: Iterable[Open311TokenStatus], fmt: Format) -> Document:
    """``tokens/{token}.{fmt}``: ``[{service_request_id, token}]``."""
    return _list(fmt, "service_requests", "request", [token_data(t) for t in tokens])


def render_errors(errors: Sequence[Open311Error], fmt: Format) -> Document:
    """``[{"code", "description"}]`` or ``<errors><error>…``; HTTP status = the first code."""
    if not errors:
        raise ValueError("render_errors needs at least one error")
    data = [{"code": e.code, "description": clean_text(e.description)} for e in errors]
    return _list(fmt, "errors", "error", data, status=errors[0].code)


def render_error(error: Open311Error, fmt: Format) -> Document:
    """One error (the usual case)."""
    return render_errors([error], fmt)


def render_refusal(code: int, description: str, fmt: Format) -> Document:
    """An error in the spec's shape with a status the spec has no code for (429 over the rate
    limit, 503 while the database cannot take the request): clients see the HTTP status."""
    return _list(fmt, "errors", "error", [{"code": code, "description": clean_text(description)}],
                 status=code)  # fmt: skip
