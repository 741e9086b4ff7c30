"""Hostile input at every endpoint that takes a body: each answer is a 4xx in the documented
error shape, and nothing is written (not in the channel databases, not in HQ)."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.conf import settings

from hqcommerce.services.pipeline import convert_run
from tests.clients import device_client
from tests.dates import TODAY
from tests.factories import PartnerRequestDataFactory

CUSTOMER = {
    "first_name": "Lucía",
    "last_name": "Sol",
    "contacts": [{"kind": "email", "value": "lucia@example.com", "is_primary": True}],
    "addresses": [{"street": "Sol 1", "city": "Madrid", "country": "ES"}],
}
ADDRESS = {"street": "Gran Vía 2", "city": "Madrid", "country": "ESP", "purpose": "delivery"}
SALE = {
    "transaction_id": "FUZZ-1",
    "kind": "cash_and_carry",
    "business_date": TODAY,
    "currency": "EUR",
    "lines": [{"item_id": "SKU-1", "description": "Té", "quantity": 2, "unit_price": "9.95"}],
}
PARTNER = PartnerRequestDataFactory()
JOB = {"kind": "p-job", "dry_run": True}
# (method, path, a body the endpoint accepts)
ENDPOINTS = [
    ("post", "/api/v1/customers/", CUSTOMER),
    (
        "patch",
        "/api/v1/customers/{ref}/",
        {
            "last_name": "Luna",
            "email": "l@example.com",
            "attributes": [{"name": "Talla", "value": "M"}],
            "add_affiliations": ["Oro"],
        },
    ),
    ("post", "/api/v1/customers/{ref}/addresses/", ADDRESS),
    ("patch", "/api/v1/customers/{ref}/addresses/{address}/", {"city": "Toledo", "zip_code": "1"}),
    ("post", "/api/v1/transactions/", SALE),
    ("post", "/api/v1/partner-requests/", PARTNER),
    ("post", "/api/v1/jobs/", JOB),
    ("post", "/api/v1/customers/{ref}/loyalty-cards/", {}),
]
# Endpoints that need a customer with its account number (converted first).
NEEDS_ACCOUNT = {"/api/v1/customers/{ref}/loyalty-cards/"}
WRONG_TYPES = {
    str: [12345, 1.5, True, None, [], {}],
    bool: ["yes", 1, [], {}],
    int: ["x", True, 1.5, [], {}],
    list: ["x", 1, True, {}],
    dict: ["x", 1, True, []],
}


def _rows() -> dict[str, int]:
    """Every table's row count in HQ's database and each channel database."""
    counts = {}
    for model in apps.get_models():
        if model._meta.app_label in ("channels_app",):
            for alias in settings.CHANNEL_DATABASES.values():
                counts[f"{alias}:{model._meta.label}"] = model.objects.using(alias).count()
        elif model._meta.app_label == "hqcommerce":
            counts[model._meta.label] = model.objects.count()
    return counts


def _wrong_typed(body: dict):
    """The body with one field (at any depth) of a wrong JSON type, for every field."""
    for key, value in body.items():
        for wrong in WRONG_TYPES.get(type(value), []):
            if wrong is None and key not in ("first_name", "last_name", "transaction_id"):
                continue  # null for an optional field means "not given"
            yield f"{key}={wrong!r}", json.dumps({**body, key: wrong})
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for inner, inner_value in value[0].items():
                for wrong in WRONG_TYPES.get(type(inner_value), []):
                    if wrong is None:
                        continue
                    item = {**value[0], inner: wrong}
                    yield f"{key}[0].{inner}={wrong!r}", json.dumps({**body, key: [item]})


def _hostile(body: dict):
    """(label, raw body, content type) for every kind of bad input."""
    raw = json.dumps(body)
    yield "deep nesting", "[" * 990 + "]" * 990, "application/json"
    yield "not JSON", raw[:-1], "application/json"
    yield "invalid UTF-8", raw.encode()[:-1] + b'\xff"}', "application/json"
    yield "a JSON list", json.dumps([body]), "application/json"
    yield "a JSON string", json.dumps("x"), "application/json"
    if body:  # a body without fields may be left out
        yield "empty", "", "application/json"
    for content_type in ("text/plain", "application/xml", "application/x-www-form-urlencoded"):
        yield f"as {content_type}", raw, content_type
    yield "multipart", raw, "multipart/form-data; boundary=x"
    for key, value in body.items():
        if isinstance(value, str):
            yield f"NUL in {key}", json.dumps({**body, key: value + "\u0000"}), "application/json"
            yield f"1e400 as {key}", raw.replace(json.dumps(value), "1e400", 1), "application/json"
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for inner, inner_value in value[0].items():
                if isinstance(inner_value, str):
                    item = {**value[0], inner: inner_value + "\u0000"}
                    yield (
                        f"NUL in {key}[0].{inner}",
                        json.dumps({**body, key: [item]}),
                        ("application/json"),
                    )
    if '"quantity": 2' in raw:
        huge = raw.replace('"quantity": 2', '"quantity": 1' + "0" * 400)
        yield "a 401-digit quantity", huge, "application/json"
        e400 = raw.replace('"quantity": 2', '"quantity": 1e400')
        yield "quantity 1e400", e400, "application/json"
    yield "unknown field", json.dumps({**body, "x_hack": 1}), "application/json"
    for label, wrong in _wrong_typed(body):
        yield label, wrong, "application/json"


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=[e[1] for e in ENDPOINTS])
def test_hostile_bodies_answer_4xx_in_the_error_shape_and_write_nothing(
    channel, operator_client, method, path, body
):
    device = device_client(channel)
    created = device.post("/api/v1/customers/", CUSTOMER, format="json").json()
    ref, address = created["id"], created["addresses"][0]["async_id"]
    if path in NEEDS_ACCOUNT:
        convert_run()
    client = operator_client if path == "/api/v1/jobs/" else device
    url = path.format(ref=ref, address=address)
    assert getattr(client, method)(url, body, format="json").status_code < 300  # the control
    before = _rows()

    failures = []
    for label, raw, content_type in _hostile(body):
        response = getattr(client, method)(url, raw, content_type=content_type)
        problem = None
        if not 400 <= response.status_code < 500:
            problem = f"status {response.status_code}"
        else:
            shape = response.json()
            if set(shape) != {"type", "errors"} or not shape["errors"]:
                problem = f"error shape {shape}"
            elif not all({"code", "detail", "attr"} <= set(e) for e in shape["errors"]):
                problem = f"error items {shape['errors']}"
        if problem:
            failures.append(f"{label}: {problem}: {response.content[:200]!r}")

    assert not failures, "\n".join(failures)
    assert _rows() == before
