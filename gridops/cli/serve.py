"""`gridops serve` (the HTTP API on uvicorn), `gridops user add`, `gridops apikey create`.

``user add`` and ``apikey create`` print the new secret as the last line of their output; only
its SHA-256 is stored, so it cannot be shown again (issue a new one instead). Both are recorded
in the account log as done by ``cli:<os user>``.
"""

from __future__ import annotations

import signal
from datetime import UTC, datetime
from typing import Any

import typer

from gridops.settings import load_settings

user_app = typer.Typer(
    rich_markup_mode="markdown",
    help="Users of the JSON API (用户): role, unit scope, bearer token.",
)
apikey_app = typer.Typer(
    rich_markup_mode="markdown", help="Open311 API keys (接口密钥) for public intake clients."
)

#: Seconds a stop waits for open responses before cancelling them: the console's live streams
#: (SSE, up to 10 min each) would otherwise hold ``gridops serve`` open until they end.
SHUTDOWN_GRACE = 5


def cli_actor() -> str:
    """``cli:<os user>``: who changed accounts from this shell (``cli:unknown`` if the OS
    cannot say)."""
    import getpass

    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = ""
    return f"cli:{who or 'unknown'}"[:100]


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(0)


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8311, "--port", help="TCP port."),
    log_level: str = typer.Option("warning", "--log-level"),
) -> None:
    """Serve Open311 (/open311/v2/), the JSON API (/api/v1), /metrics and /openapi.json.

    Uses the same settings as the workers (GRIDOPS_DATA_DIR, GRIDOPS_DATABASE_URL,
    GRIDOPS_REDIS_URL; the embedded Redis under the data dir when unset). An embedded Redis
    that serve started is stopped with it, unless other processes (workers) still use it.
    Example: gridops serve --port 8311
    """
    from gridops.services.context import loading

    with loading():  # no collections while the context and the app are made: 0.2 s of 1.9
        app, ctx, settings, started = _loaded()
    _serve(app, ctx, settings, started, host, port, log_level)


def _loaded() -> tuple[Any, Any, Any, bool]:
    """The app over this process's context: (app, context, settings, whether this process
    started the embedded Redis)."""
    from gridops.cli.reach import check_reachable
    from gridops.queue.connect import embedded_for
    from gridops.services.context import build_context
    from gridops.web.app import create_app
    from gridops.web.install_secret import install_key

    settings = load_settings()
    check_reachable(settings)
    started = bool(settings.embedded_redis and embedded_for(settings).start()[1])
    ctx = None
    try:
        ctx = build_context(settings)
        ctx.redis()  # connect before the first request
        install_key(ctx.settings.data_dir)  # the console's CSRF key, made at first start
        return create_app(ctx), ctx, settings, started
    except BaseException:
        _stop(ctx, settings, started)
        raise


def _serve(app: Any, ctx: Any, settings: Any, started: bool, host: str, port: int,
           log_level: str) -> None:  # fmt: skip
    import uvicorn

    from gridops.services.context import settle_gc

    typer.echo(f"gridops: serving on http://{host}:{port} — the console at /console, "
               "OpenAPI at /openapi.json, readiness at /readyz; Ctrl-C stops it")  # fmt: skip
    # uvicorn stops gracefully on SIGTERM, then raises it again under the handler it found:
    # let that one end us with status 0, through the finally clause below
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        settle_gc()  # the context and the app live as long as the server
        uvicorn.run(app, host=host, port=port, log_level=log_level.lower(),
                    timeout_graceful_shutdown=SHUTDOWN_GRACE)  # fmt: skip
    finally:
        _stop(ctx, settings, started)


def _stop(ctx: Any, settings: Any, started: bool) -> None:
    """Close the context and stop the embedded Redis this process started (unless others
    still use it)."""
    from gridops.queue.connect import release_embedded

    try:
        if ctx is not None:
            ctx.close()
    finally:
        told = release_embedded(settings, started)
        if told:
            typer.echo(f"gridops: {told}")


@user_app.command("add")
def user_add(
    user_id: str = typer.Argument(..., help="User id, e.g. li-na"),
    role: str = typer.Option(..., "--role", help="dispatcher, field_staff, supervisor, admin…"),
    unit: list[str] = typer.Option(  # noqa: B008
        [], "--unit", help="A unit id the user works for (repeat; 'all' for every unit)"
    ),
    name: str = typer.Option("", "--name", help="Display name (default: the id)"),
    expires: str = typer.Option(
        "", "--expires", help="Token lifetime, e.g. 90d, 12h or 2w (default: until replaced)"
    ),
) -> None:
    """Add a user and print their bearer token as the last line (shown once).

    Example: gridops user add li-na --role dispatcher --unit sc-310115005 --expires 90d
    """
    from gridops.services.context import build_context
    from gridops.store.accounts import Accounts
    from gridops.web.auth import create_user

    ctx = build_context(load_settings())
    try:
        user, token = create_user(
            Accounts(ctx.store.engine),
            user_id,
            name=name,
            role=role,
            units=unit,
            now=datetime.now(UTC),
            org=ctx.ops.org,
            actor=cli_actor(),
            expires=expires or None,
        )
    finally:
        ctx.close()
    units = user.units if isinstance(user.units, str) else ", ".join(sorted(user.units))
    ends = f"; expires {user.token_expires_at:%Y-%m-%d %H:%M} UTC" if user.token_expires_at else ""
    typer.echo(f"user {user.id} ({user.role.value}; units: {units or 'none'}{ends}) added; token:")
    typer.echo(token)


@apikey_app.command("create")
def apikey_create(
    name: str = typer.Argument(..., help="Key name, e.g. city-app"),
    expires: str = typer.Option(
        "", "--expires", help="Key lifetime, e.g. 365d (default: until revoked)"
    ),
) -> None:
    """Create an Open311 API key and print it as the last line (shown once).

    Example: gridops apikey create city-app --expires 365d
    """
    from gridops.store import open_store
    from gridops.store.accounts import Accounts
    from gridops.web.auth import create_api_key

    settings = load_settings()
    store = open_store(settings.database_url, timezone=settings.timezone)
    try:
        key, secret = create_api_key(Accounts(store.engine), name, now=datetime.now(UTC),
                                     actor=cli_actor(), expires=expires or None)  # fmt: skip
    finally:
        store.close()
    ends = f" (expires {key.expires_at:%Y-%m-%d %H:%M} UTC)" if key.expires_at else ""
    typer.echo(f"API key {key.name} created{ends}; key:")
    typer.echo(secret)


def register(root: typer.Typer) -> None:
    """Mount serve, user and apikey."""
    root.command("serve")(serve)
    root.add_typer(user_app, name="user")
    root.add_typer(apikey_app, name="apikey")
