"""The schema states each field's rule, and the API enforces exactly that rule on the value
as sent (Schemathesis checks the two agree on generated data; these pin the cases a client
meets first)."""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from tests.api.test_customers_api import NEW, _errors
from tests.dates import TODAY
from tests.factories import PartnerRequestDataFactory


@pytest.fixture
def schema(db) -> dict:
    return APIClient().get("/api/schema/?format=json").json()


def test_each_job_kind_is_its_own_body_with_only_its_options(schema):
    components = schema["components"]["schemas"]
    job = components["JobInput"]
    assert job["discriminator"]["propertyName"] == "kind"
    variants = {
        kind: components[ref.rsplit("/", 1)[-1]]
        for kind, ref in job["discriminator"]["mapping"].items()
    }
    assert set(variants) >= {"p-job", "sync-customers", "post-statements", "purge-history"}
    assert set(variants["p-job"]["properties"]) == {"kind", "channels", "dry_run"}
    assert "retry_failed" in variants["sync-customers"]["properties"]
    assert "business_date" in variants["post-statements"]["properties"]
    assert all(v["additionalProperties"] is False for v in variants.values())
    jobs_post = schema["paths"]["/api/v1/jobs/"]["post"]
    assert jobs_post["requestBody"]["required"] is True


def test_an_option_of_another_kind_answers_400(operator_client):
    response = operator_client.post(
        "/api/v1/jobs/", {"kind": "p-job", "retry_failed": False}, format="json"
    )
    assert response.status_code == 400
    assert _errors(response) == {"retry_failed": ["Only for sync-customers."]}


def test_codes_are_enums_and_required_text_may_not_be_blank(schema):
    components = schema["components"]["schemas"]
    address = components["AddressInput"]["properties"]
    country = address["country"]
    # Blank (the store's country) or one of ISO 3166's codes.
    refs = [c["$ref"].rsplit("/", 1)[-1] for c in country["oneOf"]]
    enums = [set(components[ref]["enum"]) for ref in refs]
    assert any({"ES", "ESP", "US"} <= enum for enum in enums)
    assert {""} in enums
    street = re.compile(address["street"]["pattern"])
    assert street.search("Calle Sol") and not street.search("   ")
    assert components["AddressInput"]["additionalProperties"] is False
    edit = components["PatchedCustomerUpdateInput"]
    assert edit["minProperties"] == 1


@pytest.mark.parametrize(
    ("address", "attr"),
    [
        ({"street": "Calle Sol 3", "city": "Sevilla", "country": "es"}, "addresses.0.country"),
        ({"street": "   ", "city": "Sevilla", "country": "ES"}, "addresses.0.street"),
        ({"street": "Calle\x0bSol", "city": "Sevilla", "country": "ES"}, "addresses.0.street"),
    ],
)
def test_a_field_breaking_its_stated_rule_answers_400(device, address, attr):
    response = device.post("/api/v1/customers/", {**NEW, "addresses": [address]}, format="json")
    assert response.status_code == 400
    assert attr in _errors(response)


@pytest.mark.parametrize("quantity", [" 1e3 ", "1e3", True, "NaN"])
def test_a_quantity_is_a_number_or_plain_digits(device, quantity):
    sale = {
        "transaction_id": "T-1",
        "kind": "cash_and_carry",
        "business_date": TODAY,
        "lines": [{"item_id": "SKU", "quantity": quantity, "unit_price": "1.00"}],
    }
    response = device.post("/api/v1/transactions/", sale, format="json")
    assert response.status_code == 400
    assert "lines.0.quantity" in _errors(response)


def test_a_cursor_is_a_position_the_pattern_states(device, schema):
    parameters = schema["paths"]["/api/v1/customers/"]["get"]["parameters"]
    cursor = next(p for p in parameters if p["name"] == "cursor")
    assert cursor["schema"]["pattern"] == "^([ps][0-9]{1,18})?$"
    assert device.get("/api/v1/customers/?cursor=s0").status_code == 200
    assert device.get("/api/v1/customers/?cursor=").status_code == 200
    refused = device.get("/api/v1/customers/?cursor=czow")  # the old base64 form
    assert refused.status_code == 400
    assert "cursor" in _errors(refused)


def test_a_phone_is_checked_by_the_pattern_the_schema_states(device, schema):
    phone = schema["components"]["schemas"]["PartnerRequestInput"]["properties"]["phone"]
    assert any("pattern" in choice for choice in phone["anyOf"])  # or blank
    request = PartnerRequestDataFactory()
    too_short = device.post(
        "/api/v1/partner-requests/", {**request, "phone": "00 123 45"}, format="json"
    )
    assert too_short.status_code == 400
    assert "phone" in _errors(too_short)
    ok = device.post(
        "/api/v1/partner-requests/", {**request, "phone": "+34 600 111 222"}, format="json"
    )
    assert ok.status_code == 201


def test_a_text_that_may_be_blank_lets_the_schema_accept_the_blank(device, schema):
    """drf-spectacular writes such a field as oneOf [its pattern, blank]; "" matches both,
    so oneOf ("exactly one") would forbid the blank the API accepts. anyOf says it."""
    import jsonschema

    found = 0
    for component in schema["components"]["schemas"].values():
        for field in component.get("properties", {}).values():
            assert {"type": "string", "maxLength": 0} not in field.get("oneOf", [])
            if {"type": "string", "maxLength": 0} in field.get("anyOf", []):
                found += 1
                jsonschema.validate("", field)
    assert found > 10
    city = schema["components"]["schemas"]["PartnerRequestInput"]["properties"]["city"]
    jsonschema.validate("", city)
    accepted = device.post(
        "/api/v1/partner-requests/", {**PartnerRequestDataFactory(), "city": ""}, format="json"
    )
    assert accepted.status_code == 201
