"""gridops.org.posts: the 网格员 posts made when asked for are the units the eager expansion
made, everywhere the org is read (units, localities, children, scopes, kinds, chains, the name
search), on the Pudong sample; and a template that would give two units one id is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridops.errors import ConfigError
from gridops.org.names import find_units
from gridops.org.orgchart import LOCALITY, OrgChart, load_org
from gridops.org.posts import Posts
from gridops.settings import DEFAULT_CONFIG_DIR, DEFAULT_GRID
from gridops.web.queries import _top_cells


@pytest.fixture(scope="module")
def orgs() -> tuple[OrgChart, OrgChart]:
    """(posts made when asked for, every unit made at load) from the shipped org.yaml."""
    from gridops.grids import load_grid

    grid = load_grid(DEFAULT_GRID)
    lazy = load_org(DEFAULT_CONFIG_DIR / "org.yaml", grid)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Posts, "split", staticmethod(lambda template: None))
        eager = load_org(DEFAULT_CONFIG_DIR / "org.yaml", grid)
    assert lazy.units.posts and not eager.units.posts
    return lazy, eager


def test_the_posts_are_the_units_made_at_load(orgs: tuple[OrgChart, OrgChart]) -> None:
    lazy, eager = orgs
    assert len(lazy.units) == len(eager.units) > 1000
    assert dict(lazy.units.items()) == dict(eager.units.items())
    assert dict(lazy.locality.items()) == dict(eager.locality.items())
    assert len(lazy.locality) == len(eager.locality)
    for kind in {u.kind for u in eager.units.values()}:
        assert sorted(u.id for u in lazy.of_kind(kind)) == sorted(u.id for u in eager.of_kind(kind))
    assert "gw-nowhere" not in lazy.units and "nowhere" not in lazy.locality
    assert "gw-" not in lazy.units and lazy.units.get("gw-") is None


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_chains_children_and_scopes_agree(
    orgs: tuple[OrgChart, OrgChart], data: st.DataObject
) -> None:
    lazy, eager = orgs
    ids = sorted(eager.units)
    picked = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=4))
    assert lazy.below(picked) == eager.below(picked)
    for unit in picked:
        assert lazy.up_chain(unit) == eager.up_chain(unit)
        assert sorted(lazy.children_of(unit)) == sorted(eager.children.get(unit, ()))
    assert lazy.below([lazy.centre]) == frozenset(ids)
    below = eager.below(picked)
    assert _top_cells(lazy, below) == _top_cells(eager, below)  # a scope's cells (web.queries)


@pytest.mark.parametrize(
    "typed",
    [
        "网格员", "310115005001", "gw-310115005001001", "GW-310115005001001", "post 3101",
        "陆家嘴", "5001001网格", "grid-worker POST 310115004", "单元 网格员", "市容所 xx", "9",
    ],
)  # fmt: skip
def test_the_name_search_finds_the_same_units(orgs: tuple[OrgChart, OrgChart], typed: str) -> None:
    lazy, eager = orgs
    found = find_units(lazy, typed, limit=30)
    assert found == find_units(eager, typed, limit=30)
    assert bool(found) == (typed != "市容所 xx")
    assert find_units(lazy, typed, kinds=[LOCALITY]) == find_units(eager, typed, kinds=[LOCALITY])


def test_two_units_with_one_id_are_refused(tmp_path: Path) -> None:
    """A level's posts whose ids another level's would take: the duplicate is named."""
    from gridops.org.gridview import PlainCell, PlainGrid

    grid = PlainGrid([PlainCell("31", 1, None, "甲"), PlainCell("3101", 2, "31", "乙")], levels=2)
    path = tmp_path / "org.yaml"
    path.write_text(
        "centre: {id: centre, zh: 中心}\nlocalities:\n"
        '  - {level: 1, id: "x-{code}01", zh: "甲{code}"}\n'
        '  - {level: 2, id: "x-{code}", zh: "乙{code}"}\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="duplicate unit id 'x-3101'"):
        load_org(path, grid)


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_any_piece_of_a_name_finds_the_same_units(
    orgs: tuple[OrgChart, OrgChart], data: st.DataObject
) -> None:
    lazy, eager = orgs
    unit = eager.units[data.draw(st.sampled_from(sorted(eager.units)))]
    text = data.draw(st.sampled_from([t for t in (unit.id, unit.zh, unit.en) if t]))
    start = data.draw(st.integers(0, len(text) - 1))
    piece = text[start : data.draw(st.integers(start + 1, len(text)))]
    piece = data.draw(st.sampled_from([piece, piece.upper(), f"{piece} {piece[:2]}"]))
    assert find_units(lazy, piece, limit=12) == find_units(eager, piece, limit=12)
