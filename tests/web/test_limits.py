"""Body-size limit (declared and streamed bodies) and the Redis rate limiter (real Redis):
counting per key and address, and never failing open when Redis is unreachable."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from redis import Redis

from gridops.queue.embedded import EmbeddedRedis, free_port
from gridops.web.app import create_app
from gridops.web.limits import UNAVAILABLE_RETRY_S, BodySizeLimit, RateLimiter, RateLimits

from .conftest import LUJIAZUI_L3, NOW, TestClient, make_context, wgs84_point_in


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


def unreachable() -> Redis:
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return Redis(port=free_port(), socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))


def loss_lines(caplog: pytest.LogCaptureFixture, words: str) -> int:
    return sum(words in r.getMessage() for r in caplog.records if r.name == "gridops.web.limits")


def test_rate_limit_refuses_with_503_when_redis_is_down_and_says_so_once(
    redis_conn: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    connection = {"now": unreachable()}
    limiter = RateLimiter(lambda: connection["now"], RateLimits(per_key=100, per_address=100))
    caplog.set_level(logging.WARNING, "gridops.web.limits")
    verdicts = [limiter.check(key_name="k", address="a", now=0.0) for _ in range(150)]
    verdicts += limiter.check_many([("k", "b"), ("k", "c")], now=0.0)
    assert {(v.allowed, v.status, v.retry_after) for v in verdicts} == {
        (False, 503, UNAVAILABLE_RETRY_S)
    }
    assert loss_lines(caplog, "Redis unreachable") == 1
    connection["now"] = redis_conn  # Redis is back: counting resumes, said once
    assert limiter.check(key_name="k", address="a", now=0.0).allowed
    assert limiter.check(key_name="k", address="a", now=0.0).allowed
    assert loss_lines(caplog, "answers again") == 1


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path / "own-redis")
    yield server
    server.stop()


def test_public_intake_gets_503_with_retry_after_while_redis_is_down(
    tmp_path: Path, own_redis: EmbeddedRedis, caplog: pytest.LogCaptureFixture
) -> None:
    from gridops.store.accounts import Accounts
    from gridops.web.auth import create_api_key

    info, _ = own_redis.start(port=free_port())
    ctx = make_context(tmp_path, info.url)
    key = create_api_key(Accounts(ctx.store.engine), "city-app", now=NOW)[1]
    lat, lon = wgs84_point_in(ctx, LUJIAZUI_L3)
    form = {"api_key": key, "service_code": "E0102", "lat": str(lat), "long": str(lon),
            "description": "路边暴露垃圾"}  # fmt: skip
    app = create_app(ctx, clock=lambda: NOW, rate_limits=RateLimits(per_key=500, per_address=120))
    caplog.set_level(logging.WARNING, "gridops.web.limits")
    try:
        with TestClient(app) as client:
            assert client.post("/open311/v2/requests.json", data=form).status_code == 200
            own_redis.stop()
            answers = [client.post("/open311/v2/requests.json", data=form) for _ in range(150)]
            assert {a.status_code for a in answers} == {503}
            assert {a.headers["Retry-After"] for a in answers} == {str(UNAVAILABLE_RETRY_S)}
            assert answers[0].json()[0]["code"] == 503
            assert ctx.store.count() == 1  # nothing let through uncounted
            assert loss_lines(caplog, "Redis unreachable") == 1
            own_redis.start()  # the same port: the app's connection finds it again
            assert client.post("/open311/v2/requests.json", data=form).status_code == 200
            assert ctx.store.count() == 2
    finally:
        ctx.close()


def test_the_app_counts_against_the_settings_limits(tmp_path: Path, redis_server: str) -> None:
    """GRIDOPS_OPEN311_PER_KEY / _PER_ADDRESS reach the limiter of the app that serve builds."""
    from gridops.services.context import build_context
    from gridops.settings import load_settings

    env = {"GRIDOPS_DATA_DIR": str(tmp_path), "GRIDOPS_REDIS_URL": redis_server,
           "GRIDOPS_OPEN311_PER_KEY": "7", "GRIDOPS_OPEN311_PER_ADDRESS": "5"}  # fmt: skip
    ctx = build_context(load_settings(env))
    try:
        limits = create_app(ctx).state.web.limiter.limits
        assert (limits.per_key, limits.per_address) == (7, 5)
    finally:
        ctx.close()
