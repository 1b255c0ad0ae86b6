"""Escalation policies (升级/督办) and the step executor.

A policy is an ordered list of steps: ``wait`` (a duration on a clock type, or ``due``: until
the ticket's deadline), ``notify`` a role, ``supervise`` (flag 督办), ``hand_up`` (to the unit
one level up), ``joint_group`` (hand to the joint-enforcement group 联合执法), ``then`` (continue
with another policy) and ``stop``. At routing the policy is flattened into a *snapshot* of plain
data and frozen onto the ticket (as Grafana OnCall does), so editing escalation.yaml later
changes no running escalation. :func:`next_escalation_step` reads a snapshot, the ticket's state
and ``now`` and returns what to do next and when; it schedules nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from gridops.tickets.vocabulary import ClockType, Role, TimeLimit
from gridops.yamlconfig import Node, check_ref, read_yaml

ACTIONS = ("wait", "notify", "supervise", "hand_up", "joint_group", "then", "stop")

RUNNING_STATUSES = frozenset({"dispatched", "accepted", "escalated", "rework"})
"""Ticket statuses (gridops.tickets.Status values) in which escalation runs: a unit holds the
ticket. Before dispatch, after a return (a new decision is made), while suspended (缓办), once
handled and waiting for the check, and after closing, nothing escalates."""

Deadline = Callable[[datetime, TimeLimit], datetime]
Snapshot = Mapping[str, Any]


@dataclass(frozen=True)
class Policy:
    """A named policy; ``steps`` are plain dicts, ``{"action": …, …}``."""

    name: str
    zh: str
    steps: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class Escalation:
    """All policies and the name of the default one."""

    policies: Mapping[str, Policy]
    default: str

    def flatten(self, name: str) -> list[dict[str, Any]]:
        """The policy's steps with every ``then`` replaced by the steps it names."""
        out: list[dict[str, Any]] = []
        for step in self.policies[name].steps:
            if step["action"] == "then":
                out.extend(self.flatten(step["policy"]))
            else:
                out.append(dict(step))
        return out

    def snapshot(
        self, name: str, *, up_chain: Sequence[str], joint_group: str | None
    ) -> dict[str, Any]:
        """Plain data frozen onto a ticket: the steps and the units they hand to."""
        return {
            "policy": name,
            "steps": self.flatten(name),
            "up_chain": list(up_chain),
            "joint_group": joint_group,
        }


def load_escalation(path: Path) -> Escalation:
    """Read escalation.yaml; a ``then`` cycle between policies is an error naming it."""
    root = Node(read_yaml(path), path).mapping({"default", "policies"}, {"default", "policies"})
    policies: dict[str, Policy] = {}
    refs: list[tuple[Node, str, str]] = []
    for pnode in root.child("policies").seq():
        pnode.mapping({"name", "zh", "steps"}, {"name", "steps"})
        name = pnode.text("name")
        if name in policies:
            raise pnode.error(f"duplicate policy name {name!r}", "name")
        steps = []
        for snode in pnode.child("steps").seq():
            step = _step(snode)
            if step["action"] == "then":
                refs.append((snode, name, step["policy"]))
            steps.append(step)
        if not steps:
            raise pnode.error("a policy needs at least one step", "steps")
        policies[name] = Policy(name, pnode.text("zh", name), tuple(steps))
    then: dict[str, set[str]] = {}
    for snode, name, target in refs:
        check_ref(snode, "then", target, policies, "escalation policy")
        then.setdefault(name, set()).add(target)
    cycle = _first_cycle(then)
    if cycle:
        raise root.error(f"escalation cycle through 'then': {' → '.join([*cycle, cycle[0]])}")
    default = root.text("default")
    check_ref(root, "default", default, policies, "escalation policy")
    return Escalation(policies, default)


def _step(node: Node) -> dict[str, Any]:
    node.mapping(ACTIONS)
    if not isinstance(node.value, dict) or len(node.value) != 1:
        raise node.error(f"a step has exactly one of: {', '.join(ACTIONS)}")
    action = next(iter(node.value))
    if action == "wait":
        if node.child("wait").value == "due":
            return {"action": "wait", "until": "due"}
        wait = node.child("wait").mapping({"amount", "clock"}, {"amount", "clock"})
        clock = wait.choice("clock", [c.value for c in ClockType])
        return {"action": "wait", "amount": wait.number("amount"), "clock": clock}
    if action == "notify":
        return {"action": "notify", "role": node.choice("notify", [r.value for r in Role])}
    if action == "then":
        return {"action": "then", "policy": node.text("then")}
    if node.child(action).value is not True:
        raise node.error(f"write '{action}: true'", action)
    return {"action": action}


