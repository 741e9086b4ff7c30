"""P-job: upload each store's new async records and sales from its channel database to HQ.

Per store, records above the store's upload watermark (kept in HQ) are read from the channel
database in counter order and written to HQ staging in batches; each batch commits in one HQ
transaction together with the watermark it moves. The staging table's unique key ignores a
re-uploaded record, so a crash between the channel read and the HQ write, between two
batches, a second P-job, or a re-run never duplicates anything: exactly once without a
distributed transaction. A channel database that does not answer is reported and skipped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from channels_app.databases import ChannelDatabaseUnavailable, reaching
from channels_app.db.rows import rows_insert
from channels_app.errors import message_json
from channels_app.features import FeatureSwitches, feature_hold
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
    EditOperation,
    PartnerRequest,
)
from channels_app.validation import CUSTOMER_TEXT_FIELDS
from hqcommerce.db.stats import StatisticsKeeper
from hqcommerce.models import AsyncStagingRecord, Channel, Customer, JobRun, UploadedTransaction
from hqcommerce.models.customers import ADDRESS_ROW_FIELDS
from hqcommerce.models.jobs import JobKind
from hqcommerce.models.staging import StagingOperation, staging_who

from .configuration import commerce_parameters
from .faults import PJOB_BETWEEN_CHANNEL_READ_AND_HQ_WRITE, crash_point
from .jobs import (
    JobResult,
    JobTracker,
    ProgressCallback,
    channels_by_database,
    channels_resolve,
    heap_frozen,
    job_batch_size,
    job_service,
    rehearsed,
)


class _WatermarkMoved(Exception):
    """Another P-job advanced this channel's watermark first; re-read it and go on."""


