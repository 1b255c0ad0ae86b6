"""Who came in (gridops.services.access), on SQLite and PostgreSQL: a console session opened,
found while live and closed; sign-ins, refusals and sign-outs in the access log, paged newest
first and filtered by subject."""

from __future__ import annotations

from datetime import timedelta

from gridops.services.access import (
    SIGN_IN,
    SIGN_IN_REFUSED,
    SIGN_OUT,
    access_page,
    close_session,
    note_access,
    open_session,
    session_user,
)
from gridops.store.accounts import Accounts
from gridops.web.security import issue_session, issue_user_token

from .conftest import NOW

IDLE = timedelta(minutes=30)


def test_a_session_opened_found_and_closed(ctx) -> None:
    engine = ctx.store.engine
    token = issue_user_token()
    d1 = Accounts(engine).add_user(
        "d-1", name="d-1", role="dispatcher", units=["sc-1"], token_hash=token.token_hash,
        token_hint=token.hint, now=NOW,
    )  # fmt: skip
    secret = issue_session()
    ends = open_session(engine, d1, id_hash=secret.token_hash, now=NOW,
                        lifetime=timedelta(hours=8))  # fmt: skip
    assert ends == NOW + timedelta(hours=8)
    later = NOW + timedelta(minutes=5)
    assert session_user(engine, secret.token_hash, now=later, idle=IDLE, touch=True) == d1
    assert close_session(engine, secret.token_hash)
    assert session_user(engine, secret.token_hash, now=later, idle=IDLE, touch=True) is None


def test_the_access_log_pages_newest_first_and_by_subject(ctx) -> None:
    engine = ctx.store.engine
    for i, (kind, who) in enumerate([(SIGN_IN, "d-1"), (SIGN_IN_REFUSED, "x"), (SIGN_OUT, "d-1")]):
        note_access(engine, kind, who, now=NOW + timedelta(minutes=i), address="10.0.0.1")
    page, total = access_page(engine, limit=2, offset=0)
    assert total == 3 and [e.kind for e in page] == [SIGN_OUT, SIGN_IN_REFUSED]
    mine, count = access_page(engine, limit=10, offset=0, subject="d-1")
    assert count == 2 and {e.subject for e in mine} == {"d-1"}
