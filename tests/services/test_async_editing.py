"""D365 10.0.22-10.0.29 around the seed's jobs: addresses edited and deleted by their own id,
attributes and affiliations edited, each asynchronously and in order; the three feature
switches honoured by the POS, the P-job and the sync job; old values as they were."""

from __future__ import annotations

import pytest

from channels_app.errors import (
    CustomerValidationError,
    HQUnavailableError,
    PendingCustomerError,
    UnknownAddressError,
)
from channels_app.models import AsyncCustomer, AsyncCustomerEdit, Store
from channels_app.selectors import channel_customer_copies, channel_customer_view
from channels_app.services.pos import (
    PENDING_SYNC,
    SYNCED,
    pos_address_add,
    pos_address_delete,
    pos_address_update,
    pos_customer_create,
    pos_customer_update,
)
from hqcommerce.models import AsyncStagingRecord, Customer, CustomerAddress
from hqcommerce.services.configuration import commerce_parameters_update
from hqcommerce.services.customer_sync import customer_sync_run
from hqcommerce.services.pipeline import convert_run
from hqcommerce.services.upload import pjob_run
from tests.factories import ChannelDatabaseFactory, ChannelFactory, CustomerDataFactory

ADDRESS = {"street": "Gran Vía 2", "city": "Madrid", "country": "ESP", "purpose": "delivery"}


def _pending(channel, **data) -> str:
    result = pos_customer_create(channel=channel, data=CustomerDataFactory(**data))
    return str(result.async_id)


def _synced(channel, **data) -> tuple[str, str]:
    async_id = _pending(channel, **data)
    convert_run()
    return async_id, AsyncCustomer.objects.get(async_id=async_id).account_number


def _view(channel, ref) -> dict:
    return channel_customer_view(channel=channel, ref=ref)


def _switch(**switches) -> None:
    commerce_parameters_update(switches=switches)


def test_an_address_made_with_a_pending_customer_is_edited_and_the_edit_reaches_hq(channel):
    async_id = _pending(channel)
    address_id = _view(channel, async_id)["addresses"][0]["async_id"]

    result = pos_address_update(
        channel=channel, ref=async_id, address_id=address_id, changes={"city": "Toledo"}
    )

    assert result.status == PENDING_SYNC
    assert _view(channel, async_id)["addresses"][0]["city"] == "Toledo"  # at once, at the POS
    convert_run()
    address = CustomerAddress.objects.get(async_id=address_id)
    assert address.city == "Toledo" and address.customer.origin_async_id.hex == async_id.replace(
        "-", ""
    )
    record = AsyncStagingRecord.objects.get(operation="edit_address")
    assert record.status == "completed"
    assert record.changes == [("city", "Madrid", "Toledo")]  # not "Toledo -> Toledo"
    copy = channel_customer_copies(channel).get(async_id=async_id)
    assert [a["city"] for a in copy.data["addresses"]] == ["Toledo"]


def test_a_synced_customers_address_is_edited_and_deleted_async_and_1010_brings_it_everywhere(
    channel,
):
    eu_store = ChannelFactory(channel_database=ChannelDatabaseFactory(code="EU"))
    _async_id, account = _synced(channel)
    added = pos_address_add(channel=channel, ref=account, address=ADDRESS).async_id
    convert_run()
    first = CustomerAddress.objects.get(customer__account_number=account, is_primary=True)

    pos_address_update(channel=channel, ref=account, address_id=added, changes={"is_primary": True})
    pos_address_delete(channel=channel, ref=account, address_id=first.async_id)
    assert AsyncCustomerEdit.objects.filter(target_account=account).count() == 2
    convert_run()

    customer = Customer.objects.get(account_number=account)
    assert [(a.async_id, a.is_primary) for a in customer.addresses.all()] == [(added, True)]
    for store in (channel, eu_store):
        addresses = _view(store, account)["addresses"]
        assert [(a["async_id"], a["is_primary"]) for a in addresses] == [(str(added), True)]
    deleted = AsyncStagingRecord.objects.get(operation="delete_address")
    assert ("street", "Calle Mayor 1", "\u2014") in deleted.changes
    assert "Delete address" in deleted.description


