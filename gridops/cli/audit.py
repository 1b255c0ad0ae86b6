"""`gridops audit …`: Audit the tamper-evident ticket history."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

app = typer.Typer(help="Audit the tamper-evident ticket history.", no_args_is_help=True)


@app.command("verify")
def verify(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of a table"),
) -> None:
    """Walk every ticket's hash chain; list tickets whose history was altered, deleted or
    reordered. Exit status 1 if any.

    Example: gridops audit verify --json
    """
    from gridops.settings import load_settings
    from gridops.store import open_store

    store = open_store(load_settings().database_url)
    try:
        if as_json:
            problems = store.verify_chains()
        else:
            with Progress(transient=True) as bar:
                task = bar.add_task("verifying chains", total=None)
                problems = store.verify_chains(
                    lambda done, total: bar.update(task, completed=done, total=total)
                )
        checked = store.count()
    finally:
        store.close()
    if as_json:
        print(
            json.dumps(
                {
                    "tickets": checked,
                    "bad": [
                        {"ticket_id": p.ticket_id, "kind": p.kind, "detail": p.detail}
                        for p in problems
                    ],
                },
                ensure_ascii=False,
            )
        )
    elif problems:
        table = Table(title=f"{len({p.ticket_id for p in problems})} tickets with bad history")
        for col in ("ticket", "problem", "detail"):
            table.add_column(col)
        for p in problems:
            table.add_row(p.ticket_id, p.kind, p.detail)
        Console().print(table)
    else:
        Console().print(f"{checked} tickets: every chain verifies")
    if problems:
        raise typer.Exit(1)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="audit")