@dataclass(frozen=True)
class EscalationState:
    """What the executor needs to know about a ticket."""

    status: str
    dispatched_at: datetime
    due_at: datetime | None = None
    steps_done: int = 0  # snapshot steps already carried out (or passed over)
    last_step_at: datetime | None = None  # when the last step was carried out
    supervised: bool = False  # already flagged 督办


@dataclass(frozen=True)
class EscalationStep:
    """The next thing to do. After doing it, set ``steps_done = index + 1``."""

    index: int
    action: str  # notify | supervise | hand_up | joint_group
    due_at: datetime
    ready: bool  # due_at <= now: do it now; otherwise look again at due_at
    role: str | None = None  # for notify
    target: str | None = None  # the unit for hand_up, the group for joint_group
    reason: str = ""


def next_escalation_step(
    snapshot: Snapshot,
    state: EscalationState,
    now: datetime,
    *,
    deadline: Deadline,
    running_statuses: Collection[str] = RUNNING_STATUSES,
) -> EscalationStep | None:
    """The next step of ``snapshot`` for a ticket in ``state``, or None when nothing is left.

    Waits chain: each starts when the previous step was carried out (``last_step_at``) or, for
    the first, at ``dispatched_at``. Steps that would do nothing (supervise an already supervised
    ticket, hand up past the top, a joint group the decision has none of) are passed over.
    """
    if state.status not in running_statuses:
        return None
    steps: Sequence[Mapping[str, Any]] = snapshot["steps"]
    up_chain: Sequence[str] = snapshot.get("up_chain", ())
    anchor = state.last_step_at or state.dispatched_at
    handed_up = sum(1 for s in steps[: state.steps_done] if s["action"] == "hand_up")
    for index in range(state.steps_done, len(steps)):
        step = steps[index]
        action = step["action"]
        if action == "stop":
            return None
        if action == "wait":
            if step.get("until") == "due":
                if state.due_at is not None:
                    anchor = max(anchor, state.due_at)
            else:
                anchor = deadline(anchor, TimeLimit(step["amount"], ClockType(step["clock"])))
            continue
        target: str | None = None
        if action == "supervise" and state.supervised:
            continue
        if action == "hand_up":
            if handed_up >= len(up_chain):
                continue
            target = up_chain[handed_up]
            handed_up += 1
        if action == "joint_group":
            target = snapshot.get("joint_group")
            if not target:
                continue
        return EscalationStep(
            index=index,
            action=action,
            due_at=anchor,
            ready=anchor <= now,
            role=step.get("role"),
            target=target,
            reason=_reason(snapshot, step, target),
        )
    return None


def _reason(snapshot: Snapshot, step: Mapping[str, Any], target: str | None) -> str:
    policy = snapshot.get("policy", "?")
    words = {
        "notify": f"notify the {step.get('role')}",
        "supervise": "flag for supervision (督办)",
        "hand_up": f"hand to the unit one level up, {target}",
        "joint_group": f"hand to joint-enforcement group {target} (联合执法)",
    }
    return f"escalation policy {policy!r}: {words.get(step['action'], step['action'])}"


def _first_cycle(edges: Mapping[str, Collection[str]]) -> list[str]:
    """The least cycle of ``edges`` (policy → policies its ``then`` steps name), starting at its
    least name; [] when there is none. Each start walks only names above it, so every cycle is
    met once, from its least name (a handful of policies: no graph library needed)."""
    found: list[list[str]] = []
    for start in sorted(edges):
        path, todo = [start], [iter(sorted(edges.get(start, ())))]
        while todo:
            step = next(todo[-1], None)
            if step is None:
                todo.pop()
                path.pop()
            elif step == start:
                found.append(list(path))
            elif step > start and step not in path:
                path.append(step)
                todo.append(iter(sorted(edges.get(step, ()))))
    return min(found, default=[])
