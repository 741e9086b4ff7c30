"""Retention: the purge removes exactly what it may, keeps what is unresolved or referenced,
and every job stays idempotent afterwards."""

from __future__ import annotations

import pytest
from django.test import override_settings

from channels_app.models import (
    AsyncAddress,
    AsyncCustomer,
    AsyncCustomerContact,
    AsyncCustomerEdit,
    ChannelCustomer,
    ChannelTransaction,
    IdempotencyRecord,
)
from channels_app.selectors import channel_customer_view
from channels_app.services.pos import pos_address_add, pos_customer_update
from hqcommerce.models import (
    AsyncStagingRecord,
    Channel,
    Customer,
    CustomerAddress,
    JobRun,
    SalesOrder,
    UploadedTransaction,
)
from hqcommerce.models.jobs import JobStatus, TriggeredBy
from hqcommerce.selectors import history_growth
from hqcommerce.services.customer_sync import customer_sync_run
from hqcommerce.services.distribution import distribution_run
from hqcommerce.services.jobs import job_run_create, job_run_execute
from hqcommerce.services.order_sync import order_sync_run
from hqcommerce.services.pipeline import convert_run
from hqcommerce.services.purge import purge_run
from hqcommerce.services.statements import statement_post_run
from hqcommerce.services.upload import pjob_run
from tests.factories import ChannelFactory, PartnerRequestDataFactory

NOW = {"HQ_RETENTION_DAYS": 0, "HQ_IDEMPOTENCY_TTL_HOURS": 0}
ADDRESS = {"street": "Gran Vía 2", "city": "Madrid", "country": "ESP", "purpose": "delivery"}


def _history(channel: Channel, make_async_customer, record_sale) -> dict:
    """A store's day: a customer converted, edited and given an address, a cash sale posted,
    a customer that fails, an order for it that cannot sync, and a customer not uploaded."""
    good = make_async_customer(channel, first_name="Good")
    bad = make_async_customer(channel, first_name="", last_name="")
    record_sale(channel, kind="cash_and_carry", customer=good)
    record_sale(channel, kind="customer_order", customer=bad)
    convert_run()
    account = Customer.objects.get(origin_async_id=good).account_number
    pos_customer_update(channel=channel, ref=account, changes={"last_name": "Edited"})
    pos_address_add(channel=channel, ref=account, address=ADDRESS)
    statement_post_run()  # posts the cash sale; the bad customer's order stays unsynced
    order_sync_run()
    convert_run()
    late = make_async_customer(channel, first_name="Late")  # not uploaded yet
    return {"good": good, "bad": bad, "late": late, "account": account}


def _counts(channel: Channel) -> dict[str, int]:
    return {
        "async customers": AsyncCustomer.objects.filter(channel_id=channel.pk).count(),
        "contacts": AsyncCustomerContact.objects.filter(customer__channel_id=channel.pk).count(),
        "edits": AsyncCustomerEdit.objects.filter(channel_id=channel.pk).count(),
        "addresses": AsyncAddress.objects.filter(channel_id=channel.pk).count(),
        "sales": ChannelTransaction.objects.filter(channel_id=channel.pk).count(),
        "staging": AsyncStagingRecord.objects.filter(channel=channel).count(),
        "uploaded sales": UploadedTransaction.objects.filter(channel=channel).count(),
    }


