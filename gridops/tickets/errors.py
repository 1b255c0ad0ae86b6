"""Errors of the workflow: each names the ticket, its status and the attempted move."""

from __future__ import annotations

from gridops.errors import UserError
from gridops.tickets.model import Ticket


class TransitionError(UserError):
    """A move that the workflow refuses; nothing is changed."""


class IllegalTransition(TransitionError):
    """The action is not allowed from the ticket's status (or is unknown)."""

    def __init__(self, ticket: Ticket, action: str, why: str = "") -> None:
        self.ticket_id, self.status, self.action = ticket.id, ticket.status, action
        super().__init__(
            f"ticket {ticket.number or ticket.id} is {ticket.status.value}: cannot {action}"
            + (f" ({why})" if why else "")
        )


class RoleNotAllowed(IllegalTransition):
    """The role may not take this action."""


class BadTransitionInput(TransitionError):
    """A required field is missing or a field value is invalid."""
