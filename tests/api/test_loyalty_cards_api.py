"""Loyalty cards over the API: issued once the customer has its account number, refused with
a reason while it is pending sync (as D365's POS does)."""

from __future__ import annotations

import pytest

from hqcommerce.models import LoyaltyCard
from hqcommerce.services.pipeline import convert_run
from tests.clients import device_client

NEW = {
    "first_name": "Lucía",
    "last_name": "Pérez",
    "contacts": [{"kind": "email", "value": "lucia@example.com"}],
}


def _detail(response) -> str:
    return " ".join(e["detail"] for e in response.json()["errors"])


def test_a_pending_customer_gets_409_saying_why(device):
    async_id = device.post("/api/v1/customers/", NEW, format="json").json()["async_id"]

    response = device.post(f"/api/v1/customers/{async_id}/loyalty-cards/", {}, format="json")

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "pending_sync"
    assert "pending sync" in _detail(response)
    assert "1010" in _detail(response)
    assert not LoyaltyCard.objects.exists()


def test_once_synced_the_card_is_issued_by_temporary_id_or_account(device, channel):
    async_id = device.post("/api/v1/customers/", NEW, format="json").json()["async_id"]
    convert_run()
    account = device.get(f"/api/v1/customers/{async_id}/").json()["account_number"]

    by_guid = device.post(f"/api/v1/customers/{async_id}/loyalty-cards/", {}, format="json")
    by_account = device.post(f"/api/v1/customers/{account}/loyalty-cards/", format="json")

    assert by_guid.status_code == by_account.status_code == 201
    assert by_guid.json()["account_number"] == account
    assert by_guid.json()["channel"] == channel.code
    assert by_guid.json()["card_number"] != by_account.json()["card_number"]
    assert LoyaltyCard.objects.filter(customer__account_number=account).count() == 2


def test_a_retry_with_the_same_idempotency_key_issues_one_card(device):
    async_id = device.post("/api/v1/customers/", NEW, format="json").json()["async_id"]
    convert_run()
    url = f"/api/v1/customers/{async_id}/loyalty-cards/"

    first = device.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="card-1")
    again = device.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="card-1")

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert LoyaltyCard.objects.count() == 1


@pytest.mark.parametrize("body", [{"card_number": "X"}, [], "x"])
def test_a_body_with_anything_in_it_is_a_400(device, body):
    async_id = device.post("/api/v1/customers/", NEW, format="json").json()["async_id"]
    convert_run()

    response = device.post(f"/api/v1/customers/{async_id}/loyalty-cards/", body, format="json")

    assert response.status_code == 400
    assert not LoyaltyCard.objects.exists()


def test_an_unknown_customer_or_another_stores_pending_one_is_404(device, db):
    from tests.factories import ChannelFactory

    other = device_client(ChannelFactory(), "OTHER")
    theirs = other.post("/api/v1/customers/", NEW, format="json").json()["async_id"]

    assert device.post(f"/api/v1/customers/{theirs}/loyalty-cards/").status_code == 404
    assert device.post("/api/v1/customers/C999999/loyalty-cards/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_with_hq_down_the_card_answers_503_and_the_store_keeps_working(channel):
    from tests.reliability.helpers import database_down

    device = device_client(channel)
    async_id = device.post("/api/v1/customers/", NEW, format="json").json()["async_id"]
    convert_run()
    device.raise_request_exception = False  # a 5xx is reported (logged) as Django does

    with database_down("default"):
        card = device.post(f"/api/v1/customers/{async_id}/loyalty-cards/", {}, format="json")
        other = device.post("/api/v1/customers/", {"last_name": "Otra"}, format="json")

    assert card.status_code == 503
    assert card.json()["errors"][0]["code"] == "hq_unavailable"
    assert other.status_code == 201
    assert not LoyaltyCard.objects.exists()


def test_no_internal_field_shows_in_a_card_a_customer_or_an_address_change(device):
    """The answers carry the documented fields only: no counters, fingerprints, hashes,
    normalized values or register names from the stores' or HQ's tables."""
    from channels_app.api import serializers as s

    internal = {
        "upload_counter",
        "request_fingerprint",
        "hashed_key",
        "normalized_value",
        "register",
        "replication_version",
        "old_values",
        "deleted_at",
        "pk",
    }
    created = device.post("/api/v1/customers/", NEW, format="json").json()
    convert_run()
    account = device.get(f"/api/v1/customers/{created['async_id']}/").json()["account_number"]
    card = device.post(f"/api/v1/customers/{account}/loyalty-cards/").json()
    customer = device.get(f"/api/v1/customers/{account}/").json()
    address_id = device.post(
        f"/api/v1/customers/{account}/addresses/",
        {"street": "Sol 1", "city": "Madrid", "country": "ES"},
        format="json",
    ).json()["customer"]["addresses"][0]["async_id"]
    changed = device.patch(
        f"/api/v1/customers/{account}/addresses/{address_id}/", {"city": "Toledo"}, format="json"
    ).json()

    assert set(card) == set(s.LoyaltyCardOutput().fields)
    for body in (created, customer, changed["customer"]):
        assert set(body) == set(s.CustomerOutput().fields)
        keys = set(body) | {k for a in body["addresses"] for k in a}
        keys |= {k for c in body["contacts"] for k in c}
        assert not keys & internal
    assert set(changed) == set(s.AddressChanged().fields)
