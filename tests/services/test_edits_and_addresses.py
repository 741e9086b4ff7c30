import pytest

from channels_app.errors import (
    CustomerValidationError,
    PendingCustomerError,
    UnknownCustomerError,
)
from channels_app.models import AsyncCustomer, AsyncCustomerEdit
from channels_app.selectors import channel_customer_copies
from channels_app.services.pos import (
    PENDING_SYNC,
    SYNCED,
    pos_address_add,
    pos_customer_create,
    pos_customer_update,
    pos_loyalty_card_issue,
)
from hqcommerce.models import AsyncStagingRecord, Customer
from hqcommerce.services.customer_sync import customer_sync_run
from hqcommerce.services.pipeline import convert_run
from hqcommerce.services.upload import pjob_run
from tests.factories import CustomerDataFactory

ADDRESS = {"street": "Gran Vía 2", "city": "Madrid", "country": "ESP", "purpose": "delivery"}


def _synced_customer(channel, make_async_customer) -> str:
    async_id = make_async_customer(channel)
    convert_run()
    return AsyncCustomer.objects.get(async_id=async_id).account_number


def test_async_address_on_synced_customer_reaches_hq_and_comes_back(channel, make_async_customer):
    account = _synced_customer(channel, make_async_customer)

    result = pos_address_add(channel=channel, ref=account, address=ADDRESS)
    assert result.status == PENDING_SYNC
    convert_run()

    customer = Customer.objects.get(account_number=account)
    added = customer.addresses.get(async_id=result.async_id)
    assert (added.street, added.purpose, added.is_primary) == ("Gran Vía 2", "delivery", False)
    copy = channel_customer_copies(channel).get(account_number=account)
    assert "Gran Vía 2" in [a["street"] for a in copy.data["addresses"]]
    record = AsyncStagingRecord.objects.get(async_id=result.async_id)
    assert (record.operation, record.status) == ("add_address", "completed")


def test_async_address_on_an_async_customer_waits_for_its_customer(channel, make_async_customer):
    async_id = make_async_customer(channel)
    result = pos_address_add(channel=channel, ref=str(async_id), address=ADDRESS)

    convert_run()

    customer = Customer.objects.get(origin_async_id=async_id)
    assert customer.addresses.filter(async_id=result.async_id).exists()


def test_edits_of_a_pending_customer_apply_in_order_after_creation(channel, make_async_customer):
    async_id = make_async_customer(channel, last_name="Old")
    pos_customer_update(channel=channel, ref=str(async_id), changes={"last_name": "Middle"})
    pos_customer_update(
        channel=channel, ref=str(async_id), changes={"last_name": "New", "phone": "+34600111222"}
    )
    assert AsyncCustomer.objects.get(async_id=async_id).last_name == "New"  # POS shows it now

    convert_run()

    customer = Customer.objects.get(origin_async_id=async_id)
    assert customer.last_name == "New"
    assert customer.contacts.get(kind="phone").value == "+34600111222"
    edits = AsyncStagingRecord.objects.filter(operation="update").order_by("sequence")
    assert [e.sequence for e in edits] == [1, 2]
    assert all(e.status == "completed" for e in edits)
    # Edited before the first upload: the create carried the POS's latest values, yet each
    # edit shows what it replaced at the store, not "New -> New".
    assert [e.old_values["last_name"] for e in edits] == ["Old", "Middle"]
    assert edits[1].old_values["phone"] == ""
    assert "last_name: Old \u2192 Middle" in edits[0].description


def test_an_edit_waits_while_an_earlier_one_is_not_applied(channel, make_async_customer):
    account = _synced_customer(channel, make_async_customer)
    pos_customer_update(channel=channel, ref=account, changes={"currency": "USD"})
    # HQ's rules stop a bad edit at the POS now; a register on an older release stored one.
    AsyncCustomerEdit.objects.filter(sequence=1).update(changes={"currency": "ZZZ"})
    pos_customer_update(channel=channel, ref=account, changes={"first_name": "Later"})
    pjob_run()

    customer_sync_run()

    first, second = AsyncStagingRecord.objects.filter(operation="update").order_by("sequence")
    assert first.status == "failed"
    assert second.status == "pending"
    assert "Waiting for edit #1" in second.last_error
    assert Customer.objects.get(account_number=account).first_name != "Later"

    first.payload = {"changes": {"currency": "EUR"}}
    first.save()
    customer_sync_run(retry_failed=True)

    customer = Customer.objects.get(account_number=account)
    assert (customer.currency, customer.first_name) == ("EUR", "Later")
    second.refresh_from_db()
    assert second.old_values == {"first_name": second.old_values["first_name"]}
    assert "first_name" in second.description


def test_edit_of_a_synced_customer_is_real_time_in_sync_mode(sync_channel):
    created = pos_customer_create(channel=sync_channel, data=CustomerDataFactory())

    result = pos_customer_update(
        channel=sync_channel, ref=created.account_number, changes={"last_name": "Realtime"}
    )

    assert result.status == SYNCED
    assert Customer.objects.get(account_number=created.account_number).last_name == "Realtime"
    copy = channel_customer_copies(sync_channel).get(account_number=created.account_number)
    assert copy.name.endswith("Realtime")
    assert not AsyncStagingRecord.objects.exists()


def test_edit_breaking_a_rule_in_sync_mode_is_refused_at_once(sync_channel):
    created = pos_customer_create(channel=sync_channel, data=CustomerDataFactory())

    with pytest.raises(CustomerValidationError) as excinfo:
        pos_customer_update(
            channel=sync_channel, ref=created.account_number, changes={"email": "broken"}
        )
    assert "email" in excinfo.value.errors


def test_edit_of_unknown_field_or_customer_is_refused(channel, make_async_customer):
    async_id = make_async_customer(channel)
    with pytest.raises(CustomerValidationError):
        pos_customer_update(channel=channel, ref=str(async_id), changes={"account_number": "X"})
    with pytest.raises(UnknownCustomerError):
        pos_customer_update(channel=channel, ref="C9999999", changes={"first_name": "X"})


def test_no_loyalty_card_for_a_pending_customer(channel, make_async_customer):
    async_id = make_async_customer(channel)
    with pytest.raises(PendingCustomerError, match="pending sync"):
        pos_loyalty_card_issue(channel=channel, ref=str(async_id))

    convert_run()
    card = pos_loyalty_card_issue(channel=channel, ref=str(async_id))

    account = Customer.objects.get(origin_async_id=async_id).account_number
    assert card["account_number"] == account
    assert card["card_number"].startswith("LC")
