"""The shift of test_browser_shift_paths.py in English: every page and the field app in
English, the same moves by clicks and typing (the unit typed by its English name), the same
outcomes read — on a server of its own (the module's), so the two shifts never meet."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Server
from .test_browser_shift_paths import shift

pytestmark = pytest.mark.slow


def test_every_path_of_a_shift_in_english(server: Server, browser: Any) -> None:
    shift(server, browser, "en")
