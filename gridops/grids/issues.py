"""Findings about a grid's spec and data: errors stop a load; `grid check` reports them all."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One finding: what (kind), where (file, place in a spec, feature index, code) and how
    much (value)."""

    severity: Severity
    kind: str
    message: str
    file: str = ""
    feature: int | None = None
    code: str = ""
    value: float | None = None
    place: str = ""  # in grid.yaml: "levels[2]", "overlays[0]", "top level"

    def line(self) -> str:
        """One human line: ``file: place: feature N (code C): message``."""
        where = self.file or "grid"
        if self.place:
            where += f": {self.place}"
        if self.feature is not None:
            where += f": feature {self.feature}"
        if self.code:
            where += f" (code {self.code})"
        return f"{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
