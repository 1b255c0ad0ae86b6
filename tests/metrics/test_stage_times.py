"""Stage-time statistics against numpy on small groups: the median is the true median (the
mean of the two middle values for an even count), p90 is nearest-rank (inverted_cdf)."""

from __future__ import annotations

import numpy as np
import pytest

from gridops.store import Store
from gridops.store.rollups import indicator_counts
from metrics.handset import LIMIT, T0, draft, m

SIZES = (1, 2, 3, 4, 5, 6)  # one unit per group size


def test_median_and_p90_agree_with_numpy(store: Store) -> None:
    rng = np.random.default_rng(7)
    minutes = {n: sorted(int(x) for x in rng.integers(1, 600, n)) for n in SIZES}
    made = store.create_tickets([draft(i) for n in SIZES for i in range(n)], now=T0)
    k = 0
    for n in SIZES:
        for delay in minutes[n]:
            store.transition(made[k].id, "dispatch", actor="t", role="system", now=m(delay),
                             owner_unit=f"unit-{n}", time_limit=LIMIT)  # fmt: skip
            k += 1
    groups = indicator_counts(store.engine, by="unit", start=m(-60), end=m(6000), as_of=m(6000))
    got = {g.key: g.stages["report_to_dispatch"] for g in groups}
    for n in SIZES:
        s = np.array(minutes[n], dtype=float) * 60
        stage = got[f"unit-{n}"]
        assert stage.n == n
        assert stage.median == pytest.approx(float(np.median(s)), abs=0.01)
        p90 = float(np.percentile(s, 90, method="inverted_cdf"))
        assert stage.p90 == pytest.approx(p90, abs=0.01)
    six = np.array(minutes[6], dtype=float) * 60
    assert got["unit-6"].median == pytest.approx((six[2] + six[3]) / 2, abs=0.01)
