"""schemathesis against /openapi.json: generated requests to every operation (signed in as a
dispatcher, so they get past authentication) never cause a 5xx, and every response fits the
schema. Examples are kept few so the run stays short."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from .conftest import Users

pytestmark = pytest.mark.slow


def test_no_server_errors_and_responses_fit_the_schema(app: FastAPI, users: Users) -> None:
    dispatcher = users.add("d-1", "dispatcher", "all")
    api_schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20
    checks = [not_a_server_error, response_schema_conformance]
    seen: dict[int, int] = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: Any) -> None:
            response = case.call_and_validate(headers=dispatcher, checks=checks)
            seen[response.status_code] = seen.get(response.status_code, 0) + 1

        run()
    assert 200 in seen and 403 in seen  # it got past authentication, and was refused too
