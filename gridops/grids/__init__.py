"""gridops.grids: nested grid cells (1 街镇 sub-district/town, 2 居村 community, 3 单元网格 unit
cell), overlays, import and validation, and exact point location."""

from gridops.grids.load import load_grid, read_grid
from gridops.grids.model import LEVEL_NAMES, Cell, Grid, Location

__all__ = ["LEVEL_NAMES", "Cell", "Grid", "Location", "load_grid", "read_grid"]
