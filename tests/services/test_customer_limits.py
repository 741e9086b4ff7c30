"""What one customer may have (HQ_CUSTOMER_MAX_*): one register cannot grow a customer
without end; past a limit the POS answers 409 naming it, and HQ's own rule holds too."""

from __future__ import annotations

import pytest

from channels_app.errors import ConflictError
from channels_app.validation import address_clean
from hqcommerce.models import Customer, CustomerAddress, LoyaltyCard
from hqcommerce.services.customers import customer_address_add
from hqcommerce.services.pipeline import convert_run
from tests.clients import device_client
from tests.factories import CustomerDataFactory, SyncChannelFactory

ADDRESS = {"street": "Gran Vía 2", "city": "Madrid", "country": "ESP"}


def test_addresses_stop_at_the_limit_at_the_door_and_in_hq(channel, settings):
    settings.HQ_CUSTOMER_MAX_ADDRESSES = 3
    register = device_client(channel)
    created = register.post("/api/v1/customers/", CustomerDataFactory(), format="json").json()
    convert_run()
    account = Customer.objects.get(origin_async_id=created["async_id"]).account_number

    codes = [
        register.post(f"/api/v1/customers/{account}/addresses/", ADDRESS, format="json")
        for _ in range(3)
    ]

    assert [c.status_code for c in codes] == [201, 201, 409]
    assert "HQ_CUSTOMER_MAX_ADDRESSES" in codes[-1].json()["errors"][0]["detail"]
    convert_run()
    customer = Customer.objects.get(account_number=account)
    assert customer.addresses.count() == 3
    with pytest.raises(ConflictError):  # HQ's own rule, whatever path a change comes by
        customer_address_add(customer=customer, address=address_clean(ADDRESS))
    assert CustomerAddress.objects.filter(customer=customer).count() == 3


def test_loyalty_cards_stop_at_the_limit(db, settings):
    settings.HQ_CUSTOMER_MAX_LOYALTY_CARDS = 2
    store = SyncChannelFactory()
    register = device_client(store)
    account = register.post("/api/v1/customers/", CustomerDataFactory(), format="json").json()[
        "account_number"
    ]

    codes = [
        register.post(f"/api/v1/customers/{account}/loyalty-cards/", {}, format="json")
        for _ in range(3)
    ]

    assert [c.status_code for c in codes] == [201, 201, 409]
    assert "HQ_CUSTOMER_MAX_LOYALTY_CARDS" in codes[-1].json()["errors"][0]["detail"]
    assert LoyaltyCard.objects.count() == 2


def test_queued_edits_stop_at_the_limit_until_the_next_upload(channel, settings):
    settings.HQ_CUSTOMER_MAX_QUEUED_EDITS = 2
    register = device_client(channel)
    created = register.post("/api/v1/customers/", CustomerDataFactory(), format="json").json()
    ref = created["async_id"]

    codes = [
        register.patch(f"/api/v1/customers/{ref}/", {"first_name": f"N{i}"}, format="json")
        for i in range(3)
    ]
    assert [c.status_code for c in codes] == [200, 200, 409]
    assert "HQ_CUSTOMER_MAX_QUEUED_EDITS" in codes[-1].json()["errors"][0]["detail"]

    convert_run()  # uploaded: the store may queue again
    again = register.patch(f"/api/v1/customers/{ref}/", {"first_name": "Ana"}, format="json")
    assert again.status_code == 200