def test_a_sync_mode_store_edits_and_deletes_addresses_in_real_time(sync_channel):
    result = pos_customer_create(channel=sync_channel, data=CustomerDataFactory())
    account = result.account_number
    address_id = _view(sync_channel, account)["addresses"][0]["async_id"]
    second = pos_address_add(channel=sync_channel, ref=account, address=ADDRESS)
    assert second.status == SYNCED

    edited = pos_address_update(
        channel=sync_channel, ref=account, address_id=address_id, changes={"zip_code": "28001"}
    )
    assert edited.status == SYNCED
    assert CustomerAddress.objects.get(async_id=address_id).zip_code == "28001"
    assert _view(sync_channel, account)["addresses"][0]["zip_code"] == "28001"
    other = _view(sync_channel, account)["addresses"][1]["async_id"]
    assert pos_address_delete(channel=sync_channel, ref=account, address_id=other).status == SYNCED
    assert CustomerAddress.objects.filter(customer__account_number=account).count() == 1
    assert not AsyncCustomerEdit.objects.exists()


def test_an_address_edit_hq_would_refuse_is_refused_at_the_door(channel):
    async_id = _pending(channel)
    address_id = _view(channel, async_id)["addresses"][0]["async_id"]

    for changes, path in [
        ({"country": "XX"}, "country"),
        ({"street": ""}, "street"),
        ({"is_primary": False}, "is_primary"),
        ({"floor": "3"}, "changes"),
    ]:
        with pytest.raises(CustomerValidationError) as caught:
            pos_address_update(
                channel=channel, ref=async_id, address_id=address_id, changes=changes
            )
        assert path in caught.value.errors, changes
    with pytest.raises(UnknownAddressError):
        pos_address_delete(
            channel=channel, ref=async_id, address_id="00000000-0000-0000-0000-000000000001"
        )
    assert not AsyncCustomerEdit.objects.exists()


def test_attributes_and_affiliations_are_edited_async_with_their_old_values(channel):
    async_id, account = _synced(
        channel, attributes=[{"name": "Shoe size", "value": "41"}], affiliations=["Staff"]
    )

    pos_customer_update(
        channel=channel,
        ref=account,
        changes={
            "attributes": [
                {"name": "Shoe size", "value": "42"},
                {"name": "Newsletter", "value": "yes"},
            ],
            "add_affiliations": ["Gold"],
            "remove_affiliations": ["Staff"],
        },
    )
    convert_run()

    customer = Customer.objects.get(account_number=account)
    assert dict(customer.attributes.values_list("name", "value")) == {
        "Shoe size": "42",
        "Newsletter": "yes",
    }
    assert [a.affiliation.name for a in customer.affiliations.all()] == ["Gold"]
    record = AsyncStagingRecord.objects.get(operation="update")
    rows = {what: (old, new) for what, old, new in record.changes}
    assert rows["attribute Shoe size"] == ("41", "42")
    assert rows["attribute Newsletter"] == ("\u2014", "yes")
    assert rows["affiliations removed"][0] == "Staff"
    view = _view(channel, async_id)
    assert view["affiliations"] == ["Gold"]
    assert {"name": "Shoe size", "value": "42"} in view["attributes"]
    # An empty value removes an attribute.
    pos_customer_update(
        channel=channel, ref=account, changes={"attributes": [{"name": "Newsletter", "value": ""}]}
    )
    convert_run()
    assert list(customer.attributes.values_list("name", flat=True)) == ["Shoe size"]


def test_an_address_added_edited_and_deleted_while_pending_is_applied_step_by_step(channel):
    async_id = _pending(channel)
    added = pos_address_add(channel=channel, ref=async_id, address=ADDRESS).async_id
    pos_address_update(channel=channel, ref=async_id, address_id=added, changes={"city": "Ávila"})
    assert [a["city"] for a in _view(channel, async_id)["addresses"]] == ["Madrid", "Ávila"]
    pos_address_delete(channel=channel, ref=async_id, address_id=added)
    assert [a["city"] for a in _view(channel, async_id)["addresses"]] == ["Madrid"]

    convert_run()

    assert not CustomerAddress.objects.filter(async_id=added).exists()
    records = AsyncStagingRecord.objects.exclude(operation="create").order_by("source_counter")
    assert [(r.operation, r.status) for r in records] == [
        ("add_address", "completed"),
        ("edit_address", "completed"),
        ("delete_address", "completed"),
    ]
    assert records[1].changes == [("city", "Madrid", "Ávila")]
    assert ("city", "Ávila", "\u2014") in records[2].changes


