"""The field app's moves on SQLite and PostgreSQL: a key is claimed once per user, a released
claim may be taken again, a finished one keeps its answer, position and photos; migration 0011
down and up again."""

from __future__ import annotations

from sqlalchemy import inspect

from gridops.store import Store
from gridops.store.field_moves import APPLYING, DONE, STALE, FieldMoves, Presence
from store.factory import NOW
from store.test_migration_points import move_to


def test_a_key_is_applied_once_per_user(store: Store) -> None:
    moves = FieldMoves(store.engine)
    assert moves.claim("w-1", "k" * 12, ticket="E1", action="accept", now=NOW) is None
    again = moves.claim("w-1", "k" * 12, ticket="E1", action="accept", now=NOW)
    assert again is not None and again.state == APPLYING and again.answer is None
    assert moves.claim("w-2", "k" * 12, ticket="E1", action="accept", now=NOW) is None
    moves.finish("w-1", "k" * 12, answer={"status": "accepted"},
                 presence=Presence(121.5, 31.2, 850.0, True), photos_before=["a.jpg"],
                 photos_after=["b.jpg"])  # fmt: skip
    done = moves.claim("w-1", "k" * 12, ticket="E1", action="accept", now=NOW)
    assert done is not None and done.state == DONE and done.answer == {"status": "accepted"}
    assert done.presence == Presence(121.5, 31.2, 850.0, True)
    assert (done.photos_before, done.photos_after) == (("a.jpg",), ("b.jpg",))
    assert [m.user_id for m in moves.of_ticket("E1")] == ["w-1"]


def test_a_released_claim_may_be_sent_again(store: Store) -> None:
    moves = FieldMoves(store.engine)
    assert moves.claim("w-1", "r" * 12, ticket="E2", action="done", now=NOW) is None
    moves.release("w-1", "r" * 12)
    assert moves.get("w-1", "r" * 12) is None
    assert moves.claim("w-1", "r" * 12, ticket="E2", action="done", now=NOW) is None


def test_a_claim_left_applying_too_long_is_taken_over(store: Store) -> None:
    moves = FieldMoves(store.engine)
    assert moves.claim("w-1", "s" * 12, ticket="E3", action="done", now=NOW) is None
    soon = moves.claim("w-1", "s" * 12, ticket="E3", action="done", now=NOW + STALE / 2)
    assert soon is not None and soon.state == APPLYING  # still being applied: wait
    assert moves.claim("w-1", "s" * 12, ticket="E3", action="done", now=NOW + STALE) is None
    assert moves.claim("w-1", "s" * 12, ticket="E3", action="done", now=NOW + STALE) is not None


def test_migration_0011_both_ways(store: Store) -> None:
    move_to(store.engine, "0010_sessions_media", down=True)
    assert not {"field_moves", "patrols"} & set(inspect(store.engine).get_table_names())
    move_to(store.engine, "head")
    assert {"field_moves", "patrols"} <= set(inspect(store.engine).get_table_names())
