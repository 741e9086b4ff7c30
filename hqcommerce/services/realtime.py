"""Near-real-time conversion: an async record committed at a store queues a conversion.

A burst of POS writes must not become a burst of pipeline runs. Each channel has one
`ConversionTrigger` row; every transition is a conditional UPDATE, so many web and worker
processes agree without in-process memory:

    idle --request--> queued --worker starts--> running --finish--> idle
                                                running --request--> running + rerun
                                  running + rerun --finish--> queued (one more run)

So per channel there is at most one queued-or-running convert and one waiting. A trigger
stuck in queued/running longer than HQ_TRIGGER_STALE_SECONDS (worker died, task lost) is
re-armed by the next request; the recurring schedules remain the safety net.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from hqcommerce.models import Channel, ConversionTrigger, JobRun
from hqcommerce.models.jobs import JobKind, TriggeredBy, TriggerState

logger = logging.getLogger(__name__)


def auto_convert_enabled(channel: Channel) -> bool:
    return settings.HQ_AUTO_CONVERT and channel.profile.auto_convert


def _enqueue(channel: Channel) -> JobRun:
    from .jobs import job_enqueue

    run = job_enqueue(kind=JobKind.CONVERT, channels=[channel.code], triggered_by=TriggeredBy.AUTO)
    ConversionTrigger.objects.filter(channel=channel).update(last_job_run=run)
    return run


def auto_convert_request(*, channel_id: int) -> JobRun | None:
    """Called after a channel commits an async record. Returns the run it queued, if any."""
    channel = Channel.objects.select_related("profile").get(pk=channel_id)
    if not auto_convert_enabled(channel):
        return None
    ConversionTrigger.objects.get_or_create(channel=channel)
    triggers = ConversionTrigger.objects.filter(channel=channel)
    stale = timezone.now() - timedelta(seconds=settings.HQ_TRIGGER_STALE_SECONDS)
    for _ in range(3):
        claimed = triggers.filter(
            Q(state=TriggerState.IDLE)
            | Q(state__in=[TriggerState.QUEUED, TriggerState.RUNNING], changed_at__lt=stale)
        ).update(state=TriggerState.QUEUED, rerun=False, changed_at=timezone.now())
        if claimed:
            return _enqueue(channel)
        if triggers.filter(state=TriggerState.RUNNING).update(rerun=True):
            return None  # the running convert goes once more when it finishes
        if triggers.filter(state=TriggerState.QUEUED).exists():
            return None  # the queued convert will see this record
        # It went idle between our updates: try again.
    logger.warning("conversion trigger for %s kept changing; the schedules will catch up", channel)
    return None


def auto_convert_started(*, channel_codes: list[str]) -> None:
    ConversionTrigger.objects.filter(channel__code__in=channel_codes).update(
        state=TriggerState.RUNNING, rerun=False, changed_at=timezone.now()
    )


def auto_convert_finished(*, channel_codes: list[str]) -> list[JobRun]:
    """Back to idle, or queue the one waiting run if records arrived meanwhile."""
    queued = []
    for channel in Channel.objects.filter(code__in=channel_codes).select_related("profile"):
        triggers = ConversionTrigger.objects.filter(channel=channel, state=TriggerState.RUNNING)
        if triggers.filter(rerun=False).update(state=TriggerState.IDLE, changed_at=timezone.now()):
            continue
        if triggers.filter(rerun=True).update(
            state=TriggerState.QUEUED, rerun=False, changed_at=timezone.now()
        ):
            queued.append(_enqueue(channel))
    return queued
