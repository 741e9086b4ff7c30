"""P-job: upload each channel's new async records and sales to HQ.

Per channel, records above the upload watermark are read in counter order and written to
staging in batches; each batch commits together with the watermark it moves. The staging
table's unique key ignores a re-uploaded record, so a crash between two batches, a second
P-job, or a re-run never duplicates anything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

from django.db import connection, transaction
from django.utils import timezone

from channels_app.models import (
    AsyncAddress,
    AsyncCustomer,
    AsyncCustomerAddress,
    AsyncCustomerAffiliation,
    AsyncCustomerAttribute,
    AsyncCustomerContact,
    AsyncCustomerEdit,
    ChannelReplicationState,
    ChannelTransaction,
    PartnerRequest,
)
from hqcommerce.db.rows import rows_insert
from hqcommerce.db.stats import StatisticsKeeper
from hqcommerce.models import AsyncStagingRecord, Channel, JobRun, UploadedTransaction
from hqcommerce.models.customers import ADDRESS_ROW_FIELDS
from hqcommerce.models.staging import StagingOperation

from .jobs import (
    JobResult,
    JobTracker,
    ProgressCallback,
    channels_resolve,
    heap_frozen,
    job_batch_size,
)
from .validation import CUSTOMER_TEXT_FIELDS


class _WatermarkMoved(Exception):
    """Another P-job advanced this channel's watermark first; re-read it and go on."""


def _customer_children(customers: list[AsyncCustomer]) -> None:
    """Read the records created with each customer, one query per table for the whole
    batch, as plain rows: the P-job's cost was Django building prefetch instances."""
    ids = [c.pk for c in customers]
    tables = {
        "addresses": AsyncCustomerAddress.objects.values(*ADDRESS_ROW_FIELDS),
        "contacts": AsyncCustomerContact.objects.values(
            "customer_id", "kind", "value", "is_primary"
        ),
        "affiliations": AsyncCustomerAffiliation.objects.values("customer_id", "name"),
        "attributes": AsyncCustomerAttribute.objects.values("customer_id", "name", "value"),
    }
    grouped: dict[str, dict[int, list]] = {}
    for table, rows in tables.items():
        grouped[table] = defaultdict(list)
        for row in rows.filter(customer_id__any=ids).order_by("pk"):
            grouped[table][row.pop("customer_id")].append(row)
    for c in customers:
        c.upload_children = {table: grouped[table][c.pk] for table in tables}


# The customer's own fields in its payload: the text fields validation checks.
CUSTOMER_PAYLOAD_FIELDS = tuple(CUSTOMER_TEXT_FIELDS)


def async_customer_payload(customer: AsyncCustomer) -> dict:
    """The staging payload: the customer with the records created with it."""
    if not hasattr(customer, "upload_children"):
        _customer_children([customer])
    children = customer.upload_children
    return {
        **{name: getattr(customer, name) for name in CUSTOMER_PAYLOAD_FIELDS},
        "addresses": [{**a, "async_id": str(a["async_id"])} for a in children["addresses"]],
        "contacts": children["contacts"],
        "affiliations": [a["name"] for a in children["affiliations"]],
        "attributes": children["attributes"],
    }


def async_address_payload(address: AsyncAddress) -> dict:
    return {
        "address": {
            "purpose": address.purpose,
            "is_primary": address.is_primary,
            "name": address.name,
            "street": address.street,
            "city": address.city,
            "state": address.state,
            "zip_code": address.zip_code,
            "country": address.country,
        }
    }


def _customer_staging(channel: Channel, c: AsyncCustomer) -> dict:
    return dict(
        channel=channel.pk,
        async_id=c.async_id,
        sequence=0,
        operation=StagingOperation.CREATE,
        payload=async_customer_payload(c),
        source_counter=c.upload_counter,
        operation_time=c.created_at,
    )


def _address_staging(channel: Channel, a: AsyncAddress) -> dict:
    return dict(
        channel=channel.pk,
        async_id=a.async_id,
        sequence=0,
        operation=StagingOperation.ADD_ADDRESS,
        payload=async_address_payload(a),
        target_account=a.target_account,
        target_async_id=a.target_async_id,
        source_counter=a.upload_counter,
        operation_time=a.created_at,
    )


