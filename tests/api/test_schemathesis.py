"""Property-based API test: Schemathesis generates requests from /api/schema/ and sends them
as an authenticated POS device, valid ones and (its negative mode) ones that break the
schema. Every check it has runs: the API never answers 5xx, every response (status code,
content type, body) matches the documented schema, and data the schema forbids is refused.

All but one: `positive_data_acceptance` (every schema-valid request is accepted) cannot
hold while the API applies HQ's rules at the door, which JSON Schema cannot state: a
person needs a first *or* a last name, a currency must be in ISO 4217's list as it is
today, a business date within a window around today, an option allowed for one job kind
only. Those answer 400 naming the field, as `tests/api/test_fuzz.py` checks."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from hqcommerce.services.devices import device_key_create
from hqcommerce.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


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
    case.call_and_validate(
        headers={"Authorization": f"Api-Key {device_secret}"},
        excluded_checks=[positive_data_acceptance],
    )
