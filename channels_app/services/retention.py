"""Retention, the channel database's half: what HQ's purge job may delete here, in short
batches, and how much there is.

A channel record may go once HQ is done with it: uploaded (its counter at or below HQ's
upload watermark), resolved in HQ (its counter not among the ones HQ still has pending or
failed, or a sale whose statement is unposted or order unsynced), and older than
HQ_RETENTION_DAYS. An async customer must also be mapped by 1010: its temporary id then
lives on in the copy of the HQ customer (`ChannelCustomer.async_id`), which is never purged,
so a lookup by temporary id keeps answering with the account number. Idempotency records
go after HQ_IDEMPOTENCY_TTL_HOURS, when a retry with their key is a new request anyway.

Each batch is its own transaction (a record and its children together), so a purge killed
midway leaves whole records, and the next run goes on where it stopped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Model, Q, QuerySet
from django.db.models.deletion import Collector
from django.utils import timezone

from channels_app.models import (
    AsyncAddress,
    AsyncCustomer,
    AsyncCustomerEdit,
    ChannelTransaction,
    IdempotencyRecord,
    PartnerRequest,
    StoreDeviceKey,
)

# The channel tables that grow with POS traffic, oldest first in the order they are purged
# (children of an async customer go with it).
HISTORY_MODELS: tuple[type[Model], ...] = (
    AsyncCustomerEdit,
    AsyncAddress,
    PartnerRequest,
    ChannelTransaction,
    AsyncCustomer,
)


def idempotency_expired_before() -> datetime:
    """An idempotency record created before this answers no retry any more."""
    return timezone.now() - timedelta(hours=settings.HQ_IDEMPOTENCY_TTL_HOURS)


def retention_cutoff() -> datetime:
    """Finished history older than this may be purged."""
    return timezone.now() - timedelta(days=settings.HQ_RETENTION_DAYS)


@dataclass(frozen=True)
class StoreDone:
    """What HQ has finished for one store: every counter up to `watermark` is in HQ, and
    all of them are resolved except `unresolved`. HQ reads the watermark first and the
    unresolved counters after, so a record uploaded in between is never taken as done."""

    channel_id: int
    watermark: int
    unresolved: frozenset[int] = field(default_factory=frozenset)


def _label(model: type[Model]) -> str:
    return model._meta.label


def _purgeable(model: type[Model], alias: str, store: StoreDone, cutoff: datetime) -> QuerySet:
    rows = model.objects.using(alias).filter(
        channel_id=store.channel_id,
        upload_counter__lte=store.watermark,
        created_at__lt=cutoff,
    )
    if model is AsyncCustomer:
        rows = rows.exclude(account_number="").filter(mapped_at__lt=cutoff)
    return rows


def _expired_keys(alias: str, channel_ids: Iterable[int] | None, before: datetime) -> QuerySet:
    rows = IdempotencyRecord.objects.using(alias).filter(created_at__lt=before)
    if channel_ids is not None:  # only the scopes of these stores' registers
        prefixes = StoreDeviceKey.objects.using(alias).filter(channel_id__in=list(channel_ids))
        scopes = [f"device:{p}" for p in prefixes.values_list("prefix", flat=True)]
        rows = rows.filter(scope__in=scopes)
    return rows


@dataclass
class PurgeCounts:
    removed: Counter = field(default_factory=Counter)  # {model label: rows}

    def add(self, counts: dict[str, int]) -> None:
        for label, count in counts.items():
            if count:
                self.removed[label] += count


def channel_history_purge(
    *,
    alias: str,
    stores: list[StoreDone],
    all_stores: bool,
    cutoff: datetime | None = None,
    keys_before: datetime | None = None,
    batch_size: int | None = None,
    dry_run: bool = False,
    on_batch=None,
) -> dict[str, int]:
    """Delete this database's finished history of `stores` (and, with `all_stores`, every
    expired idempotency record; else only those of the stores' registers). Returns the rows
    removed (or, with `dry_run`, that would be) per table; `on_batch(counts)` after each
    committed batch."""
    cutoff = cutoff or retention_cutoff()
    keys_before = keys_before or idempotency_expired_before()
    size = batch_size or settings.HQ_PURGE_BATCH_SIZE
    total = PurgeCounts()

    def done(counts: dict[str, int]) -> None:
        total.add(counts)
        if on_batch is not None:
            on_batch(counts)

    for store in stores:
        for model in HISTORY_MODELS:
            after = 0
            while True:
                page = list(
                    _purgeable(model, alias, store, cutoff)
                    .filter(upload_counter__gt=after)
                    .order_by("upload_counter")
                    .values_list("pk", "upload_counter")[:size]
                )
                if not page:
                    break
                after = page[-1][1]
                ids = [pk for pk, counter in page if counter not in store.unresolved]
                if ids:
                    done(batch_delete(model, alias, ids, dry_run))
    keys = _expired_keys(alias, None if all_stores else [s.channel_id for s in stores], keys_before)
    for ids in pk_batches(keys, size):
        done(batch_delete(IdempotencyRecord, alias, ids, dry_run))
    return dict(total.removed)


def pk_batches(rows: QuerySet, size: int):
    """The primary keys of `rows` in ascending batches of `size`, each read after the
    previous one was handled (so deleting a batch never shifts the next)."""
    after = 0
    while True:
        ids = list(rows.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return
        after = ids[-1]
        yield ids


def batch_delete(model: type[Model], alias: str, ids: list[int], dry_run: bool) -> dict[str, int]:
    """One batch: the rows and what cascades from them (an async customer's contacts,
    addresses, affiliations, attributes; a job run's steps) in one transaction, counted per
    table as delete() counts; with `dry_run`, counted the same way and nothing deleted."""
    rows = model.objects.using(alias).filter(pk__in=ids)
    if dry_run:  # what delete() would cascade to, counted the way it counts
        collector = Collector(using=alias)
        collector.collect(rows)
        counts = Counter({_label(m): len(objs) for m, objs in collector.data.items()})
        for fast in collector.fast_deletes:
            counts[_label(fast.model)] += fast.count()
        return dict(counts)
    with transaction.atomic(using=alias):
        _count, per_model = rows.delete()
    return per_model


@dataclass(frozen=True)
class TableGrowth:
    """One growing table of a channel database, for the dashboard."""

    label: str
    name: str
    rows: int
    past_retention_days: float  # how far the oldest purgeable row is past retention


def channel_history_status(*, alias: str) -> list[TableGrowth]:
    """Row count of each growing table and the age past retention of its oldest row that
    has left the POS's hands (uploaded, and mapped for a customer). 0 when the purge keeps
    up. It cannot see HQ: a row HQ still has unresolved counts here too, which is why the
    dashboard calls it an upper bound."""
    cutoff = retention_cutoff()
    out = []
    for model in (*HISTORY_MODELS, IdempotencyRecord):
        rows = model.objects.using(alias)
        if model is IdempotencyRecord:
            old = rows.filter(created_at__lt=idempotency_expired_before())
            limit = idempotency_expired_before()
        elif model is AsyncCustomer:
            old = rows.exclude(account_number="").filter(mapped_at__lt=cutoff)
            limit = cutoff
        else:
            old = rows.filter(created_at__lt=cutoff).filter(
                Q(uploaded_at__isnull=False)
                if any(f.name == "uploaded_at" for f in model._meta.fields)
                else Q()
            )
            limit = cutoff
        oldest = old.aggregate(oldest=Min("created_at"))["oldest"]
        past = max(0.0, (limit - oldest).total_seconds() / 86400) if oldest else 0.0
        out.append(
            TableGrowth(
                label=_label(model),
                name=str(model._meta.verbose_name_plural),
                rows=rows.count(),
                past_retention_days=round(past, 2),
            )
        )
    return out
