"""Near-real-time conversion, HQ's half: find stores that asked for a conversion and run it.

A store asks by setting its trigger row in its own channel database, in the transaction of
the record it writes (channels_app/services/triggers.py); the POS never touches HQ for it.
HQ's trigger watcher (`manage.py watch_triggers`, which `run_all` starts beside the worker)
polls every channel database every HQ_TRIGGER_POLL_SECONDS with one indexed read each, and
queues an auto convert when a store is waiting and no auto convert is queued already. That
run claims every queued store of every database (queued -> running), converts them, and
sets each back to idle, or to queued where records arrived meanwhile (one more run).

A burst of POS writes must not become a burst of pipeline runs: auto runs start at least
HQ_TRIGGER_MIN_INTERVAL_SECONDS apart, so a steady stream of writes gathers into few runs.
A trigger stuck queued or running longer than HQ_TRIGGER_STALE_SECONDS (a worker died) is
re-armed by the store's next request; the recurring schedules remain the safety net.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from channels_app.databases import ChannelDatabaseUnavailable, channel_database_aliases, reaching
from channels_app.services.triggers import triggers_claim, triggers_finish, triggers_queued
from hqcommerce.models import JobRun
from hqcommerce.models.jobs import JobKind, TriggeredBy

logger = logging.getLogger(__name__)


def _waiting() -> bool:
    stale = timezone.now() - timedelta(seconds=settings.HQ_TRIGGER_STALE_SECONDS)
    return JobRun.objects.filter(
        kind=JobKind.CONVERT,
        triggered_by=TriggeredBy.AUTO,
        status="queued",
        queued_at__gte=stale,
    ).exists()


def _queued_codes() -> list[str]:
    codes: list[str] = []
    for alias in channel_database_aliases().values():
        try:
            with reaching(alias):
                codes += triggers_queued(alias=alias)
        except ChannelDatabaseUnavailable as exc:
            logger.info("trigger poll: %s", exc)
    return sorted(codes)


def auto_convert_poll() -> JobRun | None:
    """One look at every channel database: queue an auto convert if a store is waiting and
    none is queued. It claims every waiting store when it starts. Returns the run queued."""
    if not settings.HQ_AUTO_CONVERT:
        return None
    codes = _queued_codes()
    if not codes or _waiting():
        return None
    from .jobs import job_enqueue

    return job_enqueue(kind=JobKind.CONVERT, channels=codes, triggered_by=TriggeredBy.AUTO)


def auto_convert_watch(*, seconds: float | None = None) -> None:
    """The trigger watcher's loop (for `seconds`, or for ever)."""
    deadline = None if seconds is None else time.monotonic() + seconds
    while deadline is None or time.monotonic() < deadline:
        try:
            auto_convert_poll()
        except Exception:  # HQ down, say: the watcher keeps watching
            logger.exception("trigger poll failed; trying again")
            time.sleep(5 * settings.HQ_TRIGGER_POLL_SECONDS)
        time.sleep(settings.HQ_TRIGGER_POLL_SECONDS)


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
    """Claim every store whose conversion is queued, in every channel database: one run
    serves them all."""
    _pace()
    claimed: list[str] = []
    for alias in channel_database_aliases().values():
        try:
            with reaching(alias):
                claimed += triggers_claim(alias=alias, job_run_id=job_run.pk)
        except ChannelDatabaseUnavailable as exc:
            logger.info("trigger claim: %s", exc)
    if claimed:
        JobRun.objects.filter(pk=job_run.pk).update(channel_codes=sorted(claimed))
    return sorted(claimed)


def auto_convert_finished(*, channel_codes: list[str]) -> JobRun | None:
    """Back to idle, or queued again (and a run queued) where records arrived meanwhile."""
    again: list[str] = []
    for alias in channel_database_aliases().values():
        try:
            with reaching(alias):
                again += triggers_finish(alias=alias, codes=channel_codes)
        except ChannelDatabaseUnavailable as exc:
            logger.info("trigger finish: %s (the stale check re-arms it)", exc)
    if again and not _waiting():
        from .jobs import job_enqueue

        return job_enqueue(
            kind=JobKind.CONVERT, channels=sorted(again), triggered_by=TriggeredBy.AUTO
        )
    return None
