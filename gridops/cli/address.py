"""`gridops address …`: the standard address database (标准地址库): import, geocode, reverse,
sample."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from gridops.errors import UserError

if TYPE_CHECKING:
    from gridops.address.book import AddressBook

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Addresses (标准地址库): import, geocode, reverse, sample.",
    no_args_is_help=True,
)


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="Address file: .csv or .geojson"),
    crs: str = typer.Option(None, "--crs", help="CRS of the file's points [default: the grid's]"),
    skip_bad: bool = typer.Option(False, "--skip-bad", help="Import the good rows, list the bad"),
) -> None:
    """Replace the address database by FILE's addresses.

    CSV columns: address, lon, lat; optional id, cell, aliases (joined by |). GeoJSON: Point
    features with the same properties. Every row whose point lies outside the grid, whose cell
    disagrees with its point, or whose id repeats is listed with its line; then nothing is
    written (exit 2) unless --skip-bad.

    Example: gridops address import gridops/defaults/addresses/pudong.csv
    """
    from rich.progress import BarColumn, Progress, TextColumn

    from gridops.grids import load_grid
    from gridops.services.addresses import import_addresses
    from gridops.settings import load_settings
    from gridops.store import open_store

    settings = load_settings()
    err = Console(stderr=True)
    with err.status("reading the grid and the file, placing every point"):
        grid = load_grid(settings.grid_path)
    store = open_store(settings.database_url, timezone=settings.timezone)
    try:
        columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}"))
        with Progress(*columns, transient=True, console=err) as bar:
            task = bar.add_task("reading and placing", total=None)

            def advance(n: int) -> None:
                bar.update(task, description="writing", advance=n)

            done = import_addresses(
                store, grid, file, now=datetime.now(UTC), crs=crs, skip_bad=skip_bad,
                progress=advance,
            )  # fmt: skip
    finally:
        store.close()
    typer.echo(f"imported {done.imported} addresses, skipped {len(done.problems)} bad rows")
    for p in done.problems[:50]:
        typer.echo(f"  {file}:{p.line}: {p.message}", err=True)


@app.command()
def geocode(
    text: str = typer.Argument(..., help="An address, e.g. 张江镇科苑路88号"),
    limit: int = typer.Option(5, "--limit", min=1, max=50),
) -> None:
    """Candidates for an address, best first: score, id, cell, address.

    Example: gridops address geocode "锦绣路 1号"
    """
    book = _book()
    found = book.geocode(text, limit=limit)
    if not found:
        raise UserError(f"{text!r}: no address like it among the {len(book)} stored")
    for c in found:
        typer.echo(f"{c.score:5.1f}  {c.id}  {c.cell}  {c.text}")


@app.command()
def reverse(
    lon: float = typer.Argument(..., help="Longitude in the grid's CRS"),
    lat: float = typer.Argument(..., help="Latitude in the grid's CRS"),
) -> None:
    """The stored address nearest a point, with its distance.

    Example: gridops address reverse 121.54 31.22
    """
    c = _book().reverse(lon, lat)
    if c is None:
        raise UserError("no address is stored; run gridops address import FILE first")
    typer.echo(f"{c.distance_m:.0f} m  {c.id}  {c.cell}  {c.text}")


@app.command()
def sample(
    out: Path = typer.Argument(..., help="Where to write the CSV"),
    seed: int = typer.Option(20240601, "--seed"),
) -> None:
    """Write a sample address file for the configured grid (deterministic for a seed).

    Example: gridops address sample addresses.csv
    """
    from gridops.address.sample import sample_csv
    from gridops.grids import load_grid
    from gridops.settings import load_settings

    out.write_text(sample_csv(load_grid(load_settings().grid_path), seed), encoding="utf-8")
    typer.echo(f"wrote {out}")


def _book() -> AddressBook:
    from gridops.services.addresses import address_book
    from gridops.settings import load_settings
    from gridops.store import open_store

    settings = load_settings()
    store = open_store(settings.database_url, timezone=settings.timezone)
    try:
        return address_book(store)
    finally:
        store.close()


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="address")
