"""Hotline intake (12345 受理): a call taken by an acceptor becomes a ticket through the same
intake as every channel, at the stored address the caller named.

While the acceptor types, :func:`look_up` gives the address candidates with their cells, the
categories the description suggests, and the caller's open tickets at the chosen address's
cell (a repeat call is better merged than made twice). The caller's name and number are the
ticket's reporter: personal data, shown masked to whoever may not see contacts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from gridops.address.book import Candidate
from gridops.errors import UserError
from gridops.org.suggest import Suggestion, category_words, suggest
from gridops.services.address_books import LOOKUP_WAIT_S, AddressBookLoading, address_book
from gridops.services.addresses import locate_address
from gridops.services.context import ServiceContext
from gridops.services.intake import IntakeReport, submit
from gridops.store.rows import ticket_of
from gridops.store.schema import tickets
from gridops.tickets import Reporter, Role, Source, Ticket
from gridops.tickets.model import DONE

PHONE = re.compile(r"^\+?[0-9][0-9 -]{2,19}$")


@dataclass(frozen=True)
class Call:
    """What the acceptor typed: the caller, the place (an address text, or a chosen address's
    id), the description and the category. The number is kept as :func:`normal_phone` makes
    it."""

    phone: str = ""
    name: str = ""
    address: str = ""
    address_id: str = ""
    description: str = ""
    category: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "phone", normal_phone(self.phone))


@dataclass(frozen=True)
class LookUp:
    """What the page shows beside the call: address candidates (best first), the chosen one,
    suggested categories, and the caller's open tickets at that place."""

    candidates: list[Candidate] = field(default_factory=list)
    chosen: Candidate | None = None
    categories: list[Suggestion] = field(default_factory=list)
    repeats: list[Ticket] = field(default_factory=list)
    loading: bool = False  # the address database is still being loaded by this process


def normal_phone(phone: str) -> str:
    """A number as typed, half-width and trimmed: how it is checked and stored. A Chinese
    input method types full-width forms (１３８, ＋, －, ideographic spaces); NFKC makes them
    the ASCII ones."""
    return unicodedata.normalize("NFKC", phone).strip()


def digits(phone: str) -> str:
    """The digits of a phone number (how two numbers are compared)."""
    return re.sub(r"[^0-9]", "", normal_phone(phone))


def look_up(ctx: ServiceContext, call: Call, limit: int = 6) -> LookUp:
    """Candidates, suggestions and repeats for a call as typed so far."""
    words = category_words(ctx.ops.taxonomy.categories)
    try:
        book = address_book(ctx.store, wait=LOOKUP_WAIT_S)
    except AddressBookLoading:
        return LookUp(categories=suggest(call.description, words), loading=True)
    chosen = book.get(call.address_id) if call.address_id else None
    candidates = book.geocode(call.address, limit=limit) if call.address.strip() else []
    if chosen is None and len(candidates) == 1:
        chosen = candidates[0]
    repeats = open_tickets_of(ctx, call.phone, chosen.cell) if chosen and call.phone else []
    return LookUp(candidates, chosen, suggest(call.description, words), repeats)


def open_tickets_of(ctx: ServiceContext, phone: str, cell: str, limit: int = 200) -> list[Ticket]:
    """Open tickets in ``cell`` (a level-3 code) reported from ``phone``, newest first."""
    wanted = digits(phone)
    if len(wanted) < 3:
        return []
    c = tickets.c
    q = (
        select(c.data)
        .where(c.cell_3 == cell, c.status.not_in([s.value for s in DONE]))
        .order_by(c.created_at.desc())
        .limit(limit)
    )
    with ctx.store.engine.connect() as conn:
        found = [ticket_of(r) for r in conn.execute(q)]
    return [t for t in found if digits(t.reporter.phone) == wanted]


def check_call(call: Call, categories: object) -> dict[str, str]:
    """The fields of a call that cannot be taken, each with why (empty: none)."""
    errors: dict[str, str] = {}
    if call.phone and not PHONE.match(call.phone.strip()):
        errors["phone"] = "phone_bad"
    if not call.address.strip() and not call.address_id:
        errors["address"] = "address_missing"
    if not call.description.strip():
        errors["description"] = "description_missing"
    if call.category not in categories:  # type: ignore[operator]
        errors["category"] = "category_missing"
    return errors


def take_call(ctx: ServiceContext, call: Call, *, actor: str, now: datetime) -> Ticket:
    """The call as a ticket (source hotline, reported by the acceptor) at the stored address
    the call names; :class:`~gridops.services.addresses.AddressNotFound` or
    ``AddressAmbiguous`` when it names none or several, then nothing is written."""
    problems = check_call(call, ctx.ops.taxonomy.categories)
    if problems:
        raise UserError("call: " + ", ".join(f"{k} ({v})" for k, v in problems.items()))
    place = locate_address(
        address_book(ctx.store, wait=LOOKUP_WAIT_S),
        address_id=call.address_id or None,
        address_string=call.address,
    )
    report = IntakeReport(
        category=call.category,
        lon=place.lon,
        lat=place.lat,
        crs=ctx.grid.crs,
        source=Source.HOTLINE,
        description=call.description.strip(),
        reporter=Reporter(name=call.name.strip(), phone=call.phone.strip()),
    )
    [ticket] = submit(ctx, [report], actor=actor, role=Role.ACCEPTOR, now=now)
    return ticket
