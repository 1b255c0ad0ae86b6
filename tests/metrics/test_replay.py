"""What-if replay: workloads before/after and moved incidents."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gridops.metrics.replay import Incident, compare


def incidents(n: int) -> list[Incident]:
    return [Incident(str(i), "E0102", 121.5, 31.2) for i in range(n)]


def test_compare_by_hand():
    inc = incidents(4)
    r = compare(inc, ["u1", "u1", "u2", "u3"], ["u1", "u2", "u2", "u4"])
    assert r.moved == [("1", "u1", "u2"), ("3", "u3", "u4")]
    assert {u: (b, a) for u, b, a in r.workload} == {
        "u1": (2, 1), "u2": (1, 2), "u3": (1, 0), "u4": (0, 1)
    }  # fmt: skip
    assert r.to_dict()["moved"] == 2


units = st.sampled_from(["u1", "u2", "u3", "u4"])


@given(st.lists(st.tuples(units, units), max_size=60))
def test_workloads_are_conserved(pairs):
    inc = incidents(len(pairs))
    r = compare(inc, [b for b, _ in pairs], [a for _, a in pairs])
    assert sum(b for _, b, _ in r.workload) == sum(a for _, _, a in r.workload) == len(pairs)
    assert len(r.moved) == sum(1 for b, a in pairs if b != a)
