"""Body-size limit (declared and streamed bodies) and the Redis rate limiter (real Redis)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from redis import Redis

from gridops.web.limits import BodySizeLimit, RateLimiter, RateLimits

from .conftest import TestClient


@pytest.fixture
def echo() -> Iterator[TestClient]:
    app = FastAPI()

    @app.post("/echo")
    async def size(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    app.add_middleware(BodySizeLimit, max_bytes=1000)
    with TestClient(app) as client:
        yield client


def test_bodies_up_to_the_limit_pass_and_larger_ones_are_413(echo: TestClient) -> None:
    assert echo.post("/echo", content=b"x" * 1000).json() == {"bytes": 1000}
    declared = echo.post("/echo", content=b"x" * 1001)
    assert declared.status_code == 413 and "over 1000 bytes" in declared.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        for _ in range(30):
            yield b"y" * 100

    streamed = echo.post("/echo", content=chunks())
    assert streamed.status_code == 413


def test_fixed_window_per_key_and_per_address(redis_conn: Redis) -> None:
    limiter = RateLimiter(lambda: redis_conn, RateLimits(per_key=3, per_address=2, window_s=60))
    now = 60 * 16_000 + 20.0
    first = [limiter.check(key_name="k", address=f"10.0.0.{i}", now=now) for i in range(4)]
    assert [v.allowed for v in first] == [True, True, True, False]
    assert "API key 'k'" in first[3].reason and first[3].retry_after == 60 - 20
    by_addr = limiter.check_many([("a", "10.9.9.9")] * 3, now=now)
    assert [v.allowed for v in by_addr] == [True, True, False]
    assert "address 10.9.9.9" in by_addr[2].reason
    later = limiter.check(key_name="k", address="10.0.0.1", now=now + 60)
    assert later.allowed  # a new window


def test_rate_limit_fails_open_when_redis_is_down() -> None:
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    down = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    limiter = RateLimiter(lambda: down, RateLimits(per_key=1, per_address=1))
    assert all(limiter.check(key_name="k", address="a", now=0.0).allowed for _ in range(3))
