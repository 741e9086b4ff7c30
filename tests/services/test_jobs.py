import pytest
from django_q.models import Schedule

from channels_app.errors import UnknownChannelError
from hqcommerce.models import JobRun
from hqcommerce.models.jobs import JobKind, JobStatus, TriggeredBy
from hqcommerce.services import jobs as jobs_runtime
from hqcommerce.services.jobs import job_enqueue, job_run_create, job_run_execute
from hqcommerce.services.schedules import schedules_install
from hqcommerce.tasks import run_job, run_scheduled_job


def test_the_orm_broker_queues_the_task_in_the_runs_own_transaction(channel, monkeypatch):
    """Without `sync`, the ORM broker's queue row commits or rolls back with the run."""
    from django.db import transaction
    from django_q.conf import Conf
    from django_q.models import OrmQ

    monkeypatch.setattr(Conf, "SYNC", False)

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        job_enqueue(kind=JobKind.PJOB, triggered_by=TriggeredBy.API)
        assert OrmQ.objects.count() == 1  # written inside, visible to nobody else yet
        raise Abort
    assert not JobRun.objects.exists() and not OrmQ.objects.exists()

    run = job_enqueue(kind=JobKind.PJOB, triggered_by=TriggeredBy.API)
    assert OrmQ.objects.count() == 1
    assert run.task_id and JobRun.objects.get().task_id == run.task_id
    assert OrmQ.objects.get().task_id() == run.task_id


def test_enqueued_job_runs_after_commit_through_django_q(
    channel, make_async_customer, django_capture_on_commit_callbacks
):
    make_async_customer(channel)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = job_enqueue(kind=JobKind.PJOB, triggered_by=TriggeredBy.API)
    assert run.status == JobStatus.QUEUED
    assert len(callbacks) == 1

    callbacks[0]()  # the commit; django-q2 runs the task inline in tests (sync: True)

    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED
    assert run.processed == 1
    assert run.task_id


def test_a_task_delivered_twice_runs_the_job_once(channel, make_async_customer):
    make_async_customer(channel)
    run = job_run_create(kind=JobKind.PJOB, triggered_by=TriggeredBy.API)

    assert run_job(run.pk) == JobStatus.SUCCEEDED
    first = JobRun.objects.get(pk=run.pk)
    assert run_job(run.pk) == JobStatus.SUCCEEDED

    again = JobRun.objects.get(pk=run.pk)
    assert (again.finished_at, again.processed) == (first.finished_at, 1)


def test_unknown_channel_is_refused_before_anything_is_queued(db):
    with pytest.raises(UnknownChannelError, match="NOPE"):
        job_enqueue(kind=JobKind.PJOB, channels=["nope"], triggered_by=TriggeredBy.API)
    assert not JobRun.objects.exists()


def test_unexpected_error_fails_the_run_with_a_reason(channel, monkeypatch):

    def broken(**kwargs):
        raise ValueError("disk full")

    monkeypatch.setitem(jobs_runtime._SERVICES, JobKind.PJOB, broken)
    run = job_run_create(kind=JobKind.PJOB, triggered_by=TriggeredBy.API)

    run = job_run_execute(run.pk)

    assert run.status == JobStatus.FAILED
    assert "disk full" in run.error_summary
    assert run.finished_at is not None


def test_scheduled_task_records_a_job_run_triggered_by_the_schedule(channel):
    assert run_scheduled_job(JobKind.DISTRIBUTION) == JobStatus.SUCCEEDED
    assert JobRun.objects.get().triggered_by == TriggeredBy.SCHEDULE


def test_schedules_install_is_idempotent_and_keeps_edited_intervals(db):
    schedules_install(minutes=15)
    Schedule.objects.filter(name="1010 (Customers)").update(minutes=5)

    again = schedules_install(minutes=15)

    assert not any(created for _, created in again)
    assert Schedule.objects.count() == 7
    assert Schedule.objects.get(name="Statement posting (EOD)").schedule_type == Schedule.DAILY
    purge = Schedule.objects.get(name="Purge history (retention)")
    assert (purge.schedule_type, purge.args, purge.next_run.hour) == (Schedule.DAILY, "'purge'", 3)
    assert Schedule.objects.get(name="1010 (Customers)").minutes == 5
    assert set(Schedule.objects.values_list("func", flat=True)) == {
        "hqcommerce.tasks.run_scheduled_job"
    }


def test_installed_schedules_first_run_one_interval_later_so_the_demo_can_be_followed(db):
    from datetime import timedelta

    from django.utils import timezone

    before = timezone.now()
    schedules_install(minutes=15)

    runs = dict(Schedule.objects.values_list("name", "next_run"))
    assert runs["P-job (upload async customers)"] >= before + timedelta(minutes=15)
    assert runs["Synchronize customers and channel requests"] >= before + timedelta(minutes=20)
    assert runs["1010 (Customers)"] >= before + timedelta(minutes=25)
