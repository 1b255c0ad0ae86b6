"""Environment → one frozen Settings object.

Every process reads its settings once, through :func:`load_settings`. Nothing else in gridops
reads the environment.

| variable               | default                                   |
|------------------------|-------------------------------------------|
| GRIDOPS_DATA_DIR       | ./.gridops                                |
| GRIDOPS_DATABASE_URL   | sqlite:///<data dir>/gridops.db           |
| GRIDOPS_REDIS_URL      | unset → an embedded redis-server under the data dir |
| GRIDOPS_GRID           | the sample grid shipped in the package    |
| GRIDOPS_CONFIG_DIR     | the configuration shipped in the package  |
| GRIDOPS_TIMEZONE       | Asia/Shanghai                             |
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
    web_write_wait_s: float = 5.0

    @property
    def embedded_redis(self) -> bool:
        """True when gridops must start its own redis-server under the data dir."""
        return self.redis_url is None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("GRIDOPS_DATA_DIR") or ".gridops").expanduser().resolve()
    database_url = env.get("GRIDOPS_DATABASE_URL") or f"sqlite:///{data_dir / 'gridops.db'}"
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=env.get("GRIDOPS_REDIS_URL") or None,
        grid_path=Path(env.get("GRIDOPS_GRID") or DEFAULT_GRID),
        config_dir=Path(env.get("GRIDOPS_CONFIG_DIR") or DEFAULT_CONFIG_DIR),
        timezone=env.get("GRIDOPS_TIMEZONE") or "Asia/Shanghai",
        web_write_wait_s=_seconds(env, "GRIDOPS_WEB_WRITE_WAIT", 5.0),
    )


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
