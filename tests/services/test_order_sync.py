import uuid
from decimal import Decimal

import pytest

from channels_app.errors import ConflictError, InputValidationError, PendingCustomerError
from channels_app.services.pos import pos_transaction_record
from hqcommerce.models import AsyncStagingRecord, Customer, SalesOrder, UploadedTransaction
from hqcommerce.services.customer_sync import customer_sync_run
from hqcommerce.services.order_sync import order_sync_run
from hqcommerce.services.pipeline import convert_run
from hqcommerce.services.upload import pjob_run
from tests.dates import TODAY

BAD_EMAIL = [{"kind": "email", "value": "not-an-email"}]


def test_pjob_uploads_sales_with_the_customers_they_reference(
    channel, make_async_customer, record_sale
):
    async_id = make_async_customer(channel)
    record_sale(channel, customer=async_id)

    result = pjob_run()

    assert result.created == 2
    sale = UploadedTransaction.objects.get()
    assert sale.customer_async_id == async_id
    assert sale.total == Decimal("19.90")
    assert AsyncStagingRecord.objects.get().async_id == async_id


def test_order_on_unsynced_async_customer_gets_customer_and_order_in_one_run(
    channel, make_async_customer, record_sale
):
    async_id = make_async_customer(channel)
    record_sale(channel, customer=async_id)
    pjob_run()

    result = order_sync_run()

    assert (result.created, result.failed) == (1, 0)
    customer = Customer.objects.get(origin_async_id=async_id)
    order = SalesOrder.objects.get()
    assert order.customer == customer
    assert order.total == Decimal("19.90")
    assert AsyncStagingRecord.objects.get().status == "completed"
    assert UploadedTransaction.objects.get().status == "completed"
    # The later customer sync finds the record done and creates no second customer.
    assert customer_sync_run().processed == 0
    assert Customer.objects.count() == 1


def test_order_on_invalid_customer_stays_pending_with_reason_and_others_go_on(
    channel, make_async_customer, record_sale
):
    bad = make_async_customer(channel, contacts=BAD_EMAIL)
    good = make_async_customer(channel)
    record_sale(channel, customer=bad, transaction_id="BAD")
    record_sale(channel, customer=good, transaction_id="GOOD")
    pjob_run()

    result = order_sync_run()

    assert (result.created, result.failed) == (1, 1)
    pending = UploadedTransaction.objects.get(transaction_id="BAD")
    assert pending.status == "pending"
    assert f"Customer {bad} failed validation" in pending.last_error
    assert "not-an-email" in pending.last_error
    assert SalesOrder.objects.get().transaction_id == "GOOD"

    record = AsyncStagingRecord.objects.get(async_id=bad)
    record.payload["contacts"] = [{"kind": "email", "value": "fixed@example.com"}]
    record.save()
    retry = order_sync_run()

    assert retry.created == 1
    assert SalesOrder.objects.get(transaction_id="BAD").customer.origin_async_id == bad


def test_order_whose_customer_is_not_uploaded_stays_pending(channel):
    missing = uuid.uuid4()
    UploadedTransaction.objects.create(
        channel=channel,
        transaction_id="T-LOST",
        kind="customer_order",
        business_date=TODAY,
        customer_async_id=missing,
        currency="USD",
        total="10.00",
        lines=[],
        source_counter=1,
    )

    result = order_sync_run()

    assert result.failed == 1
    assert "has not been uploaded" in UploadedTransaction.objects.get().last_error


def test_sync_orders_twice_creates_no_second_order(channel, make_async_customer, record_sale):
    record_sale(channel, customer=make_async_customer(channel))
    pjob_run()
    order_sync_run()
    UploadedTransaction.objects.update(status="pending")

    again = order_sync_run()

    assert (again.created, again.skipped) == (0, 1)
    assert SalesOrder.objects.count() == 1


def test_order_uses_the_async_address_created_with_the_customer(
    channel, make_async_customer, record_sale
):
    async_id = make_async_customer(channel)
    from channels_app.models import AsyncCustomer

    address_id = AsyncCustomer.objects.get(async_id=async_id).addresses.get().async_id
    record_sale(channel, customer=async_id, address_async_id=str(address_id))
    pjob_run()

    order_sync_run()

    order = SalesOrder.objects.get()
    assert order.delivery_address.async_id == address_id
    assert order.delivery_address.customer == order.customer


def test_synchronous_order_needs_an_account_number(channel, make_async_customer, record_sale):
    async_id = make_async_customer(channel)

    with pytest.raises(PendingCustomerError, match="pending sync"):
        record_sale(channel, customer=async_id, order_mode="sync")
    record_sale(channel, customer=async_id, order_mode="async")  # an async order is fine

    convert_run()
    from channels_app.models import AsyncCustomer

    account = AsyncCustomer.objects.get(async_id=async_id).account_number
    sale = record_sale(channel, customer=async_id, order_mode="sync", transaction_id="SYNC-1")

    assert sale.hq_order_number
    assert SalesOrder.objects.get(order_number=sale.hq_order_number).customer.account_number == (
        account
    )


def test_synchronous_order_uploaded_later_is_completed_without_a_second_order(
    channel, make_async_customer, record_sale
):
    async_id = make_async_customer(channel)
    convert_run()
    record_sale(channel, customer=async_id, order_mode="sync")
    pjob_run()

    result = order_sync_run()

    assert (result.created, result.skipped) == (0, 1)
    assert SalesOrder.objects.count() == 1


def test_same_transaction_id_returns_the_first_sale_or_conflicts(channel, record_sale):
    first = record_sale(channel, kind="cash_and_carry", transaction_id="T-9")
    again = record_sale(channel, kind="cash_and_carry", transaction_id="T-9")
    assert again.pk == first.pk

    with pytest.raises(ConflictError):
        record_sale(
            channel,
            kind="cash_and_carry",
            transaction_id="T-9",
            lines=[{"item_id": "SKU-2", "quantity": 1, "unit_price": 1}],
        )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "refund"}, "kind"),
        ({"lines": []}, "lines"),
        ({"lines": [{"item_id": "A", "quantity": 0, "unit_price": 1}]}, "lines[0].quantity"),
        ({"lines": [{"item_id": "A", "quantity": 1, "unit_price": "-1"}]}, "lines[0].unit_price"),
        ({"business_date": "27/11/2026"}, "business_date"),
        ({"kind": "customer_order", "customer": ""}, "customer"),
        ({"kind": "cash_and_carry", "order_mode": "sync"}, "order_mode"),
    ],
)
def test_bad_sales_are_refused_with_the_field(channel, data, field):
    base = {
        "transaction_id": "T-1",
        "kind": "cash_and_carry",
        "business_date": TODAY,
        "lines": [{"item_id": "A", "quantity": 1, "unit_price": 1}],
    }
    with pytest.raises(InputValidationError) as excinfo:
        pos_transaction_record(channel=channel, data={**base, **data})
    assert field in excinfo.value.errors
