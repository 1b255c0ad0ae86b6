"""The totality proof behind ``gridops config check``: every level-3 cell × category has an
owner; every rule that can match it leads to existing units, a deadline, an escalation that
ends at real units and returns (退单) that end at the last resort (check_paths.py); plus the
reports a deployer needs (units with no staff, departments with no coverage, rules that can
never match, escalation cycles, overlays with no owner).

Errors make ``load_ops_config`` refuse the config; warnings are for the deployer to read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from gridops.org.check_paths import examples as _examples
from gridops.org.check_paths import path_problems
from gridops.org.engine import PlainOwner, plain_owner, shape, static_ok
from gridops.org.gridview import codes_and_parents
from gridops.org.orgchart import BRANCH, DEPARTMENT, JOINT_GROUP

if TYPE_CHECKING:
    from gridops.org.config import OpsConfig

ERROR = "error"
CellRow = tuple[str, tuple[str, ...]]  # a level-3 cell's code and lineage
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One line of the report."""

    severity: str  # error | warning
    check: str  # totality, shadowed-rule, escalation-cycle, overlay-owner, coverage, staff, …
    subject: str
    message: str


@dataclass
class CheckReport:
    """All findings and a few counts."""

    findings: list[Finding] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, severity: str, check: str, subject: str, message: str) -> None:
        self.findings.append(Finding(severity, check, subject, message))

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> CheckReport:
        """The report :meth:`to_dict` gave."""
        return cls([Finding(**f) for f in raw["findings"]], dict(raw["stats"]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "stats": self.stats,
            "findings": [asdict(f) for f in self.findings],
        }


def check_config(config: OpsConfig, *, staffed_units: Collection[str] | None = None) -> CheckReport:
    """Prove totality and report problems. ``staffed_units`` (from the roster) enables the
    units-with-no-staff report; None skips it."""
    report = CheckReport()
    owned = _totality(config, report)
    _paths(config, report)
    _rules(config, report)
    _cycles(config, report)
    _overlays(config, report)
    _coverage(config, report)
    _grid_owners(config, report)
    if staffed_units is not None:
        _staff(config, report, {u for u in owned if u in config.org.units}, set(staffed_units))
    else:
        report.stats["staff_checked"] = False
    return report


def owners_of(config: OpsConfig) -> tuple[dict[str, int], Counter[str], list[str]]:
    """Every level-3 cell × category's owner, counted: (owner → pairs it owns, last-resort
    pairs per category, pairs whose owner is not a unit). The owner is the designated one of
    the rule certain to match, or the last resort. Rows sharing their entries are taken
    together, categories of one shape under one rule too (engine.shape), and each is decided
    once per distinct value of the lineage positions its owner reads (engine.plain_owner), not
    once per cell: at 120 k cells most categories are decided per level-2 cell."""
    categories = config.taxonomy.categories
    owned: Counter[str] = Counter()
    last_resort: Counter[str] = Counter()
    missing: list[str] = []
    groups: dict[int, tuple[Any, list[CellRow]]] = {}
    for code, row in config.table.rows().items():
        groups.setdefault(id(row.entries), (row.entries, []))[1].append((code, row.cells))
    decided: dict[tuple[int, PlainOwner | None], tuple[Counter[str], int, list[str]]] = {}
    for entries, rows in groups.values():
        by_value: dict[tuple[int, ...], dict[tuple[str, ...], list[CellRow]]] = {}
        alike: dict[tuple[object, ...], list[str]] = {}  # one rule, one shape: one owner map
        for cat, entry in entries.items():
            alike.setdefault((id(entry.rule), *shape(categories[cat])), []).append(cat)
        for cats in alike.values():
            plain = plain_owner(config, entries[cats[0]].rule, categories[cats[0]])
            at = plain.at if plain is not None else ()
            if at not in by_value:
                index: dict[tuple[str, ...], list[CellRow]] = {}
                for item in rows:
                    index.setdefault(tuple(item[1][i] for i in at), []).append(item)
                by_value[at] = index
            key = (id(rows), plain)
            if key not in decided:
                decided[key] = _decide(config, plain, by_value[at])
            counted, fallen, wrong = decided[key]
            for owner, n in counted.items():
                owned[owner] += n * len(cats)
            for cat in cats:
                if fallen:
                    last_resort[cat] += fallen
                missing += [f"{code}×{cat}" for code in wrong]
    return owned, last_resort, missing


def _decide(
    config: OpsConfig, plain: PlainOwner | None, index: dict[tuple[str, ...], list[CellRow]]
) -> tuple[Counter[str], int, list[str]]:
    """The owners under ``plain`` of the level-3 cells ``index`` holds (by the value of the
    positions ``plain`` reads), counted: (owner → cells, cells left to the last resort, codes
    whose owner is not a unit)."""
    org = config.org
    counted: Counter[str] = Counter()
    wrong: list[str] = []
    if plain is None:  # the last resort: the level-1 cell's sub-centre, else the centre
        rows = [row for members in index.values() for row in members]
        for code, cells in rows:
            fallback = org.locality.get(cells[0], org.centre)
            counted[fallback] += 1
            if fallback not in org.units:
                wrong.append(code)
        return counted, len(rows), wrong
    for members in index.values():
        owner = plain.of(config, members[0][1])
        counted[owner] += len(members)
        if owner not in org.units:
            wrong += [code for code, _ in members]
    return counted, 0, wrong


def _totality(config: OpsConfig, report: CheckReport) -> dict[str, int]:
    """Every level-3 cell × category has an owner that exists: the designated one of the rule
    certain to match, or the last resort (counted, as a warning per category). Returns the
    owners, counted (for the staff report)."""
    org = config.org
    entries = config.table.compile_all()
    categories = config.taxonomy.categories
    owned, last_resort, missing = owners_of(config)
    owners: Counter[str] = Counter()
    for unit, n in owned.items():
        if unit in org.units:
            owners[org.units[unit].kind] += n
    orphans = config.table.orphans()
    if orphans:
        report.add(
            WARNING,
            "orphan-cells",
            f"{len(orphans)} level-{config.grid.levels} cells",
            f"in no cell of some level above (e.g. {_examples(orphans)}): a ticket there is "
            "placed by level with a gap and goes to its level-1 sub-centre (属地兜底); "
            "fix the layers (gridops grid check) if these cells should nest",
        )
    report.stats["orphan_cells"] = len(orphans)
    for level in range(1, config.grid.levels + 1):
        cells = codes_and_parents(config.grid, level)
        lacking = [code for code, _ in cells if org.locality.get(code) not in org.units]
        if lacking:
            why = " (the last resort: 属地兜底, and where returns 退单 end)" if level == 1 else ""
            report.add(
                ERROR,
                "totality",
                f"level-{level} cells",
                f"no locality unit{why}: {_examples(lacking)}; add a level-{level} template "
                "under localities in org.yaml",
            )
    if missing:
        report.add(
            ERROR,
            "totality",
            f"{len(missing)} cell × category pairs",
            f"owner is not a unit: {_examples(missing)}",
        )
    for cat, n in sorted(last_resort.items()):
        report.add(
            WARNING,
            "last-resort",
            cat,
            f"{categories[cat].label}: no designated unit in {n} cells; the sub-centre assigns "
            "by hand (末位责任制)",
        )
    report.stats.update(
        level3_cells=len(codes_and_parents(config.grid, config.grid.levels)),
        categories=len(categories),
        entries=entries,
        units=len(org.units),
        owners_by_kind=dict(sorted(owners.items())),
        rules=len(config.rules.all),
    )
    return owned


def _paths(config: OpsConfig, report: CheckReport) -> None:
    """Every rule that can match, not only the certain one: units, deadline, escalation,
    joint group, returns (see check_paths)."""
    paths, problems = path_problems(config)
    for check, subject, message in problems:
        report.add(ERROR, check, subject, message)
    starts = (paths.starts(config, policy) for policy in paths.owners)
    report.stats["escalation_owners"] = len(set().union(*starts))


def _rules(config: OpsConfig, report: CheckReport) -> None:
    """Rules that can never match: shadowed by earlier ones, or matching no cell × category."""
    used: set[str] = set()
    rows = config.table.rows()
    distinct = {id(row.entries): row.entries for row in rows.values()}  # rows share entries
    for entries in distinct.values():
        for entry in entries.values():
            used.add(entry.rule.id)
            used.update(r.id for r in entry.residual)
    for rule in config.rules.rules:
        if rule.id in used:
            continue
        shadow = None
        for row in rows.values():
            for cat, entry in row.entries.items():
                if static_ok(rule.match, config.taxonomy.categories[cat], row.cells):
                    shadow = entry.rule.id
                    break
            if shadow:
                break
        why = (
            f"shadowed by earlier rule {shadow!r} (first match wins)"
            if shadow
            else "matches no level-3 cell × category"
        )
        report.add(WARNING, "dead-rule", rule.id, f"can never match: {why}")


def _cycles(config: OpsConfig, report: CheckReport) -> None:
    for cycle in config.org.up_cycles():
        path = " → ".join([*cycle, cycle[0]])
        report.add(ERROR, "escalation-cycle", cycle[0], f"'hand up' loops: {path}")


def _overlays(config: OpsConfig, report: CheckReport) -> None:
    for layer, cells in sorted(config.grid.overlays.items()):
        for cell in cells:
            if (layer, cell.code) not in config.org.overlay_owners:
                report.add(
                    ERROR,
                    "overlay-owner",
                    f"{layer}/{cell.code}",
                    "overlay cell has no owner unit in org.yaml overlay_owners",
                )


def _coverage(config: OpsConfig, report: CheckReport) -> None:
    org = config.org
    level1 = {c.code for c in config.grid.cells_at(1)}
    used = {d for c in config.taxonomy.categories.values() for d in c.departments}
    used |= {str(t.arg) for r in config.rules.all for t in r.targets if t.kind == "branch"}
    used |= {m for g in org.of_kind(JOINT_GROUP) for m in g.members}
    for dept in org.of_kind(DEPARTMENT):
        covered = {u.cell for u in org.of_kind(BRANCH) if u.department == dept.id}
        if not covered:
            report.add(
                WARNING,
                "coverage",
                dept.id,
                "no branches cover any level-1 cell: its tickets go to headquarters",
            )
        elif level1 - covered:
            report.add(
                WARNING,
                "coverage",
                dept.id,
                f"no branch in {len(level1 - covered)} level-1 cells: "
                f"{_examples(level1 - covered)} (headquarters takes those)",
            )
        if dept.id not in used:
            report.add(WARNING, "coverage", dept.id, "no category or rule routes to it")


def _grid_owners(config: OpsConfig, report: CheckReport) -> None:
    unknown = [
        c.code
        for c in config.grid.cells.values()
        if c.owner_unit and c.owner_unit not in config.org.units
    ]
    if unknown:
        report.add(
            WARNING,
            "grid-owner",
            f"{len(unknown)} cells",
            f"the grid names an owner_unit org.yaml does not define: {_examples(unknown)}",
        )


def _staff(config: OpsConfig, report: CheckReport, owners: set[str], staffed: set[str]) -> None:
    """Units that own tickets in the table but have nobody on the roster."""
    unstaffed = owners - staffed
    by_kind: dict[str, list[str]] = {}
    for unit in unstaffed:
        by_kind.setdefault(config.org.units[unit].kind, []).append(unit)
    for kind, units in sorted(by_kind.items()):
        report.add(
            WARNING,
            "staff",
            f"{len(units)} {kind} units",
            f"own tickets but have no staff on the roster: {_examples(units)}",
        )
    report.stats["staff_checked"] = True
