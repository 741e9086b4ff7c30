"""Near-real-time conversion: coalesced per channel, in the database."""

import pytest

from channels_app.models import AsyncCustomer, ConversionTrigger, TriggerState
from channels_app.selectors import channel_customer_copies
from hqcommerce.models import Customer, JobRun
from hqcommerce.services import jobs as jobs_service
from hqcommerce.services.configuration import channel_configuration_push
from hqcommerce.services.jobs import job_run_execute
from hqcommerce.services.realtime import auto_convert_poll
from hqcommerce.tasks import run_scheduled_job
from tests.factories import ChannelFactory


@pytest.fixture
def worker(monkeypatch, settings):
    """A stand-in broker: queued job runs wait here until the test lets the worker drain."""
    settings.HQ_AUTO_CONVERT = True
    settings.HQ_TRIGGER_MIN_INTERVAL_SECONDS = 0
    queue: list[int] = []
    monkeypatch.setattr(jobs_service, "_enqueue_task", queue.append)

    def drain() -> int:
        ran = 0
        while queue:
            job_run_execute(queue.pop(0))
            ran += 1
        return ran

    return queue, drain


def _create(channel, make_async_customer, n, django_capture_on_commit_callbacks, **kw):
    """Stores create customers; after each, HQ's trigger watcher polls (as it does every
    HQ_TRIGGER_POLL_SECONDS)."""
    ids = []
    for _ in range(n):
        ids.append(make_async_customer(channel, **kw))
        with django_capture_on_commit_callbacks(execute=True):
            auto_convert_poll()
    return ids


def test_a_burst_queues_one_conversion_per_channel_and_draining_converts_all(
    channel, make_async_customer, worker, django_capture_on_commit_callbacks
):
    queue, drain = worker
    other = ChannelFactory()
    ids = _create(channel, make_async_customer, 30, django_capture_on_commit_callbacks)
    ids += _create(other, make_async_customer, 20, django_capture_on_commit_callbacks)

    assert len(queue) == 1  # one run, not 50: it will claim every queued channel
    assert set(ConversionTrigger.objects.values_list("state", flat=True)) == {TriggerState.QUEUED}

    assert drain() == 1
    (run,) = JobRun.objects.filter(parent__isnull=True)
    assert (run.kind, run.triggered_by) == ("convert", "auto")
    assert sorted(run.channel_codes) == sorted([channel.code, other.code])
    assert Customer.objects.count() == 50
    assert Customer.objects.values("origin_async_id").distinct().count() == 50
    for store in (channel, other):
        assert channel_customer_copies(store).count() == 50
    assert not AsyncCustomer.objects.filter(account_number="").exists()
    assert set(ConversionTrigger.objects.values_list("state", flat=True)) == {TriggerState.IDLE}
    # Each trigger names the run that served it, and counts it.
    assert set(ConversionTrigger.objects.values_list("last_job_run_id", "runs")) == {(run.pk, 1)}


def test_records_arriving_while_a_run_is_running_get_exactly_one_more_run(
    channel, make_async_customer, worker, django_capture_on_commit_callbacks
):
    queue, drain = worker
    _create(channel, make_async_customer, 1, django_capture_on_commit_callbacks)
    assert len(queue) == 1
    # The worker has picked the run up and is converting.
    JobRun.objects.update(status="running")
    ConversionTrigger.objects.filter(channel_id=channel.pk).update(state=TriggerState.RUNNING)

    late = _create(channel, make_async_customer, 10, django_capture_on_commit_callbacks)

    assert len(queue) == 1  # still one: the others wait as a single rerun
    trigger = ConversionTrigger.objects.get(channel_id=channel.pk)
    assert (trigger.state, trigger.rerun) == (TriggerState.RUNNING, True)
    from hqcommerce.services.realtime import auto_convert_finished

    with django_capture_on_commit_callbacks(execute=True):
        auto_convert_finished(channel_codes=[channel.code])
    assert len(queue) == 2
    queue.pop(0)  # the first run, finished above
    drain()
    assert Customer.objects.filter(origin_async_id__in=late).count() == 10


def test_a_failing_record_is_not_retried_in_a_loop(
    channel, make_async_customer, worker, django_capture_on_commit_callbacks
):
    queue, drain = worker
    _create(
        channel,
        make_async_customer,
        1,
        django_capture_on_commit_callbacks,
        contacts=[{"kind": "email", "value": "bad"}],
    )
    drain()

    assert queue == []
    assert JobRun.objects.filter(kind="convert").count() == 1
    assert ConversionTrigger.objects.get(channel_id=channel.pk).state == TriggerState.IDLE


def test_with_the_worker_stopped_nothing_is_lost_and_the_schedule_converts(
    channel, make_async_customer, worker, django_capture_on_commit_callbacks
):
    queue, _ = worker
    ids = _create(channel, make_async_customer, 5, django_capture_on_commit_callbacks)
    queue.clear()  # the worker never comes: the queued task is lost

    for kind in ("pjob", "customer_sync", "distribution"):
        run_scheduled_job(kind)

    assert Customer.objects.filter(origin_async_id__in=ids).count() == 5
    assert not AsyncCustomer.objects.filter(account_number="").exists()


