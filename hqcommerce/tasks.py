"""django-q2 entry points: one line each, calling a service."""

from __future__ import annotations

from hqcommerce.models.jobs import TriggeredBy
from hqcommerce.services.jobs import job_run_create, job_run_execute


def run_job(job_run_id: int) -> str:
    return job_run_execute(job_run_id).status


def run_scheduled_job(kind: str) -> str:
    run = job_run_create(kind=kind, triggered_by=TriggeredBy.SCHEDULE)
    return job_run_execute(run.pk).status
