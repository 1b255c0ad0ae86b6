"""The reporter's contact (上报人联系方式) is state, not history: it never enters an event.

The ticket row keeps the contact and a random per-ticket salt; the ``report`` event carries only
``reporter_digest = sha256(salt + canonical JSON of the contact)``. An auditor holding the contact
can prove it is the one reported (:func:`contact_matches`) while the log alone reveals nothing.
``erase_contact`` blanks contact and salt (a PIPL deletion request, 个人信息删除); after that the
digest can no longer be checked, and the chain still verifies.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace

from gridops.tickets.codec import canonical, plain
from gridops.tickets.model import Reporter, Ticket

#: Ticket fields kept in the row but outside the hash chain (the projection cannot know them).
OUTSIDE_CHAIN = ("reporter", "reporter_salt")


def has_contact(reporter: Reporter) -> bool:
    """True when any of name, phone or e-mail is given."""
    return bool(reporter.name or reporter.phone or reporter.email)


def contact_digest(salt: str, reporter: Reporter) -> str:
    """sha256 hex of ``salt`` + the contact's canonical JSON."""
    data = (salt + canonical(plain(reporter))).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def contact_matches(ticket: Ticket, reporter: Reporter) -> bool:
    """True when ``reporter`` is the contact recorded in the ticket's report event.

    False once the contact was erased (the salt is gone) or when none was recorded.
    """
    if not ticket.reporter_salt or not ticket.reporter_digest:
        return False
    digest = contact_digest(ticket.reporter_salt, reporter)
    return hmac.compare_digest(digest, ticket.reporter_digest)


def in_chain(ticket: Ticket) -> Ticket:
    """``ticket`` without the fields outside the chain (what a projection can be compared to)."""
    return replace(ticket, reporter=Reporter(), reporter_salt="")
