"""The deadline column: a countdown while the clock runs, the clock's state once it stops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gridops.web.console.dispatch_views import with_due
from gridops.web.console.i18n import translator
from gridops.web.console.pages import countdown

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
DUE = NOW + timedelta(hours=2, minutes=5)


def shown(clock: dict[str, str], lang: str = "zh") -> str:
    row = with_due({"clock": clock})
    return countdown(row["due"], NOW, translator(lang), row["clock_state"])


def test_running_clock_counts_down_and_overdue_counts_up() -> None:
    assert shown({"due_at": DUE.isoformat()}) == "剩余 2小时05分"  # one language at a time
    assert shown({"due_at": DUE.isoformat()}, "en") == "2 h 05 min left"
    late = (NOW - timedelta(days=1, hours=3)).isoformat()
    assert shown({"due_at": late}, "en") == "overdue by 1 d 3 h"
    assert shown({"due_at": late}) == "已超时 1天3小时"


def test_stopped_clock_says_whether_it_was_done_on_time() -> None:
    on_time = {"due_at": DUE.isoformat(), "stopped_at": NOW.isoformat()}
    late = {"due_at": DUE.isoformat(), "stopped_at": (DUE + timedelta(minutes=1)).isoformat()}
    assert shown(on_time) == "按期办结"
    assert shown(late, "en") == "done late"
    assert with_due({"clock": on_time})["due"] is None  # nothing for the page script to tick


def test_paused_clock_shows_paused() -> None:
    paused = {"due_at": DUE.isoformat(), "paused_at": NOW.isoformat()}
    assert shown(paused) == "已暂停计时(缓办)"
