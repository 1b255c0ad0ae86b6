"""The notification outbox end to end, against real local robot servers: a dispatch reaches the
assignee's channels once; a failed send is retried after its backoff and arrives once; a worker
process killed (SIGKILL) mid-send never makes a message arrive twice — a webhook's repeat carries
the same idempotency key and is dropped by the receiver, a robot's send in doubt is not repeated
— and the message still arrives."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import time, timedelta

import pytest
from notify.receivers import Receiver  # tests/notify (pytest puts tests/ on the path)
from sqlalchemy import select

from gridops.notify import LogSender
from gridops.org.channels import Channel, NotifyPolicy
from gridops.org.roster import roster_from_dict
from gridops.services.actions import act
from gridops.services.context import ServiceContext
from gridops.services.intake import submit
from gridops.services.notifying import collect, delivery, notify_batch
from gridops.services.outbox import LEASE, send_due
from gridops.services.routing import route_batch
from gridops.services.sweeper import sweep
from gridops.store.schema import tickets
from gridops.store.service_tables import add_deliveries, deliveries
from gridops.tickets import Role

from .conftest import NOW, report_at, some_cells

SECRET = "SECtest-signing-key"


@pytest.fixture
def robot(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    r = Receiver(getattr(request, "param", "dingtalk"), secret=SECRET).start()
    yield r
    r.stop()


def dispatched(ctx: ServiceContext, robot: Receiver) -> ServiceContext:
    """Route one report; give its assignee a channel to ``robot`` (roster.yaml) — the context
    the notify stage then runs with."""
    [cell] = some_cells(ctx, 1)
    submit(ctx, [report_at(ctx, cell)], actor="i", role=Role.INSPECTOR, now=NOW)
    route_batch(ctx, 10, now=NOW)
    with ctx.store.engine.connect() as conn:
        unit, person = conn.execute(select(tickets.c.owner_unit, tickets.c.assignee)).one()
    channel = {"type": robot.kind, "url_secret": "ROBOT"}
    if robot.kind != "wecom":
        channel["secret"] = "SIGN"
    roster = roster_from_dict({
        "timezone": "Asia/Shanghai", "patterns": {"duty": {"kind": "always"}},
        "staff": [{"id": person or f"{unit}-1", "name": "张伟", "unit": unit, "pattern": "duty",
                   "channels": [channel]}],
    })  # fmt: skip
    settings = dataclasses.replace(ctx.settings, secrets={"ROBOT": robot.url, "SIGN": SECRET})
    return dataclasses.replace(ctx, roster=roster, settings=settings)


def statuses(ctx: ServiceContext) -> list[tuple[str, int]]:
    with ctx.store.engine.connect() as conn:
        rows = conn.execute(select(deliveries.c.status, deliveries.c.attempts))
        return sorted((r.status, r.attempts) for r in rows)


@pytest.mark.parametrize("robot", ["dingtalk", "feishu", "wecom"], indirect=True)
def test_a_dispatch_reaches_the_assignee_once(ctx: ServiceContext, robot: Receiver) -> None:
    ctx = dispatched(ctx, robot)
    notify_batch(ctx, 100, now=NOW, sender=LogSender())
    notify_batch(ctx, 100, now=NOW + timedelta(minutes=5), sender=LogSender())
    assert robot.refused == [] and len(robot.received) == 1
    text = str(robot.received[0])
    assert "【派遣】案卷" in text and "派给您处置" in text
    assert statuses(ctx) == [("sent", 1)]


def test_a_failed_send_is_retried_after_its_backoff(ctx: ServiceContext, robot: Receiver) -> None:
    ctx = dispatched(ctx, robot)
    robot.fail_next = 1
    notify_batch(ctx, 100, now=NOW, sender=LogSender())
    assert robot.received == [] and statuses(ctx) == [("pending", 1)]
    notify_batch(ctx, 100, now=NOW + timedelta(seconds=10), sender=LogSender())  # backing off
    assert robot.requests == 1
    notify_batch(ctx, 100, now=NOW + timedelta(seconds=31), sender=LogSender())
    assert len(robot.received) == 1 and statuses(ctx) == [("sent", 2)]


WORKER = """
import sys
from datetime import datetime
from types import SimpleNamespace
from gridops.notify import LogSender
from gridops.org.channels import NotifyPolicy
from gridops.services import outbox
from gridops.settings import load_settings
from gridops.store import open_store
settings = load_settings()
ctx = SimpleNamespace(store=open_store(settings.database_url), settings=settings)
outbox.send_due(ctx, 10, now=datetime.fromisoformat(sys.argv[1]), sender=LogSender(),
                policy=NotifyPolicy())
