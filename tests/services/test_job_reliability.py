"""Stale job runs and the per-channel job lock."""

from datetime import timedelta

from django.utils import timezone

from hqcommerce.models import JobLock, JobRun
from hqcommerce.models.jobs import JobKind, JobStatus, TriggeredBy
from hqcommerce.services import jobs as jobs_runtime
from hqcommerce.services.jobs import job_run_create, job_run_execute, job_runs_fail_stale
from tests.factories import ChannelFactory


def _running(kind="pjob", channel=None, heartbeat_age=0) -> JobRun:
    run = job_run_create(
        kind=kind, channels=[channel.code] if channel else None, triggered_by=TriggeredBy.COMMAND
    )
    beat = timezone.now() - timedelta(seconds=heartbeat_age)
    JobRun.objects.filter(pk=run.pk).update(
        status=JobStatus.RUNNING, started_at=beat, heartbeat_at=beat
    )
    return run


def test_a_run_whose_worker_died_is_marked_failed_with_the_reason(channel, settings):
    settings.HQ_JOB_STALE_SECONDS = 60
    dead = _running(channel=channel, heartbeat_age=120)
    alive = _running(kind="distribution", channel=channel, heartbeat_age=5)
    JobLock.objects.create(kind="pjob", channel_code=channel.code, job_run=dead)

    assert job_runs_fail_stale() == 1

    dead.refresh_from_db()
    assert dead.status == JobStatus.FAILED
    assert "stopped (no heartbeat since" in dead.error_summary
    assert not JobLock.objects.exists()
    alive.refresh_from_db()
    assert alive.status == JobStatus.RUNNING


def test_the_same_job_on_the_same_channel_is_refused_while_one_runs(channel, settings):
    settings.HQ_JOB_LOCK_WAIT_SECONDS = 0
    holder = _running(channel=channel)
    JobLock.objects.create(kind="pjob", channel_code=channel.code, job_run=holder)
    second = job_run_create(kind="pjob", channels=[channel.code], triggered_by="command")

    second = job_run_execute(second.pk)

    assert second.status == JobStatus.FAILED
    assert f"already running for {channel.code} (job run #{holder.pk})" in second.error_summary
    assert JobLock.objects.get().job_run == holder  # the holder keeps its lock


def test_other_channels_and_other_jobs_are_not_blocked(channel, settings):
    settings.HQ_JOB_LOCK_WAIT_SECONDS = 0
    holder = _running(channel=channel)
    JobLock.objects.create(kind="pjob", channel_code=channel.code, job_run=holder)
    other = ChannelFactory()

    elsewhere = job_run_execute(
        job_run_create(kind="pjob", channels=[other.code], triggered_by="command").pk
    )
    another_job = job_run_execute(
        job_run_create(kind="distribution", channels=[channel.code], triggered_by="command").pk
    )

    assert elsewhere.status == another_job.status == JobStatus.SUCCEEDED
    assert list(JobLock.objects.values_list("job_run", flat=True)) == [holder.pk]


def test_a_dead_holder_does_not_block_forever(channel, settings):
    settings.HQ_JOB_STALE_SECONDS = 60
    settings.HQ_JOB_LOCK_WAIT_SECONDS = 5
    dead = _running(channel=channel, heartbeat_age=600)
    JobLock.objects.create(kind="pjob", channel_code=channel.code, job_run=dead)

    run = job_run_execute(job_run_create(kind="pjob", triggered_by="command").pk)

    assert run.status == JobStatus.SUCCEEDED
    dead.refresh_from_db()
    assert dead.status == JobStatus.FAILED
    assert not JobLock.objects.exists()


def test_locks_are_released_when_a_run_fails(channel, monkeypatch):

    monkeypatch.setitem(jobs_runtime._SERVICES, JobKind.PJOB, lambda **kw: 1 / 0)
    run = job_run_execute(job_run_create(kind="pjob", triggered_by="command").pk)

    assert run.status == JobStatus.FAILED
    assert not JobLock.objects.exists()


def test_a_lock_left_by_a_finished_run_does_not_block(channel, settings):
    settings.HQ_JOB_LOCK_WAIT_SECONDS = 5
    finished = _running(channel=channel)
    JobLock.objects.create(kind="pjob", channel_code=channel.code, job_run=finished)
    JobRun.objects.filter(pk=finished.pk).update(
        status=JobStatus.SUCCEEDED, finished_at=timezone.now()
    )

    run = job_run_execute(job_run_create(kind="pjob", triggered_by="command").pk)

    assert run.status == JobStatus.SUCCEEDED
    assert not JobLock.objects.exists()
