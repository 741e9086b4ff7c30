"""django-q2 entry points: one line each, calling a service.

With HQ's database down a job cannot run (nor record that it did not): the task logs why and
returns, and the worker goes on with the next task.
"""

from __future__ import annotations

import logging

from hqcommerce.models.jobs import TriggeredBy
from hqcommerce.services.jobs import (
    HQUnreachableError,
    hq_reachable,
    job_run_create,
    job_run_execute,
)

logger = logging.getLogger(__name__)
HQ_UNREACHABLE = "hq_unreachable"


def run_job(job_run_id: int) -> str:
    try:
        with hq_reachable():
            return job_run_execute(job_run_id).status
    except HQUnreachableError as exc:
        logger.error("job run %s: %s", job_run_id, exc)
        return HQ_UNREACHABLE


def run_scheduled_job(kind: str) -> str:
    try:
        with hq_reachable():
            run = job_run_create(kind=kind, triggered_by=TriggeredBy.SCHEDULE)
            return job_run_execute(run.pk).status
    except HQUnreachableError as exc:
        logger.error("scheduled %s: %s", kind, exc)
        return HQ_UNREACHABLE
