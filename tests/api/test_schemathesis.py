"""Property-based API test: Schemathesis generates requests from /api/schema/ and sends them
as an authenticated POS device. Whatever it sends, the API never answers 5xx, and every
response (status code, content type, body) matches the documented schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hqcommerce.services.devices import device_key_create
from hqcommerce.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    """Requests go straight to the WSGI app, whose request signals would close the test's
    database connection (and its transaction); Django's own test client unhooks them too."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def device_secret(channel) -> str:
    return device_key_create(channel_code=channel.code, name="FUZZ")[1]


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_never_answers_5xx_and_matches_its_schema(case, device_secret):
    case.call_and_validate(headers={"Authorization": f"Api-Key {device_secret}"}, checks=CHECKS)
