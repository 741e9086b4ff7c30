import datetime as dt

import pytest

from channels_app.errors import InputValidationError
from channels_app.validation import ChannelDefaults, customer_payload_clean
from hqcommerce.models import AsyncStagingRecord, Customer, SalesOrder, Statement
from hqcommerce.models.sales import StatementStatus
from hqcommerce.services.customers import NewCustomer, customers_create
from hqcommerce.services.statements import statement_post_run
from hqcommerce.services.upload import pjob_run
from tests.dates import TODAY, YESTERDAY

BAD_NAME = {"first_name": "", "last_name": ""}


def _walk_in():
    from django.db import transaction

    data = customer_payload_clean({"first_name": "Walk-in"}, defaults=ChannelDefaults())
    with transaction.atomic():
        return customers_create(items=[NewCustomer(channel=None, async_id=None, data=data)])[0]


def test_cash_and_carry_with_unsynced_customer_posts_after_syncing_it(
    channel, make_async_customer, record_sale
):
    async_id = make_async_customer(channel)
    record_sale(channel, kind="cash_and_carry", customer=async_id)
    pjob_run()

    result = statement_post_run()

    assert (result.created, result.failed) == (1, 0)
    statement = Statement.objects.get()
    assert statement.status == StatementStatus.POSTED
    assert statement.transaction_count == 1
    assert str(statement.total) == "19.90"
    order = SalesOrder.objects.get()
    assert order.statement == statement
    assert order.customer == Customer.objects.get(origin_async_id=async_id)
    assert AsyncStagingRecord.objects.get().status == "completed"


def test_invalid_customer_blocks_the_statement_until_corrected(
    channel, make_async_customer, record_sale
):
    bad = make_async_customer(channel, **BAD_NAME)
    good = make_async_customer(channel)
    record_sale(channel, kind="cash_and_carry", customer=bad)
    record_sale(channel, kind="cash_and_carry", customer=good)
    pjob_run()

    result = statement_post_run()

    assert result.failed == 1
    statement = Statement.objects.get()
    assert statement.status == StatementStatus.BLOCKED
    assert len(statement.blocking) == 1
    assert statement.blocking[0]["record"] == str(bad)
    assert "A person needs a first or last name" in statement.blocking[0]["reason"]
    assert not SalesOrder.objects.exists()

    record = AsyncStagingRecord.objects.get(async_id=bad)
    record.payload["first_name"] = "Corrected"
    record.save()
    retry = statement_post_run()

    assert retry.created == 1
    statement.refresh_from_db()
    assert statement.status == StatementStatus.POSTED
    assert statement.blocking == []
    assert SalesOrder.objects.count() == 2


def test_posting_twice_never_posts_twice(channel, record_sale):
    channel.default_customer = _walk_in()
    channel.save()
    record_sale(channel, kind="cash_and_carry")
    pjob_run()
    statement_post_run()

    again = statement_post_run()

    assert again.processed == 0
    assert Statement.objects.filter(status=StatementStatus.POSTED).count() == 1
    assert SalesOrder.objects.count() == 1


def test_anonymous_sales_post_on_the_default_customer_or_block_without_one(channel, record_sale):
    record_sale(channel, kind="cash_and_carry")
    pjob_run()

    statement_post_run()
    statement = Statement.objects.get()
    assert statement.status == StatementStatus.BLOCKED
    assert "no default customer" in statement.blocking[0]["reason"]

    channel.default_customer = _walk_in()
    channel.save()
    statement_post_run()

    statement.refresh_from_db()
    assert statement.status == StatementStatus.POSTED
    assert SalesOrder.objects.get().customer == channel.default_customer


def test_statements_are_per_channel_and_business_date(channel, record_sale):
    channel.default_customer = _walk_in()
    channel.save()
    record_sale(channel, kind="cash_and_carry", business_date=YESTERDAY)
    record_sale(channel, kind="cash_and_carry", business_date=TODAY)
    pjob_run()

    result = statement_post_run(business_date=TODAY)

    assert result.created == 1
    assert list(Statement.objects.values_list("business_date", flat=True)) == [
        dt.date.fromisoformat(TODAY)
    ]


def test_dry_run_posts_nothing(channel, make_async_customer, record_sale):
    record_sale(channel, kind="cash_and_carry", customer=make_async_customer(channel))
    pjob_run()

    result = statement_post_run(dry_run=True)

    assert result.processed == 1
    assert not Statement.objects.exists()
    assert not Customer.objects.exists()


def test_bad_date_is_refused(db):
    with pytest.raises(InputValidationError):
        statement_post_run(business_date="yesterday")
