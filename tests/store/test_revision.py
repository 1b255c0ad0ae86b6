"""gridops.store.revision reads the schema's place without Alembic: the shipped head equals
Alembic's reading of the migration files, the database's revision its alembic_version row, and
a process opening a database already at the head never imports Alembic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from gridops.store.revision import MIGRATIONS, current_revision, schema_revision, shipped_head


def test_the_shipped_head_is_alembics() -> None:
    assert shipped_head() == ScriptDirectory(str(MIGRATIONS)).get_current_head()


def test_the_revision_of_a_new_and_a_migrated_database(store, tmp_path: Path) -> None:  # noqa: ANN001
    from sqlalchemy import create_engine

    assert current_revision(create_engine(f"sqlite:///{tmp_path / 'empty.db'}")) is None
    assert (
        schema_revision(store.engine).at_head and current_revision(store.engine) == shipped_head()
    )


def test_a_database_at_the_head_is_opened_without_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    code = (
        "import sys; from gridops.store import open_store; "
        f"open_store({url!r}).close(); print('alembic' in sys.modules)"
    )
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert first.stdout.split()[-1] == "True"  # created: migrated by Alembic
    assert again.stdout.split()[-1] == "False"  # at the head: Alembic not even imported
