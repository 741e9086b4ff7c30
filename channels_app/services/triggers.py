"""Near-real-time conversion, the store's half: a POS write asks for a conversion by setting
its store's trigger row, in its own channel database and transaction.

    idle --request--> queued --HQ claims--> running --HQ finishes--> idle
                                            running --request--> running + rerun
                              running + rerun --HQ finishes--> queued (one more run)

So per store there is at most one queued-or-running convert and one waiting. HQ's trigger
watcher polls the channel databases for queued triggers (a cheap indexed read) and queues a
conversion; the POS never touches HQ for it. A trigger stuck queued or running longer than
HQ_TRIGGER_STALE_SECONDS (a worker died) is re-armed by the next request.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from channels_app.db.counters import trigger_stale_before
from channels_app.models import ConversionTrigger, Store, TriggerState

logger = logging.getLogger(__name__)


def conversion_wanted(store: Store) -> bool:
    return settings.HQ_AUTO_CONVERT and store.auto_convert


def conversion_request(*, channel: Store) -> bool:
    """Ask for a conversion of this store; called in the transaction that writes its record,
    so the request commits (or rolls back) with it. True when this call queued one."""
    alias = channel._state.db
    ConversionTrigger.objects.using(alias).get_or_create(channel=channel)
    triggers = ConversionTrigger.objects.using(alias).filter(channel_id=channel.pk)
    for _attempt in range(3):
        claimed = triggers.filter(
            Q(state=TriggerState.IDLE)
            | Q(
                state__in=[TriggerState.QUEUED, TriggerState.RUNNING],
                changed_at__lt=trigger_stale_before(),
            )
        ).update(state=TriggerState.QUEUED, rerun=False, changed_at=timezone.now())
        if claimed:
            return True
        if triggers.filter(state=TriggerState.RUNNING).update(rerun=True):
            return False  # the running convert goes once more when it finishes
        if triggers.filter(state=TriggerState.QUEUED).exists():
            return False  # the queued convert will see this record
    logger.warning("conversion trigger of %s kept changing; the schedules will catch up", channel)
    return False


# --- HQ's side of the protocol: the watcher and the convert job call these per database ---


def triggers_queued(*, alias: str) -> list[str]:
    """Codes of the stores of this database waiting for a conversion (the watcher's poll)."""
    return list(
        ConversionTrigger.objects.using(alias)
        .filter(state=TriggerState.QUEUED)
        .values_list("channel__code", flat=True)
    )


def triggers_claim(*, alias: str, job_run_id: int) -> list[str]:
    """queued -> running for every queued store of this database; their codes."""
    claimed = []
    with transaction.atomic(using=alias):
        for trigger in (
            ConversionTrigger.objects.using(alias)
            .filter(state=TriggerState.QUEUED)
            .select_related("channel")
        ):
            # Conditional: another run may have claimed this store a moment ago.
            if (
                ConversionTrigger.objects.using(alias)
                .filter(pk=trigger.pk, state=TriggerState.QUEUED)
                .update(
                    state=TriggerState.RUNNING,
                    rerun=False,
                    changed_at=timezone.now(),
                    last_job_run_id=job_run_id,
                    runs=F("runs") + 1,
                )
            ):
                claimed.append(trigger.channel.code)
    return sorted(claimed)


def triggers_finish(*, alias: str, codes: list[str]) -> list[str]:
    """Back to idle, or queued again where records arrived during the run; the codes
    queued again."""
    with transaction.atomic(using=alias):
        running = ConversionTrigger.objects.using(alias).filter(
            channel__code__in=codes, state=TriggerState.RUNNING
        )
        again = list(running.filter(rerun=True).values_list("channel__code", flat=True))
        running.filter(rerun=False).update(state=TriggerState.IDLE, changed_at=timezone.now())
        running.filter(rerun=True).update(
            state=TriggerState.QUEUED, rerun=False, changed_at=timezone.now()
        )
    return sorted(again)
