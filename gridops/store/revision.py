"""Where the database's schema stands against the migrations this gridops ships (迁移版本).

Read without Alembic: the shipped head from the migration files' ``revision`` and
``down_revision`` lines, the database's from its ``alembic_version`` table. A process whose
database is already at the head (every start but the first after an upgrade) then never
imports Alembic, which holds ~10 MB of each process's memory (and ~0.1 s of its start).
A test checks the head against Alembic's own reading of the files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Engine, inspect, text

from gridops.store.engine import MIGRATIONS

_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(?:\"([^\"]*)\"|'([^']*)'|None)",
                   re.MULTILINE)  # fmt: skip


@dataclass(frozen=True)
class SchemaRevision:
    """The database's revision (None: never migrated) and the newest one shipped."""

    current: str | None
    head: str

    @property
    def at_head(self) -> bool:
        return self.current == self.head


@cache
def shipped_head() -> str:
    """The newest migration in gridops/store/migrations: the one no other follows (read once
    per process)."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        found = dict(
            (m.group(1), m.group(2) or m.group(3)) for m in _LINE.finditer(path.read_text("utf-8"))
        )
        if found.get("revision"):
            revisions.add(found["revision"])
            if found.get("down_revision"):
                followed.add(found["down_revision"])
    heads = sorted(revisions - followed)
    assert len(heads) == 1, f"gridops ships one migration head, found {heads}"
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    """The database's revision (its ``alembic_version`` row), None when never migrated."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def schema_revision(engine: Engine) -> SchemaRevision:
    """Read the database's alembic_version (one short query)."""
    return SchemaRevision(current_revision(engine), shipped_head())
