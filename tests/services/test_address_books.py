"""The process's address book: built in the background at start, a bounded wait (then
"still loading") for a look-up that comes first, and a rebuild after another process's import
while the old book keeps answering."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from gridops.grids import load_grid
from gridops.services import address_books
from gridops.services.address_books import AddressBookLoading, address_book, is_ready, warm
from gridops.services.addresses import import_addresses, nearest_address
from gridops.settings import DEFAULT_GRID
from gridops.store import open_store

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def grid():
    return load_grid(DEFAULT_GRID)


def write(grid, tmp_path, name: str, *texts: str):
    cell = grid.cells_at(3)[10]
    p = cell.geometry.representative_point()
    f = tmp_path / f"{name}.csv"
    rows = [f"{t},{p.x + i * 1e-4:.7f},{p.y:.7f}" for i, t in enumerate(texts)]
    f.write_text("address,lon,lat\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return f


@pytest.fixture
def gate(monkeypatch):
    """Builds wait for ``gate.set()`` (so a test sees a build under way)."""
    opened = threading.Event()
    real = address_books.load_addresses

    def held(engine, *a, **k):
        assert opened.wait(30), "the test never opened the gate"
        return real(engine, *a, **k)

    monkeypatch.setattr(address_books, "load_addresses", held)
    yield opened
    opened.set()


def test_a_look_up_before_the_build_ends_waits_its_bound_then_says_so(store, grid, tmp_path, gate):
    import_addresses(store, grid, write(grid, tmp_path, "a", "科苑路88号"), now=NOW)
    warm(store)  # what a web process does at start: returns at once
    assert not is_ready(store)
    with pytest.raises(AddressBookLoading, match="still being loaded"):
        address_book(store, wait=0.05)
    assert nearest_address(store, _ticket_at(grid), wait=0.0) is None  # shown without one
    gate.set()
    book = address_book(store)  # wait=None: for the build however long it takes
    assert [c.text for c in book.geocode("科苑路88号")] == ["科苑路88号"]
    assert is_ready(store) and address_book(store, wait=0.0) is book


def test_another_process_import_is_rebuilt_in_the_background(
    store, grid, tmp_path, monkeypatch, gate
):
    monkeypatch.setattr(address_books, "RECHECK_S", 0.0)
    import_addresses(store, grid, write(grid, tmp_path, "old", "科苑路88号"), now=NOW)
    gate.set()
    old = address_book(store)
    gate.clear()
    other = open_store(store.engine.url.render_as_string(hide_password=False))
    try:  # another process (its own engine) imports a new address database
        import_addresses(other, grid, write(grid, tmp_path, "new", "碧波路5号"), now=NOW)
    finally:
        other.close()
    assert address_book(store, wait=0.0) is old  # the rebuild runs; the old book answers
    gate.set()
    new = address_book(store)
    assert new is not old and new.geocode("碧波路5号")[0].text == "碧波路5号"


def test_a_failed_build_is_raised_and_tried_again(store, grid, tmp_path, monkeypatch):
    import_addresses(store, grid, write(grid, tmp_path, "a", "科苑路88号"), now=NOW)
    real, calls = address_books.load_addresses, []

    def flaky(engine, *a, **k):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return real(engine, *a, **k)

    monkeypatch.setattr(address_books, "load_addresses", flaky)
    with pytest.raises(RuntimeError, match="went away"):
        address_book(store)
    assert len(address_book(store)) == 1


def _ticket_at(grid):
    from types import SimpleNamespace

    p = grid.cells_at(3)[10].geometry.representative_point()
    return SimpleNamespace(point_lon=p.x, point_lat=p.y)
