from django.db import connections
from django.test.utils import CaptureQueriesContext

from channels_app.models import AsyncCustomer, ChannelReplicationState
from hqcommerce.models import AsyncStagingRecord, Channel, JobRun, UploadedTransaction
from hqcommerce.models.jobs import JobStatus, TriggeredBy
from hqcommerce.services.jobs import job_run_create, job_run_execute
from hqcommerce.services.upload import pjob_run
from tests.factories import ChannelFactory

ADDRESS = {"street": "Gran Vía 2", "city": "Madrid", "country": "ESP", "purpose": "delivery"}


def test_pjob_uploads_async_customers_with_their_records_to_staging(channel, make_async_customer):
    async_id = make_async_customer(
        channel, first_name="Lucía", attributes=[{"name": "VIP", "value": "yes"}]
    )

    result = pjob_run()

    assert (result.processed, result.created, result.failed) == (1, 1, 0)
    record = AsyncStagingRecord.objects.get()
    assert (record.channel, record.async_id, record.status) == (channel, async_id, "pending")
    assert record.payload["first_name"] == "Lucía"
    assert record.payload["attributes"] == [{"name": "VIP", "value": "yes"}]
    assert record.payload["addresses"][0]["city"] == "Madrid"
    assert AsyncCustomer.objects.get(async_id=async_id).uploaded_at is not None
    state = ChannelReplicationState.objects.get(channel_id=channel.pk)
    channel.refresh_from_db()
    assert channel.upload_watermark == state.upload_counter == 1


def test_second_pjob_run_uploads_nothing(channel, make_async_customer):
    for _ in range(3):
        make_async_customer(channel)
    pjob_run()

    again = pjob_run()

    assert again.processed == 0
    assert AsyncStagingRecord.objects.count() == 3


def test_reupload_after_a_lost_watermark_duplicates_nothing(channel, make_async_customer):
    for _ in range(3):
        make_async_customer(channel)
    pjob_run()
    Channel.objects.filter(pk=channel.pk).update(upload_watermark=0)

    result = pjob_run()

    assert (result.processed, result.created, result.skipped) == (3, 0, 3)
    assert AsyncStagingRecord.objects.count() == 3


def test_pjob_uploads_only_what_changed_since_the_watermark(channel, make_async_customer):
    make_async_customer(channel)
    pjob_run()
    newer = make_async_customer(channel)

    result = pjob_run()

    assert result.created == 1
    assert AsyncStagingRecord.objects.order_by("pk").last().async_id == newer


def test_pjob_channel_filter_leaves_other_channels_alone(channel, make_async_customer):
    other = ChannelFactory()
    make_async_customer(channel)
    make_async_customer(other)

    pjob_run(channels=[channel.code])

    uploaded = AsyncStagingRecord.objects.values_list("channel__code", flat=True)
    assert list(uploaded) == [channel.code]


def test_pjob_uploads_in_batches(channel, make_async_customer, settings):
    settings.HQ_JOB_BATCH_SIZE = 2
    for _ in range(5):
        make_async_customer(channel)

    assert pjob_run().created == 5
    assert Channel.objects.get(pk=channel.pk).upload_watermark == 5


def test_dry_run_writes_nothing_but_its_job_run(channel, make_async_customer):
    make_async_customer(channel)
    run = job_run_create(kind="pjob", dry_run=True, triggered_by=TriggeredBy.COMMAND)

    run = job_run_execute(run.pk)

    assert run.status == JobStatus.SUCCEEDED
    assert (run.processed, run.progress_done, run.progress_total) == (1, 1, 1)
    assert not AsyncStagingRecord.objects.exists()
    assert Channel.objects.get(pk=channel.pk).upload_watermark == 0
    assert AsyncCustomer.objects.get().uploaded_at is None
    assert JobRun.objects.count() == 1


def test_pjob_uploads_every_kind_in_counter_order_across_batches(
    channel, make_async_customer, record_sale, settings
):
    from channels_app.services.pos import pos_address_add, pos_customer_update

    settings.HQ_JOB_BATCH_SIZE = 2
    first = make_async_customer(channel)
    pos_address_add(channel=channel, ref=str(first), address=ADDRESS)
    second = make_async_customer(channel)
    pos_customer_update(channel=channel, ref=str(first), changes={"last_name": "Later"})
    record_sale(channel, customer=str(second))
    make_async_customer(channel)

    result = pjob_run()

    assert (result.processed, result.created) == (6, 6)
    operations = list(
        AsyncStagingRecord.objects.order_by("source_counter").values_list("operation", flat=True)
    )
    assert operations == ["create", "add_address", "create", "update", "create"]
    assert UploadedTransaction.objects.count() == 1
    state = ChannelReplicationState.objects.get(channel_id=channel.pk)
    assert Channel.objects.get(pk=channel.pk).upload_watermark == state.upload_counter == 6


def test_pjob_reads_only_the_kinds_it_has_records_of(channel, make_async_customer):
    """A near-real-time run usually uploads customers only: the other kinds' tables are
    counted once, not read batch after batch."""
    for _ in range(3):
        make_async_customer(channel)

    with CaptureQueriesContext(connections[channel.database_alias]) as queries:
        assert pjob_run().created == 3

    others = ("asyncaddress", "asynccustomeredit", "partnerrequest", "channeltransaction")
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT")
        and "COUNT(" not in q["sql"]
        and any(f'FROM "channels_app_{table}"' in q["sql"] for table in others)
    ]
    assert reads == []
