"""Redis behind Sentinel (哨兵): ``redis+sentinel://`` URLs and their clients.

    redis+sentinel://[user:password@]host:port[,host:port…]/service[/db][?options]
    rediss+sentinel://…    the same over TLS, to the sentinels and to the primary

``user:password`` authenticate on the primary (an ACL user, or just ``:password``); the
sentinels take ``sentinel_username`` / ``sentinel_password`` options when they require auth
themselves. TLS options are those of a ``rediss://`` URL: ``ssl_ca_certs``, ``ssl_certfile``,
``ssl_keyfile``, ``ssl_cert_reqs`` (required | optional | none). The client asks the sentinels
where the primary is at every (re)connection, so after a failover the next command reaches the
new primary; a connection to a primary that became a replica is dropped (redis-py's
SentinelManagedConnection) and made again to the new one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from redis import Redis
from redis.sentinel import Sentinel

from gridops.errors import ConfigError

SCHEMES = ("redis+sentinel", "rediss+sentinel")
TLS_OPTIONS = ("ssl_ca_certs", "ssl_certfile", "ssl_keyfile", "ssl_cert_reqs", "ssl_ca_path")
SENTINEL_AUTH = ("sentinel_username", "sentinel_password")


def is_sentinel_url(url: str) -> bool:
    return url.split("://", 1)[0].lower() in SCHEMES


@dataclass(frozen=True)
class SentinelUrl:
    """A parsed ``redis+sentinel://`` URL."""

    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int = 0
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: bool = False
    tls_options: dict[str, str] = field(default_factory=dict)
    sentinel_auth: dict[str, str] = field(default_factory=dict, repr=False)


def parse_sentinel_url(url: str) -> SentinelUrl:
    """Parse ``url``; a ConfigError names what is wrong and shows the form."""
    form = "redis+sentinel://[user:password@]host:port[,host:port…]/service[/db]"
    scheme, _, rest = url.partition("://")
    if scheme.lower() not in SCHEMES or not rest:
        raise ConfigError(f"GRIDOPS_REDIS_URL: not a Sentinel URL; use {form}")
    rest, _, query = rest.partition("?")
    netloc, _, path = rest.partition("/")
    auth, at, hosts = netloc.rpartition("@")
    username = password = None
    if at:
        user, colon, secret = auth.partition(":")
        username = unquote(user) or None
        password = unquote(secret) if colon else None
    sentinels = tuple(_host_port(h, form) for h in hosts.split(",") if h.strip())
    parts = [p for p in path.split("/") if p]
    if not sentinels or not parts or len(parts) > 2:
        raise ConfigError(
            f"GRIDOPS_REDIS_URL: a Sentinel URL names one or more sentinels and the service "
            f"(the primary's name in sentinel.conf, e.g. mymaster); use {form}"
        )
    try:
        db = int(parts[1]) if len(parts) == 2 else 0
    except ValueError:
        raise ConfigError(
            f"GRIDOPS_REDIS_URL: database {parts[1]!r} is not a number; use {form}"
        ) from None
    options = dict(parse_qsl(query))
    unknown = sorted(set(options) - set(TLS_OPTIONS) - set(SENTINEL_AUTH))
    if unknown:
        raise ConfigError(
            f"GRIDOPS_REDIS_URL: unknown Sentinel URL option(s) {', '.join(unknown)}; known: "
            f"{', '.join(TLS_OPTIONS + SENTINEL_AUTH)}"
        )
    return SentinelUrl(
        sentinels=sentinels,
        service=unquote(parts[0]),
        db=db,
        username=username,
        password=password,
        tls=scheme.lower() == "rediss+sentinel",
        tls_options={k: v for k, v in options.items() if k in TLS_OPTIONS},
        sentinel_auth={k[len("sentinel_") :]: v for k, v in options.items() if k in SENTINEL_AUTH},
    )


def _host_port(text: str, form: str) -> tuple[str, int]:
    host, colon, port = text.strip().rpartition(":")
    if not colon:
        host, port = port, "26379"
    host = host.strip("[]")
    try:
        number = int(port)
    except ValueError:
        number = -1
    if not host or not 0 < number < 65536:
        raise ConfigError(f"GRIDOPS_REDIS_URL: sentinel {text!r} is not host:port; use {form}")
    return host, number


def sentinel_client(url: str, **options: Any) -> Redis:
    """A client of the current primary behind the sentinels ``url`` names. ``options`` are
    connection options (timeouts, retry, health_check_interval) for the primary; the
    sentinels get the same timeouts."""
    parsed = parse_sentinel_url(url)
    tls: dict[str, Any] = {"ssl": True, **parsed.tls_options} if parsed.tls else {}
    timeouts = {k: v for k, v in options.items() if k.startswith("socket_")}
    sentinel = Sentinel(
        list(parsed.sentinels),
        sentinel_kwargs={**timeouts, **tls, **parsed.sentinel_auth},
        **timeouts,
    )
    return sentinel.master_for(
        parsed.service,
        redis_class=Redis,
        db=parsed.db,
        username=parsed.username,
        password=parsed.password,
        **tls,
        **options,
    )
