"""Where the database's schema stands against the migrations this gridops ships (迁移版本)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from gridops.store.engine import MIGRATIONS


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
    """The newest migration in gridops/store/migrations (read once per process)."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None, "gridops ships at least one migration"
    return head


def schema_revision(engine: Engine) -> SchemaRevision:
    """Read the database's alembic_version (one short query)."""
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return SchemaRevision(current, shipped_head())