@pytest.mark.parametrize(
    ("feature", "call"),
    [
        (
            "async_address_creation",
            lambda ch, ref, _a: pos_address_add(channel=ch, ref=ref, address=ADDRESS),
        ),
        (
            "async_customer_editing",
            lambda ch, ref, _a: pos_customer_update(
                channel=ch, ref=ref, changes={"last_name": "X"}
            ),
        ),
        (
            "async_customer_editing",
            lambda ch, ref, a: pos_address_delete(channel=ch, ref=ref, address_id=a),
        ),
    ],
)
def test_with_its_switch_off_a_pending_customer_is_not_changed_and_told_why(channel, feature, call):
    async_id = _pending(channel)
    address_id = _view(channel, async_id)["addresses"][0]["async_id"]
    _switch(**{"async_customer_editing": False, feature: False})
    store = Store.objects.get(pk=channel.pk)  # 1070's copy reached the store at once
    assert getattr(store, feature) is False

    with pytest.raises(PendingCustomerError) as caught:
        call(channel, async_id, address_id)

    assert "Commerce parameters" in str(caught.value)
    assert not AsyncCustomerEdit.objects.exists()


def test_with_editing_off_a_synced_customer_is_edited_in_real_time_or_not_at_all(channel):

    _async_id, account = _synced(channel)
    _switch(async_customer_editing=False)

    result = pos_customer_update(channel=channel, ref=account, changes={"last_name": "Real"})
    assert result.status == SYNCED
    assert Customer.objects.get(account_number=account).last_name == "Real"
    assert not AsyncCustomerEdit.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_with_editing_off_and_hq_down_an_edit_is_refused_not_queued():
    from tests.reliability.helpers import database_down

    channel = ChannelFactory()
    _async_id, account = _synced(channel)
    _switch(async_customer_editing=False)

    with database_down("default"), pytest.raises(HQUnavailableError):
        pos_customer_update(channel=channel, ref=account, changes={"last_name": "Down"})
    assert not AsyncCustomerEdit.objects.exists()


def test_records_made_before_a_switch_went_off_are_held_not_lost(channel):
    async_id, account = _synced(channel)
    pos_customer_update(channel=channel, ref=account, changes={"last_name": "Later"})
    _switch(async_customer_editing=False)

    pjob_run()
    edit = AsyncStagingRecord.objects.get(operation="update")
    assert edit.status == "pending" and "Held:" in edit.last_error  # marked by the P-job
    customer_sync_run()
    edit.refresh_from_db()
    assert edit.status == "pending" and "Enable editing customers" in edit.error_text
    assert Customer.objects.get(origin_async_id=async_id).last_name != "Later"

    _switch(async_customer_editing=True)
    customer_sync_run()
    edit.refresh_from_db()
    assert edit.status == "completed"
    assert Customer.objects.get(origin_async_id=async_id).last_name == "Later"


def test_without_enhanced_creation_a_second_email_is_refused_and_no_default_affiliations(
    channel, settings
):
    from hqcommerce.models import Channel

    default_customer = Customer.objects.get(
        account_number=_synced(channel, affiliations=["VIP"])[1]
    )
    Channel.objects.filter(pk=channel.pk).update(default_customer=default_customer)
    _switch(async_customer_editing=False, enhanced_async_creation=False)
    two_emails = [
        {"kind": "email", "value": "a@example.com"},
        {"kind": "email", "value": "b@example.com"},
    ]

    with pytest.raises(CustomerValidationError) as caught:
        pos_customer_create(channel=channel, data=CustomerDataFactory(contacts=two_emails))
    assert "contacts[1]" in caught.value.errors

    async_id = _pending(channel)
    convert_run()
    assert not Customer.objects.get(origin_async_id=async_id).affiliations.exists()
    _switch(enhanced_async_creation=True)
    later = _pending(channel)
    convert_run()
    names = Customer.objects.get(origin_async_id=later).affiliations.values_list(
        "affiliation__name", flat=True
    )
    assert list(names) == ["VIP"]


def test_editing_needs_the_other_two_switches(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        _switch(async_address_creation=False)
    assert "needs the other two" in str(caught.value)
