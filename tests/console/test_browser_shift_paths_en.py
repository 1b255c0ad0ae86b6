"""The shift of test_browser_shift_paths.py in English: every page and the field app in
English, the same moves by clicks and typing (the unit typed by its English name), the same
outcomes read — on a server of its own (the module's), so the two shifts never meet."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Server
from .test_browser_shift_paths import shift

pytestmark = pytest.mark.slow


@pytest.mark.xfail(
    strict=False,
    reason="the same known race in the field app as the Chinese shift (a tap on 办结上报 right "
    "after the accept is confirmed is sometimes lost under the full suite's load)",
)
def test_every_path_of_a_shift_in_english(server: Server, browser: Any) -> None:
    shift(server, browser, "en")
