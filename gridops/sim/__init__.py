"""Synthetic incidents for `gridops simulate` and `gridops demo` (模拟上报). Pure: seed and
times are passed in; the caller feeds the incidents into the real pipeline."""

from gridops.sim.generator import Simulator
from gridops.sim.model import (
    DEFAULT_MIX,
    Incident,
    MixGroup,
    SimArea,
    SimCategory,
    SimParams,
)
from gridops.sim.pace import paced

__all__ = [
    "DEFAULT_MIX",
    "Incident",
    "MixGroup",
    "SimArea",
    "SimCategory",
    "SimParams",
    "Simulator",
    "paced",
]
