"""Where a report made through the JSON API is: its point, or a stored address (标准地址库).

The same rule as Open311's ``address_string`` / ``address_id``: an id names one address; a
text is taken only when it is clear (see :func:`gridops.address.book.decisive`), else the
answer is a 400 listing the candidates, best first, to send one's ``address_id`` back. While
the process is still loading its address book the answer is a 503 with Retry-After.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from gridops.web.answers import WHY, Problem
from gridops.web.state import WebState


class AddressCandidate(BaseModel):
    """A stored address a text may mean."""

    id: str
    text: str
    cell: str
    score: float


class AddressProblem(Problem):
    """A refusal; for an address that is not clear, its candidates, best first."""

    candidates: list[AddressCandidate] | None = None


#: ``responses=`` entry of a route that takes an address: 400 may list candidates.
ADDRESS_400: dict[int | str, dict[str, Any]] = {
    400: {
        "model": AddressProblem,
        "description": WHY[400] + "; an address that matches no stored address, or several "
        "(then `candidates` lists them, best first: send one's `address_id`)",
    }
}


class AddressRefused(Exception):
    """The report's place cannot be used: the answer to send instead."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(body["detail"])
        self.status, self.body, self.headers = status, body, headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body, status_code=self.status, headers=self.headers)


@dataclass(frozen=True)
class Place:
    """A point and the CRS it is in."""

    lon: float
    lat: float
    crs: str


def place_of(
    state: WebState,
    *,
    lon: float | None,
    lat: float | None,
    crs: str,
    address: str,
    address_id: str,
) -> Place:
    """The report's point as sent, or the stored address it names; :class:`AddressRefused`
    when neither is usable."""
    from gridops.services.address_books import LOOKUP_WAIT_S, AddressBookLoading, address_book
    from gridops.services.addresses import AddressAmbiguous, AddressNotFound, locate_address

    if lon is not None and lat is not None:
        return Place(lon, lat, crs)
    if lon is not None or lat is not None:
        raise _bad("send both lon and lat (or neither, and an address or address_id)")
    if not address.strip() and not address_id.strip():
        raise _bad("where is it? send lon and lat, or address (as said), or address_id")
    try:
        book = address_book(state.ctx.store, wait=LOOKUP_WAIT_S)
        found = locate_address(
            book, address_id=address_id.strip() or None, address_string=address.strip()
        )
    except AddressBookLoading as exc:
        wait = {"Retry-After": str(exc.retry_after_s)}
        raise AddressRefused(503, {"detail": str(exc)}, wait) from None
    except AddressNotFound as exc:
        raise _bad(f"{_api_words(str(exc))}; check it, or send lon and lat") from None
    except AddressAmbiguous as exc:
        listed = [
            {"id": c.id, "text": c.text, "cell": c.cell, "score": round(c.score, 1)}
            for c in exc.candidates
        ]
        raise AddressRefused(400, {"detail": _api_words(str(exc)), "candidates": listed}) from None
    return Place(found.lon, found.lat, state.ctx.grid.crs)


def _bad(detail: str) -> AddressRefused:
    return AddressRefused(400, {"detail": detail})


def _api_words(message: str) -> str:
    """Open311's field names as this API calls them."""
    message = message.replace("address_string", "address")
    return message.replace("(or lat and long)", "(or lon and lat)")
