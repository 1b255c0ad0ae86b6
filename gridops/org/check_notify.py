"""`gridops config check` for notifications (通知配置): notify.yaml loads; every secret a channel
or gateway names is set (as ``GRIDOPS_SECRET_<NAME>``; only its name is ever shown); e-mail and
SMS channels have their server in notify.yaml. Bad URLs, unknown channel types and missing keys
are errors when roster.yaml, org.yaml or notify.yaml load, naming the file, the key and the
value."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path

from gridops.errors import ConfigError
from gridops.org.channels import Channel, NotifyPolicy, load_policy
from gridops.org.check import ERROR, CheckReport
from gridops.org.orgchart import OrgChart
from gridops.org.roster import Roster


def owners(roster: Roster | None, org: OrgChart) -> Iterable[tuple[str, Channel]]:
    """(who, channel) of every channel configured: staff of roster.yaml, units of org.yaml."""
    for person in roster.named if roster else ():
        for channel in person.channels:
            yield f"roster.yaml staff {person.id}", channel
    for key, channels in org.channels.items():
        for channel in channels:
            yield f"org.yaml channels {key}", channel


def check_notify(report: CheckReport, config_dir: Path, roster: Roster | None, org: OrgChart,
                 secrets: Collection[str]) -> NotifyPolicy | None:  # fmt: skip
    """Add the notification findings to ``report``; the policy when notify.yaml loads."""
    path = config_dir / "notify.yaml"
    try:
        policy = load_policy(path)
    except ConfigError as exc:
        report.add(ERROR, "notify", str(path), str(exc))
        return None
    for name in policy.secrets():
        if name not in secrets:
            report.add(ERROR, "notify", str(path), _unset(name))
    for who, channel in owners(roster, org):
        for name in channel.secrets():
            if name not in secrets:
                report.add(ERROR, "notify", who, f"{channel.type}: {_unset(name)}")
        if channel.type == "email" and policy.smtp is None:
            report.add(ERROR, "notify", who, f"email to {channel.to}: {path} has no smtp "
                       "server; add smtp: {host, from}")  # fmt: skip
        if channel.type == "sms" and policy.sms is None:
            report.add(ERROR, "notify", who, f"sms to {channel.to}: {path} has no sms gateway; "
                       "add sms: {url, body}")  # fmt: skip
    return policy


def _unset(name: str) -> str:
    return (f"missing secret: GRIDOPS_SECRET_{name} is not set in the environment; set it "
            "where gridops runs (its value is never printed)")  # fmt: skip
