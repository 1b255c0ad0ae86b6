"""The one error an Open311 call can answer with: an HTTP code and a description (spec form)."""

from __future__ import annotations

OPEN311_CODES = frozenset({400, 403, 404})


class Open311Error(Exception):
    """A request the spec answers with ``[{"code": …, "description": …}]`` (400, 403 or 404)."""

    def __init__(self, code: int, description: str) -> None:
        if code not in OPEN311_CODES:
            raise ValueError(f"Open311 error code must be 400, 403 or 404, got {code!r}")
        super().__init__(description)
        self.code = code
        self.description = description

    def __repr__(self) -> str:
        return f"Open311Error(code={self.code}, description={self.description!r})"


def bad_request(description: str) -> Open311Error:
    """400: the request names a field with a value that cannot be used."""
    return Open311Error(400, description)


def not_found(what: str, value: str) -> Open311Error:
    """404: ``what`` (e.g. "service_code") ``value`` is not known here."""
    return Open311Error(404, f"{what} {value!r} not found")


def outside_grid(lat: float, long: float, grid_name: str) -> Open311Error:
    """400 for a location outside every level-1 cell (街镇) of the grid."""
    return Open311Error(
        400,
        f"lat={lat} long={long} is outside every level-1 cell of grid {grid_name!r}; "
        "report a location inside the served area",
    )


def invalid_api_key() -> Open311Error:
    """403 for an api_key that matches no stored key (the key itself is not echoed)."""
    return Open311Error(403, "api_key is not valid; ask the operator of this endpoint for a key")
