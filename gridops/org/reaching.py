"""Whom a notification reaches, on which channels, and when (通知对象 / 免打扰). Pure: ``now``
and the working-day test are passed in.

A message goes to the person who must act — the assignee — on their channels (roster.yaml).
One addressed to a unit, or to a person with no channel, goes to the unit's people on shift who
have channels and to the unit's own channels (org.yaml, e.g. its group robot). When that reaches
nobody, it goes to the unit's shift lead(s) (``lead: true`` in roster.yaml; those on shift
first), marked as escalated. Quiet hours (notify.yaml) hold a message for someone off shift
until they end, except urgent kinds and escalations to a lead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from gridops.org.channels import Channel, NotifyPolicy
from gridops.org.orgchart import OrgChart
from gridops.org.roster import IsWorkingDay, Roster, Staff, on_shift, weekdays_only
from gridops.tickets.vocabulary import Role

ROLE_NAMES = frozenset(r.value for r in Role)


@dataclass(frozen=True)
class Address:
    """One channel of one person or unit (``who``) a message goes to."""

    who: str
    channel: Channel
    on_shift: bool  # quiet hours never hold someone on shift
    escalated: bool = False  # to the shift lead: nobody on shift could be reached


def target_unit(target: str, roster: Roster, org: OrgChart) -> tuple[Staff | None, str]:
    """The named person ``target`` is (if any) and the unit a message to it falls back to:
    ``role@unit`` → the unit; a unit id; a named person's unit; a roster template's person
    ``<unit>-<n>`` → that unit."""
    role, at, rest = target.partition("@")
    if at and role in ROLE_NAMES:
        return None, rest
    if target in org.units:
        return None, target
    for person in roster.named:
        if person.id == target:
            return person, person.unit
    unit, _, n = target.rpartition("-")
    return None, unit if unit in org.units and n.isdigit() else target


def addresses(target: str, roster: Roster, org: OrgChart, now: datetime,
              is_working_day: IsWorkingDay = weekdays_only) -> list[Address]:  # fmt: skip
    """Where a message to ``target`` (a person, a unit or ``role@unit``) goes at ``now``."""
    person, unit = target_unit(target, roster, org)
    present = on_shift(roster, unit, now, is_working_day) if unit in org.units else []
    here = {p.id for p in present}
    if person is not None and person.channels:
        return [Address(person.id, c, person.id in here) for c in person.channels]
    found = [Address(p.id, c, True) for p in present for c in p.channels]
    found += [Address(unit, c, bool(present)) for c in org.channels_of(unit)]
    if found:
        return found
    leads = [s for s in roster.staff_of(unit) if s.lead and s.channels]
    leads = [s for s in leads if s.id in here] or leads
    return [Address(s.id, c, s.id in here, escalated=True) for s in leads for c in s.channels]


def held_until(policy: NotifyPolicy, kind: str, address: Address, now: datetime,
               timezone: str) -> datetime:  # fmt: skip
    """When a message of ``kind`` to ``address`` may go: ``now``, or the end of the quiet hours
    it falls in (someone off shift, a kind that is not urgent, not an escalation)."""
    start, end = policy.quiet_start, policy.quiet_end
    if start is None or end is None or address.on_shift or address.escalated:
        return now
    if kind in policy.urgent:
        return now
    local = now.astimezone(ZoneInfo(timezone))
    t = local.time().replace(tzinfo=None)
    quiet = start <= t < end if start < end else (t >= start or t < end)
    if not quiet:
        return now
    until = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if until <= local:
        until += timedelta(days=1)
    return until.astimezone(now.tzinfo)
