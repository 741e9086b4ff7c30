from django.db import transaction

from channels_app.models import AsyncCustomer, ChannelCustomer, DownloadState
from channels_app.selectors import channel_customer_copies
from channels_app.services.replica import download_watermark
from hqcommerce.models import ChannelDatabase, Customer
from hqcommerce.services.customer_sync import customer_sync_run
from hqcommerce.services.distribution import distribution_run
from hqcommerce.services.replication import replication_head, replication_versions_allocate
from hqcommerce.services.upload import pjob_run
from tests.factories import ChannelDatabaseFactory, ChannelFactory


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
    copy = channel_customer_copies(channel).get(account_number=account)
    assert copy.async_id == async_id
    assert copy.data["addresses"][0]["country"] == "ESP"


def test_1010_brings_the_customer_to_every_channel(channel, make_async_customer):
    others = [ChannelFactory(), ChannelFactory()]
    (async_id,) = _convert_without_1010(channel, make_async_customer)

    distribution_run()

    for other in others:
        copy = channel_customer_copies(other).get(async_id=async_id)
        assert copy.origin_channel_code == channel.code
    assert not AsyncCustomer.objects.filter(channel_id__in=[o.pk for o in others]).exists()


def test_stores_sharing_a_channel_database_share_one_copy(channel, make_async_customer):
    neighbour = ChannelFactory(channel_database=channel.channel_database)
    (async_id,) = _convert_without_1010(channel, make_async_customer)

    result = distribution_run()

    assert ChannelCustomer.objects.count() == 1
    assert result.processed == 1
    assert channel_customer_copies(neighbour).get().async_id == async_id


def _watermark(database) -> int:
    return download_watermark(alias=database.database_alias, job="1010")


def test_1010_writes_one_copy_per_channel_database_and_maps_each_store(db, make_async_customer):
    first_db, second_db = ChannelDatabase.objects.get(code="DEFAULT"), ChannelDatabaseFactory()
    store_a = ChannelFactory(channel_database=first_db)
    store_b = ChannelFactory(channel_database=first_db)
    store_c = ChannelFactory(channel_database=second_db)
    created = {store: make_async_customer(store) for store in (store_a, store_b, store_c)}
    pjob_run()
    customer_sync_run()

    result = distribution_run()

    assert result.processed == 6  # three customers, two databases
    for database in (first_db, second_db):
        assert ChannelCustomer.objects.using(database.database_alias).count() == 3
        assert _watermark(database) == replication_head()
    for store, async_id in created.items():
        account = Customer.objects.get(origin_async_id=async_id).account_number
        mine = AsyncCustomer.objects.using(store.database_alias).get(async_id=async_id)
        assert mine.account_number == account
        for viewer in (store_a, store_b, store_c):
            assert channel_customer_copies(viewer).filter(account_number=account).exists()


def test_1010_for_one_store_updates_only_its_channel_database(db, make_async_customer):
    first_db, second_db = ChannelDatabase.objects.get(code="DEFAULT"), ChannelDatabaseFactory()
    store_a = ChannelFactory(channel_database=first_db)
    store_c = ChannelFactory(channel_database=second_db)
    make_async_customer(store_a)
    pjob_run()
    customer_sync_run()

    distribution_run(channels=[store_a.code])

    assert channel_customer_copies(store_a).count() == 1
    assert not channel_customer_copies(store_c).exists()
    assert _watermark(second_db) == 0


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
    assert _watermark(channel.channel_database) == replication_head()


def test_a_lost_watermark_resends_and_the_channel_copy_absorbs_it(channel, make_async_customer):
    _convert_without_1010(channel, make_async_customer, count=2)
    distribution_run()
    DownloadState.objects.using(channel.database_alias).update(watermark=0)

    result = distribution_run()

    assert (result.processed, result.created, result.skipped) == (2, 0, 2)
    assert channel_customer_copies(channel).count() == 2


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
