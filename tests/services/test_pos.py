import pytest

from channels_app.errors import CustomerValidationError, HQUnavailableError
from channels_app.models import AsyncCustomer, ChannelReplicationState
from channels_app.selectors import channel_customer_copies, store_of
from channels_app.services import pos
from hqcommerce.models import Customer
from tests.factories import CustomerDataFactory


def test_sync_mode_store_gets_account_number_at_once(sync_channel):
    result = pos.pos_customer_create(channel=sync_channel, data=CustomerDataFactory())

    assert result.status == pos.SYNCED
    assert result.async_id is None
    customer = Customer.objects.get(account_number=result.account_number)
    assert customer.origin_channel == sync_channel
    assert (
        channel_customer_copies(sync_channel).filter(account_number=result.account_number).exists()
    )
    assert not AsyncCustomer.objects.exists()


def test_async_mode_store_saves_customer_under_guid_pending_sync(channel):
    result = pos.pos_customer_create(channel=channel, data=CustomerDataFactory(first_name="Ana"))

    assert result.status == pos.PENDING_SYNC
    assert result.account_number is None
    assert result.display_id == "Pending sync"
    stored = AsyncCustomer.objects.get(async_id=result.async_id)
    assert stored.channel_id == channel.pk
    assert stored.first_name == "Ana"
    assert stored.is_pending_sync
    assert stored.addresses.count() == 1
    assert stored.contacts.count() == 1
    assert not Customer.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_sync_mode_store_falls_back_to_async_when_hq_database_is_down():
    from tests.factories import SyncChannelFactory
    from tests.reliability.helpers import database_down

    sync_channel = SyncChannelFactory()
    store = store_of(sync_channel)
    with database_down("default"):
        result = pos.pos_customer_create(channel=store, data=CustomerDataFactory())

    assert result.status == pos.PENDING_SYNC
    assert AsyncCustomer.objects.filter(async_id=result.async_id).exists()
    assert not Customer.objects.exists()


def test_failed_real_time_call_falls_back_to_async(sync_channel, monkeypatch):
    class Unreachable:
        def customer_create(self, **kwargs):
            raise HQUnavailableError("connection refused")

    monkeypatch.setattr(pos, "hq_service", Unreachable)

    result = pos.pos_customer_create(channel=sync_channel, data=CustomerDataFactory())

    assert result.status == pos.PENDING_SYNC
    assert not Customer.objects.exists()


def test_sync_mode_refuses_a_customer_that_breaks_an_hq_rule(sync_channel):
    with pytest.raises(CustomerValidationError) as excinfo:
        pos.pos_customer_create(
            channel=sync_channel,
            data=CustomerDataFactory(contacts=[{"kind": "email", "value": "nope"}]),
        )
    assert "contacts[0].value" in excinfo.value.errors
    assert not Customer.objects.exists()


def test_async_mode_refuses_data_the_channel_cannot_store(channel):
    with pytest.raises(CustomerValidationError) as excinfo:
        pos.pos_customer_create(channel=channel, data=CustomerDataFactory(first_name="x" * 61))
    assert "first_name" in excinfo.value.errors
    assert not AsyncCustomer.objects.exists()


def test_async_records_get_increasing_upload_counters_per_channel(channel, make_async_customer):
    ids = [make_async_customer(channel) for _ in range(3)]
    counters = [AsyncCustomer.objects.get(async_id=i).upload_counter for i in ids]
    assert counters == [1, 2, 3]
    assert ChannelReplicationState.objects.get(channel_id=channel.pk).upload_counter == 3


@pytest.mark.parametrize("returning", [True, False], ids=["update-returning", "plain-update"])
def test_each_channel_record_takes_the_next_counter_from_a_new_or_existing_state_row(
    channel, monkeypatch, returning
):
    """Counters are 1, 2, 3 per channel whether the database can UPDATE ... RETURNING or not."""
    from channels_app.db import counters

    monkeypatch.setattr(counters, "_update_returning", lambda alias: returning)
    ChannelReplicationState.objects.filter(channel_id=channel.pk).delete()

    created = [
        pos.pos_customer_create(channel=channel, data=CustomerDataFactory()) for _ in range(3)
    ]

    counters = [AsyncCustomer.objects.get(async_id=r.async_id).upload_counter for r in created]
    assert counters == [1, 2, 3]
    assert ChannelReplicationState.objects.get(channel_id=channel.pk).upload_counter == 3


def test_an_order_may_not_name_an_address_another_synced_customer_was_given_later(
    channel, make_async_customer, record_sale
):
    """Addresses added to synced customers are recorded by account number; one customer's
    address never passes as another's."""
    from channels_app.errors import InputValidationError
    from channels_app.services.pos import pos_address_add
    from hqcommerce.services.pipeline import convert_run

    first, second = make_async_customer(channel), make_async_customer(channel)
    convert_run()
    account_of = {
        guid: Customer.objects.get(origin_async_id=guid).account_number for guid in (first, second)
    }
    added = pos_address_add(
        channel=channel,
        ref=account_of[first],
        address={"street": "Sol 2", "city": "Madrid", "country": "ES"},
    )

    with pytest.raises(InputValidationError) as refused:
        record_sale(channel, customer=account_of[second], address_async_id=str(added.async_id))
    assert "address_async_id" in refused.value.errors
    assert record_sale(channel, customer=account_of[first], address_async_id=str(added.async_id))
