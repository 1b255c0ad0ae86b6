"""Addresses (标准地址库): import a file into the store, and the process's address book.

An import reads every row, converts the points to the grid's CRS, places them all at once and
lists every problem with its line (outside the grid, a cell code that disagrees with the point,
an id given twice); with problems nothing is written unless ``skip_bad`` keeps the good rows.
The book (:func:`~gridops.services.address_books.address_book`) is built in the background
once per import and shared by the process's threads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from gridops.address.book import AddressBook, AddressRecord, Candidate, decisive
from gridops.address.files import AddressRow, RowProblem, read_address_file
from gridops.address.parse import parse
from gridops.errors import UserError
from gridops.grids import Grid
from gridops.grids.crs import normalise_crs, to_grid_crs_many
from gridops.services.address_books import (
    SHOW_WAIT_S,
    AddressBookLoading,
    address_book,
    forget_version,
)
from gridops.store import Store
from gridops.store.addresses import address_version, replace_addresses
from gridops.tickets import Ticket

SHOWN = 50  # problems listed in a refusal (all are counted)


@dataclass
class AddressImport:
    """What an import did (or would do): addresses written and the problems by line."""

    imported: int = 0
    problems: list[RowProblem] = field(default_factory=list)


class BadAddressFile(UserError):
    """The file has rows that cannot be imported; the message lists them by line."""


class AddressNotFound(UserError):
    """No stored address is like the one given."""


class AddressAmbiguous(UserError):
    """Several stored addresses are like the one given: ``candidates``, best first."""

    def __init__(self, message: str, candidates: Sequence[Candidate]) -> None:
        super().__init__(message)
        self.candidates = tuple(candidates)


def locate_address(
    book: AddressBook, *, address_id: str | None = None, address_string: str | None = None
) -> Candidate:
    """The stored address an id names, or the one an address text clearly means."""
    if address_id:
        found = book.get(address_id)
        if found is None:
            raise AddressNotFound(f"address_id {address_id!r} is not in the address database")
        return found
    text = (address_string or "").strip()
    candidates = book.geocode(text, limit=5)
    if not candidates:
        raise AddressNotFound(f"address_string {text!r} matches no address in the database")
    chosen = decisive(candidates)
    if chosen is None:
        raise AddressAmbiguous(
            f"address_string {text!r} is not clear: {len(candidates)} candidate(s) follow; "
            "send the address_id of one (or lat and long)",
            candidates,
        )
    return chosen


def check_rows(
    grid: Grid, rows: Sequence[AddressRow], crs: str | None = None
) -> tuple[list[AddressRecord], list[RowProblem]]:
    """Records for the rows that are good, and a problem for each that is not (``crs``: the
    file's points, default the grid's)."""
    x = np.array([r.lon for r in rows], dtype=float)
    y = np.array([r.lat for r in rows], dtype=float)
    source = normalise_crs(crs) if crs else grid.crs
    if len(rows) and source != grid.crs:
        x, y = to_grid_crs_many(x, y, source, grid.crs)
    levels = grid.locate_many(x, y) if len(rows) else []
    records: list[AddressRecord] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for i, r in enumerate(rows):
        codes = [str(level[i]) for level in levels if level[i]]
        if not codes:
            problems.append(RowProblem(r.line, f"{r.text}: the point ({r.lon}, {r.lat}) lies "
                                               f"outside grid {grid.name!r}"))  # fmt: skip
            continue
        if r.cell and r.cell not in codes:
            problems.append(RowProblem(r.line, f"{r.text}: cell {r.cell} disagrees with the "
                                               f"point, which lies in {codes[-1]}"))  # fmt: skip
            continue
        if r.id in seen:
            problems.append(RowProblem(r.line, f"{r.text}: id {r.id} is on line {seen[r.id]} "
                                               "too; ids must be unique"))  # fmt: skip
            continue
        seen[r.id] = r.line
        parts = parse(r.text)
        records.append(AddressRecord(r.id, r.text, float(x[i]), float(y[i]), codes[-1],
                                     r.aliases, parts))  # fmt: skip
    return records, problems


def import_addresses(
    store: Store,
    grid: Grid,
    path: Path,
    *,
    now: datetime,
    crs: str | None = None,
    skip_bad: bool = False,
    progress: Callable[[int], None] | None = None,
) -> AddressImport:
    """Replace the stored addresses by the file's. Problems refuse the whole file
    (:class:`BadAddressFile`, nothing written) unless ``skip_bad``."""
    rows, problems = read_address_file(path)
    total = len(rows) + len(problems)
    records, bad = check_rows(grid, rows, crs)
    problems = sorted(problems + bad, key=lambda p: p.line)
    if problems and not skip_bad:
        listed = "\n".join(f"  line {p.line}: {p.message}" for p in problems[:SHOWN])
        more = f"\n  … and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
        raise BadAddressFile(
            f"{path}: {len(problems)} of {total} rows cannot be "
            f"imported; nothing was written (fix them, or --skip-bad to import the "
            f"{len(records)} good rows):\n{listed}{more}"
        )
    if not records:
        raise UserError(f"{path}: no address to import")
    replace_addresses(store.engine, records, source=str(path), now=now, progress=progress)
    forget_version(store)
    return AddressImport(len(records), problems)


def ensure_sample_addresses(store: Store, grid: Grid, grid_path: Path, *, now: datetime) -> int:
    """Import the shipped sample addresses when the grid is the shipped sample grid and no
    address was ever imported (``gridops demo``); how many were imported."""
    from gridops.settings import DEFAULT_GRID, DEFAULTS_DIR

    if Path(grid_path).resolve() != DEFAULT_GRID.resolve() or address_version(store.engine):
        return 0
    sample = DEFAULTS_DIR / "addresses" / "pudong.csv"
    return import_addresses(store, grid, sample, now=now).imported


def nearest_address(
    store: Store, ticket: Ticket, *, wait: float | None = SHOW_WAIT_S
) -> Candidate | None:
    """The stored address nearest a ticket's point (None without addresses, or while the
    book is still being built ``wait`` seconds after its build began)."""
    try:
        book = address_book(store, wait=wait, shared=True)
    except AddressBookLoading:
        return None
    return book.reverse(ticket.point_lon, ticket.point_lat)
