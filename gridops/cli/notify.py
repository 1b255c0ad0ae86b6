"""`gridops notify …`: Notifications (通知): how deliveries stand, and which did not arrive."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Notifications: how deliveries stand, and which did not arrive.",
    no_args_is_help=True,
)


@app.command("status")
def status(
    last: int = typer.Option(20, "--last", min=1, max=1000, help="How many troubled deliveries"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Deliveries by status (pending, sending, sent, failed, unknown) and the latest that
    failed, are in doubt (unknown: a worker stopped mid-send on a robot or e-mail) or are
    retrying — with the recipient, the channel's type and the last error (never a secret).

    Example: gridops notify status --last 5
    """
    from gridops.settings import load_settings
    from gridops.store import open_store
    from gridops.store.outbox import troubled
    from gridops.store.service_tables import delivery_counts

    store = open_store(load_settings().database_url)
    try:
        counts = delivery_counts(store)
        rows = [
            {"ticket_id": r.ticket_id, "kind": r.kind, "recipient": r.recipient,
             "channel": json.loads(r.channel).get("type", "") if r.channel else "log",
             "status": r.status, "attempts": r.attempts, "next_at": r.next_at.isoformat(),
             "last_error": r.last_error}
            for r in troubled(store, limit=last)
        ]  # fmt: skip
    finally:
        store.close()
    if as_json:
        print(json.dumps({"counts": counts, "troubled": rows}, ensure_ascii=False))
        return
    console = Console()
    console.print(", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())) or "no deliveries")
    if rows:
        table = Table(title="not delivered, in doubt or retrying")
        for col in ("status", "kind", "recipient", "channel", "attempts", "last_error"):
            table.add_column(col, overflow="fold")
        for r in rows:
            table.add_row(r["status"], r["kind"], r["recipient"], r["channel"],
                          str(r["attempts"]), r["last_error"])  # fmt: skip
        console.print(table)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="notify")
