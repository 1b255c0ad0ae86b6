"""RoutingDecision is stored on the ticket as JSON: it must round-trip exactly."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from gridops.org import OpsConfig, RoutingDecision, RoutingFacts, route


@given(data=st.data())
def test_decision_round_trips_through_json(
    config: OpsConfig, facts: st.SearchStrategy[RoutingFacts], data: st.DataObject
) -> None:
    decision = route(config, data.draw(facts))
    stored = json.dumps(decision.to_dict(), ensure_ascii=False)
    again = RoutingDecision.from_dict(json.loads(stored))
    assert again == decision
    assert again.to_dict() == decision.to_dict()


def test_facts_normalise_their_inputs() -> None:
    from datetime import datetime

    f = RoutingFacts(
        "E0102",
        ["310115005", "", ""],  # type: ignore[arg-type]
        [["devzone", "zhangjiang"]],  # type: ignore[list-item]
        source="hotline",  # type: ignore[arg-type]
        local_time=datetime(2026, 1, 1, 23, 5),  # type: ignore[arg-type]
        returned_by={"gw-1"},  # type: ignore[arg-type]
    )
    assert f.cells == ("310115005",)
    assert f.overlays == (("devzone", "zhangjiang"),)
    assert f.local_time is not None and f.local_time.hour == 23
    assert f.returned_by == frozenset({"gw-1"})
