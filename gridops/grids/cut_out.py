"""Write a subdivided grid (`gridops grid subdivide`): three GeoJSON layers and their spec."""

from __future__ import annotations

import os
from pathlib import Path

from gridops.grids.geojson_out import write_features
from gridops.grids.pudong import Features

SPEC = """\
# Level 1 from your boundaries; levels 2 and 3 cut by `gridops grid subdivide` (Voronoi
# cells nesting exactly). Next: gridops grid check {out}; gridops init --grid {out} --out config
name: {name}
crs: {crs}
levels:
  - {{level: 1, file: level1.geojson, code: "{{code}}", name: "{{name}}", owner: "sc-{{code}}"}}
  - {{level: 2, file: level2.geojson, code: "{{code}}", name: "{{name}}", parent: "{{parent}}",
     owner: "ws-{{code}}"}}
  - {{level: 3, file: level3.geojson, code: "{{code}}", name: "{{name}}", parent: "{{parent}}",
     owner: "gw-{{code}}"}}
"""


def write_cut_grid(
    out: Path, levels: tuple[Features, Features, Features], *, name: str, crs: str
) -> dict[str, int]:
    """Write the layers and grid.yaml into ``out``; returns the number of cells per file."""
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for k, features in enumerate(levels, start=1):
        counts[f"level{k}.geojson"] = write_features(
            out / f"level{k}.geojson", features, f"level{k}"
        )
    tmp = out / "grid.yaml.tmp"
    tmp.write_text(SPEC.format(name=name, crs=crs, out=out), encoding="utf-8")
    os.replace(tmp, out / "grid.yaml")
    return counts
