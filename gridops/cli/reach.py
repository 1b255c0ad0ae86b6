"""Reaching the database and Redis the settings name (GRIDOPS_DATABASE_URL, GRIDOPS_REDIS_URL).

The long-running commands (serve, worker, demo, simulate) check both when they start, so a
wrong URL stops them at once instead of leaving a server whose every kick fails or a worker
that waits on nothing. Any command's failure to reach either is told by :func:`explain` as
one line naming the setting and the fix (``gridops.cli.main`` prints it, never a traceback).
Once running, outages are retried as before (workers back off; the sweeper re-kicks).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from gridops.errors import UserError
from gridops.settings import Settings

CONNECT_TIMEOUT_S = 3.0


class Unreachable(UserError):
    """A service named by the settings does not answer."""

    exit_code = 1


def check_reachable(settings: Settings) -> None:
    """Connect to the database, and ping Redis when GRIDOPS_REDIS_URL names one (the
    embedded server is started by gridops itself); raises :class:`Unreachable`."""
    from sqlalchemy.exc import DBAPIError

    from gridops.queue.connect import url_client
    from gridops.store.engine import make_engine

    engine = make_engine(settings.database_url)
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        raise explain(exc, settings) or exc from None
    finally:
        engine.dispose()
    if settings.redis_url:
        try:
            with url_client(settings.redis_url, socket_connect_timeout=CONNECT_TIMEOUT_S,
                            socket_timeout=CONNECT_TIMEOUT_S) as conn:  # fmt: skip
                conn.ping()
        except Exception as exc:  # noqa: BLE001 - told in words below, or raised as is
            raise explain(exc, settings) or exc from None


def explain(exc: BaseException, settings: Settings | None = None) -> Unreachable | None:
    """One line for a database or Redis that could not be reached (None for anything else)."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
    from sqlalchemy.exc import InterfaceError, OperationalError

    if settings is None:
        try:
            from gridops.settings import load_settings

            settings = load_settings()
        except UserError:
            return None
    if isinstance(exc, OperationalError | InterfaceError):
        reason = _first_line(exc.orig if exc.orig is not None else exc)
        return Unreachable(
            f"the database at GRIDOPS_DATABASE_URL={_hide_password(settings.database_url)} "
            f"cannot be used: {reason}; start it, or fix GRIDOPS_DATABASE_URL"
        )
    if isinstance(exc, RedisConnectionError | RedisTimeoutError):
        if settings.redis_url:
            where = f"Redis at GRIDOPS_REDIS_URL={_hide_password(settings.redis_url)}"
            fix = "start it, or fix GRIDOPS_REDIS_URL (unset, gridops runs its own)"
        else:
            where = f"the embedded Redis under {settings.data_dir}"
            fix = "see `gridops redis status`"
        return Unreachable(f"{where} does not answer: {_first_line(exc)}; {fix}")
    return None


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0].rstrip(".") if lines else type(exc).__name__


def _hide_password(url: str) -> str:
    """``url`` with its password (if any, and a Sentinel URL's ``sentinel_password``) shown
    as ***."""
    if "password=" in url:
        from gridops.queue.connect import mask_url

        url = mask_url(url)
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.netloc.rpartition("@")[2]
        user = parts.username or ""
        return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
    except ValueError:
        return "(malformed URL)"
