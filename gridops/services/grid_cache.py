"""The grid, read from its files once per content and mapped by every process (网格缓存).

A process asks :func:`load_grid_cached` for the grid: the SHA-256 of the grid's spec and layer
files and of gridops/grids' code names a pack in ``<data dir>/cache/`` (0700, file 0600,
:mod:`gridops.grids.packed`). When it is there and sound, the process maps it — a fraction of a
second and a fraction of the memory of reading the layers; otherwise the first process to come
reads the layers, writes the pack (others starting meanwhile wait for it under a lock) and maps
it. A pack that is refused (damaged, truncated, another format or content) is said once in the
log and made again. A change to any file of the grid or to the code makes a new key.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path

from gridops.datadir import open_private, private_dir
from gridops.grids import Grid, load_grid
from gridops.grids.packed import FORMAT, PackRefused, read_pack, write_pack
from gridops.grids.spec import read_spec
from gridops.services.cache_files import prune, used

log = logging.getLogger(__name__)

GRID_CODE = Path(__file__).resolve().parent.parent / "grids"


def grid_files(grid_path: Path) -> Iterator[Path]:
    """The grid's spec and every file of its layers (a shapefile's .dbf, .shx, .prj too)."""
    spec = read_spec(grid_path)
    yield spec.path
    for layer in (*spec.levels, *spec.overlays):
        file = layer.file if layer.file.is_absolute() else spec.path.parent / layer.file
        yield from sorted(file.parent.glob(f"{file.stem}.*"))


def hash_files(digest: hashlib._Hash, kind: str, paths: Iterator[Path] | list[Path]) -> None:
    """Add each file's kind, name and bytes to ``digest``."""
    for path in paths:
        digest.update(f"{kind}:{path.name}\0".encode())
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")


def grid_key(grid_path: Path) -> str:
    """SHA-256 over the grid's files, gridops/grids' source and the pack format."""
    digest = hashlib.sha256(f"gridpack:{FORMAT}\0".encode())
    hash_files(digest, "grid", grid_files(Path(grid_path)))
    hash_files(digest, "code", sorted(GRID_CODE.glob("*.py")))
    return digest.hexdigest()


def pack_file(data_dir: Path, key: str) -> Path:
    return Path(data_dir) / "cache" / f"grid-{key}.pack"


def load_grid_cached(grid_path: Path, data_dir: Path, key: str | None = None) -> Grid:
    """The grid of ``grid_path`` from its pack under ``data_dir`` (made first if needed).

    Raises ConfigError, as :func:`~gridops.grids.load_grid` does, for a grid with errors."""
    key = key or grid_key(grid_path)
    pack = pack_file(data_dir, key)
    grid = _read(pack, key, quiet=True)
    if grid is not None:
        used(pack)
        return grid
    private_dir(pack.parent)
    with open_private(pack.with_name(f"grid-{key}.lock"), append=True) as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # one process builds; the others wait
        grid = _read(pack, key, quiet=False)
        if grid is not None:
            return grid
        built = load_grid(grid_path)
        if grid_key(grid_path) != key:
            log.warning("the grid changed while it was read: not packed")
            return built
        write_pack(built, pack, key)
        log.info("grid packed for every process: %s", pack)
        prune(pack.parent, "grid-", ".pack")
    return _read(pack, key, quiet=False) or built


def _read(pack: Path, key: str, *, quiet: bool) -> Grid | None:
    """The packed grid, or None (missing; refused, said in the log unless ``quiet``: the
    caller looks again under the lock and says it then)."""
    try:
        return read_pack(pack, key)
    except FileNotFoundError:
        return None
    except (PackRefused, OSError) as exc:
        if not quiet:
            log.warning("grid pack %s refused (%s): making it again from the grid's files",
                        pack, exc)  # fmt: skip
        return None
