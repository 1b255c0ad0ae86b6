"""What request input may hold, and how a refusal is answered.

Every JSON API body model derives from :class:`Body`: numbers must be finite (JSON as Python
reads it accepts ``NaN``, ``Infinity`` and ``1e400``), and free text is checked as
:mod:`gridops.text` says — a lone surrogate (``"\\ud800"``) or a control character is a 422
naming the field, bidi controls are removed. :func:`validation_failed` renders FastAPI's 422
with values JSON can carry: the default handler echoed the bad input itself and failed on it
(a 500 for ``NaN`` or a lone surrogate).
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, model_validator

from gridops.text import TEXT_PATTERN, forbidden, strip_bidi


def _document_text(schema: dict[str, Any]) -> None:
    """Every free-text string of a body documented with :data:`gridops.text.TEXT_PATTERN`, so
    the OpenAPI document says which text is refused (422)."""

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            plain = not {"pattern", "enum", "const", "format", "$ref"} & node.keys()
            if node.get("type") == "string" and plain:
                node["pattern"] = TEXT_PATTERN
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(schema.get("properties", {}))


class Body(BaseModel):
    """A JSON request body: finite numbers, storable text (bidi controls removed)."""

    model_config = ConfigDict(allow_inf_nan=False, json_schema_extra=_document_text)

    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return _checked(data, "")
        # Only the model's own fields: other keys are ignored (dropped unread), so what they
        # hold cannot refuse a request the schema allows.
        return {k: _checked(v, str(k)) if k in cls.model_fields else v for k, v in data.items()}


def _checked(value: Any, where: str) -> Any:
    if isinstance(value, str):
        problem = forbidden(value)
        if problem:
            raise ValueError(f"{where or 'body'} contains {problem}; remove it")
        return strip_bidi(value)
    if isinstance(value, dict):
        return {k: _checked(v, f"{where}.{k}" if where else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_checked(v, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


async def validation_failed(_: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422 (``{"detail": [errors]}``), with every value made JSON-safe."""
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": _safe(jsonable_encoder(exc.errors()))}, status_code=422)


def _safe(value: Any) -> Any:
    """Non-finite floats as text (``"nan"``); lone surrogates as ``\\udXXX`` escapes."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str) and forbidden(value):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_safe(k): _safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_safe(v) for v in value]
    return value
