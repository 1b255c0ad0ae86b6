"""What the ticket page (案卷详情) shows, built from the services for one reader: the facts in
their language, the timeline with every reason, note, approval and photo of each step, photos
before and after, the routing decision (or, for a ticket not routed yet, what routing would
decide now), and the forms' starting values — the suggested unit and person, the escalation
group the category's joint group suggests."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from gridops.org.categories import escalation_group
from gridops.org.names import unit_name
from gridops.org.unit import JOINT_GROUP
from gridops.services.desk import Person
from gridops.tickets.model import Status, Ticket
from gridops.web.api.common import event_out
from gridops.web.console.explain import Speaker, code, content
from gridops.web.permissions import Principal
from gridops.web.state import WebState

STORED = re.compile(r"^[0-9a-f]{64}\.(jpg|png)$")
EXTERNAL = re.compile(r"^https?://\S+$")
#: Statuses a dispatcher dispatches from: routing has not decided (or was sent back).
UNROUTED = frozenset({Status.REPORTED, Status.VERIFYING, Status.VERIFIED, Status.RETURNED})


@dataclass(frozen=True)
class Photo:
    """A photo reference: a stored photo (a thumbnail), an outside link (Open311 media_url:
    a link, never fetched), or a name with no stored file (e.g. the simulator's)."""

    ref: str

    @property
    def kind(self) -> str:
        if STORED.match(self.ref):
            return "stored"
        return "external" if EXTERNAL.match(self.ref) else "missing"

    @property
    def url(self) -> str:
        return f"/console/media/{self.ref}" if self.kind == "stored" else self.ref


def photos(refs: Any) -> list[Photo]:
    """Each reference once, in order."""
    return [Photo(r) for r in dict.fromkeys(str(r) for r in refs or () if r)]


@dataclass
class Entry:
    """One row of the timeline."""

    seq: int
    type: str
    to_status: str
    actor: Markup
    at: str
    details: list[tuple[str, Markup]] = field(default_factory=list)
    photos: list[Photo] = field(default_factory=list)
    #: a done's photos before the work (the rest, ``photos``, are after it): labelled apart
    photos_before: list[Photo] = field(default_factory=list)


def _said(say: Speaker, text: Any, system: bool) -> Markup:
    """A reason or note: a system's in the reader's language, a person's as they typed it."""
    return say.reason(str(text)) if system else content(str(text))


def entry(
    say: Speaker, event: dict[str, Any], ticket: Ticket, numbers: Mapping[str, str] | None = None
) -> Entry:
    """A timeline row with what the step said: reason, note, approval, unit, person, group,
    time limit, satisfaction, evidence."""
    t = say.t
    payload = event.get("payload") or {}
    given, changes = payload.get("fields") or {}, payload.get("changes") or {}
    system = event.get("role") == "system"
    row = Entry(event["seq"], event["type"], event.get("to_status") or "",
                say.actor(event["actor"], event.get("role", "")), event["at"])  # fmt: skip
    details = row.details
    for key, label in (("reason", "reason_of"), ("note", "note_of")):
        if given.get(key):
            details.append((t(label), _said(say, given[key], system)))
    if changes.get("last_reason") and not given.get("reason"):
        details.append((t("reason_of"), _said(say, changes["last_reason"], system)))
    if changes.get("handling_note") and not given.get("note"):
        details.append((t("note_of"), content(changes["handling_note"])))
    if given.get("approval"):
        details.append((t("approval_of"), content(given["approval"])))
    if given.get("amount") is not None and ticket.clock.limit is not None:
        unit = t(f"limit.{ticket.clock.limit.clock.value}")
        details.append((t("extended_by"), Markup("{} {}").format(given["amount"], unit)))
    if event["type"] != "report":
        if changes.get("owner_unit"):
            details.append((t("to_unit"), say.unit(changes["owner_unit"])))
        if changes.get("assignee"):
            unit = changes.get("owner_unit") or ticket.owner_unit
            details.append((t("to_person"), say.person(unit, changes["assignee"])))
        limit = (changes.get("clock") or {}).get("limit") if event["type"] == "dispatch" else None
        if limit:
            details.append((t("limit_of"), Markup("{} {}").format(
                f"{limit['amount']:g}", t(f"limit.{limit['clock']}"))))  # fmt: skip
    if given.get("group"):
        details.append((t("joint_group"), say.unit(given["group"])))
    if changes.get("satisfaction"):
        details.append((t("satisfaction"), Markup(str(changes["satisfaction"]))))
    if changes.get("duplicate_of"):  # an internal id: the case number, linked, where known
        other = (numbers or {}).get(changes["duplicate_of"])
        details.append((t("duplicate_of_id"), Markup('<a href="/console/tickets/{}">{}</a>').format(
            other, code(other)) if other else code(changes["duplicate_of"])))  # fmt: skip
    if changes.get("routing") and event["type"] == "dispatch":
        details.append((t("routing"), Markup('<a href="#routing">{}</a>').format(t("routed_see"))))
    row.photos_before = photos(given.get("evidence_before"))
    taken_before = {p.ref for p in row.photos_before}
    row.photos = [p for p in photos([*(changes.get("media") or ()), *(given.get("evidence") or ()),
                  *(changes.get("evidence") or ())]) if p.ref not in taken_before]  # fmt: skip
    return row


def timeline(
    say: Speaker,
    me: Principal,
    events: list[Any],
    ticket: Ticket,
    numbers: Mapping[str, str] | None = None,
) -> list[Entry]:
    """The timeline's entries; ``numbers``: case numbers of the tickets it names by id."""
    return [entry(say, event_out(me, e), ticket, numbers) for e in events]


@dataclass
class Routing:
    """The routing decision as the page shows it (``suggested``: not written, a preview)."""

    suggested: bool
    rule: Markup
    reasons: list[Markup]
    assignment: list[Markup]
    candidates: list[tuple[str, Markup]]
    owner: str
    assignee: str
    joint_group: str | None
    manual: bool


def routing_of(say: Speaker, decided: dict[str, Any], suggested: bool) -> Routing | None:
    if not decided:
        return None
    return Routing(
        suggested=suggested,
        rule=code(decided.get("rule_id") or ""),
        reasons=[say.reason(r) for r in decided.get("reasons") or ()],
        assignment=[say.reason(r) for r in decided.get("assignment") or ()],
        candidates=[(c, say.unit(c)) for c in decided.get("candidates") or ()],
        owner=decided.get("owner_unit") or "",
        assignee=decided.get("assignee") or "",
        joint_group=decided.get("joint_group"),
        manual=bool(decided.get("manual")),
    )


def decision(state: WebState, ticket: Ticket) -> tuple[dict[str, Any], bool]:
    """The ticket's routing decision, or — not routed yet (or sent back) — what routing would
    decide now (True: a suggestion, nothing written)."""
    from gridops.services.routing import suggestion

    if ticket.status in UNROUTED and ticket.cells:
        return suggestion(state.ctx, ticket, state.now()), True
    return dict(ticket.routing or {}), False


def groups(say: Speaker, ticket: Ticket, decided: dict[str, Any]) -> tuple[list[Any], str]:
    """The joint-enforcement groups by name in the reader's language, and the one to
    preselect: the routing decision's or the category's (none when neither has one)."""
    org = say.ops.org
    found = sorted(org.of_kind(JOINT_GROUP),
                   key=lambda u: unit_name(u, say.lang).text)  # fmt: skip
    category = say.ops.taxonomy.categories.get(ticket.category)
    return found, escalation_group(category, decided.get("joint_group")) or ""


@dataclass
class Forms:
    """Starting values of the action forms, and what a refused form had typed."""

    unit: str = ""  # the dispatch form's unit, by name
    people: list[Person] = field(default_factory=list)
    person: str = ""
    failed: str = ""
    typed: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def value(self, form: str, name: str, default: str = "") -> str:
        """What the form shows in field ``name``: what was typed when it was refused."""
        return self.typed.get(name, default) if form == self.failed else default
