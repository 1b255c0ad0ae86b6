"""Photos before and after the work: a done keeps the photos taken before apart in its event,
the ticket's evidence holds both, and the page's split reads back what was given."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gridops.tickets import rebuild
from gridops.tickets.evidence import before_after
from tickets.test_workflow import DISPATCH, walk

REFS = st.lists(st.sampled_from([f"p{i}.jpg" for i in range(8)]), max_size=4, unique=True)


@given(media=REFS, before=REFS, after=REFS, onsite=st.booleans())
def test_the_split_reads_back_what_the_done_was_given(media, before, after, onsite) -> None:
    done = {"note": "cleaned", "evidence": after} | ({"evidence_before": before} if before else {})
    steps = (
        [("onsite_resolve", "grid_worker", done)]
        if onsite
        else [DISPATCH, ("accept", "field_staff", {}), ("handle", "field_staff", done)]
    )
    t, events = walk(steps, media=tuple(media))
    assert set(t.evidence) == set(before) | set(after)  # the ticket's evidence holds both
    assert rebuild(events) == t
    was_before, was_after = before_after(t, events)
    assert was_before == list(dict.fromkeys([*media, *before]))
    assert was_after == [p for p in dict.fromkeys([*before, *after]) if p not in was_before]
    assert ("evidence_before" in events[-1].payload["fields"]) == bool(before)


def test_a_done_without_photos_before_counts_all_as_after() -> None:
    t, events = walk([DISPATCH, ("accept", "field_staff", {}),
                      ("handle", "field_staff", {"note": "ok", "evidence": ["a.jpg", "b.jpg"]})],
                     media=("r.jpg",))  # fmt: skip
    assert before_after(t, events) == (["r.jpg"], ["a.jpg", "b.jpg"])
    assert events[-1].payload["fields"] == {"note": "ok"}  # evidence recorded once, as a change