@override_settings(**NOW)
def test_purge_removes_finished_history_and_keeps_what_is_unresolved(
    channel, make_async_customer, record_sale
):
    made = _history(channel, make_async_customer, record_sale)
    assert AsyncStagingRecord.objects.get(async_id=made["bad"]).status == "failed"
    addresses = CustomerAddress.objects.filter(customer__account_number=made["account"]).count()
    contacts = AsyncCustomerContact.objects.filter(customer__async_id=made["good"]).count()

    result = purge_run()

    left = AsyncCustomer.objects.filter(channel_id=channel.pk)
    assert set(left.values_list("async_id", flat=True)) == {made["bad"], made["late"]}
    assert not AsyncCustomerEdit.objects.exists()
    assert not AsyncAddress.objects.exists()
    # The unsynced order stays at the store and in HQ; the posted cash sale is gone.
    assert list(ChannelTransaction.objects.values_list("kind", flat=True)) == ["customer_order"]
    assert list(UploadedTransaction.objects.values_list("status", flat=True)) == ["pending"]
    # HQ keeps the failed record, its customers, their addresses and the sales orders.
    assert list(AsyncStagingRecord.objects.values_list("async_id", "status")) == [
        (made["bad"], "failed")
    ]
    assert Customer.objects.filter(account_number=made["account"]).exists()
    assert addresses >= 1  # the one added at the store, at least
    assert (
        CustomerAddress.objects.filter(customer__account_number=made["account"]).count()
        == addresses
    )
    assert SalesOrder.objects.count() == 1
    # Job runs: only the unfinished and the one that is purging stay; none here.
    assert not JobRun.objects.exists()
    assert result.removed["channels_app.AsyncCustomer"] == 1
    assert result.removed["channels_app.AsyncCustomerContact"] == contacts >= 1
    assert result.removed["hqcommerce.AsyncStagingRecord"] == 3  # create, edit, address
    assert result.removed["hqcommerce.UploadedTransaction"] == 1


@override_settings(**NOW)
def test_a_temporary_id_still_answers_with_its_account_number_after_the_purge(
    channel, make_async_customer, record_sale
):
    made = _history(channel, make_async_customer, record_sale)
    other_store = ChannelFactory()

    purge_run()

    assert not AsyncCustomer.objects.filter(async_id=made["good"]).exists()
    for store in (channel, other_store):
        view = channel_customer_view(channel=store, ref=str(made["good"]))
        assert view is not None
        assert view["account_number"] == made["account"]
    assert ChannelCustomer.objects.filter(async_id=made["good"]).count() == 1


@override_settings(**NOW)
def test_every_job_rerun_after_a_purge_creates_nothing(channel, make_async_customer, record_sale):
    _history(channel, make_async_customer, record_sale)
    convert_run()  # the late customer too: what is left to do afterwards is the purge's doing
    purge_run()
    customers, orders = Customer.objects.count(), SalesOrder.objects.count()
    before = _counts(channel)

    for job in (pjob_run, customer_sync_run, distribution_run, order_sync_run, statement_post_run):
        assert job().created == 0, job.__name__
    second = purge_run()

    assert (Customer.objects.count(), SalesOrder.objects.count()) == (customers, orders)
    assert _counts(channel) == before
    assert second.removed == {}


@override_settings(**NOW)
def test_a_record_uploaded_again_after_its_staging_row_was_purged_creates_no_customer(
    channel, make_async_customer
):
    from channels_app.services.pos import pos_partner_request_create
    from hqcommerce.models import Prospect

    async_id = make_async_customer(channel)
    pos_address_add(channel=channel, ref=str(async_id), address=ADDRESS)
    pos_partner_request_create(
        channel=channel,
        data=PartnerRequestDataFactory(),
    )
    convert_run()
    account = Customer.objects.get(origin_async_id=async_id).account_number
    addresses = CustomerAddress.objects.count()
    AsyncStagingRecord.objects.all().delete()  # as the purge does once it is completed
    Channel.objects.filter(pk=channel.pk).update(upload_watermark=0)  # a restored HQ, say

    pjob_run()
    customer_sync_run()

    assert Customer.objects.count() == 1
    assert CustomerAddress.objects.count() == addresses
    assert Prospect.objects.count() == 1
    records = AsyncStagingRecord.objects.all()
    assert {r.status for r in records} == {"completed"}
    assert records.get(operation="create").account_number == account


@override_settings(**NOW)
def test_a_dry_run_reports_exactly_what_the_real_run_removes_and_removes_nothing(
    channel, make_async_customer, record_sale
):
    _history(channel, make_async_customer, record_sale)
    before = _counts(channel)

    dry = purge_run(dry_run=True)

    assert _counts(channel) == before
    real = purge_run()
    assert dry.removed == real.removed
    assert sum(real.removed.values()) > 0


@override_settings(HQ_RETENTION_DAYS=1, HQ_IDEMPOTENCY_TTL_HOURS=1)
def test_nothing_younger_than_retention_is_purged(channel, make_async_customer, record_sale):
    _history(channel, make_async_customer, record_sale)
    before = _counts(channel)
    runs = JobRun.objects.count()

    result = purge_run()

    assert result.removed == {}
    assert _counts(channel) == before
    assert JobRun.objects.count() == runs


