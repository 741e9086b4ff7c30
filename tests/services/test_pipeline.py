from channels_app.models import AsyncCustomer, ChannelCustomer
from channels_app.selectors import channel_customer_copies
from hqcommerce.models import AsyncStagingRecord, Customer, JobRun
from hqcommerce.models.jobs import JobKind, JobStatus, TriggeredBy
from hqcommerce.services import jobs as jobs_runtime
from hqcommerce.services.jobs import job_run_create, job_run_execute
from tests.factories import ChannelFactory


def _convert(**kwargs) -> JobRun:
    run = job_run_create(kind=JobKind.CONVERT, triggered_by=TriggeredBy.COMMAND, **kwargs)
    return job_run_execute(run.pk)


def test_the_seeds_three_steps_turn_async_customers_into_mapped_hq_customers(
    channel, make_async_customer
):
    other = ChannelFactory()
    ids = [make_async_customer(channel) for _ in range(3)]
    bad = make_async_customer(channel, contacts=[{"kind": "phone", "value": "12"}])

    run = _convert()

    assert run.status == JobStatus.PARTIALLY_FAILED
    steps = list(run.steps.order_by("pk"))
    assert [s.kind for s in steps] == [JobKind.PJOB, JobKind.CUSTOMER_SYNC, JobKind.DISTRIBUTION]
    assert [s.status for s in steps] == [
        JobStatus.SUCCEEDED,
        JobStatus.PARTIALLY_FAILED,
        JobStatus.SUCCEEDED,
    ]
    assert (steps[1].created, steps[1].failed) == (3, 1)
    for async_id in ids:
        account = Customer.objects.get(origin_async_id=async_id).account_number
        assert AsyncCustomer.objects.get(async_id=async_id).account_number == account
        assert channel_customer_copies(other).filter(account_number=account).exists()
    assert AsyncCustomer.objects.get(async_id=bad).is_pending_sync
    assert "Contacts 1, value" in run.error_summary  # the path in words
    assert (run.progress_done, run.progress_total) == (3, 3)


def test_converting_twice_changes_nothing_the_second_time(channel, make_async_customer):
    for _ in range(3):
        make_async_customer(channel)
    _convert()
    snapshot = (
        Customer.objects.count(),
        AsyncStagingRecord.objects.count(),
        ChannelCustomer.objects.count(),
    )

    again = _convert()

    assert again.status == JobStatus.SUCCEEDED
    assert (again.processed, again.created) == (0, 0)
    assert snapshot == (
        Customer.objects.count(),
        AsyncStagingRecord.objects.count(),
        ChannelCustomer.objects.count(),
    )


def test_a_failed_step_stops_the_steps_after_it_with_the_reason(
    channel, make_async_customer, monkeypatch
):
    make_async_customer(channel)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setitem(jobs_runtime._SERVICES, JobKind.CUSTOMER_SYNC, broken)

    run = _convert()

    assert run.status == JobStatus.FAILED
    assert "database went away" in run.error_summary
    assert "Not run: 1010 (Customers)" in run.error_summary
    assert [s.kind for s in run.steps.order_by("pk")] == [JobKind.PJOB, JobKind.CUSTOMER_SYNC]
    assert AsyncStagingRecord.objects.count() == 1


def test_convert_dry_run_writes_only_job_runs(channel, make_async_customer):
    make_async_customer(channel)

    run = _convert(dry_run=True)

    assert run.status == JobStatus.SUCCEEDED
    assert run.dry_run
    assert not AsyncStagingRecord.objects.exists()
    assert not run.steps.exists()  # a rehearsal's steps roll back with its work


def test_a_convert_dry_run_reports_what_the_real_run_then_does_and_changes_nothing(
    channel, make_async_customer
):
    from hqcommerce.models import Channel, NumberSequence

    ChannelFactory()  # a second store for 1010
    for _ in range(3):
        make_async_customer(channel)
    make_async_customer(channel, contacts=[{"kind": "phone", "value": "12"}])
    sequences = list(NumberSequence.objects.values_list("code", "next_value"))
    watermark = Channel.objects.get(pk=channel.pk).upload_watermark

    dry = _convert(dry_run=True)

    assert dry.dry_run and dry.failed == 1  # the sync's checks ran on what was not uploaded
    assert not AsyncStagingRecord.objects.exists() and not Customer.objects.exists()
    assert not AsyncCustomer.objects.filter(uploaded_at__isnull=False).exists()
    assert not ChannelCustomer.objects.exists()
    assert list(NumberSequence.objects.values_list("code", "next_value")) == sequences
    assert Channel.objects.get(pk=channel.pk).upload_watermark == watermark

    real = _convert()

    counts = ("processed", "created", "skipped", "failed")
    assert [getattr(dry, c) for c in counts] == [getattr(real, c) for c in counts]
    assert real.failed == 1 and Customer.objects.count() == 3
