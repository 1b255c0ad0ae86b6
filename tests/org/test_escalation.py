"""Escalation policies: loading, frozen snapshots, and the step executor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridops.errors import ConfigError
from gridops.org import (
    EscalationState,
    OpsConfig,
    RoutingDecision,
    RoutingFacts,
    load_ops_config,
    next_escalation_step,
    route,
)
from gridops.org.escalation import load_escalation
from gridops.org.gridview import PlainGrid
from gridops.tickets.vocabulary import ClockType, TimeLimit

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ZJ = ("310115125", "310115125002", "310115125002003")


def hours(start: datetime, limit: TimeLimit) -> datetime:
    """Continuous-clock arithmetic for tests (the real clocks live in gridops.tickets)."""
    per = {ClockType.HOURS: 1, ClockType.WORKING_HOURS: 1, ClockType.WORKING_DAYS: 8}
    per[ClockType.DAYS] = 24
    return start + timedelta(hours=limit.amount * per[limit.clock])


def run_to_end(snapshot: dict, state: EscalationState, now: datetime) -> list[tuple[str, str]]:
    """Carry out every step as soon as it is due; return (action, target or role)."""
    done = []
    while (step := next_escalation_step(snapshot, state, now, deadline=hours)) is not None:
        assert step.ready
        done.append((step.action, step.target or step.role or ""))
        state = EscalationState(
            state.status,
            state.dispatched_at,
            state.due_at,
            steps_done=step.index + 1,
            last_step_at=step.due_at,
            supervised=state.supervised or step.action == "supervise",
        )
    return done


def test_standard_policy_runs_in_order(config: OpsConfig) -> None:
    d = route(config, RoutingFacts("E0302", ZJ))  # 工地扬尘, joint group construction-site
    state = EscalationState("dispatched", T0, due_at=T0 + timedelta(hours=8))
    assert run_to_end(dict(d.escalation), state, T0 + timedelta(days=30)) == [
        ("supervise", ""),
        ("notify", "supervisor"),
        ("hand_up", "dept-housing"),
        ("joint_group", "jeg-construction-site"),
        ("hand_up", "district-centre"),
        ("notify", "dispatcher"),
    ]


def test_next_step_is_not_ready_before_the_deadline(config: OpsConfig) -> None:
    d = route(config, RoutingFacts("E0102", ZJ))
    due = T0 + timedelta(hours=4)
    step = next_escalation_step(
        d.escalation, EscalationState("dispatched", T0, due), T0, deadline=hours
    )
    assert step is not None
    assert (step.action, step.due_at, step.ready) == ("supervise", due, False)
    assert "督办" in step.reason


def test_already_supervised_and_missing_group_are_passed_over(config: OpsConfig) -> None:
    d = route(config, RoutingFacts("E0102", ZJ))  # no joint group
    state = EscalationState("dispatched", T0, T0, supervised=True)
    actions = [a for a, _ in run_to_end(dict(d.escalation), state, T0 + timedelta(days=9))]
    assert "supervise" not in actions
    assert "joint_group" not in actions


@pytest.mark.parametrize("status", ["reported", "returned", "suspended", "handled", "closed"])
def test_no_escalation_once_closed_or_paused(config: OpsConfig, status: str) -> None:
    d = route(config, RoutingFacts("E0102", ZJ))
    state = EscalationState(status, T0, T0)
    assert next_escalation_step(d.escalation, state, T0 + timedelta(days=9), deadline=hours) is None


@given(
    steps_done=st.integers(0, 12),
    offset_h=st.floats(0, 500),
    supervised=st.booleans(),
)
def test_steps_move_forward_and_due_times_never_go_back(
    config: OpsConfig, steps_done: int, offset_h: float, supervised: bool
) -> None:
    d = route(config, RoutingFacts("E0411", ZJ))  # urgent policy
    last = T0 + timedelta(hours=offset_h) if steps_done else None
    state = EscalationState("dispatched", T0, T0 + timedelta(hours=1), steps_done, last, supervised)
    step = next_escalation_step(d.escalation, state, T0 + timedelta(hours=1000), deadline=hours)
    if step is not None:
        assert step.index >= steps_done
        assert step.due_at >= (last or T0)
        assert step.action in {"notify", "supervise", "hand_up", "joint_group"}


def test_snapshot_is_frozen_against_later_config_edits(
    grid: PlainGrid, config_copy: Callable[..., Path]
) -> None:
    before = load_ops_config(config_copy(), grid)
    stored = route(before, RoutingFacts("E0102", ZJ)).to_dict()
    after_dir = config_copy("escalation.yaml", "notify: supervisor", "notify: admin")
    after = load_ops_config(after_dir, grid)
    assert route(after, RoutingFacts("E0102", ZJ)).escalation != stored["escalation"]
    restored = RoutingDecision.from_dict(stored)
    assert {"action": "notify", "role": "supervisor"} in restored.escalation["steps"]


def test_then_cycle_is_an_error_naming_it(config_copy: Callable[..., Path]) -> None:
    path = config_copy(
        "escalation.yaml", "      - notify: dispatcher\n", "      - then: standard\n"
    )
    with pytest.raises(ConfigError, match=r"escalation cycle.*standard → to-centre → standard"):
        load_escalation(path / "escalation.yaml")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("      - supervise: true\n", "      - supervize: true\n", "did you mean 'supervise'"),
        ("notify: supervisor", "notify: boss", "unknown value 'boss'"),
        ("clock: working_hours}", "clock: fortnights}", "unknown value 'fortnights'"),
        ("default: standard", "default: gentle", "unknown escalation policy 'gentle'"),
        ("      - supervise: true\n", "      - supervise: yes please\n", "supervise: true"),
    ],
)
def test_bad_escalation_yaml_names_file_and_key(
    config_copy: Callable[..., Path], old: str, new: str, message: str
) -> None:
    path = config_copy("escalation.yaml", old, new)
    with pytest.raises(ConfigError, match="escalation.yaml") as err:
        load_escalation(path / "escalation.yaml")
    assert message in str(err.value)


def test_waits_are_counted_on_the_work_calendar(config: OpsConfig) -> None:
    """With the real working-hours clock a 4-working-hour wait after 17:00 ends next morning."""
    from gridops.settings import DEFAULT_CONFIG_DIR
    from gridops.tickets import load_calendar

    calendar = load_calendar(DEFAULT_CONFIG_DIR / "calendar.yaml")
    d = route(config, RoutingFacts("E0102", ZJ))
    # Monday 2026-03-02 17:00 Asia/Shanghai = 09:00 UTC; the supervise step was carried out then
    state = EscalationState("dispatched", T0, T0, steps_done=3, last_step_at=T0, supervised=True)
    step = next_escalation_step(d.escalation, state, T0, deadline=calendar.deadline)
    assert step is not None and step.action == "hand_up"
    assert step.due_at == calendar.deadline(T0, TimeLimit(4, ClockType.WORKING_HOURS))
    assert step.due_at - T0 > timedelta(hours=4)  # the night is not counted


@given(st.dictionaries(st.sampled_from("abcdef"), st.sets(st.sampled_from("abcdefg"), max_size=3)))
def test_the_cycle_named_is_a_cycle_and_none_is_missed(edges: dict[str, set[str]]) -> None:
    """escalation._first_cycle finds a cycle exactly when a general cycle search does, names a
    real one, starting at its least policy, and the least of all (a stable message)."""
    import networkx as nx

    from gridops.org.escalation import _first_cycle

    graph = nx.DiGraph([(a, b) for a, bs in edges.items() for b in bs])
    every = [c[c.index(min(c)) :] + c[: c.index(min(c))] for c in nx.simple_cycles(graph)]
    cycle = _first_cycle(edges)
    assert bool(cycle) == bool(every)
    if cycle:
        assert cycle == min(every) and cycle[0] == min(cycle)
        assert all(b in edges[a] for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True))
