"""What the simulator takes (categories, areas, parameters) and what it yields (incidents)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class SimCategory:
    """A category as the simulator needs it (plain data, from the category config)."""

    code: str  # e.g. "E0102"
    kind: str  # "component" | "event"
    name: str  # e.g. "暴露垃圾"
    on_site_ok: bool = True  # a grid worker may fix it on the spot

    @property
    def class_code(self) -> str:
        """The 大类 code: kind letter + 2 digits, e.g. "E01"."""
        return self.code[:3]


@dataclass(frozen=True)
class SimArea:
    """A cell incidents fall in: its code and a shapely (Multi)Polygon in the grid's CRS."""

    code: str
    geometry: Any
    weight: float | None = None  # default: the polygon's area


@dataclass(frozen=True)
class MixGroup:
    """A share of all incidents spread over the categories of some 大类 classes."""

    label: str
    share: float
    classes: tuple[str, ...]  # () = every category no other group claims


#: The observed month of a Beijing district (85,111 cases), by group of 大类.
DEFAULT_MIX: tuple[MixGroup, ...] = (
    MixGroup("city appearance 市容环境", 0.652, ("E01",)),
    MixGroup("street order 街面秩序", 0.245, ("E05",)),
    MixGroup("advertising 宣传广告", 0.032, ("E02",)),
    MixGroup("public facilities 公用设施", 0.021, ("C01",)),
    MixGroup("construction 施工管理", 0.020, ("E03",)),
    MixGroup("other 其他", 0.030, ()),
)

#: How problems are discovered (信息收集), by Source value.
DEFAULT_SOURCES: tuple[tuple[str, float], ...] = (
    ("grid_worker", 0.45),
    ("inspector", 0.25),
    ("hotline", 0.18),
    ("public", 0.08),
    ("camera", 0.04),
)

#: Relative reporting intensity by local hour (patrols by day; quiet at night).
DAILY_CURVE: tuple[float, ...] = (
    0.15, 0.1, 0.1, 0.1, 0.15, 0.3, 0.6, 1.0, 1.6, 2.0, 2.0, 1.7,
    1.2, 1.4, 1.8, 1.9, 1.7, 1.4, 1.0, 0.8, 0.6, 0.45, 0.3, 0.2,
)  # fmt: skip

#: Relative intensity by weekday, Monday first.
WEEKLY_CURVE: tuple[float, ...] = (1.15, 1.1, 1.05, 1.05, 1.1, 0.8, 0.75)


@dataclass(frozen=True)
class SimParams:
    """Knobs of the synthetic stream; the defaults follow the reference's observations."""

    rate_per_hour: float = 60.0  # mean over the week
    hotspots: int = 8
    hotspot_share: float = 0.4  # of incidents drawn around a hot spot
    hotspot_sigma_m: float = 250.0
    on_site_rate: float = 0.9  # of grid workers' reports they can fix: fixed on the spot
    joint_rate: float = 0.1  # need joint enforcement (联合执法)
    return_rate: float = 0.05  # the first assignee returns it (退单)
    rework_rate: float = 0.08  # the check fails once (返工)
    accept_delay_median_s: float = 600.0
    handle_median_s: float = 7200.0
    timezone: str = "Asia/Shanghai"
    mix: tuple[MixGroup, ...] = DEFAULT_MIX
    sources: tuple[tuple[str, float], ...] = DEFAULT_SOURCES
    daily: tuple[float, ...] = DAILY_CURVE
    weekly: tuple[float, ...] = WEEKLY_CURVE

    def __post_init__(self) -> None:
        if not self.rate_per_hour > 0:
            raise ValueError(f"rate_per_hour must be > 0, got {self.rate_per_hour}")
        if len(self.daily) != 24 or len(self.weekly) != 7:
            raise ValueError("daily needs 24 hourly values and weekly 7 daily values")
        for name in ("hotspot_share", "on_site_rate", "joint_rate", "return_rate", "rework_rate"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be within 0..1, got {value}")


@dataclass(frozen=True)
class Incident:
    """One synthetic report and how the field staff will behave on it."""

    seq: int
    at: datetime  # timezone-aware, UTC
    lon: float
    lat: float
    cell: str  # the area it was drawn in
    category: str
    kind: str
    source: str
    description: str
    on_site_fix: bool  # the reporting grid worker fixes it on the spot (with evidence)
    needs_joint: bool
    accept_delay_s: float
    will_return: bool
    will_rework: bool
    handle_s: float
    hotspot: int | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
