"""Is this process ready to work (就绪检查)? The checks behind ``/readyz`` and
``gridops worker --check``: the database answers, its schema is at the shipped migration, Redis
answers, the grid and configuration are loaded. Each check says what it found, in words an
operator can act on; none raises."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from redis import Redis
from sqlalchemy import Engine, text

if TYPE_CHECKING:
    from gridops.services.context import ServiceContext


@dataclass(frozen=True)
class Check:
    """One readiness check: its name, whether it passed, and what it found."""

    name: str
    ok: bool
    detail: str


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _run(name: str, probe: Callable[[], str]) -> Check:
    try:
        return Check(name, True, probe())
    except Exception as exc:  # noqa: BLE001 - a failed check is an answer, not an error
        return Check(name, False, f"{type(exc).__name__}: {_first_line(exc)}")


def check_database(engine: Engine) -> Check:
    def probe() -> str:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return engine.dialect.name

    return _run("database", probe)


def check_migrations(engine: Engine) -> Check:
    from gridops.store.revision import schema_revision

    def probe() -> str:
        rev = schema_revision(engine)
        if not rev.at_head:
            raise RuntimeError(
                f"schema at {rev.current or 'nothing'}, this gridops needs {rev.head}: "
                "start one gridops process of this version (it migrates) or roll back"
            )
        return f"at {rev.head}"

    return _run("migrations", probe)


def check_redis(connect: Callable[[], Redis]) -> Check:
    def probe() -> str:
        connect().ping()
        return "answers"

    return _run("redis", probe)


def check_config(ctx: ServiceContext) -> Check:
    def probe() -> str:
        return (f"grid {ctx.settings.grid_path.name}: {len(ctx.grid.cells)} cells; "
                f"{len(ctx.ops.org.units)} units")  # fmt: skip

    return _run("config", probe)


def readiness(ctx: ServiceContext) -> list[Check]:
    """Every check, in the order an operator would fix them."""
    engine = ctx.store.engine
    return [check_database(engine), check_migrations(engine), check_redis(ctx.redis),
            check_config(ctx)]  # fmt: skip
