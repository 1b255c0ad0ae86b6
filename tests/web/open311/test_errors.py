"""Open311 errors carry only the spec's codes and say what to do."""

from __future__ import annotations

import pytest

from gridops.web.open311.errors import (
    Open311Error,
    bad_request,
    invalid_api_key,
    not_found,
    outside_grid,
)


def test_helpers_name_value_and_code() -> None:
    assert bad_request("x").code == 400
    assert not_found("service_code", "99").description == "service_code '99' not found"
    assert invalid_api_key().code == 403 and "api_key is not valid" in invalid_api_key().description
    e = outside_grid(40.0, 116.4, "pudong")
    assert e.code == 400
    assert e.description.startswith("lat=40.0 long=116.4 is outside every level-1 cell")


def test_only_spec_codes() -> None:
    with pytest.raises(ValueError, match="400, 403 or 404"):
        Open311Error(500, "boom")
