"""Environment → one frozen Settings object.

Every process reads its settings once, through :func:`load_settings`. Nothing else in gridops
reads the environment.

| variable               | default                                   |
|------------------------|-------------------------------------------|
| GRIDOPS_DATA_DIR       | ./.gridops                                |
| GRIDOPS_DATABASE_URL   | sqlite:///<data dir>/gridops.db           |
| GRIDOPS_REDIS_URL      | unset → an embedded redis-server under the data dir; redis://, |
|                        | rediss:// (TLS), unix://, redis+sentinel://h:p,h:p/mymaster[/db] |
| GRIDOPS_GRID           | the sample grid shipped in the package    |
| GRIDOPS_CONFIG_DIR     | the configuration shipped in the package  |
| GRIDOPS_TIMEZONE       | Asia/Shanghai                             |
| GRIDOPS_METRICS_TOKEN  | unset → /metrics is open; set → it needs ``Authorization: Bearer <it>`` |
| GRIDOPS_SESSION_HOURS  | 12: a console session ends this long after sign-in |
| GRIDOPS_SESSION_IDLE_MINUTES | 60: … or this long after its last page |
| GRIDOPS_OPEN311_SELF_REPORTS | omit: staff self-reports left out of Open311 GETs; redact: |
|                        | shown without their description           |
| GRIDOPS_WEB_WRITE_WAIT | 5 (seconds a web request waits for the database writer) |

The defaults are package data (gridops/defaults/: config/ and sample_grids/pudong/), so an
installed wheel runs without a checkout; the checkout's top-level config/ and sample_grids/ are
symlinks to them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gridops.errors import ConfigError, UserError

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"
DEFAULT_GRID = DEFAULTS_DIR / "sample_grids" / "pudong"
DEFAULT_CONFIG_DIR = DEFAULTS_DIR / "config"
# The checkout (bench/, README.md, .git); in an installed wheel this is site-packages.
REPO_ROOT = DEFAULTS_DIR.parent.parent


@dataclass(frozen=True)
class Settings:
    """Where gridops keeps its data and which services it talks to."""

    data_dir: Path
    database_url: str
    redis_url: str | None
    grid_path: Path
    config_dir: Path
    timezone: str = "Asia/Shanghai"
    metrics_token: str | None = None
    session_hours: float = 12.0
    session_idle_minutes: float = 60.0
    open311_self_reports: str = "omit"
    web_write_wait_s: float = 5.0

    @property
    def embedded_redis(self) -> bool:
        """True when gridops must start its own redis-server under the data dir."""
        return self.redis_url is None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from ``env`` (default: the process environment). A value that cannot
    work (a time zone that does not exist, a data dir that is a file) is a ConfigError
    naming the variable."""
    env = os.environ if env is None else env
    data = env.get("GRIDOPS_DATA_DIR") or ".gridops"
    data_dir = _directory("GRIDOPS_DATA_DIR", data, Path(data), "point it at a directory")
    database_url = env.get("GRIDOPS_DATABASE_URL") or f"sqlite:///{data_dir / 'gridops.db'}"
    if database_url.startswith("sqlite:///") and database_url != "sqlite:///:memory:":
        where = Path(database_url[10:]).parent
        _directory("GRIDOPS_DATABASE_URL", database_url, where, "name a file in a directory")
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=_redis_url(env.get("GRIDOPS_REDIS_URL") or None),
        grid_path=Path(env.get("GRIDOPS_GRID") or DEFAULT_GRID),
        config_dir=Path(env.get("GRIDOPS_CONFIG_DIR") or DEFAULT_CONFIG_DIR),
        timezone=_timezone(env.get("GRIDOPS_TIMEZONE") or "Asia/Shanghai"),
        metrics_token=env.get("GRIDOPS_METRICS_TOKEN") or None,
        session_hours=_positive(env, "GRIDOPS_SESSION_HOURS", 12.0),
        session_idle_minutes=_positive(env, "GRIDOPS_SESSION_IDLE_MINUTES", 60.0),
        open311_self_reports=_choice(env, "GRIDOPS_OPEN311_SELF_REPORTS", ("omit", "redact")),
        web_write_wait_s=_seconds(env, "GRIDOPS_WEB_WRITE_WAIT", 5.0),
    )


def _directory(variable: str, value: str, directory: Path, fix: str) -> Path:
    """``directory`` made absolute, where a directory is or can be made (no file in the way);
    else a ConfigError naming ``variable`` and its ``value``."""
    path = directory.expanduser().resolve()
    for existing in (path, *path.parents):
        if existing.exists():
            if not existing.is_dir():
                raise ConfigError(
                    f"{variable} {value}: {existing} is a file, not a directory; {fix} "
                    "(missing directories are created)"
                )
            break
    return path


def _redis_url(value: str | None) -> str | None:
    schemes = ("redis://", "rediss://", "unix://", "redis+sentinel://", "rediss+sentinel://")
    if value is not None and not value.startswith(schemes):
        raise ConfigError(
            f"GRIDOPS_REDIS_URL {value!r} is not a Redis URL; use redis://HOST:PORT/DB "
            "(or rediss://, unix://, redis+sentinel://H1:26379,H2:26379/mymaster), or unset it "
            "to let gridops run its own"
        )
    if value is not None and "+sentinel://" in value:
        from gridops.queue.sentinel import parse_sentinel_url

        parse_sentinel_url(value)  # a malformed one stops every command at once, named
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"GRIDOPS_TIMEZONE {value!r} is not an IANA time zone name; use one such as "
            "Asia/Shanghai, or unset it"
        ) from None
    return value


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name) or ""
    try:
        value = float(raw) if raw else default
    except ValueError:
        value = -1.0
    if not 0 < value < 1e6:
        raise UserError(f"{name}={raw!r} is not a positive number; unset it for {default:g}")
    return value


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    value = (env.get(name) or choices[0]).strip().lower()
    if value not in choices:
        raise UserError(f"{name}={value!r} is not one of: {', '.join(choices)}")
    return value


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name) or ""
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0 < value <= 3600:  # NaN fails too
        from gridops.errors import UserError

        raise UserError(
            f"{name}={raw!r}: give a number of seconds, 0 < s <= 3600 (e.g. {default:g})"
        )
    return value
