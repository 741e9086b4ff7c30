"""Near-real-time conversion: an async record committed at a store queues a conversion.

A burst of POS writes must not become a burst of pipeline runs. Each channel has one
`ConversionTrigger` row; every transition is a conditional UPDATE, so many web and worker
processes agree without in-process memory:

    idle --request--> queued --worker starts--> running --finish--> idle
                                                running --request--> running + rerun
                                  running + rerun --finish--> queued (one more run)

So per channel there is at most one queued-or-running convert and one waiting. A starting
auto run claims every queued channel at once, and auto runs start at least
HQ_TRIGGER_MIN_INTERVAL_SECONDS apart, so a steady stream of writes gathers into few runs.
A trigger
stuck in queued/running longer than HQ_TRIGGER_STALE_SECONDS (worker died, task lost) is
re-armed by the next request; the recurring schedules remain the safety net.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from hqcommerce.models import Channel, ConversionTrigger, JobRun
from hqcommerce.models.jobs import JobKind, TriggeredBy, TriggerState

logger = logging.getLogger(__name__)


def auto_convert_enabled(channel: Channel) -> bool:
    return settings.HQ_AUTO_CONVERT and channel.profile.auto_convert


def _enqueue(channel: Channel) -> JobRun | None:
    """Queue an auto run, unless one is queued already: it will claim this channel too.

    The claiming POS request pays for this, so the usual case (a run is waiting) is a single
    EXISTS; the run records itself on the triggers it claims (auto_convert_started).
    """
    from .jobs import job_enqueue

    stale = timezone.now() - timedelta(seconds=settings.HQ_TRIGGER_STALE_SECONDS)
    waiting = JobRun.objects.filter(
        kind=JobKind.CONVERT,
        triggered_by=TriggeredBy.AUTO,
        status="queued",
        queued_at__gte=stale,
    ).exists()
    if waiting:
        return None
    return job_enqueue(kind=JobKind.CONVERT, channels=[channel.code], triggered_by=TriggeredBy.AUTO)


def auto_convert_covered_sql(channel_id: int) -> tuple[str, list]:
    """`EXISTS (...)` true when a conversion that will see a record written now is already
    queued (or waiting to rerun), and its parameters. The POS puts it in the statement that
    takes its upload counter, so under load a write pays no extra round trip for it."""
    stale = timezone.now() - timedelta(seconds=settings.HQ_TRIGGER_STALE_SECONDS)
    table = connection.ops.quote_name(ConversionTrigger._meta.db_table)
    sql = (
        f"EXISTS (SELECT 1 FROM {table} WHERE channel_id = %s AND changed_at >= %s "
        "AND (state = %s OR (state = %s AND rerun = %s)))"
    )
    params = [
        channel_id,
        connection.ops.adapt_datetimefield_value(stale),
        TriggerState.QUEUED.value,
        TriggerState.RUNNING.value,
        True,
    ]
    return sql, params


def auto_convert_covered(*, channel_id: int) -> bool:
    """Is a conversion that will see a record written now already queued (or waiting to
    rerun)? Under load nearly always: one SELECT, and nothing written.

    Every POS write of an async record asks this, so it is one hand-written statement:
    built through the ORM it cost ten times as much (on SQLite 250 µs against 27).
    """
    sql, params = auto_convert_covered_sql(channel_id)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        return bool(cursor.fetchone()[0])


def auto_convert_request(
    *, channel_id: int, channel: Channel | None = None, checked: bool = False
) -> JobRun | None:
    """Called in the transaction that writes a channel's async record, so the request
    commits (or rolls back) with the record. Returns the run it queued, if any.

    `checked`: the caller has just found the trigger not covered (auto_convert_covered), as
    the POS does before opening the savepoint this needs.
    """
    if channel is None or channel.pk != channel_id:
        channel = Channel.objects.select_related("profile").get(pk=channel_id)
    if not auto_convert_enabled(channel):
        return None
    if not checked and auto_convert_covered(channel_id=channel_id):
        return None  # already covered: the queued run, or the one waiting
    stale = timezone.now() - timedelta(seconds=settings.HQ_TRIGGER_STALE_SECONDS)
    ConversionTrigger.objects.get_or_create(channel_id=channel_id)
    triggers = ConversionTrigger.objects.filter(channel_id=channel_id)
    for _attempt in range(3):
        # Claim and queue together: a transaction of its own when called outside one; inside
        # the POS transaction no savepoint of its own (the POS wraps this call in one).
        with transaction.atomic(savepoint=False):
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


def _pace() -> None:
    """Keep auto runs at least HQ_TRIGGER_MIN_INTERVAL_SECONDS apart: under a steady stream
    of POS writes, records gather for one run instead of a run each."""
    interval = settings.HQ_TRIGGER_MIN_INTERVAL_SECONDS
    if interval <= 0:
        return
    last = (
        JobRun.objects.filter(triggered_by=TriggeredBy.AUTO, started_at__isnull=False)
        .exclude(status="queued")
        .order_by("-started_at")
        .values_list("started_at", flat=True)[1:2]  # [0] is the run that is starting now
    )
    if last:
        wait = (last[0] + timedelta(seconds=interval) - timezone.now()).total_seconds()
        if wait > 0:
            time.sleep(min(wait, interval))


def auto_convert_started(*, job_run: JobRun) -> list[str]:
    """Claim every channel whose conversion is queued: one run serves them all."""
    _pace()
    claimed = []
    queued = ConversionTrigger.objects.filter(state=TriggerState.QUEUED).select_related("channel")
    for trigger in queued:
        # Conditional: another auto run may have claimed this channel a moment ago.
        still_queued = ConversionTrigger.objects.filter(pk=trigger.pk, state=TriggerState.QUEUED)
        if still_queued.update(
            state=TriggerState.RUNNING,
            rerun=False,
            changed_at=timezone.now(),
            last_job_run=job_run,
            runs=F("runs") + 1,
        ):
            claimed.append(trigger.channel.code)
    if claimed:
        JobRun.objects.filter(pk=job_run.pk).update(channel_codes=sorted(claimed))
    return sorted(claimed)


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