def _edit_staging(channel: Channel, e: AsyncCustomerEdit) -> dict:
    return dict(
        channel=channel.pk,
        async_id=e.async_id,
        sequence=e.sequence,
        operation=StagingOperation.UPDATE,
        payload={"changes": e.changes},
        target_account=e.target_account,
        target_async_id=e.target_async_id,
        source_counter=e.upload_counter,
        operation_time=e.created_at,
    )


def _partner_staging(channel: Channel, r: PartnerRequest) -> dict:
    return dict(
        channel=channel.pk,
        async_id=r.async_id,
        sequence=0,
        operation=StagingOperation.PARTNER_REQUEST,
        payload={
            key: getattr(r, key)
            for key in (
                "company_name",
                "tax_id",
                "contact_first_name",
                "contact_last_name",
                "email",
                "phone",
                "street",
                "city",
                "zip_code",
                "country",
                "requested_customer_group",
                "comment",
            )
        },
        source_counter=r.upload_counter,
        operation_time=r.created_at,
    )


def _transaction_upload(channel: Channel, t: ChannelTransaction) -> dict:
    return dict(
        channel=channel.pk,
        transaction_id=t.transaction_id,
        kind=t.kind,
        business_date=t.business_date,
        customer_account=t.customer_account,
        customer_async_id=t.customer_async_id,
        address_async_id=t.address_async_id,
        currency=t.currency,
        total=t.total,
        lines=t.lines,
        hq_order_number=t.hq_order_number,
        source_counter=t.upload_counter,
    )


class _Row(SimpleNamespace):
    """A record read as plain values: a model instance per customer of a 100k backlog cost
    the P-job a fifth of its time."""

    @property
    def pk(self):
        return self.id


@dataclass(frozen=True)
class _Source:
    """One kind of channel record the P-job uploads, in the channel's counter order, and the
    HQ table it goes to (`to_hq` gives a row of field values)."""

    model: type
    hq_model: type
    load_children: Callable | None
    to_hq: Callable
    # Read as plain rows of these fields rather than model instances (the bulk kinds).
    fields: tuple[str, ...] | None = None


ASYNC_CUSTOMER_FIELDS = (
    "id",
    "async_id",
    "upload_counter",
    "created_at",
    *CUSTOMER_PAYLOAD_FIELDS,
)

SOURCES = (
    _Source(
        AsyncCustomer,
        AsyncStagingRecord,
        _customer_children,
        _customer_staging,
        ASYNC_CUSTOMER_FIELDS,
    ),
    _Source(AsyncAddress, AsyncStagingRecord, None, _address_staging),
    _Source(AsyncCustomerEdit, AsyncStagingRecord, None, _edit_staging),
    _Source(PartnerRequest, AsyncStagingRecord, None, _partner_staging),
    # Sales after the customers they may reference: same counter, same atomic batch.
    _Source(ChannelTransaction, UploadedTransaction, None, _transaction_upload),
)


def _pending(source: _Source, channel: Channel, after: int, upto: int):
    return source.model.objects.filter(
        channel=channel, upload_counter__gt=after, upload_counter__lte=upto
    )


def _state(channel: Channel) -> ChannelReplicationState:
    state, _created = ChannelReplicationState.objects.get_or_create(channel=channel)
    return state


def _head(channel: Channel) -> ChannelReplicationState:
    """The channel's watermark and head, read once every POS write that has taken a counter
    has committed.

    A POS write takes its counter (a row lock on PostgreSQL) before it asks whether a queued
    conversion covers it. If that run's P-job read the head while the write was still open,
    it would stop below the write's record, and the trigger would never come back for it.
    Locking the row waits for such a write (a millisecond); SQLite serializes writes anyway.
    """
    state = _state(channel)
    if not connection.features.has_select_for_update:
        return state
    with transaction.atomic():
        return ChannelReplicationState.objects.select_for_update(no_key=True).get(channel=channel)


