"""Free text (gridops/text.py): control characters and lone surrogates refused by name, bidi
controls removed, everything else kept as typed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridops.errors import UserError
from gridops.text import BIDI_CONTROLS, forbidden, free_text, strip_bidi

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_bidi_controls_are_removed_and_right_to_left_letters_kept() -> None:
    assert strip_bidi(f"a{BIDI}b") == "ab"
    assert free_text("井盖\u202e缺失 שלום \u200f", "reason") == "井盖缺失 שלום \u200f"
    assert free_text("line one\nline two\ttab\r\n", "note") == "line one\nline two\ttab\r\n"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a\x00b", "control character U+0000"),
        ("bell\x07", "control character U+0007"),
        ("del\x7f", "control character U+007F"),
        ("c1\x85", "control character U+0085"),
        ("\ud800", "lone surrogate U+D800"),
        ("x\udfff", "lone surrogate U+DFFF"),
        ("\uffff", "non-character U+FFFF"),
    ],
)
def test_what_cannot_be_stored_is_refused_by_name(text: str, problem: str) -> None:
    assert forbidden(text) == problem
    with pytest.raises(UserError) as err:
        free_text(text, "reason")
    assert str(err.value) == f"reason contains {problem}; remove it"


@given(st.text())
def test_what_is_kept_can_be_stored_and_holds_no_bidi_control(text: str) -> None:
    try:
        kept = free_text(text, "description")
    except UserError:
        assert forbidden(text) is not None
        return
    kept.encode("utf-8")  # a lone surrogate would raise here
    assert not BIDI_CONTROLS.search(kept) and len(kept) <= len(text)
