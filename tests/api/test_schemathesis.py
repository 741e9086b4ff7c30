"""Property-based API test: Schemathesis generates requests from /api/schema/ and sends them
as an authenticated POS device, valid ones and (its negative mode) ones that break the
schema. Every check it has runs: the API never answers 5xx, every response (status code,
content type, body) matches the documented schema, and data the schema forbids is refused.

The schema states every rule of a single field (patterns, lengths, ISO lists, each job
kind's options), so `positive_data_acceptance` (a schema-valid request is accepted) runs
too, except on the operations in RULES_BEYOND_THE_SCHEMA, where HQ's rules at the door
depend on more than one field or on the store's data, which JSON Schema (OpenAPI 3.0)
cannot state. Those answer 400 naming the field, as `tests/api/test_fuzz.py` and the
service tests check."""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from channels_app.api.idempotency import HEADER
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


RULES_BEYOND_THE_SCHEMA = {
    # a person needs a first or a last name, an organization its name; one primary address,
    # email and phone; attribute names unique; a contact's value is an email or a phone
    # number (valid in the store's country) according to its kind; attributes as the
    # store's definitions type them
    "POST /api/v1/customers/",
    # the edited customer must keep a name (its current names are the store's data)
    "PATCH /api/v1/customers/{ref}/",
    # an address keeps a street, a city and a country once edited, and its customer keeps
    # a primary address (the address as the store knows it)
    "PATCH /api/v1/customers/{ref}/addresses/{address_id}/",
    # a phone number valid in the request's country (libphonenumber's data)
    "POST /api/v1/partner-requests/",
    # the business date within HQ_SALE_DATE_WINDOW_DAYS of today; a quantity not zero;
    # the customer and address named must exist in the store
    "POST /api/v1/transactions/",
}


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
    headers = {"Authorization": f"Api-Key {device_secret}"}
    if case.headers and HEADER in case.headers and case.meta.generation.mode.is_positive:
        # A client sends a new key with each new request; Hypothesis would reuse "0" for
        # other bodies, which the API rightly refuses (422).
        headers[HEADER] = str(uuid.uuid4())
    case.call_and_validate(
        headers=headers,
        excluded_checks=[positive_data_acceptance]
        if case.operation.label in RULES_BEYOND_THE_SCHEMA
        else [],
    )
