"""gridops.web.gzip_cache: each key made once while kept, its gzip the body's, the oldest
dropped past the byte budget (never the newest), the size it reports the bytes it holds."""

from __future__ import annotations

import gzip

from hypothesis import given
from hypothesis import strategies as st

from gridops.web.gzip_cache import GzipCache


@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 300)), max_size=40), st.integers(1, 2000)
)
def test_kept_answers_follow_a_plain_model(asks: list[tuple[int, int]], budget: int) -> None:
    cache = GzipCache(budget)
    made: list[int] = []
    model: list[int] = []  # keys, oldest first
    sizes: dict[int, int] = {}
    for key, length in asks:
        body, packed = cache.get(key, lambda k=key, n=length: made.append(k) or bytes([k]) * n)
        assert gzip.decompress(packed) == body
        if key in model:
            model.remove(key)
        else:
            assert made[-1] == key  # made now: it was not kept
            sizes[key] = len(body) + len(packed)
        model.append(key)
        while sum(sizes[k] for k in model) > budget and len(model) > 1:
            model.pop(0)
        assert len(cache) == len(model) and cache.size == sum(sizes[k] for k in model)
