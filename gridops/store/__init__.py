"""gridops.store: tickets and their hash-chained events in SQLite (WAL) or PostgreSQL.

``open_store(url)`` connects and runs the Alembic migrations shipped in
``gridops/store/migrations``.
"""

from gridops.store.batch_write import ApplyResult
from gridops.store.errors import StaleTicket, UnknownTicket, UnsupportedDatabase
from gridops.store.repository import Store, open_store

__all__ = [
    "ApplyResult",
    "StaleTicket",
    "Store",
    "UnknownTicket",
    "UnsupportedDatabase",
    "open_store",
]