def _customer_children(customers: list[AsyncCustomer]) -> None:
    """Read the records created with each customer, one query per table for the whole
    batch, as plain rows: the P-job's cost was Django building prefetch instances."""
    ids = [c.pk for c in customers]
    tables = {
        "addresses": AsyncCustomerAddress.objects.values(*ADDRESS_ROW_FIELDS),
        "contacts": AsyncCustomerContact.objects.values(
            "customer_id", "kind", "value", "is_primary", "marketing_opt_in", "opt_in_at"
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
        "contacts": [
            {**c, "opt_in_at": c["opt_in_at"].isoformat() if c["opt_in_at"] else None}
            for c in children["contacts"]
        ],
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


def async_edit_payload(e: AsyncCustomerEdit) -> dict:
    if e.operation == EditOperation.UPDATE:
        return {"changes": e.changes}
    if e.operation == EditOperation.EDIT_ADDRESS:
        return {"address_id": str(e.address_id), "changes": e.changes}
    return {"address_id": str(e.address_id)}


def _edit_staging(channel: Channel, e: AsyncCustomerEdit) -> dict:
    return dict(
        channel=channel.pk,
        async_id=e.async_id,
        sequence=e.sequence,
        # The store's edit operations are staging operations of the same name.
        operation=StagingOperation(e.operation),
        payload=async_edit_payload(e),
        # What the store knew before the edit; HQ keeps its own for a customer it had then.
        old_values=e.old_values,
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
        channel_id=channel.pk, upload_counter__gt=after, upload_counter__lte=upto
    )


@dataclass
class _Head:
    upload_watermark: int  # HQ's: what staging holds
    upload_counter: int  # the channel database's: the last counter given


def _head(channel: Channel, alias: str) -> _Head:
    """HQ's watermark for the store, and the store's counter read once every POS write that
    has taken a counter has committed.

    A POS write takes its counter (a row lock on PostgreSQL) before it asks whether a queued
    conversion covers it. If that run's P-job read the head while the write was still open,
    it would stop below the write's record, and the trigger would never come back for it.
    Locking the row waits for such a write (a millisecond); SQLite serializes writes anyway.
    """
    watermark = Channel.objects.values_list("upload_watermark", flat=True).get(pk=channel.pk)
    states = ChannelReplicationState.objects.using(alias).filter(channel_id=channel.pk)
    if connections[alias].features.has_select_for_update:
        with transaction.atomic(using=alias):
            counter = (
                states.select_for_update(no_key=True)
                .values_list("upload_counter", flat=True)
                .first()
            )
    else:
        counter = states.values_list("upload_counter", flat=True).first()
    return _Head(watermark, counter or 0)


def _uploaded_mark(channel: Channel, alias: str, upto: int) -> None:
    """Stamp `uploaded_at` on the store's records HQ now holds (what the POS and the admin
    show), once per store and run. Best effort after HQ's commits: the watermark, not this
    stamp, says what is uploaded, so a stamp missed by a crash is made by the next run."""
    now = timezone.now()
    with transaction.atomic(using=alias):  # one commit: the POS shares this database's WAL
        for model in (AsyncCustomer, AsyncCustomerEdit, ChannelTransaction, PartnerRequest):
            model.objects.using(alias).filter(
                channel_id=channel.pk, upload_counter__lte=upto, uploaded_at=None
            ).update(uploaded_at=now)


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


def _with_who(channel: Channel, values: list[dict]) -> list[dict]:
    """Each staging row with the name, email and phone its status-page row shows: its own,
    or, for an edit or an added address, what it leaves blank taken from its customer (HQ's
    by account number, or the uploaded create of a temporary id)."""
    rows = [{**v, **staging_who(v["operation"], v["payload"])} for v in values]
    targets = [
        r
        for r in rows
        if r["operation"] != StagingOperation.CREATE and r.get("target_account") is not None
    ]
    accounts = {r["target_account"] for r in targets if r["target_account"]}
    async_ids = {
        r["target_async_id"] for r in targets if not r["target_account"] and r["target_async_id"]
    }
    known: dict = {}
    for customer in Customer.objects.filter(account_number__in=accounts).prefetch_related(
        "contacts"
    ):
        contacts = {c.kind: c.value for c in customer.contacts.all() if c.is_primary}
        known[customer.account_number] = {
            "customer_name": customer.display_name,
            "email": contacts.get("email", ""),
            "phone": contacts.get("phone", ""),
        }
    creates = {r["async_id"]: r for r in rows if r["operation"] == StagingOperation.CREATE}
    for record in AsyncStagingRecord.objects.filter(
        channel=channel, operation=StagingOperation.CREATE, async_id__in=async_ids - set(creates)
    ).values("async_id", "customer_name", "email", "phone"):
        creates[record.pop("async_id")] = record
    for row in targets:
        source = known.get(row["target_account"]) or creates.get(row["target_async_id"]) or {}
        for name in ("customer_name", "email", "phone"):
            if not row[name]:
                row[name] = source.get(name, "")
    return rows


def _marked_held(rows: list[dict], switches: FeatureSwitches) -> list[dict]:
    """The P-job's part of the feature switches: a record the store made under a switch HQ
    has turned off since is uploaded (nothing is dropped) and shows at once on the status
    page why it waits; the sync job holds it until the switch is on again."""
    reasons = [feature_hold(row["operation"], row["payload"], switches) for row in rows]
    if not any(reasons):  # the usual batch: no two more columns to write per row
        return rows
    for row, reason in zip(rows, reasons, strict=True):
        row["last_error"] = "" if reason is None else str(reason)
        row["last_error_detail"] = None if reason is None else message_json(reason)
    return rows


def _upload_batch(channel: Channel, batch: list, watermark: int) -> tuple[int, int]:
    """One HQ transaction: the staging rows and the watermark they move."""
    now = timezone.now()
    created = skipped = 0
    # The HQ rows (payloads included) are built before the transaction: on SQLite it
    # holds the single write lock other jobs wait for.
    work = []
    switches = FeatureSwitches.of(commerce_parameters())
    for source in SOURCES:
        rows = [row for s, row in batch if s is source]
        if rows:
            values = [source.to_hq(channel, row) for row in rows]
            if source.hq_model is AsyncStagingRecord:
                values = _marked_held(_with_who(channel, values), switches)
            columns = list(values[0])
            work.append((source, rows, columns, [[v[name] for name in columns] for v in values]))
    crash_point(PJOB_BETWEEN_CHANNEL_READ_AND_HQ_WRITE)
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        for source, rows, columns, values in work:
            # A re-uploaded record hits the staging unique key and is skipped.
            inserted = rows_insert(source.hq_model, columns, values, ignore_conflicts=True)
            created += inserted
            skipped += len(rows) - inserted
        moved = Channel.objects.filter(pk=channel.pk, upload_watermark=watermark).update(
            upload_watermark=batch[-1][1].upload_counter,
            last_upload_at=now,
            last_upload_rows=len(batch),
        )
        if not moved:
            raise _WatermarkMoved
    return created, skipped


@job_service(JobKind.PJOB)
@rehearsed
@heap_frozen
def pjob_run(
    *,
    channels: list[str] | None = None,
    dry_run: bool = False,
    job_run: JobRun | None = None,
    progress: ProgressCallback | None = None,
) -> JobResult:
    tracker = JobTracker(job_run, progress, dry_run=dry_run)
    statistics = StatisticsKeeper(
        *(source.model for source in SOURCES),
        AsyncCustomerAddress,
        AsyncCustomerContact,
        AsyncCustomerAffiliation,
        AsyncCustomerAttribute,
    )
    plans = []
    for alias, stores in channels_by_database(channels_resolve(channels)).items():
        try:
            with reaching(alias):
                for channel in stores:
                    head = _head(channel, alias)
                    remaining = {
                        source: _pending(
                            source, channel, head.upload_watermark, head.upload_counter
                        ).count()
                        for source in SOURCES
                    }
                    tracker.add_total(sum(remaining.values()))
                    plans.append((alias, channel, head, remaining))
        except ChannelDatabaseUnavailable as exc:
            tracker.database_unreachable(exc)
            plans = [plan for plan in plans if plan[0] != alias]
    down: set[str] = set()
    for alias, channel, head, remaining in plans:
        if alias in down:
            continue
        try:
            with reaching(alias):
                _upload_channel(channel, alias, head, remaining, tracker, statistics, dry_run)
        except ChannelDatabaseUnavailable as exc:
            down.add(alias)
            tracker.database_unreachable(exc)
    return tracker.result


def _upload_channel(channel, alias, head, remaining, tracker, statistics, dry_run) -> None:
    size = job_batch_size()
    watermark, upto = head.upload_watermark, head.upload_counter
    start = watermark
    while True:
        if remaining is not None and not any(n > 0 for n in remaining.values()):
            break
        statistics.refresh()
        batch = _next_batch(channel, watermark, upto, size, remaining)
        if not batch:
            break
        try:
            created, skipped = _upload_batch(channel, batch, watermark)
        except _WatermarkMoved:
            # Another P-job uploaded part of this range: the counts no longer hold.
            watermark = Channel.objects.values_list("upload_watermark", flat=True).get(
                pk=channel.pk
            )
            remaining = None
            continue
        watermark = batch[-1][1].upload_counter
        tracker.advance(processed=len(batch), created=created, skipped=skipped)
    if not dry_run and watermark > start:  # also stamps what a crashed run left unstamped
        _uploaded_mark(channel, alias, watermark)
