"""What every route reaches through ``request.app.state.web``: the service context, accounts,
the clock, limits and metrics — and the FastAPI dependencies built on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Header, Request

from gridops.store.accounts import Accounts
from gridops.web.auth import ApiKeyCache, authenticate
from gridops.web.limits import RateLimiter
from gridops.web.permissions import Principal

if TYPE_CHECKING:
    from gridops.services.context import ServiceContext
    from gridops.web.intake_batch import IntakeBatcher
    from gridops.web.metrics import WebMetrics


def utc_now() -> datetime:
    """The wall clock, timezone-aware (the only clock read of the web layer)."""
    return datetime.now(UTC)


@dataclass
class WebState:
    """Per-app state. ``ctx`` may be swapped by a config reload (it is frozen itself)."""

    ctx: ServiceContext
    accounts: Accounts
    limiter: RateLimiter
    metrics: WebMetrics
    intake: IntakeBatcher
    api_keys: ApiKeyCache
    clock: Callable[[], datetime] = utc_now
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        """The operations centre's zone (Open311 timestamps are given in it)."""
        return ZoneInfo(self.ctx.settings.timezone)

    def now(self) -> datetime:
        return self.clock()

    @cached_property
    def csrf_key(self) -> bytes:
        """The install's key for the console's CSRF tokens (made at first use if ``gridops
        serve`` has not made it: :mod:`gridops.web.install_secret`)."""
        from gridops.web.install_secret import install_key

        return install_key(self.ctx.settings.data_dir)


async def web_state(request: Request) -> WebState:
    """The app's WebState (``async``: FastAPI runs a plain ``def`` dependency in its thread
    pool, a thread hand-off per request for a dictionary lookup)."""
    state: WebState = request.app.state.web
    return state


State = Annotated[WebState, Depends(web_state)]


def current_principal(
    state: State,
    authorization: Annotated[str | None, Header(description="Bearer token: `Bearer gut_…`")] = None,
) -> Principal:
    """The signed-in user; 401 with the reason when the token is missing or not valid."""
    return authenticate(state.accounts, authorization, now=state.now())


Me = Annotated[Principal, Depends(current_principal)]
