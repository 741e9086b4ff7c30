"""Three convert workers at once on PostgreSQL, over the same and different channels, while
POS clients keep creating async customers: every record converted exactly once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connections

from channels_app.models import AsyncCustomer
from channels_app.selectors import channel_customer_copies
from channels_app.services.pos import pos_customer_create
from hqcommerce.models import AsyncStagingRecord, Customer
from tests.factories import ChannelFactory

from .helpers import start

ENV = {"HQ_JOB_BATCH_SIZE": "20", "HQ_JOB_LOCK_WAIT_SECONDS": "120"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_three_workers_and_busy_stores_convert_every_record_exactly_once():
    a, b = ChannelFactory(), ChannelFactory()
    for store in (a, b):
        for i in range(150):
            pos_customer_create(
                channel=store, data={"first_name": f"Pre{i}", "last_name": store.code}
            )

    stop = threading.Event()
    created = Counter()

    def pos_client(store) -> None:
        try:
            n = 0
            while not stop.is_set() and n < 400:
                pos_customer_create(
                    channel=store, data={"first_name": f"Live{n}", "last_name": "X"}
                )
                created[store.code] += 1
                n += 1
        finally:
            connections.close_all()

    clients = [threading.Thread(target=pos_client, args=(s,)) for s in (a, b)]
    for c in clients:
        c.start()
    workers = [
        start("convert_async_customers", "--channel", a.code, **ENV),
        start("convert_async_customers", "--channel", a.code, **ENV),
        start("convert_async_customers", "--channel", b.code, **ENV),
    ]
    results = [w.communicate(timeout=300) for w in workers]
    stop.set()
    for c in clients:
        c.join()
    for worker, (_, err) in zip(workers, results, strict=True):
        assert worker.returncode == 0, err

    final = start("convert_async_customers", **ENV)  # picks up what arrived during the run
    _, err = final.communicate(timeout=300)
    assert final.returncode == 0, err

    total = AsyncCustomer.objects.count()
    assert total == 300 + sum(created.values())
    assert AsyncStagingRecord.objects.count() == total  # none lost, none uploaded twice
    per_guid = Counter(Customer.objects.values_list("origin_async_id", flat=True))
    assert len(per_guid) == total and max(per_guid.values()) == 1
    assert Customer.objects.values("account_number").distinct().count() == total
    assert not AsyncCustomer.objects.filter(account_number="").exists()
    for store in (a, b):
        assert channel_customer_copies(store).count() == total


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_pjob_waits_for_a_pos_write_that_has_taken_its_counter(settings):
    """The write asked whether a queued run covers it before it committed; that run's P-job
    must not read the channel's head in between, or the record waits for the schedules."""
    from django.db import transaction

    from channels_app.services.pos import async_customer_create
    from hqcommerce.services.upload import pjob_run

    settings.HQ_AUTO_CONVERT = False
    store = ChannelFactory()
    async_customer_create(channel=store, data={"first_name": "Committed", "last_name": "T"})
    counter_taken, commit = threading.Event(), threading.Event()
    results = {}

    def pos_write() -> None:
        try:
            with transaction.atomic(using=store.database_alias):
                async_customer_create(channel=store, data={"first_name": "Open", "last_name": "T"})
                counter_taken.set()
                commit.wait(10)
        finally:
            connections.close_all()

    def pjob() -> None:
        try:
            results["pjob"] = pjob_run(channels=[store.code])
        finally:
            connections.close_all()

    writer = threading.Thread(target=pos_write)
    writer.start()
    assert counter_taken.wait(10)
    uploader = threading.Thread(target=pjob)
    uploader.start()
    uploader.join(0.5)
    still_waiting = uploader.is_alive()
    commit.set()
    writer.join(10)
    uploader.join(10)

    assert still_waiting  # blocked on the open write, not finished below it
    assert results["pjob"].created == 2
    uploaded = AsyncStagingRecord.objects.order_by("source_counter")
    assert [r.payload["first_name"] for r in uploaded] == ["Committed", "Open"]