def _next_batch(
    channel: Channel, after: int, upto: int, size: int, remaining: dict[_Source, int] | None
) -> list[tuple[_Source, object]]:
    """The next `size` records above the watermark, whatever their kind, in counter order.

    `remaining` (records left per kind up to `upto`, or None when unknown) spares a query
    per kind that has nothing left: a near-real-time run usually uploads customers only.
    It is exact because a counter is taken in the transaction that writes its record, so
    every record at or below the head read at the start has committed by then.
    """
    candidates = []
    for source in SOURCES:
        if remaining is not None and remaining[source] <= 0:
            continue
        pending = _pending(source, channel, after, upto).order_by("upload_counter")[:size]
        if source.fields:
            rows = [_Row(**values) for values in pending.values(*source.fields)]
        else:
            rows = list(pending)
        candidates += [(source, row) for row in rows]
    candidates.sort(key=lambda pair: pair[1].upload_counter)
    batch = candidates[:size]
    for source in SOURCES:
        if source.load_children:
            source.load_children([row for s, row in batch if s is source])
    if remaining is not None:
        for source, _row in batch:
            remaining[source] -= 1
    return batch


def _upload_batch(channel: Channel, batch: list, watermark: int) -> tuple[int, int]:
    now = timezone.now()
    created = skipped = 0
    # The HQ rows (payloads included) are built before the transaction: on SQLite it
    # holds the single write lock the stores' POS requests wait for.
    work = []
    for source in SOURCES:
        rows = [row for s, row in batch if s is source]
        if rows:
            values = [source.to_hq(channel, row) for row in rows]
            columns = list(values[0])
            work.append((source, rows, columns, [[v[name] for name in columns] for v in values]))
    with transaction.atomic():
        for source, rows, columns, values in work:
            # A re-uploaded record hits the staging unique key and is skipped.
            inserted = rows_insert(source.hq_model, columns, values, ignore_conflicts=True)
            already = len(rows) - inserted
            if source.model in (AsyncCustomer, ChannelTransaction, PartnerRequest):
                source.model.objects.filter(
                    pk__any=[row.pk for row in rows], uploaded_at=None
                ).update(uploaded_at=now)
            created += len(rows) - already
            skipped += already
        moved = ChannelReplicationState.objects.filter(
            channel=channel, upload_watermark=watermark
        ).update(upload_watermark=batch[-1][1].upload_counter, last_upload_at=now)
        if not moved:
            raise _WatermarkMoved
    return created, skipped


@heap_frozen
def pjob_run(
    *,
    channels: list[str] | None = None,
    dry_run: bool = False,
    job_run: JobRun | None = None,
    progress: ProgressCallback | None = None,
) -> JobResult:
    tracker = JobTracker(job_run, progress, dry_run=dry_run)
    size = job_batch_size()
    plan = []
    for channel in channels_resolve(channels):
        state = _head(channel)
        remaining = {
            source: _pending(source, channel, state.upload_watermark, state.upload_counter).count()
            for source in SOURCES
        }
        tracker.add_total(sum(remaining.values()))
        plan.append((channel, state, remaining))

    statistics = StatisticsKeeper(
        *(source.model for source in SOURCES),
        AsyncCustomerAddress,
        AsyncCustomerContact,
        AsyncCustomerAffiliation,
        AsyncCustomerAttribute,
    )
    for channel, state, remaining in plan:
        watermark, head = state.upload_watermark, state.upload_counter
        while True:
            if remaining is not None and not any(n > 0 for n in remaining.values()):
                break
            statistics.refresh()
            batch = _next_batch(channel, watermark, head, size, remaining)
            if not batch:
                break
            if dry_run:
                tracker.advance(processed=len(batch), created=len(batch))
                watermark = batch[-1][1].upload_counter
                continue
            try:
                created, skipped = _upload_batch(channel, batch, watermark)
            except _WatermarkMoved:
                # Another P-job uploaded part of this range: the counts no longer hold.
                watermark, remaining = _state(channel).upload_watermark, None
                continue
            watermark = batch[-1][1].upload_counter
            tracker.advance(processed=len(batch), created=created, skipped=skipped)
    return tracker.result
