"""process_cached: the worker's heavy context is built once per process."""

from __future__ import annotations

from gridops.queue import process_cached


def test_built_once_then_reused_until_reset() -> None:
    built: list[int] = []

    @process_cached
    def context() -> dict[str, int]:
        built.append(1)
        return {"n": len(built)}

    assert context() is context()
    assert built == [1]
    context.reset()  # type: ignore[attr-defined]
    assert context()["n"] == 2
