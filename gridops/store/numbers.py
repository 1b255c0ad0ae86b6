"""Case-number serials (案卷编号): one counter per (day, category), reserved in the creating
transaction, so numbers run without gaps — a gap would look like a deleted case."""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam
from sqlalchemy.dialects import postgresql, sqlite

from gridops.store.schema import number_counters


def reserve_serials(conn: Connection, day: str, codes: list[str]) -> list[int]:
    """Reserve one serial per item from the (day, category) counters, in order."""
    need: dict[str, int] = defaultdict(int)
    for code in codes:
        need[code] += 1
    start: dict[str, int] = {}
    stmt = _reserve(conn.dialect.name)
    for code, n in sorted(need.items()):
        got = conn.execute(stmt, {"day": day, "category": code, "n": n}).scalar_one()
        start[code] = int(got) - n + 1
    out = []
    for code in codes:
        out.append(start[code])
        start[code] += 1
    return out


@lru_cache(maxsize=4)
def _reserve(dialect: str) -> Any:
    """Upsert of a (day, category) counter by ``n``, returning the new last serial (built once
    per dialect: building the statement cost more than running it)."""
    ins = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        ins(number_counters)
        .values(day=bindparam("day"), category=bindparam("category"), last=bindparam("n"))
        .on_conflict_do_update(
            index_elements=["day", "category"],
            set_={"last": number_counters.c.last + bindparam("n")},
        )
        .returning(number_counters.c.last)
    )