@override_settings(**NOW)
def test_purge_of_one_channel_leaves_the_other_stores_and_the_job_runs(
    channel, make_async_customer
):
    other = ChannelFactory()
    mine, theirs = make_async_customer(channel), make_async_customer(other)
    convert_run()
    runs = JobRun.objects.count()

    purge_run(channels=[channel.code])

    assert not AsyncCustomer.objects.filter(async_id=mine).exists()
    assert AsyncCustomer.objects.filter(async_id=theirs).exists()
    assert AsyncStagingRecord.objects.filter(channel=other).count() == 1
    assert not AsyncStagingRecord.objects.filter(channel=channel).exists()
    assert JobRun.objects.count() == runs


@override_settings(**NOW)
def test_a_purge_job_run_records_rows_removed_per_table(channel, make_async_customer):
    make_async_customer(channel)
    convert_run()
    run = job_run_create(kind="purge", triggered_by=TriggeredBy.COMMAND)

    run = job_run_execute(run.pk)

    assert run.status == JobStatus.SUCCEEDED
    assert run.removed["channels_app.AsyncCustomer"] == 1
    assert run.removed["hqcommerce.AsyncStagingRecord"] == 1
    assert run.processed == sum(run.removed.values())
    assert JobRun.objects.filter(pk=run.pk).exists()  # the purging run keeps itself


def test_the_dashboard_counts_rows_past_retention_per_database(
    channel, make_async_customer, settings
):
    make_async_customer(channel)
    convert_run()
    settings.HQ_RETENTION_DAYS = 0

    growth = {db.code: db for db in history_growth()}

    assert set(growth) == {"HQ", "DEFAULT", "EU"}
    tables = {t.label: t for t in growth["DEFAULT"].tables}
    assert tables["channels_app.AsyncCustomer"].rows == 1
    assert tables["channels_app.AsyncCustomer"].past_retention_days >= 0
    assert {t.label: t.rows for t in growth["HQ"].tables}["hqcommerce.AsyncStagingRecord"] == 1
    purge_run()
    after = {db.code: db for db in history_growth()}
    assert {t.label: t.rows for t in after["DEFAULT"].tables}["channels_app.AsyncCustomer"] == 0
    assert after["DEFAULT"].behind_days == 0


@pytest.mark.django_db(transaction=True)
@override_settings(**NOW)
def test_a_purge_with_a_channel_database_down_purges_hq_and_reports_the_database(
    make_async_customer,
):
    from tests.reliability.helpers import database_down

    channel = ChannelFactory()
    async_id = make_async_customer(channel)
    convert_run()

    with database_down(channel.database_alias):
        result = purge_run()

    assert channel.channel_database.code in result.unreachable
    assert not AsyncStagingRecord.objects.exists()
    assert AsyncCustomer.objects.filter(async_id=async_id).exists()  # caught up next time
    purge_run()
    assert not AsyncCustomer.objects.filter(async_id=async_id).exists()


@override_settings(HQ_IDEMPOTENCY_TTL_HOURS=0)
def test_expired_idempotency_records_are_purged(channel):
    IdempotencyRecord.objects.create(
        scope="user:1", key="k", endpoint="e", request_hash="h", status_code=201, response={}
    )

    result = purge_run()

    assert result.removed == {"channels_app.IdempotencyRecord": 1}
    assert not IdempotencyRecord.objects.exists()


def test_real_time_answers_are_forgotten_with_idempotency_keys(db, settings):
    """HQ keeps a scale unit's real-time answers for retries as long as an Idempotency-Key."""
    import uuid
    from datetime import timedelta

    from django.utils import timezone

    from hqcommerce.models import RealtimeRequest

    settings.HQ_IDEMPOTENCY_TTL_HOURS = 24
    old, fresh = (
        RealtimeRequest.objects.create(
            request_id=uuid.uuid4(),
            operation="customer-create",
            request_hash="x",
            status_code=200,
            response={"result": {}},
        )
        for _ in range(2)
    )
    RealtimeRequest.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(hours=25)
    )

    purge_run()

    assert list(RealtimeRequest.objects.values_list("pk", flat=True)) == [fresh.pk]
