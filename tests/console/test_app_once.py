"""The field app's moves record their key's answer in the move's own transaction: a crash after
the move committed leaves the answer to replay (not a conflict message, not a second move)."""

from __future__ import annotations

import uuid

import pytest

from gridops.services.context import ServiceContext

from .conftest import TestClient, Users
from .test_app import events, move
from .test_views import routed_worker


@pytest.mark.parametrize("action", ["accept", "return"])
def test_a_crash_after_the_commit_leaves_the_answer_to_replay(
    client: TestClient, ctx: ServiceContext, users: Users, monkeypatch: pytest.MonkeyPatch,
    action: str,
) -> None:  # fmt: skip
    import gridops.services.actions as actions

    number, csrf = routed_worker(client, ctx, users)
    key = uuid.uuid4().hex

    def crash(*args: object, **kw: object) -> None:
        raise RuntimeError("killed after the commit")

    monkeypatch.setattr(actions, "follow_up", crash)
    with pytest.raises(RuntimeError, match="killed"):
        move(client, csrf, number, action, key, reason="不属于本单位职责")
    monkeypatch.undo()
    again = move(client, csrf, number, action, key, reason="不属于本单位职责")
    assert again.status_code == 200, again.text
    assert again.json()["replayed"] is True and again.json()["action"] == action
    assert events(ctx, number).count(action) == 1