"""


def killed_mid_send(ctx: ServiceContext, robot: Receiver) -> None:
    """Run the send in a worker process; SIGKILL it while the robot holds the request."""
    collect(ctx, 100, now=NOW)
    robot.hold_next = True
    env = os.environ | {"GRIDOPS_DATABASE_URL": ctx.settings.database_url,
                        "GRIDOPS_DATA_DIR": str(ctx.settings.data_dir),
                        "GRIDOPS_SECRET_ROBOT": robot.url,
                        "GRIDOPS_SECRET_SIGN": SECRET}  # fmt: skip
    worker = subprocess.Popen([sys.executable, "-c", WORKER, NOW.isoformat()], env=env)
    try:
        assert robot.arrived.wait(60), "the worker never sent"
        os.kill(worker.pid, signal.SIGKILL)
        assert worker.wait(10) == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    robot.release.set()
    assert statuses(ctx) == [("sending", 1)]


@pytest.mark.parametrize("robot", ["webhook"], indirect=True)
def test_a_webhook_killed_mid_send_is_sent_again_with_its_key_and_arrives_once(
    ctx: ServiceContext, robot: Receiver
) -> None:
    ctx = dispatched(ctx, robot)
    killed_mid_send(ctx, robot)
    later = NOW + LEASE + timedelta(seconds=1)
    notify_batch(ctx, 100, now=NOW + timedelta(seconds=30), sender=LogSender())  # lease runs
    assert robot.requests == 1
    notify_batch(ctx, 100, now=later, sender=LogSender())
    assert robot.requests == 2  # sent again, with the same key …
    assert len(robot.received) == 1  # … so the receiver has it once
    assert statuses(ctx) == [("sent", 2)]


def test_a_robot_killed_mid_send_is_never_sent_twice(ctx: ServiceContext, robot: Receiver) -> None:
    ctx = dispatched(ctx, robot)
    killed_mid_send(ctx, robot)
    assert len(robot.received) == 1  # it got there before the worker died
    for minutes in (3, 10, 60):
        notify_batch(ctx, 100, now=NOW + timedelta(minutes=minutes), sender=LogSender())
    assert robot.requests == 1 and len(robot.received) == 1
    assert statuses(ctx) == [("unknown", 1)]


def test_an_overdue_ticket_warns_the_unit_on_shift_and_nobody_is_recorded(
    ctx: ServiceContext, robot: Receiver
) -> None:
    ctx = dispatched(ctx, robot)
    notify_batch(ctx, 100, now=NOW, sender=LogSender())
    with ctx.store.engine.connect() as conn:
        due = conn.execute(select(tickets.c.due_at)).scalar_one()
    later = due + timedelta(minutes=1)
    sweep(ctx, 100, now=later)  # the policy's "notify the supervisor" step; 督办 for overdue
    notify_batch(ctx, 100, now=later, sender=LogSender())
    texts = [m["text"]["content"] for m in robot.received]
    assert len(texts) == 3, texts  # the dispatch, the policy's warning, the 督办 for overdue
    assert texts[1].startswith("【预警】") and "时限" in texts[1]
    assert texts[2].startswith("【超期预警】") and "已督办" in texts[2]
    with ctx.store.engine.connect() as conn:
        failed = conn.execute(select(deliveries.c.recipient, deliveries.c.last_error)
                              .where(deliveries.c.status == "failed")).one()  # fmt: skip
    assert failed.recipient.startswith("supervisor@sc-")  # nobody there has a channel
    assert "nobody to reach" in failed.last_error


@pytest.mark.parametrize("robot", ["wecom"], indirect=True)
def test_a_return_reaches_the_sub_centres_group_robot(ctx: ServiceContext, robot: Receiver) -> None:
    ctx = dispatched(ctx, robot)
    org = copy.copy(ctx.ops.org)  # org.yaml: channels: {"sc-*": [{type: wecom, …}]}
    org.channels = {"sc-*": (Channel("wecom", url_secret="ROBOT"),)}
    ops = copy.copy(ctx.ops)
    ops.org = org
    ctx = dataclasses.replace(ctx, ops=ops)
    notify_batch(ctx, 100, now=NOW, sender=LogSender())
    with ctx.store.engine.connect() as conn:
        ticket, person = conn.execute(select(tickets.c.id, tickets.c.assignee)).one()
    later = NOW + timedelta(minutes=5)
    act(ctx, ticket, "return", actor=person, role=Role.FIELD_STAFF, now=later,
        reason="不属于本单位职责")  # fmt: skip
    notify_batch(ctx, 100, now=later, sender=LogSender())
    texts = [m["text"]["content"] for m in robot.received]
    assert len(texts) == 2 and texts[0].startswith("【派遣】")
    assert texts[1].startswith("【退单】") and texts[1].endswith("原因：不属于本单位职责")


@pytest.mark.parametrize("robot", ["wecom"], indirect=True)
def test_a_group_two_recipients_share_hears_of_an_event_once(
    ctx: ServiceContext, robot: Receiver
) -> None:
    ctx = dispatched(ctx, robot)  # the assignee's channel is the robot …
    org = copy.copy(ctx.ops.org)
    org.channels = {"*": (Channel("wecom", url_secret="ROBOT"),)}  # … and every unit's group
    ops = copy.copy(ctx.ops)
    ops.org = org
    ctx = dataclasses.replace(ctx, ops=ops)
    with ctx.store.engine.connect() as conn:
        ticket = conn.execute(select(tickets.c.id)).scalar_one()
    act(ctx, ticket, "supervise", actor="d", role=Role.DISPATCHER, now=NOW, reason="群众反映强烈")
    notify_batch(ctx, 100, now=NOW, sender=LogSender())  # 督办: the sub-centre and the unit
    texts = [m["text"]["content"] for m in robot.received]
    assert len(texts) == 2 and texts[0].startswith("【派遣】"), texts
    assert texts[1].startswith("【督办】") and texts[1].endswith("被督办：群众反映强烈")


def test_quiet_hours_hold_a_reassignment_to_someone_off_shift_until_morning(
    ctx: ServiceContext, robot: Receiver
) -> None:
    ctx = dispatched(ctx, robot)
    with ctx.store.engine.connect() as conn:
        ticket, unit = conn.execute(select(tickets.c.id, tickets.c.owner_unit)).one()
    roster = roster_from_dict({
        "timezone": "Asia/Shanghai",
        "patterns": {"day": {"kind": "day", "start": "08:30", "end": "17:30"}},
        "staff": [{"id": "zhang-wei", "name": "张伟", "unit": unit, "pattern": "day",
                   "channels": [{"type": "dingtalk", "url_secret": "ROBOT", "secret": "SIGN"}]}],
    })  # fmt: skip
    quiet = NotifyPolicy(quiet_start=time(22, 0), quiet_end=time(7, 0))
    ctx = dataclasses.replace(ctx, roster=roster, notify=quiet)
    night = NOW + timedelta(hours=13)  # 23:00 in Shanghai
    act(ctx, ticket, "reassign", actor="d", role=Role.DISPATCHER, now=night, owner_unit=unit,
        assignee="zhang-wei")  # fmt: skip
    notify_batch(ctx, 100, now=night, sender=LogSender())
    notify_batch(ctx, 100, now=night + timedelta(hours=7, minutes=59), sender=LogSender())
    assert [m["text"]["content"][:4] for m in robot.received] == []  # 06:59: still quiet
    notify_batch(ctx, 100, now=night + timedelta(hours=8), sender=LogSender())  # 07:00
    [message] = robot.received
    assert message["text"]["content"].startswith("【改派】")


@pytest.mark.parametrize("robot", ["webhook"], indirect=True)
def test_two_workers_sending_at_once_send_each_message_once(
    ctx: ServiceContext, robot: Receiver
) -> None:
    channel = json.dumps({"type": "webhook", "url_secret": "ROBOT", "secret": "SIGN"})
    add_deliveries(ctx.store, [
        delivery(f"t{i}", 1, "dispatch", f"u{i}", f"N{i} 【派遣】…", NOW) | {"channel": channel}
        for i in range(40)
    ])  # fmt: skip
    secrets = {"ROBOT": robot.url, "SIGN": SECRET}
    ctx = dataclasses.replace(ctx, settings=dataclasses.replace(ctx.settings, secrets=secrets))
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _: [send_due(ctx, 7, now=NOW, sender=LogSender()) for _ in range(8)],
                      range(2)))  # fmt: skip
    assert robot.requests == 40 and len(robot.received) == 40
    assert statuses(ctx) == [("sent", 1)] * 40
