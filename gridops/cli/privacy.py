"""`gridops privacy …`: the reporter's personal data (个人信息) — erase it on request (PIPL)."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Reporters' personal data: erase it on request.",
    no_args_is_help=True,
)


@app.command("erase")
def erase(
    number: str = typer.Argument(..., help="Case number, e.g. E01022026112200001"),
    reason: str = typer.Option(..., "--reason", help="Why (recorded in the ticket's history)"),
    actor: str = typer.Option("admin", "--actor", help="Who erases (recorded in the history)"),
) -> None:
    """Blank the reporter's name, phone and e-mail (and the salt of their digest) in the ticket.

    The history keeps only the digest and, from now on, an ``erase_contact`` event naming the
    actor and reason; every chain still verifies.

    Example: gridops privacy erase E01022026112200001 --reason "citizen request 2026-118"
    """
    from gridops.settings import load_settings
    from gridops.store import open_store
    from gridops.tickets import Role

    store = open_store(load_settings().database_url)
    try:
        ticket = store.get_by_number(number)
        after = store.transition(ticket.id, "erase_contact", actor=actor, role=Role.ADMIN,
                                 now=datetime.now(UTC), reason=reason)  # fmt: skip
    finally:
        store.close()
    typer.echo(
        f"ticket {after.number}: reporter contact erased by {actor} (event {after.version},"
        f" status {after.status.value} unchanged)"
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="privacy")
