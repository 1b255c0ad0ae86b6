"""`gridops audit …`: Audit the tamper-evident history of tickets and of accounts."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Audit the tamper-evident history of tickets and accounts.",
    no_args_is_help=True,
)


@app.command("verify")
def verify(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of a table"),
) -> None:
    """Walk every ticket's hash chain and the account log's; list tickets whose history was
    altered, deleted or reordered, and account events (or users and API keys) that were.
    Exit status 1 if any. The account log's head hash is printed: note it down, and a later
    run shows whether the log was cut back behind it.

    Example: gridops audit verify --json
    """
    from gridops.settings import load_settings
    from gridops.store import open_store
    from gridops.store.account_audit import verify_account_log

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
        accounts = verify_account_log(store.engine)
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
                    "accounts": {
                        "events": accounts.events,
                        "head": accounts.head,
                        "bad": [p.to_dict() for p in accounts.problems],
                    },
                },
                ensure_ascii=False,
            )
        )
    else:
        console = Console()
        if problems:
            table = Table(title=f"{len({p.ticket_id for p in problems})} tickets with bad history")
            for col in ("ticket", "problem", "detail"):
                table.add_column(col)
            for p in problems:
                table.add_row(p.ticket_id, p.kind, p.detail)
            console.print(table)
        else:
            console.print(f"{checked} tickets: every chain verifies")
        if accounts.problems:
            table = Table(title=f"{len(accounts.problems)} problems in the account log")
            for col in ("event", "account", "problem", "detail"):
                table.add_column(col)
            for a in accounts.problems:
                seq = "" if a.seq is None else str(a.seq)
                table.add_row(seq, a.subject, a.kind, a.detail)
            console.print(table)
        else:
            console.print(
                f"{accounts.events} account events: the chain verifies and matches every "
                f"user and API key (head {accounts.head})"
            )
    if problems or accounts.problems:
        raise typer.Exit(1)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="audit")
