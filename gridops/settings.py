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
| GRIDOPS_TIMEZONE       | calendar.yaml's timezone (set, it must equal it) |
| GRIDOPS_METRICS_TOKEN  | unset → /metrics is open; set → it needs ``Authorization: Bearer <it>`` |
| GRIDOPS_SESSION_HOURS  | 12: a console session ends this long after sign-in |
| GRIDOPS_SESSION_IDLE_MINUTES | 60: … or this long after its last page |
| GRIDOPS_OPEN311_SELF_REPORTS | omit: staff self-reports left out of Open311 GETs; redact: |
|                        | shown without their description           |
| GRIDOPS_WEB_WRITE_WAIT | 5 (seconds a web request waits for the database writer) |
| GRIDOPS_OPEN311_PER_KEY | 600 Open311 POSTs a minute per API key |
| GRIDOPS_OPEN311_PER_ADDRESS | 120 Open311 POSTs a minute per client address |
| GRIDOPS_SECRET_<NAME>  | a secret a notification channel names (``secret: NAME``); never printed |
| GRIDOPS_BASEMAP_URL    | unset → no basemap: the grid is the map; else a tile template |
|                        | ({z}/{x}/{y}, {-y}, or WMTS {TileMatrix}/{TileRow}/{TileCol}) |
| GRIDOPS_BASEMAP_CRS    | WGS84: the tiles' system (GCJ-02, BD-09, CGCS2000, EPSG:n) |
| GRIDOPS_BASEMAP_ATTRIBUTION | unset: the tiles' attribution, shown on the map |

The defaults are package data (gridops/defaults/: config/ and sample_grids/pudong/), so an
installed wheel runs without a checkout; the checkout's top-level config/ and sample_grids/ are
symlinks to them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from gridops.errors import ConfigError, UserError

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"
DEFAULT_GRID = DEFAULTS_DIR / "sample_grids" / "pudong"
DEFAULT_CONFIG_DIR = DEFAULTS_DIR / "config"
# The checkout (bench/, README.md, .git); in an installed wheel this is site-packages.
REPO_ROOT = DEFAULTS_DIR.parent.parent
SECRET_PREFIX = "GRIDOPS_SECRET_"


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
    open311_per_key: int = 600
    open311_per_address: int = 120
    #: GRIDOPS_SECRET_<NAME> → NAME: the secrets notification channels name (out of repr)
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    basemap_url: str = ""
    basemap_crs: str = "WGS84"
    basemap_attribution: str = ""

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
    config_dir = Path(env.get("GRIDOPS_CONFIG_DIR") or DEFAULT_CONFIG_DIR)
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=_redis_url(env.get("GRIDOPS_REDIS_URL") or None),
        grid_path=Path(env.get("GRIDOPS_GRID") or DEFAULT_GRID),
        config_dir=config_dir,
        timezone=_city_timezone(env.get("GRIDOPS_TIMEZONE") or None, config_dir),
        metrics_token=env.get("GRIDOPS_METRICS_TOKEN") or None,
        session_hours=_positive(env, "GRIDOPS_SESSION_HOURS", 12.0),
        session_idle_minutes=_positive(env, "GRIDOPS_SESSION_IDLE_MINUTES", 60.0),
        open311_self_reports=_choice(env, "GRIDOPS_OPEN311_SELF_REPORTS", ("omit", "redact")),
        web_write_wait_s=_seconds(env, "GRIDOPS_WEB_WRITE_WAIT", 5.0),
        open311_per_key=_whole(env, "GRIDOPS_OPEN311_PER_KEY", 600),
        open311_per_address=_whole(env, "GRIDOPS_OPEN311_PER_ADDRESS", 120),
        secrets={
            k[len(SECRET_PREFIX) :]: v for k, v in env.items() if k.startswith(SECRET_PREFIX) and v
        },  # fmt: skip
        **_basemap(env),
    )


def _basemap(env: Mapping[str, str]) -> dict[str, str]:
    """The basemap's three settings, checked now (a bad URL or CRS is a ConfigError naming
    the variable and the fix) so no page finds out later."""
    from gridops.grids.basemap import parse_basemap

    url = env.get("GRIDOPS_BASEMAP_URL") or ""
    crs = env.get("GRIDOPS_BASEMAP_CRS") or "WGS84"
    attribution = env.get("GRIDOPS_BASEMAP_ATTRIBUTION") or ""
    parse_basemap(url, crs, attribution)
    return {"basemap_url": url, "basemap_crs": crs, "basemap_attribution": attribution}


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


def calendar_timezone(config_dir: Path) -> str | None:
    """The ``timezone`` of config_dir/calendar.yaml — the city's one time zone — or None when
    the file or the key is missing or unreadable (`config check` reports a broken calendar)."""
    try:
        raw = yaml.safe_load((config_dir / "calendar.yaml").read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):  # ValueError: a date such as 2026-02-30
        return None
    value = raw.get("timezone") if isinstance(raw, dict) else None
    return str(value) if value else None


def _city_timezone(env_value: str | None, config_dir: Path) -> str:
    """The city's time zone: calendar.yaml's; GRIDOPS_TIMEZONE may only repeat it."""
    from_calendar = calendar_timezone(config_dir)
    if env_value is not None:
        _timezone(env_value)
    if env_value is not None and from_calendar is not None and env_value != from_calendar:
        raise ConfigError(
            f"GRIDOPS_TIMEZONE {env_value!r} differs from timezone {from_calendar!r} in "
            f"{config_dir / 'calendar.yaml'}: the calendar holds the city's one time zone; "
            "unset GRIDOPS_TIMEZONE (or change the calendar)"
        )
    if env_value is None and from_calendar is not None:
        try:
            ZoneInfo(from_calendar)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"{config_dir / 'calendar.yaml'}: timezone {from_calendar!r} is not an IANA "
                "time zone name; use one such as Asia/Shanghai or America/New_York"
            ) from None
        return from_calendar
    return _timezone(env_value or "Asia/Shanghai")


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


def _whole(env: Mapping[str, str], name: str, default: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 10**9:
        raise UserError(f"{name}={raw!r} is not a whole number above 0; unset it for {default}")
    return int(raw)


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
