"""Both POS modes write the same customer: a create and an edit made at a sync-mode store (in
real time) and at an async-mode store (P-job, sync, 1010) leave the same rows in HQ, because
every path into HQ applies one set of rules with the store's context."""

from __future__ import annotations

import pytest

from channels_app.models import AsyncCustomerEdit
from channels_app.selectors import store_of
from channels_app.services.pos import PENDING_SYNC, SYNCED, pos_customer_create, pos_customer_update
from hqcommerce.models import AttributeDefinition, AttributeGroup, Customer
from hqcommerce.services.configuration import channel_configuration_push
from hqcommerce.services.pipeline import convert_run
from tests.factories import ChannelFactory, SyncChannelFactory

CREATE = {
    "first_name": " Lucía ",
    "last_name": "García",
    "contacts": [
        {"kind": "email", "value": "Lucia.Garcia@Example.com", "marketing_opt_in": True},
        {"kind": "phone", "value": "+34 611 222 333"},
    ],
    "addresses": [{"street": "Calle Mayor 1", "city": "Madrid", "zip_code": "28013"}],
    "attributes": [{"name": "Newsletter", "value": "no"}],
}
EDIT = {
    "phone": "600 111 222",
    "attributes": [{"name": "Newsletter", "value": "yes"}, {"name": "Shoe size", "value": "042"}],
    "first_name": "Lucia",
}


def _typed_spanish_stores():
    group = AttributeGroup.objects.create(name="Preferences")
    group.attributes.set(
        [
            AttributeDefinition.objects.create(name="Newsletter", data_type="boolean"),
            AttributeDefinition.objects.create(name="Shoe size", data_type="integer"),
        ]
    )
    stores = [SyncChannelFactory(country="ESP"), ChannelFactory(country="ESP")]
    for store in stores:
        store.attribute_groups.add(group)
    channel_configuration_push(channels=stores)
    return [store_of(s) for s in stores]


def _hq_rows(account_number: str) -> dict:
    customer = Customer.objects.get(account_number=account_number)
    return {
        "fields": {
            f: getattr(customer, f)
            for f in (
                "party_type",
                "first_name",
                "middle_name",
                "last_name",
                "organization_name",
                "customer_group",
                "currency",
                "language",
                "receipt_preference",
                "title",
                "receipt_email",
                "tax_id",
            )
        },
        "contacts": sorted(
            customer.contacts.values_list(
                "kind", "value", "normalized_value", "is_primary", "marketing_opt_in"
            )
        ),
        "addresses": sorted(
            customer.addresses.values_list(
                "purpose", "is_primary", "name", "street", "city", "state", "zip_code", "country"
            )
        ),
        "attributes": sorted(customer.attributes.values_list("name", "value")),
        "affiliations": sorted(customer.affiliations.values_list("affiliation__name", flat=True)),
    }


@pytest.mark.django_db(transaction=True)
def test_a_create_and_an_edit_leave_the_same_hq_rows_in_sync_and_async_mode():
    sync_store, async_store = _typed_spanish_stores()

    made_now = pos_customer_create(channel=sync_store, data=CREATE)
    pending = pos_customer_create(channel=async_store, data=CREATE)
    assert (made_now.status, pending.status) == (SYNCED, PENDING_SYNC)
    convert_run()
    converted = Customer.objects.get(origin_async_id=pending.async_id).account_number
    assert _hq_rows(made_now.account_number) == _hq_rows(converted)

    edited_now = pos_customer_update(channel=sync_store, ref=made_now.account_number, changes=EDIT)
    queued = pos_customer_update(channel=async_store, ref=converted, changes=EDIT)
    assert (edited_now.status, queued.status) == (SYNCED, PENDING_SYNC)
    convert_run()

    sync_rows, async_rows = _hq_rows(made_now.account_number), _hq_rows(converted)
    assert sync_rows == async_rows
    assert ("Newsletter", "true") in sync_rows["attributes"]
    assert ("Shoe size", "42") in sync_rows["attributes"]
    phone = next(c for c in sync_rows["contacts"] if c[0] == "phone" and c[3])
    assert phone[2] == "+34600111222"


@pytest.mark.django_db(transaction=True)
def test_the_store_records_an_edit_as_the_door_cleaned_it():
    """A typed value reads at the store as HQ will keep it, not as the clerk typed it."""
    _sync_store, async_store = _typed_spanish_stores()
    pending = pos_customer_create(channel=async_store, data=CREATE)
    convert_run()
    account = Customer.objects.get(origin_async_id=pending.async_id).account_number

    pos_customer_update(
        channel=async_store,
        ref=account,
        changes={"attributes": [{"name": "Newsletter", "value": "yes"}]},
    )

    edit = AsyncCustomerEdit.objects.get(channel=async_store, target_account=account)
    assert edit.changes["attributes"] == [{"name": "Newsletter", "value": "true"}]
