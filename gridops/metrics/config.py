"""config/indicators.yaml: composite score terms and weights, count bands, grades, minimum n.

Strict: an unknown key, a wrong type or an unknown indicator is a ConfigError naming the file,
the key path and the value.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gridops.metrics.indicators import BY_NAME
from gridops.yamlconfig import Node, read_yaml

COUNT_SCORE = "count_score"


@dataclass(frozen=True)
class Term:
    """One weighted term of the composite score."""

    term: str  # "count_score" or an indicator name
    weight: float
    invert: bool = False


@dataclass(frozen=True)
class Band:
    """Count score ``score`` for groups of at most ``max`` tickets (None: no upper bound)."""

    max: int | None
    score: float


@dataclass(frozen=True)
class IndicatorConfig:
    """How indicators are judged and scored."""

    dispatch_limit_minutes: float = 30.0
    satisfied_min: int = 4
    terms: tuple[Term, ...] = ()
    count_bands: tuple[Band, ...] = (Band(None, 100.0),)
    grades: tuple[tuple[str, float], ...] = (("A", 90.0), ("E", 0.0))
    min_n: int = 30


def load_indicator_config(path: Path | str) -> IndicatorConfig:
    """Read and check indicators.yaml."""
    path = Path(path)
    root = Node(read_yaml(path), path).mapping(
        {"dispatch_limit_minutes", "satisfied_min", "composite"}, required={"composite"}
    )
    satisfied = root.number("satisfied_min", 4)
    if satisfied != int(satisfied) or not 1 <= satisfied <= 5:
        raise root.error(f"must be a whole number from 1 to 5, got {satisfied!r}", "satisfied_min")
    comp = root.child("composite").mapping(
        {"terms", "count_bands", "grades", "min_n"}, required={"terms", "count_bands", "grades"}
    )
    min_n = comp.number("min_n", 30)
    if min_n != int(min_n):
        raise comp.error(f"must be a whole number, got {min_n!r}", "min_n")
    return IndicatorConfig(
        dispatch_limit_minutes=root.number("dispatch_limit_minutes", 30),
        satisfied_min=int(satisfied),
        terms=_terms(comp.child("terms")),
        count_bands=_bands(comp.child("count_bands")),
        grades=_grades(comp.child("grades")),
        min_n=int(min_n),
    )


def _terms(node: Node) -> tuple[Term, ...]:
    terms = []
    for item in node.seq():
        item.mapping({"term", "weight", "invert"}, required={"term", "weight"})
        name = item.choice("term", [COUNT_SCORE, *BY_NAME])
        terms.append(Term(name, item.number("weight"), item.flag("invert", False)))
    if not terms:
        raise node.error("needs at least one term")
    total = sum(t.weight for t in terms)
    if abs(total - 1.0) > 1e-6:
        raise node.error(f"weights must add up to 1, they add up to {total:g}")
    return tuple(terms)


def _bands(node: Node) -> tuple[Band, ...]:
    bands: list[Band] = []
    items = node.seq()
    for i, item in enumerate(items):
        item.mapping({"max", "score"}, required={"score"})
        score = item.number("score", positive=False)
        if not 0 <= score <= 100:
            raise item.error(f"must be from 0 to 100, got {score!r}", "score")
        last = i == len(items) - 1
        if last and item.has("max"):
            raise item.error("the last band takes no max (it holds every larger count)", "max")
        if not last and not item.has("max"):
            raise item.error("missing required key 'max' (only the last band has none)")
        top = None if last else item.number("max", positive=False)
        if top is not None and (top != int(top) or (bands and top <= (bands[-1].max or 0))):
            raise item.error(f"must be a whole number above the band before, got {top!r}", "max")
        bands.append(Band(None if top is None else int(top), score))
    if not bands:
        raise node.error("needs at least one band")
    return tuple(bands)


def _grades(node: Node) -> tuple[tuple[str, float], ...]:
    grades: list[tuple[str, float]] = []
    for item in node.seq():
        item.mapping({"grade", "min"}, required={"grade", "min"})
        low = item.number("min", positive=False)
        if grades and low >= grades[-1][1]:
            raise item.error(f"grades go top down: {low!r} must be below {grades[-1][1]!r}", "min")
        grades.append((item.text("grade"), low))
    if not grades or grades[-1][1] > 0:
        raise node.error("the last grade must have min 0, so that every score gets one")
    return tuple(grades)


REPO_CONFIG = Path(__file__).resolve().parents[2] / "config" / "indicators.yaml"
