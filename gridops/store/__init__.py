"""gridops.store: tickets and their hash-chained events in SQLite (WAL) or PostgreSQL.

``open_store(url)`` connects and runs the Alembic migrations shipped in
``gridops/store/migrations``.
"""

from gridops.store.errors import StaleTicket, UnknownTicket, UnsupportedDatabase
from gridops.store.repository import ApplyResult, Store, open_store

__all__ = [
    "ApplyResult",
    "StaleTicket",
    "Store",
    "UnknownTicket",
    "UnsupportedDatabase",
    "open_store",
]
