from django.db import transaction

from channels_app.models import AsyncCustomer, ChannelCustomer, ChannelReplicationState
from hqcommerce.models import Customer
from hqcommerce.services.customer_sync import customer_sync_run
from hqcommerce.services.distribution import distribution_run
from hqcommerce.services.replication import replication_head, replication_versions_allocate
from hqcommerce.services.upload import pjob_run
from tests.factories import ChannelFactory


def _convert_without_1010(channel, make_async_customer, count=1):
    ids = [make_async_customer(channel) for _ in range(count)]
    pjob_run()
    customer_sync_run()
    return ids


def test_1010_maps_the_temporary_id_to_the_account_number(channel, make_async_customer):
    (async_id,) = _convert_without_1010(channel, make_async_customer)
    account = Customer.objects.get(origin_async_id=async_id).account_number
    assert AsyncCustomer.objects.get(async_id=async_id).is_pending_sync

    distribution_run()

    mapped = AsyncCustomer.objects.get(async_id=async_id)
    assert mapped.account_number == account
    assert mapped.mapped_at is not None
    copy = ChannelCustomer.objects.get(channel=channel, account_number=account)
    assert copy.async_id == async_id
    assert copy.data["addresses"][0]["country"] == "ESP"


def test_1010_brings_the_customer_to_every_channel(channel, make_async_customer):
    others = [ChannelFactory(), ChannelFactory()]
    (async_id,) = _convert_without_1010(channel, make_async_customer)

    distribution_run()

    for other in others:
        copy = ChannelCustomer.objects.get(channel=other, async_id=async_id)
        assert copy.origin_channel_code == channel.code
    assert not AsyncCustomer.objects.filter(channel__in=others).exists()


def test_second_1010_run_changes_nothing(channel, make_async_customer):
    _convert_without_1010(channel, make_async_customer, count=3)
    distribution_run()
    before = list(ChannelCustomer.objects.values_list("pk", "hq_version", "updated_at"))

    again = distribution_run()

    assert again.processed == 0
    assert list(ChannelCustomer.objects.values_list("pk", "hq_version", "updated_at")) == before


def test_1010_moves_the_watermark_with_each_batch(channel, make_async_customer, settings):
    settings.HQ_JOB_BATCH_SIZE = 2
    _convert_without_1010(channel, make_async_customer, count=5)

    result = distribution_run(channels=[channel.code])

    assert result.processed == 5
    state = ChannelReplicationState.objects.get(channel=channel)
    assert state.download_watermark == replication_head()


def test_a_lost_watermark_resends_and_the_channel_copy_absorbs_it(channel, make_async_customer):
    _convert_without_1010(channel, make_async_customer, count=2)
    distribution_run()
    ChannelReplicationState.objects.filter(channel=channel).update(download_watermark=0)

    result = distribution_run()

    assert (result.processed, result.created, result.skipped) == (2, 0, 2)
    assert ChannelCustomer.objects.filter(channel=channel).count() == 2


def test_1010_never_reads_past_the_committed_head(channel, make_async_customer):
    _convert_without_1010(channel, make_async_customer)
    head = replication_head()
    with transaction.atomic():
        versions = replication_versions_allocate(count=3)
    assert versions.start == head + 1
    assert replication_head() == head + 3


def test_dry_run_distributes_nothing(channel, make_async_customer):
    _convert_without_1010(channel, make_async_customer)

    result = distribution_run(dry_run=True)

    assert result.processed == 1
    assert not ChannelCustomer.objects.exists()
    assert AsyncCustomer.objects.get().is_pending_sync
