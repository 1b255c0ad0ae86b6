"""One unit that can own a ticket, and the kinds of unit."""

from __future__ import annotations

from dataclasses import dataclass

CENTRE = "centre"
LOCALITY = "locality"
DEPARTMENT = "department"
BRANCH = "branch"
JOINT_GROUP = "joint_group"
OVERLAY_OWNER = "overlay_owner"


@dataclass(frozen=True, slots=True)
class Unit:
    """One unit that can own a ticket."""

    id: str
    kind: str  # one of the module constants above
    zh: str
    en: str
    parent: str | None  # the unit one level up (escalation's "hand up")
    cell: str | None = None  # the grid cell it is responsible for (localities, branches, owners)
    level: int | None = None  # the cell's level (0 for overlays)
    department: str | None = None  # the department a branch belongs to
    field_staff: bool = False
    members: tuple[str, ...] = ()  # joint-enforcement group members
    lead: str | None = None

    @property
    def label(self) -> str:
        return f"{self.id} {self.zh}"
