"""Whom a notification reaches (通知对象): the assignee's channels; else the unit's people on shift
with channels and the unit's own channels; else its shift lead (escalated); nobody is nobody.
Quiet hours (免打扰) hold a message for someone off shift until they end — not an urgent kind,
not someone on shift, not an escalation to the lead."""

from __future__ import annotations

from datetime import UTC, datetime, time

from gridops.org.channels import Channel, NotifyPolicy
from gridops.org.orgchart import LOCALITY, OrgChart, Unit
from gridops.org.reaching import Address, addresses, held_until
from gridops.org.roster import roster_from_dict

TUESDAY_10 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a working day
TUESDAY_23 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
ROBOT = {"type": "wecom", "url": "http://127.0.0.1:9/cgi-bin/webhook/send?key=k"}
MAIL = {"type": "email", "to": "lead@example.org"}


def org(**channels: tuple[Channel, ...]) -> OrgChart:
    chart = OrgChart()
    for uid in ("gw-1", "gw-2", "sc-1"):
        chart.units[uid] = Unit(uid, LOCALITY, uid, uid, None)
    chart.channels.update({k.replace("_", "-"): v for k, v in channels.items()})
    return chart


def roster(*staff: dict) -> object:
    return roster_from_dict({
        "timezone": "Asia/Shanghai",
        "patterns": {"day": {"kind": "day", "start": "08:30", "end": "17:30"},
                     "duty": {"kind": "always"}},
        "templates": [{"units": "gw-*", "pattern": "day", "staff": 1}],
        "staff": list(staff),
    })  # fmt: skip


def test_the_assignee_with_a_channel_is_reached_alone() -> None:
    r = roster({"id": "zhang", "name": "张伟", "unit": "gw-1", "pattern": "day",
                "channels": [MAIL]})  # fmt: skip
    [a] = addresses("zhang", r, org(gw_1=(Channel("wecom", url="http://x/"),)), TUESDAY_10)
    assert (a.who, a.channel.type, a.on_shift, a.escalated) == ("zhang", "email", True, False)


def test_a_unit_reaches_its_people_on_shift_and_its_own_channels() -> None:
    r = roster({"id": "zhang", "name": "张伟", "unit": "gw-1", "pattern": "day",
                "channels": [MAIL]},
               {"id": "li", "name": "李娜", "unit": "gw-1", "pattern": "day"})  # fmt: skip
    group = Channel("wecom", url="http://x/")
    found = addresses("gw-1", r, org(gw_1=(group,)), TUESDAY_10)
    assert [(a.who, a.channel.type) for a in found] == [("zhang", "email"), ("gw-1", "wecom")]
    # an assignee with no channel of their own falls back to the unit the same way
    assert addresses("li", r, org(gw_1=(group,)), TUESDAY_10) == found
    assert addresses("gw-1-1", r, org(gw_1=(group,)), TUESDAY_10) == found  # a template's person


def test_nobody_on_shift_with_a_channel_escalates_to_the_shift_lead() -> None:
    r = roster({"id": "wang", "name": "王强", "unit": "gw-1", "pattern": "day", "lead": True,
                "channels": [MAIL]},
               {"id": "zhao", "name": "赵敏", "unit": "gw-1", "pattern": "duty"})  # fmt: skip
    at_night = addresses("gw-1", r, org(), TUESDAY_23)  # zhao is on shift, with no channel
    assert [(a.who, a.escalated, a.on_shift) for a in at_night] == [("wang", True, False)]
    by_day = addresses("gw-1", r, org(), TUESDAY_10)  # the lead on shift is reached as such
    assert [(a.who, a.escalated) for a in by_day] == [("wang", False)]
    assert addresses("dispatcher@gw-1", r, org(), TUESDAY_23) == at_night  # role@unit → unit
    assert addresses("gw-2", r, org(), TUESDAY_23) == []  # nobody at all: nothing (recorded)


def test_quiet_hours_hold_someone_off_shift_until_they_end() -> None:
    policy = NotifyPolicy(quiet_start=time(22, 0), quiet_end=time(7, 0))
    off = Address("zhang", Channel("email", to="z@example.org"), on_shift=False)
    morning = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)  # 07:00 Wednesday in Shanghai
    assert held_until(policy, "dispatch", off, TUESDAY_23, "Asia/Shanghai") == morning
    assert held_until(policy, "supervise", off, TUESDAY_23, "Asia/Shanghai") == TUESDAY_23
    on = Address("zhang", off.channel, on_shift=True)
    assert held_until(policy, "dispatch", on, TUESDAY_23, "Asia/Shanghai") == TUESDAY_23
    lead = Address("wang", off.channel, on_shift=False, escalated=True)
    assert held_until(policy, "return", lead, TUESDAY_23, "Asia/Shanghai") == TUESDAY_23
    assert held_until(policy, "dispatch", off, TUESDAY_10, "Asia/Shanghai") == TUESDAY_10
