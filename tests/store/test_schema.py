"""UTCDateTime on SQLite writes exactly the text SQLAlchemy's DATETIME wrote, and reads it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from gridops.store.driver import _binder
from gridops.store.schema import UTCDateTime, tickets

SQLITE = sqlite.dialect()
times = st.datetimes(
    min_value=datetime(1000, 1, 2), timezones=st.sampled_from([UTC, timezone(timedelta(hours=8))])
)


@given(times)
def test_sqlite_text_is_sqlalchemys_datetime_text(value):
    ours = UTCDateTime().process_bind_param(value, SQLITE)
    theirs = sqlite.DATETIME().bind_processor(SQLITE)(value.astimezone(UTC).replace(tzinfo=None))
    assert ours == theirs


@given(times)
def test_sqlite_text_reads_back_as_the_same_instant_in_utc(value):
    text = UTCDateTime().process_bind_param(value, SQLITE)
    back = UTCDateTime().process_result_value(text, SQLITE)
    assert back == value and back.tzinfo is UTC
    assert UTCDateTime().process_result_value("2026-11-22 13:13:44", SQLITE) == datetime(
        2026, 11, 22, 13, 13, 44, tzinfo=UTC
    )  # written without microseconds by hand, still read


def test_postgresql_gets_aware_datetimes():
    value = datetime(2026, 11, 22, 8, tzinfo=timezone(timedelta(hours=8)))
    bound = UTCDateTime().process_bind_param(value, postgresql.dialect())
    assert bound == value and bound.tzinfo is UTC


@given(times)
def test_the_drivers_binder_writes_the_same_text(value):
    bind = _binder(tickets, "created_at", SQLITE)
    assert bind is not None and bind(value) == UTCDateTime().process_bind_param(value, SQLITE)
    assert bind(None) is None


def test_naive_times_are_refused_on_both_every_time():
    naive = datetime(2026, 11, 22, 8)
    for dialect in (SQLITE, postgresql.dialect(), SQLITE):  # a refusal is never cached
        with pytest.raises(ValueError, match="naive"):
            UTCDateTime().process_bind_param(naive, dialect)
    aware = naive.replace(tzinfo=UTC)
    assert UTCDateTime().process_bind_param(aware, SQLITE) == "2026-11-22 08:00:00.000000"
    with pytest.raises(ValueError, match="naive"):  # equal wall time, cached aware: still no
        UTCDateTime().process_bind_param(naive, SQLITE)
