"""Purge history: keep a busy retailer's databases from growing for ever.

Removed, in short batches (HQ_PURGE_BATCH_SIZE rows, each batch its own transaction, so
POS traffic and the other jobs never wait long, and a purge killed midway is simply run
again), once older than HQ_RETENTION_DAYS:

- HQ: completed staging records; cash-and-carry sales whose statement is posted and
  customer orders created in HQ; finished job runs (with their steps).
- Each channel database: uploaded records HQ has resolved, async customers once 1010 has
  mapped them (channels_app/services/retention.py), and idempotency records older than
  HQ_IDEMPOTENCY_TTL_HOURS.

Never removed: failed or pending staging records, unsynced orders and sales of an unposted
statement (nor their channel records), statements themselves, HQ customers, and the
channel copies of HQ customers, which keep each temporary id's account number for lookups.
Every job stays idempotent after a purge: a record uploaded again finds its customer by
the unique origin id and creates nothing.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Model, Q, QuerySet

from channels_app.databases import ChannelDatabaseUnavailable, reaching
from channels_app.services.retention import (
    StoreDone,
    batch_delete,
    channel_history_purge,
    idempotency_expired_before,
    pk_batches,
    retention_cutoff,
)
from hqcommerce.models import (
    AsyncStagingRecord,
    Channel,
    JobRun,
    RealtimeRequest,
    UploadedTransaction,
)
from hqcommerce.models.jobs import FINISHED_STATUSES, JobKind
from hqcommerce.models.sales import TransactionKind, TransactionStatus
from hqcommerce.models.staging import StagingStatus

from .faults import PURGE_AFTER_FIRST_BATCH, crash_point
from .jobs import (
    JobResult,
    JobTracker,
    ProgressCallback,
    channels_by_database,
    channels_resolve,
    heap_frozen,
    job_batch_size,
    job_service,
)

logger = logging.getLogger(__name__)


def staging_done(channels: list[Channel] | None, cutoff: datetime) -> QuerySet:
    rows = AsyncStagingRecord.objects.filter(
        status=StagingStatus.COMPLETED, completed_at__lt=cutoff
    )
    return rows if channels is None else rows.filter(channel__in=channels)


def sales_done(channels: list[Channel] | None, cutoff: datetime) -> QuerySet:
    rows = UploadedTransaction.objects.filter(status=TransactionStatus.COMPLETED).filter(
        Q(
            kind=TransactionKind.CASH_AND_CARRY,
            statement__status="posted",
            statement__posted_at__lt=cutoff,
        )
        | Q(kind=TransactionKind.CUSTOMER_ORDER, uploaded_at__lt=cutoff)
    )
    return rows if channels is None else rows.filter(channel__in=channels)


def _sales_unresolved(channel: Channel) -> QuerySet:
    """Sales HQ still needs: not synced, or waiting for their statement to post."""
    return UploadedTransaction.objects.filter(channel=channel).exclude(
        Q(status=TransactionStatus.COMPLETED)
        & (Q(kind=TransactionKind.CUSTOMER_ORDER) | Q(statement__status="posted"))
    )


def _runs_done(cutoff: datetime, current: JobRun | None) -> QuerySet:
    rows = JobRun.objects.filter(
        parent__isnull=True, status__in=FINISHED_STATUSES, finished_at__lt=cutoff
    )
    return rows if current is None else rows.exclude(pk=current.pk)


def store_done(channel: Channel) -> StoreDone:
    """What HQ has finished of this store's uploads. The watermark is read before the
    unresolved counters: a record uploaded between the two reads is above the watermark,
    never mistaken for resolved. A record once completed never goes back."""
    watermark = Channel.objects.values_list("upload_watermark", flat=True).get(pk=channel.pk)
    unresolved = set(
        AsyncStagingRecord.objects.filter(channel=channel)
        .exclude(status=StagingStatus.COMPLETED)
        .values_list("source_counter", flat=True)
    )
    unresolved.update(_sales_unresolved(channel).values_list("source_counter", flat=True))
    return StoreDone(channel.pk, watermark, frozenset(unresolved))


class _Batches:
    """Counts what each batch removed (per table, into the job run as it goes) and paces
    the batches: after each, a pause HQ_PURGE_PAUSE_RATIO times as long as the batch took.
    The purge then takes at most 1 / (1 + ratio) of a core and of its database server, and
    POS requests sharing them get the rest: nobody waits for a nightly purge, while a POS
    request waits for whatever it competes with."""

    def __init__(self, tracker: JobTracker) -> None:
        self.tracker = tracker
        self.removed: Counter = Counter()
        self.ratio = settings.HQ_PURGE_PAUSE_RATIO
        self.started = time.monotonic()

    def done(self, counts: dict[str, int]) -> None:
        counts = {label: n for label, n in counts.items() if n}
        self.removed.update(counts)
        job_run = self.tracker.job_run
        if job_run is not None and counts:
            JobRun.objects.filter(pk=job_run.pk).update(removed=dict(self.removed))
        self.tracker.advance(processed=sum(counts.values()), created=0)
        crash_point(PURGE_AFTER_FIRST_BATCH)
        if self.ratio > 0:
            time.sleep((time.monotonic() - self.started) * self.ratio)
        self.started = time.monotonic()


def _purge_hq(rows: QuerySet, *, size: int, dry_run: bool, batches: _Batches) -> None:
    for ids in pk_batches(rows, size):
        batches.done(batch_delete(rows.model, DEFAULT_DB_ALIAS, ids, dry_run))


@job_service(JobKind.PURGE)
@heap_frozen
def purge_run(
    *,
    channels: Iterable[str] | None = None,
    dry_run: bool = False,
    job_run: JobRun | None = None,
    progress: ProgressCallback | None = None,
) -> JobResult:
    """Purge what retention allows, HQ's first and then each channel database's; with
    `channels`, only those stores' records (job runs are nobody's store: left alone)."""
    tracker = JobTracker(job_run, progress, dry_run=dry_run)
    batches = _Batches(tracker)
    selected = channels_resolve(channels)
    scoped = selected if channels else None
    cutoff = retention_cutoff()
    # On SQLite a purge run takes the POS's small batches (and pauses after each commit to a
    # channel database): its deletes hold the write lock the POS needs (jobs._fair_writes).
    size = min(settings.HQ_PURGE_BATCH_SIZE, job_batch_size())
    # The channel side first: its records' HQ counterparts are what says they are done.
    for alias, members in sorted(channels_by_database(selected).items()):
        done = [store_done(channel) for channel in members]
        try:
            with reaching(alias):
                channel_history_purge(
                    alias=alias,
                    stores=done,
                    all_stores=scoped is None,
                    cutoff=cutoff,
                    batch_size=size,
                    dry_run=dry_run,
                    on_batch=batches.done,
                )
        except ChannelDatabaseUnavailable as exc:
            tracker.database_unreachable(exc)
    hq_tables: list[QuerySet] = [staging_done(scoped, cutoff), sales_done(scoped, cutoff)]
    if scoped is None:
        hq_tables.append(_runs_done(cutoff, job_run))
        # Real-time answers kept for retries: as long as an Idempotency-Key is.
        hq_tables.append(
            RealtimeRequest.objects.filter(created_at__lt=idempotency_expired_before())
        )
    for rows in hq_tables:
        _purge_hq(rows, size=size, dry_run=dry_run, batches=batches)
    tracker.result.removed = dict(batches.removed)
    return tracker.result


def removed_lines(removed: dict[str, int]) -> list[tuple[str, int]]:
    """(table's name, rows) for display, largest first."""
    from django.apps import apps

    lines = []
    for label, count in sorted(removed.items(), key=lambda item: (-item[1], item[0])):
        try:
            model: type[Model] = apps.get_model(label)
            name = str(model._meta.verbose_name_plural)
        except LookupError:
            name = label
        lines.append((name, count))
    return lines
