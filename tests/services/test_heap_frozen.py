"""Jobs run with the process's existing objects frozen out of the cyclic GC (heap_frozen),
and leave the collector as they found it."""

from __future__ import annotations

import gc

import pytest

from hqcommerce.models.jobs import JobKind, JobStatus, TriggeredBy
from hqcommerce.services import jobs
from hqcommerce.services.jobs import heap_frozen, job_run_create, job_run_execute


@pytest.fixture
def freeze_counts_at_job_start(monkeypatch):
    """The frozen object count each job sees when it creates its tracker (every job does)."""
    seen: list[int] = []
    original = jobs.JobTracker.__init__

    def spy(self, *args, **kwargs):
        seen.append(gc.get_freeze_count())
        original(self, *args, **kwargs)

    monkeypatch.setattr(jobs.JobTracker, "__init__", spy)
    return seen


@pytest.mark.parametrize("kind", [k.value for k in JobKind])
def test_every_job_runs_with_the_heap_frozen_and_unfreezes_it_after(
    kind, channel, make_async_customer, freeze_counts_at_job_start
):
    make_async_customer(channel)
    assert gc.get_freeze_count() == 0

    run = job_run_execute(job_run_create(kind=kind, triggered_by=TriggeredBy.COMMAND).pk)

    assert run.status in (JobStatus.SUCCEEDED, JobStatus.PARTIALLY_FAILED), run.error_summary
    assert freeze_counts_at_job_start, "the job created no tracker"
    assert all(count > 0 for count in freeze_counts_at_job_start)
    assert gc.get_freeze_count() == 0


def test_a_failing_job_unfreezes_the_heap():
    @heap_frozen
    def job():
        assert gc.get_freeze_count() > 0
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        job()
    assert gc.get_freeze_count() == 0


def test_a_nested_job_leaves_the_outer_jobs_freeze_alone():
    @heap_frozen
    def inner():
        return gc.get_freeze_count()

    @heap_frozen
    def outer():
        during_inner = inner()
        return during_inner, gc.get_freeze_count()

    during_inner, after_inner = outer()
    assert during_inner > 0 and after_inner > 0
    assert gc.get_freeze_count() == 0


def test_a_heap_frozen_by_someone_else_stays_frozen(monkeypatch):
    gc.freeze()
    try:
        unfreezes = []
        monkeypatch.setattr(gc, "unfreeze", lambda: unfreezes.append(1))
        assert heap_frozen(gc.get_freeze_count)() > 0
        assert unfreezes == []
        assert gc.get_freeze_count() > 0
    finally:
        monkeypatch.undo()
        gc.unfreeze()
