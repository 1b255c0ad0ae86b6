"""Limits on what a client may send (限流): request body size, and a rate limit on public
intake per API key and per client address (Redis fixed-window counters).

The rate limit never fails open: while Redis is unreachable, public intake is refused with 503
and a Retry-After (the loss logged once per outage), instead of letting everything through.

The body limit is a pure ASGI middleware: a declared Content-Length over the limit is refused
before the body is read; a chunked body is counted as it streams and cut off at the limit.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from redis import Redis

from gridops.queue.outage import Outage
from gridops.web.media import MAX_BYTES

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY = MAX_BYTES + 256 * 1024  # one full-size photo plus the form fields
#: Retry-After while the limiter cannot count (Redis unreachable): a restarted Redis answers
#: within seconds
UNAVAILABLE_RETRY_S = 5


@dataclass(frozen=True)
class RateLimits:
    """Public intake allowance per window: per API key and per client address."""

    per_key: int = 600
    per_address: int = 120
    window_s: int = 60

    def __post_init__(self) -> None:
        if self.per_key < 1 or self.per_address < 1 or self.window_s < 1:
            raise ValueError(f"rate limits must be positive: {self!r}")


@dataclass(frozen=True)
class Verdict:
    """Allowed, or refused with the seconds to wait, the reason and the HTTP status (429 over
    the limit, 503 when the limit cannot be counted)."""

    allowed: bool
    retry_after: int = 0
    reason: str = ""
    status: int = 429


class RateLimiter:
    """Fixed-window counters in Redis: ``INCR`` + ``EXPIRE`` in one pipeline per check."""

    PREFIX = "gridops:ratelimit"

    def __init__(self, redis: Callable[[], Redis], limits: RateLimits) -> None:
        self._redis = redis
        self.limits = limits
        self.outage = Outage(
            log, "rate limiting", f"public intake is refused with 503 (Retry-After "
            f"{UNAVAILABLE_RETRY_S} s) rather than let through uncounted"
        )  # fmt: skip

    def check(self, *, key_name: str, address: str, now: float) -> Verdict:
        """Count one request for both the key and the address; refuse when either is over.

        When Redis is unreachable the request is refused too (503): the limit never fails
        open."""
        return self.check_many([(key_name, address)], now=now)[0]

    def check_many(self, requests: list[tuple[str, str]], *, now: float) -> list[Verdict]:
        """:meth:`check` for several (key name, address) requests in one Redis round trip;
        counts accumulate in order, so the request that crosses a limit is the first refused."""
        window = int(now // self.limits.window_s)
        retry = self.limits.window_s - int(now % self.limits.window_s)
        ttl = self.limits.window_s + 1
        try:
            pipe = self._redis().pipeline(transaction=False)
            for key_name, address in requests:
                for name in (f"key:{key_name}", f"addr:{address}"):
                    pipe.incr(f"{self.PREFIX}:{name}:{window}")
                    pipe.expire(f"{self.PREFIX}:{name}:{window}", ttl)
            counts = pipe.execute()
        except Exception as exc:  # noqa: BLE001 - Redis unreachable (or not startable): refuse
            self.outage.failed(exc)
            reason = (
                "intake is briefly unavailable (the rate limiter cannot reach Redis); retry "
                f"after {UNAVAILABLE_RETRY_S} s"
            )
            return [Verdict(False, UNAVAILABLE_RETRY_S, reason, 503)] * len(requests)
        self.outage.ok()
        return [
            self._verdict(key_name, address, int(counts[4 * i]), int(counts[4 * i + 2]), retry)
            for i, (key_name, address) in enumerate(requests)
        ]

    def _verdict(
        self, key_name: str, address: str, by_key: int, by_addr: int, retry: int
    ) -> Verdict:
        span = f"{self.limits.window_s} s; retry after {retry} s"
        if by_key > self.limits.per_key:
            return Verdict(
                False,
                retry,
                f"API key {key_name!r} sent more than {self.limits.per_key} requests in {span}",
            )
        if by_addr > self.limits.per_address:
            return Verdict(
                False,
                retry,
                f"address {address} sent more than {self.limits.per_address} requests in {span}",
            )
        return Verdict(True)


class RateLimited(Exception):
    """A request over its rate limit (HTTP 429 with Retry-After)."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.reason)
        self.verdict = verdict


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes`` with 413 (JSON body naming the limit)."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send, declared)
            return
        seen = 0
        refused = False

        async def counted() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    refused = True
                    raise _TooLarge()
            return message

        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except _TooLarge:
            if not started:
                await self._refuse(send, seen)
        except Exception:
            if refused and not started:
                await self._refuse(send, seen)
            else:
                raise

    async def _refuse(self, send: Send, size: int) -> None:
        body = json.dumps(
            {"detail": f"request body is over {self.max_bytes} bytes (got {size}); send less"}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
