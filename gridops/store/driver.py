"""Bulk writes bound before the write lock: rows made ready for the database driver first, then
one ``executemany`` each inside the transaction.

SQLAlchemy Core binds every value of every row inside ``execute`` — for a batch of 200 ticket
updates that is most of the time SQLite's single write lock is held, while the other worker
waits. Here the same values are bound beforehand (the column types' own ``process_bind_param``,
so the stored text is what Core would store; tests/store/test_driver.py compares the two) and
the lock covers the driver's work only. Used for the statements of a batch transition (the
tickets UPDATE, the ticket_events INSERT, the end of the tickets' claims) and for claims.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


@dataclass(frozen=True)
class BoundStatement:
    """SQL text in the driver's parameter style and the binders of its parameters, in order."""

    sql: str
    names: tuple[str, ...]
    binders: tuple[Callable[[Any], Any] | None, ...]
    named: bool
    _get: Callable[[Mapping[str, Any]], Any] = field(init=False, repr=False, compare=False)
    _typed: tuple[tuple[int, Callable[[Any], Any]], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # the values in order, fetched in one C call; then only the typed ones converted
        get = itemgetter(*self.names)
        one = len(self.names) == 1
        object.__setattr__(self, "_get", (lambda row: (get(row),)) if one else get)
        typed = tuple((i, b) for i, b in enumerate(self.binders) if b is not None)
        object.__setattr__(self, "_typed", typed)

    def bind(self, row: Mapping[str, Any]) -> Any:
        """``row`` as the driver takes it (a tuple for positional styles, else a dict)."""
        values = list(self._get(row))
        for i, binder in self._typed:
            if (v := values[i]) is not None:
                values[i] = binder(v)
        return dict(zip(self.names, values, strict=True)) if self.named else tuple(values)

    def execute(self, conn: Connection, rows: Sequence[Any]) -> int:
        """Run the statement once per bound row (the driver's ``executemany``); returns the
        number of rows it changed in all."""
        if not rows:
            return 0
        return int(conn.exec_driver_sql(self.sql, list(rows)).rowcount)


def _placeholder(dialect: Dialect, name: str) -> str:
    style = dialect.paramstyle
    if style == "qmark":
        return "?"
    if style == "named":
        return f":{name}"
    if style == "pyformat":
        return f"%({name})s"
    if style == "format":
        return "%s"
    raise NotImplementedError(f"parameter style {style!r}")


def _binder(table: Table, column: str, dialect: Dialect) -> Callable[[Any], Any] | None:
    kind = table.c[column].type
    if isinstance(kind, TypeDecorator):
        return lambda value: kind.process_bind_param(value, dialect)
    return None


@lru_cache(maxsize=64)
def update_by_id(
    table: Table,
    columns: tuple[str, ...],
    nulls: tuple[str, ...],
    dialect: Dialect,
    guard: str | None = None,
) -> BoundStatement:
    """``UPDATE table SET col = … (and each of ``nulls`` = NULL) WHERE id = b_id``; rows carry
    ``b_id`` and ``columns``. With ``guard`` (a column), also ``AND guard = b_<guard>``: a
    row whose guard column no longer holds the expected value is left alone."""
    prep = dialect.identifier_preparer
    sets = [f"{prep.quote(c)} = {_placeholder(dialect, c)}" for c in columns]
    sets += [f"{prep.quote(name)} = NULL" for name in nulls]
    where = f"{prep.quote('id')} = {_placeholder(dialect, 'b_id')}"
    names = (*columns, "b_id")
    if guard is not None:
        where += f" AND {prep.quote(guard)} = {_placeholder(dialect, 'b_' + guard)}"
        names += ("b_" + guard,)
    sql = f"UPDATE {prep.format_table(table)} SET {', '.join(sets)} WHERE {where}"
    binders = tuple(_binder(table, c, dialect) if not c.startswith("b_") else None for c in names)
    return BoundStatement(sql, names, binders, dialect.paramstyle in ("named", "pyformat"))


@lru_cache(maxsize=64)
def insert(
    table: Table, columns: tuple[str, ...], dialect: Dialect, *, replace: bool = False
) -> BoundStatement:
    """``INSERT INTO table (columns) VALUES (…)``; with ``replace`` (SQLite only), ``INSERT OR
    REPLACE``: a row with the same key is replaced."""
    prep = dialect.identifier_preparer
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    if replace and dialect.name != "sqlite":
        raise NotImplementedError("INSERT OR REPLACE is SQLite's; upsert on PostgreSQL instead")
    sql = (
        f"{verb} INTO {prep.format_table(table)} ({', '.join(prep.quote(c) for c in columns)}) "
        f"VALUES ({', '.join(_placeholder(dialect, c) for c in columns)})"
    )
    binders = tuple(_binder(table, c, dialect) for c in columns)
    return BoundStatement(sql, columns, binders, dialect.paramstyle in ("named", "pyformat"))


@lru_cache(maxsize=16)
def delete_by_id(table: Table, column: str, dialect: Dialect) -> BoundStatement:
    """``DELETE FROM table WHERE column = …``; rows carry ``column``."""
    prep = dialect.identifier_preparer
    sql = (
        f"DELETE FROM {prep.format_table(table)} "
        f"WHERE {prep.quote(column)} = {_placeholder(dialect, column)}"
    )
    binders = (_binder(table, column, dialect),)
    return BoundStatement(sql, (column,), binders, dialect.paramstyle in ("named", "pyformat"))
