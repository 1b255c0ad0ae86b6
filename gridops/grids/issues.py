"""Findings about a grid's data: errors stop a load, warnings are reported by `grid check`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One finding: what (kind), where (file, feature index, code) and how much (value)."""

    severity: Severity
    kind: str
    message: str
    file: str = ""
    feature: int | None = None
    code: str = ""
    value: float | None = None

    def line(self) -> str:
        """One human line: ``file: feature N (code C): message``."""
        where = self.file or "grid"
        if self.feature is not None:
            where += f": feature {self.feature}"
        if self.code:
            where += f" (code {self.code})"
        return f"{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
