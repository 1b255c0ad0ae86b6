"""The process's address book (地址簿): built in the background, rebuilt after each import.

Building the book of a million addresses takes ~10 s of CPU, so a web process starts building
it when it starts (:func:`warm`), in a thread of its own: every other page answers meanwhile.
The book's version is the newest import's id (``address_imports``), read again at most once
per :data:`RECHECK_S` by a look-up. That is how every process learns of an import, whichever
process made it: the next look-up a second later sees a newer version and starts a rebuild in
the background; a look-up waits for it :data:`FRESH_WAIT_S` at most (a small book is rebuilt
by then), else the old book answers until the new one is swapped in.

A look-up that finds no book at all yet waits for the build up to its ``wait`` (seconds), then
raises :class:`AddressBookLoading`; ``wait=None`` (the CLI, the tests) waits for a book of the
newest version however long it takes.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import weakref

from sqlalchemy import Engine

from gridops.address.book import AddressBook
from gridops.store import Store
from gridops.store.addresses import address_version, load_addresses

log = logging.getLogger(__name__)

RECHECK_S = 1.0  # how long a process trusts its book before asking for the newest import
LOOKUP_WAIT_S = 5.0  # a web look-up (Open311, the API's intake, the hotline) waits this long
SHOW_WAIT_S = 1.0  # tickets shown wait this long (from the build's start) for their addresses
FRESH_WAIT_S = 0.25  # with an older book held, a look-up waits this long for the new one


class AddressBookLoading(Exception):
    """The address database is still being loaded into this process (retry in a few
    seconds)."""

    retry_after_s = 5

    def __init__(self) -> None:
        super().__init__(
            "the address database is still being loaded by this server; "
            f"try again in {self.retry_after_s} seconds (or send lat and long)"
        )


class _Shelf:
    """One store's book, the version it holds and the build under way (thread-safe)."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.book: AddressBook | None = None
        self.version = -1  # of the book held
        self.newest = -1  # the newest version seen in the store
        self.checked = -math.inf  # when ``newest`` was read (monotonic)
        self.builder: threading.Thread | None = None
        self.failure: BaseException | None = None
        self.started = -math.inf  # when the build under way began (monotonic)

    def see_newest(self, engine: Engine) -> int:
        now = time.monotonic()
        if now - self.checked >= RECHECK_S:
            newest = address_version(engine)
            with self.cond:
                self.newest, self.checked = newest, now
        return self.newest

    def start(self, engine: Engine) -> None:
        """Start a build unless one is under way (the caller holds ``cond``)."""
        if self.builder is None:
            self.failure, self.started = None, time.monotonic()
            self.builder = threading.Thread(
                target=self.build, args=(engine,), name="address-book", daemon=True
            )
            self.builder.start()

    def build(self, engine: Engine) -> None:
        try:
            while True:
                version = address_version(engine)
                book = AddressBook(load_addresses(engine))
                with self.cond:
                    self.book, self.version = book, version
                    self.newest = max(self.newest, version)
                    self.cond.notify_all()
                    if version >= self.newest:
                        self.builder = None
                        return
        except Exception as exc:  # the waiters re-raise it; the next look-up tries again
            log.exception("building the address book failed")
            with self.cond:
                self.failure, self.builder = exc, None
                self.cond.notify_all()

    def get(self, engine: Engine, wait: float | None, shared: bool = False) -> AddressBook:
        newest = self.see_newest(engine)
        started = time.monotonic()
        with self.cond:
            if self.book is not None and self.version >= newest:
                return self.book
            self.start(engine)
            if shared:  # one budget per build, whoever asks (a list of tickets waits once)
                started = self.started
            while True:
                if self.book is not None and self.version >= newest:
                    return self.book
                if self.failure is not None and self.builder is None:
                    raise self.failure
                bound = wait if self.book is None or wait is None else min(wait, FRESH_WAIT_S)
                left = None if bound is None else started + bound - time.monotonic()
                if left is not None and left <= 0:
                    if self.book is not None:
                        return self.book  # while a rebuild runs, the old book answers
                    raise AddressBookLoading()
                self.cond.wait(left)


_SHELVES: weakref.WeakKeyDictionary[Engine, _Shelf] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _shelf(store: Store) -> _Shelf:
    with _LOCK:
        shelf = _SHELVES.get(store.engine)
        if shelf is None:
            shelf = _SHELVES[store.engine] = _Shelf()
        return shelf


def address_book(store: Store, *, wait: float | None = None, shared: bool = False) -> AddressBook:
    """The book of the stored addresses (see the module's note for ``wait``; ``shared``: the
    wait is counted from the build's start, so the tickets of a page wait once in all)."""
    return _shelf(store).get(store.engine, wait, shared)


def warm(store: Store) -> None:
    """Start building the book in the background now (a web process at start); returns at
    once."""
    shelf = _shelf(store)
    with shelf.cond:
        shelf.start(store.engine)


def forget_version(store: Store) -> None:
    """Make the next look-up read the newest version at once (after an import here)."""
    shelf = _shelf(store)
    with shelf.cond:
        shelf.checked = -math.inf


def is_ready(store: Store) -> bool:
    """Whether a book (of any version) is held."""
    return _shelf(store).book is not None
