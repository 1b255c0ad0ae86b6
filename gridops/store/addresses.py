"""The standard address database (标准地址库) in the store: ``addresses`` and the log of its
imports, ``address_imports`` (migration 0013).

An import replaces the whole database in one transaction (a 标准地址库 is published as a whole);
readers see the old addresses or the new ones, never a mix. :func:`address_version` is the
newest import's id: a process keeps its in-memory book while that does not change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
)

from gridops.address.book import AddressRecord
from gridops.address.parse import AddressParts
from gridops.store.engine import write
from gridops.store.schema import UTCDateTime, metadata

addresses = Table(
    "addresses",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("text", String(300), nullable=False),
    Column("district", String(40), nullable=False, default=""),
    Column("street", String(40), nullable=False, default=""),
    Column("road", String(80), nullable=False, default=""),
    Column("lane", String(12), nullable=False, default=""),
    Column("sublane", String(12), nullable=False, default=""),
    Column("number", String(12), nullable=False, default=""),
    Column("building", String(12), nullable=False, default=""),
    Column("room", String(12), nullable=False, default=""),
    Column("rest", String(200), nullable=False, default=""),
    Column("aliases", Text, nullable=False, default=""),  # "|"-separated
    Column("lon", Float, nullable=False),  # the grid's CRS
    Column("lat", Float, nullable=False),
    Column("cell", String(32), nullable=False, default=""),  # the deepest cell holding it
    Index("ix_addresses_road", "road"),
    Index("ix_addresses_cell", "cell"),
)

address_imports = Table(
    "address_imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("source", String(300), nullable=False),
    Column("count", Integer, nullable=False),
)

PARTS = ("district", "street", "road", "lane", "sublane", "number", "building", "room", "rest")
BATCH = 20_000


COLUMNS = ("id", "text", *PARTS, "aliases", "lon", "lat", "cell")


def _row(r: AddressRecord) -> tuple[object, ...]:
    p = r.parts
    return (r.id, r.text, p.district, p.street, p.road, p.lane, p.sublane, p.number, p.building,
            p.room, p.rest, "|".join(r.aliases), r.lon, r.lat, r.cell)  # fmt: skip


def _insert_sql(paramstyle: str) -> str:
    """The INSERT for the driver's own executemany: a million rows skip SQLAlchemy's per-row
    parameter processing (a third of an import's time)."""
    mark = "?" if paramstyle == "qmark" else "%s"
    return (
        f"INSERT INTO addresses ({', '.join(COLUMNS)}) VALUES ({', '.join([mark] * len(COLUMNS))})"  # noqa: E501
    )


def _copy(conn: Connection, chunk: Sequence[AddressRecord]) -> None:
    """PostgreSQL: the rows through COPY, in the transaction ``conn`` is in (a million rows in
    seconds; the driver's pipelined INSERTs took 23 s)."""
    raw: Any = conn.connection.dbapi_connection
    with raw.cursor() as cur, cur.copy(f"COPY addresses ({', '.join(COLUMNS)}) FROM STDIN") as out:
        for r in chunk:
            out.write_row(_row(r))


def replace_addresses(
    engine: Engine,
    records: Sequence[AddressRecord],
    *,
    source: str,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Replace every stored address by ``records`` in one transaction and log the import;
    ``progress(n)`` after each batch of n written. Returns the import's id."""
    sql = _insert_sql(engine.dialect.paramstyle)
    with write(engine) as conn:
        conn.execute(delete(addresses))
        for start in range(0, len(records), BATCH):
            chunk = records[start : start + BATCH]
            if conn.dialect.name == "postgresql":
                _copy(conn, chunk)
            else:
                conn.exec_driver_sql(sql, [_row(r) for r in chunk])
            if progress is not None:
                progress(len(chunk))
        made = conn.execute(
            insert(address_imports).values(at=now, source=source[:300], count=len(records))
        )
        key = made.inserted_primary_key
        assert key is not None
        return int(key[0])


def address_version(engine: Engine) -> int:
    """The id of the newest import (0: none yet)."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.max(address_imports.c.id))).scalar() or 0)


def load_addresses(engine: Engine, batch: int = 50_000) -> Iterator[AddressRecord]:
    """Every stored address, in id order, read a page at a time (plain driver rows: a million
    SQLAlchemy rows cost more than building the book from them)."""
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    sql = (f"SELECT {', '.join(COLUMNS)} FROM addresses WHERE id > {mark} "
           f"ORDER BY id LIMIT {int(batch)}")  # fmt: skip
    after = ""
    while True:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(sql, (after,)).all()
        if not rows:
            return
        for r in rows:
            aliases = tuple(a for a in r[11].split("|") if a) if r[11] else ()
            yield AddressRecord(r[0], r[1], r[12], r[13], r[14], aliases, AddressParts(*r[2:11]))
        after = rows[-1][0]
