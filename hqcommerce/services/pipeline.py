"""Convert async customers: P-job, then customer sync, then 1010, as one parent job run.

Steps run inline, one after the other, each as a child job run with its own counts. A step
that fails stops the steps after it (django-q2's Chain would enqueue them anyway). Records
that fail validation do not fail the sync step: 1010 still distributes the others.
The channel filter applies to the P-job and the sync; 1010 always runs for every channel,
because a customer converted at one store must be findable at the others.

Configuration is not a step: 1070 (`configuration.channel_configuration_run`, `run_1070`)
sends the stores' settings and device keys to their channel databases on its own schedule,
and saving a channel, a profile or a key writes that store through at once. A store must
have it before its POS can record anything for this pipeline to convert.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from channels_app.errors import HQError
from hqcommerce.models import JobRun
from hqcommerce.models.jobs import JobKind, JobStatus, TriggeredBy

from .jobs import (
    JobResult,
    JobTracker,
    ProgressCallback,
    heap_frozen,
    job_run_create,
    job_run_execute,
    job_service,
    rehearsed,
)

STEPS = (JobKind.PJOB, JobKind.CUSTOMER_SYNC, JobKind.DISTRIBUTION)


class PipelineStepFailed(HQError):
    pass


@job_service(JobKind.CONVERT)
@rehearsed
@heap_frozen
def convert_run(
    *,
    channels: list[str] | None = None,
    dry_run: bool = False,
    job_run: JobRun | None = None,
    progress: ProgressCallback | None = None,
) -> JobResult:
    auto = job_run is not None and job_run.triggered_by == TriggeredBy.AUTO and channels
    if not auto:
        return _convert(channels=channels, dry_run=dry_run, job_run=job_run, progress=progress)
    from .realtime import auto_convert_finished, auto_convert_started

    claimed = auto_convert_started(job_run=job_run)
    if not claimed:  # another auto run took this channel's work already
        return JobResult(dry_run=dry_run)
    try:
        return _convert(channels=claimed, dry_run=dry_run, job_run=job_run, progress=progress)
    finally:
        auto_convert_finished(channel_codes=claimed)


def _convert(*, channels, dry_run, job_run, progress) -> JobResult:
    tracker = JobTracker(job_run, None, dry_run=dry_run)
    tracker.add_total(len(STEPS))
    for index, kind in enumerate(STEPS):
        step = job_run_create(
            kind=kind,
            channels=None if kind == JobKind.DISTRIBUTION else channels,
            dry_run=dry_run,
            triggered_by=TriggeredBy.PIPELINE,
            parent=job_run,
        )
        step = job_run_execute(step.pk, progress=progress)
        tracker.result.merge(
            JobResult(
                processed=step.processed,
                created=step.created,
                skipped=step.skipped,
                failed=step.failed,
                errors=step.error_lines()[:20],
                unreachable=dict(step.unreachable),
            )
        )
        if step.status == JobStatus.FAILED:
            skipped = ", ".join(str(JobKind(k).label) for k in STEPS[index + 1 :]) or _("none")
            raise PipelineStepFailed(
                _(
                    "Step %(step)s (job run #%(id)s) failed: %(error_summary)s. "
                    "Not run: %(skipped)s."
                )
                % {
                    "step": step.get_kind_display(),
                    "id": step.pk,
                    "error_summary": step.error_summary,
                    "skipped": skipped,
                }
            )
        tracker.set_done(index + 1)
    return tracker.result
