from pathlib import Path

import pytest

import gridops
from gridops.errors import ConfigError, UserError
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


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"GRIDOPS_TIMEZONE": "Mars/Olympus"}, r"^GRIDOPS_TIMEZONE 'Mars/Olympus' is not an IANA "
         r"time zone name; use one such as Asia/Shanghai, or unset it$"),
        ({"GRIDOPS_DATA_DIR": "{file}"}, r"^GRIDOPS_DATA_DIR {file}: {file} is a file, not a "
         r"directory; point it at a directory \(missing directories are created\)$"),
        ({"GRIDOPS_DATA_DIR": "{file}/sub"}, r"^GRIDOPS_DATA_DIR {file}/sub: {file} is a file"),
        ({"GRIDOPS_DATABASE_URL": "sqlite:///{file}/g.db"}, r"^GRIDOPS_DATABASE_URL "
         r"sqlite:///{file}/g.db: {file} is a file, not a directory; name a file in a directory"),
        ({"GRIDOPS_REDIS_URL": "localhost:6379"}, r"^GRIDOPS_REDIS_URL 'localhost:6379' is not a "
         r"Redis URL; use redis://HOST:PORT/DB"),
    ],
)  # fmt: skip
def test_a_value_that_cannot_work_names_the_variable(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    file = tmp_path / "a-file"
    file.write_text("not a directory")
    env = {"GRIDOPS_DATA_DIR": str(tmp_path)} | {k: v.format(file=file) for k, v in env.items()}
    with pytest.raises(ConfigError, match=expected.format(file=file)):
        load_settings(env)


def test_access_settings_are_read_and_checked(tmp_path: Path) -> None:
    import pytest

    from gridops.errors import UserError

    base = {"GRIDOPS_DATA_DIR": str(tmp_path)}
    s = load_settings(base)
    assert (s.metrics_token, s.session_hours, s.session_idle_minutes) == (None, 12.0, 60.0)
    assert s.open311_self_reports == "omit"
    s = load_settings(base | {"GRIDOPS_METRICS_TOKEN": "t", "GRIDOPS_SESSION_HOURS": "8",
                              "GRIDOPS_SESSION_IDLE_MINUTES": "15",
                              "GRIDOPS_OPEN311_SELF_REPORTS": "Redact"})  # fmt: skip
    assert (s.metrics_token, s.session_hours, s.session_idle_minutes) == ("t", 8.0, 15.0)
    assert s.open311_self_reports == "redact"
    with pytest.raises(UserError, match="GRIDOPS_SESSION_HOURS='0' is not a positive number"):
        load_settings(base | {"GRIDOPS_SESSION_HOURS": "0"})
    with pytest.raises(UserError, match="GRIDOPS_SESSION_IDLE_MINUTES='soon'"):
        load_settings(base | {"GRIDOPS_SESSION_IDLE_MINUTES": "soon"})
    with pytest.raises(UserError, match="GRIDOPS_OPEN311_SELF_REPORTS='show' is not one of"):
        load_settings(base | {"GRIDOPS_OPEN311_SELF_REPORTS": "show"})


def test_the_web_write_wait_is_five_seconds_unless_set(tmp_path: Path) -> None:
    assert load_settings({"GRIDOPS_DATA_DIR": str(tmp_path)}).web_write_wait_s == 5.0
    set_to = {"GRIDOPS_DATA_DIR": str(tmp_path), "GRIDOPS_WEB_WRITE_WAIT": "2.5"}
    assert load_settings(set_to).web_write_wait_s == 2.5


def test_open311_limits_default_and_can_be_raised(tmp_path: Path) -> None:
    base = {"GRIDOPS_DATA_DIR": str(tmp_path)}
    default = load_settings(base)
    assert (default.open311_per_key, default.open311_per_address) == (600, 120)
    raised = load_settings(base | {"GRIDOPS_OPEN311_PER_KEY": "20000",
                                   "GRIDOPS_OPEN311_PER_ADDRESS": " 9000 "})  # fmt: skip
    assert (raised.open311_per_key, raised.open311_per_address) == (20000, 9000)


@pytest.mark.parametrize("raw", ["many", "0", "-5", "1.5", "1e9"])
def test_a_bad_open311_limit_is_one_line_naming_the_variable(tmp_path: Path, raw: str) -> None:
    with pytest.raises(UserError, match=f"GRIDOPS_OPEN311_PER_ADDRESS='{raw}' is not a whole"):
        load_settings({"GRIDOPS_DATA_DIR": str(tmp_path), "GRIDOPS_OPEN311_PER_ADDRESS": raw})


@pytest.mark.parametrize("raw", ["soon", "0", "-1", "nan", "inf", "86400"])
def test_a_bad_web_write_wait_is_one_line_naming_the_variable(tmp_path: Path, raw: str) -> None:
    with pytest.raises(
        UserError, match=f"GRIDOPS_WEB_WRITE_WAIT='{raw}': give a number of seconds"
    ):
        load_settings({"GRIDOPS_DATA_DIR": str(tmp_path), "GRIDOPS_WEB_WRITE_WAIT": raw})