def test_a_stale_trigger_is_re_armed(
    channel, make_async_customer, worker, settings, django_capture_on_commit_callbacks
):
    queue, drain = worker
    _create(channel, make_async_customer, 1, django_capture_on_commit_callbacks)
    queue.clear()  # lost
    settings.HQ_TRIGGER_STALE_SECONDS = -1

    _create(channel, make_async_customer, 1, django_capture_on_commit_callbacks)

    assert len(queue) == 1
    drain()
    assert Customer.objects.count() == 2


def test_disabling_the_trigger_falls_back_to_schedules_only(
    channel, make_async_customer, worker, django_capture_on_commit_callbacks
):
    queue, _ = worker
    channel.profile.auto_convert = False
    channel.profile.save()
    channel_configuration_push(channels=[channel])  # as saving it in the admin does

    _create(channel, make_async_customer, 3, django_capture_on_commit_callbacks)

    assert queue == []
    assert not JobRun.objects.exists()


def test_a_failure_to_queue_never_loses_the_pos_write(
    channel, make_async_customer, worker, monkeypatch, django_capture_on_commit_callbacks
):
    queue, drain = worker
    from channels_app.services import pos

    def broken(channel):
        raise RuntimeError("trigger table unavailable")

    with monkeypatch.context() as patch:
        patch.setattr(pos, "conversion_request", broken)
        (guid,) = _create(channel, make_async_customer, 1, django_capture_on_commit_callbacks)

    assert AsyncCustomer.objects.filter(async_id=guid).exists()
    assert queue == [] and not JobRun.objects.exists()
    # The claim rolled back with its savepoint: the next write queues a run.
    assert not ConversionTrigger.objects.filter(state=TriggerState.QUEUED).exists()
    _create(channel, make_async_customer, 1, django_capture_on_commit_callbacks)
    assert len(queue) == 1
    drain()
    assert Customer.objects.filter(origin_async_id=guid).exists()


def test_other_async_records_trigger_too(
    channel, worker, record_sale, django_capture_on_commit_callbacks
):
    queue, _ = worker
    record_sale(channel, kind="cash_and_carry")
    with django_capture_on_commit_callbacks(execute=True):
        auto_convert_poll()
    assert len(queue) == 1


def test_dashboard_latency_percentiles(channel, make_async_customer):
    from datetime import timedelta

    from django.utils import timezone

    from hqcommerce.selectors import conversion_latency
    from hqcommerce.services.pipeline import convert_run

    for _ in range(4):
        make_async_customer(channel)
    convert_run()
    now = timezone.now()
    for seconds, customer in zip([1, 2, 3, 10], AsyncCustomer.objects.order_by("pk"), strict=True):
        AsyncCustomer.objects.filter(pk=customer.pk).update(
            created_at=now - timedelta(seconds=seconds), mapped_at=now
        )

    latency = conversion_latency(now=now)

    assert (latency.count, latency.p50, latency.p95) == (4, 2.0, 10.0)


def test_on_sqlite_an_auto_run_writes_in_small_transactions_and_a_scheduled_one_does_not(
    channel, make_async_customer, worker, django_capture_on_commit_callbacks, settings, monkeypatch
):
    from django.db import connection

    from hqcommerce.services import customer_sync

    if connection.vendor != "sqlite":
        pytest.skip("only SQLite has a single write lock to share")
    settings.HQ_AUTO_BATCH_SIZE = 2
    batches: list[int] = []
    plan = customer_sync._plan
    monkeypatch.setattr(
        customer_sync,
        "_plan",
        lambda records, ctx: batches.append(len(records)) or plan(records, ctx),
    )
    _create(channel, make_async_customer, 5, django_capture_on_commit_callbacks)
    worker[1]()
    assert batches == [2, 2, 1]
    assert not AsyncCustomer.objects.filter(account_number="").exists()

    settings.HQ_AUTO_CONVERT = False
    _create(channel, make_async_customer, 5, django_capture_on_commit_callbacks)
    batches.clear()
    run_scheduled_job("convert")
    assert batches == [5]


def test_a_covered_pos_write_learns_it_with_its_counter_in_one_statement(
    channel, make_async_customer, worker, django_capture_on_commit_callbacks
):
    """Under load nearly every write finds a run queued: it must not pay a round trip of its
    own to learn that."""
    from django.conf import settings
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    queue, _drain = worker
    _create(channel, make_async_customer, 1, django_capture_on_commit_callbacks)
    assert len(queue) == 1

    store_database = connections[settings.CHANNEL_DATABASES["DEFAULT"]]
    with (
        CaptureQueriesContext(store_database) as queries,
        CaptureQueriesContext(connections["default"]) as hq_queries,
    ):
        make_async_customer(channel)

    assert hq_queries.captured_queries == []  # the POS never touches HQ

    trigger_table = ConversionTrigger._meta.db_table
    touching = [q["sql"] for q in queries.captured_queries if trigger_table in q["sql"]]
    assert len(touching) == 1 and touching[0].startswith("UPDATE")
    assert len(queue) == 1
