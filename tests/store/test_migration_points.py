"""Migration 0006: the ticket's point becomes columns, filled from each row's JSON."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, select

from gridops.store import Store
from gridops.store.engine import MIGRATIONS, write
from gridops.store.schema import tickets
from store.factory import draft

AT = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def move_to(engine: Engine, revision: str, *, down: bool = False) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with write(engine) as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def points(store: Store) -> dict[str, tuple[float, float]]:
    q = select(tickets.c.id, tickets.c.point_lon, tickets.c.point_lat)
    with store.engine.connect() as conn:
        return {r.id: (r.point_lon, r.point_lat) for r in conn.execute(q)}


def test_points_are_written_and_filled_from_the_json_on_upgrade(store: Store):
    made = store.create_tickets([draft(), draft(lon=121.6123456789, lat=31.3)], now=AT)
    want = {t.id: (t.point_lon, t.point_lat) for t in made}
    assert points(store) == want  # written with the row
    move_to(store.engine, "0005_assignee_index", down=True)
    move_to(store.engine, "head")
    assert points(store) == want  # the upgrade fills them from the JSON, exactly
    assert {t.id: t for t in store.find()} == {t.id: t for t in made}  # nothing else moved
