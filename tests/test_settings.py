from pathlib import Path

import pytest

import gridops
from gridops.errors import UserError
from gridops.settings import DEFAULT_CONFIG_DIR, DEFAULT_GRID, load_settings


def test_defaults_use_the_data_dir_for_sqlite_and_embedded_redis(tmp_path: Path) -> None:
    s = load_settings({"GRIDOPS_DATA_DIR": str(tmp_path)})
    assert s.data_dir == tmp_path.resolve()
    assert s.database_url == f"sqlite:///{tmp_path.resolve() / 'gridops.db'}"
    assert s.embedded_redis
    assert s.grid_path == DEFAULT_GRID
    assert s.config_dir == DEFAULT_CONFIG_DIR


def test_the_defaults_are_package_data() -> None:
    package = Path(gridops.__file__).resolve().parent
    assert (DEFAULT_GRID / "grid.yaml").is_file() and (DEFAULT_CONFIG_DIR / "org.yaml").is_file()
    assert DEFAULT_GRID.is_relative_to(package) and DEFAULT_CONFIG_DIR.is_relative_to(package)


def test_environment_overrides_services(tmp_path: Path) -> None:
    s = load_settings(
        {
            "GRIDOPS_DATA_DIR": str(tmp_path),
            "GRIDOPS_DATABASE_URL": "postgresql+psycopg://u@h/db",
            "GRIDOPS_REDIS_URL": "redis://127.0.0.1:6379/3",
        }
    )
    assert s.database_url == "postgresql+psycopg://u@h/db"
    assert s.redis_url == "redis://127.0.0.1:6379/3"
    assert not s.embedded_redis


def test_the_web_write_wait_is_five_seconds_unless_set(tmp_path: Path) -> None:
    assert load_settings({"GRIDOPS_DATA_DIR": str(tmp_path)}).web_write_wait_s == 5.0
    set_to = {"GRIDOPS_DATA_DIR": str(tmp_path), "GRIDOPS_WEB_WRITE_WAIT": "2.5"}
    assert load_settings(set_to).web_write_wait_s == 2.5


@pytest.mark.parametrize("raw", ["soon", "0", "-1", "nan", "inf", "86400"])
def test_a_bad_web_write_wait_is_one_line_naming_the_variable(tmp_path: Path, raw: str) -> None:
    with pytest.raises(
        UserError, match=f"GRIDOPS_WEB_WRITE_WAIT='{raw}': give a number of seconds"
    ):
        load_settings({"GRIDOPS_DATA_DIR": str(tmp_path), "GRIDOPS_WEB_WRITE_WAIT": raw})
