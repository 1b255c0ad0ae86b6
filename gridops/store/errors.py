"""Errors of the store."""

from __future__ import annotations

from gridops.errors import UserError


class StaleTicket(Exception):
    """A write based on an old version of a ticket (someone else moved it first)."""

    def __init__(self, ticket_id: str, expected: int, actual: int | None) -> None:
        self.ticket_id, self.expected, self.actual = ticket_id, expected, actual
        now = "is gone" if actual is None else f"is at version {actual}"
        super().__init__(f"ticket {ticket_id}: write expected version {expected} but it {now}")


class UnknownTicket(UserError):
    """No ticket with that id, number or key."""

    exit_code = 1


class UnknownAccount(UserError):
    """No user with that id, or no API key with that name (the web answers 404)."""


class UnsupportedDatabase(UserError):
    """The database URL names a backend gridops does not support."""


class WriterBusy(Exception):
    """The database's single writer stayed taken past the caller's deadline (another process
    holds ``<database>-writelock`` or SQLite's own write lock); nothing was written. The web
    answers 503 with Retry-After; a later try may succeed."""

    def __init__(self, what: str, waited_s: float) -> None:
        self.waited_s = waited_s
        super().__init__(
            f"the database writer stayed busy for {waited_s:.1f} s ({what}); nothing was "
            "written: try again shortly"
        )
