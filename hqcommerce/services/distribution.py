"""1010 (Customers): distribute new and changed HQ customers to every channel.

As in D365, 1010 writes to channel databases, not to each store: the stores a database
serves share its copy, so 20 stores on one database cost one copy per customer, not 20.
Per database, customers whose replication version is above its download watermark (and at
most the committed head, see replication.py) are sent in version order; the database upserts
its copy and maps its stores' temporary ids to account numbers. The watermark lives in the
channel database and each batch commits with it, in that database's own transaction, so a
crash between HQ's read and the channel write resends at most one batch, which the upsert
absorbs. A channel database that does not answer is reported and caught up by a later run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import F

from channels_app.databases import ChannelDatabaseUnavailable, reaching
from channels_app.models import AsyncCustomer, ChannelCustomer
from channels_app.services.replica import (
    DISTRIBUTION,
    WatermarkMoved,
    customers_download,
    download_watermark,
)
from hqcommerce.db.stats import StatisticsKeeper
from hqcommerce.models import (
    Channel,
    ChannelDatabase,
    ContactPerson,
    Customer,
    CustomerAddress,
    CustomerAffiliation,
    CustomerAttribute,
    CustomerContact,
    JobRun,
)
from hqcommerce.models.customers import ADDRESS_ROW_FIELDS, ContactKind
from hqcommerce.models.jobs import JobKind

from .faults import DISTRIBUTION_BETWEEN_HQ_READ_AND_CHANNEL_WRITE, crash_point
from .jobs import (
    JobResult,
    JobTracker,
    ProgressCallback,
    channels_resolve,
    heap_frozen,
    job_batch_size,
    job_service,
)
from .replication import replication_head


def _children(ids: list[int]) -> dict[str, dict[int, list]]:
    """Each child table read once for the whole batch, as plain rows (no model instances:
    building them cost more than the queries)."""
    tables = {
        "addresses": CustomerAddress.objects.values(*ADDRESS_ROW_FIELDS),
        "contacts": CustomerContact.objects.values(
            "customer_id", "kind", "value", "is_primary", "marketing_opt_in", "opt_in_at"
        ),
        "attributes": CustomerAttribute.objects.values("customer_id", "name", "value"),
        "contact_persons": ContactPerson.objects.values(
            "customer_id", "first_name", "last_name", "email", "phone"
        ),
        "affiliations": CustomerAffiliation.objects.values(
            "customer_id", name=F("affiliation__name")
        ),
    }
    children: dict[str, dict[int, list]] = {}
    for table, rows in tables.items():
        grouped: dict[int, list] = defaultdict(list)
        for row in rows.filter(customer_id__any=ids).order_by("pk"):
            grouped[row.pop("customer_id")].append(row)
        children[table] = grouped
    return children


def customer_snapshots(customers: Iterable[Customer]) -> list[dict]:
    """The 1010 message for each customer: what a channel stores about it."""
    customers = list(customers)
    children = _children([c.pk for c in customers])
    origin_codes = dict(
        Channel.objects.filter(pk__in={c.origin_channel_id for c in customers}).values_list(
            "pk", "code"
        )
    )
    snapshots = []
    for c in customers:
        contacts = [
            {**x, "opt_in_at": x["opt_in_at"].isoformat() if x["opt_in_at"] else None}
            for x in children["contacts"][c.pk]
        ]
        primary = {
            kind: next((x["value"] for x in contacts if x["kind"] == kind and x["is_primary"]), "")
            for kind in ContactKind.values
        }
        snapshots.append(
            {
                "account_number": c.account_number,
                "async_id": str(c.origin_async_id) if c.origin_async_id else None,
                "origin_channel_code": origin_codes.get(c.origin_channel_id, ""),
                "party_type": c.party_type,
                "name": c.display_name,
                "email": primary[ContactKind.EMAIL],
                "phone": primary[ContactKind.PHONE],
                "customer_group": c.customer_group,
                "currency": c.currency,
                "language": c.language,
                "version": c.replication_version,
                "data": {
                    "first_name": c.first_name,
                    "middle_name": c.middle_name,
                    "last_name": c.last_name,
                    "organization_name": c.organization_name,
                    "receipt_preference": c.receipt_preference,
                    "title": c.title,
                    "receipt_email": c.receipt_email,
                    "addresses": [
                        {**a, "async_id": str(a["async_id"]) if a["async_id"] else None}
                        for a in children["addresses"][c.pk]
                    ],
                    "contacts": contacts,
                    "affiliations": sorted(a["name"] for a in children["affiliations"][c.pk]),
                    "attributes": {a["name"]: a["value"] for a in children["attributes"][c.pk]},
                    "tax_id": c.tax_id,
                    "contact_persons": children["contact_persons"][c.pk],
                },
            }
        )
    return snapshots


def _pending(after: int, upto: int):
    return Customer.objects.filter(replication_version__gt=after, replication_version__lte=upto)


def _apply_to_database(alias: str, snapshots: list[dict], watermark: int, upto: int):
    """Upsert the snapshots above this database's watermark and move it to `upto`, in one
    transaction of that database. Optimistic: if another 1010 moved it first, this raises
    WatermarkMoved and does nothing."""
    subset = [snap for snap in snapshots if snap["version"] > watermark]
    if not subset:
        return None
    crash_point(DISTRIBUTION_BETWEEN_HQ_READ_AND_CHANNEL_WRITE)
    applied = customers_download(alias=alias, snapshots=subset, expected=watermark, to=upto)
    return applied, len(subset)


@job_service(JobKind.DISTRIBUTION)
@heap_frozen
def distribution_run(
    *,
    channels: list[str] | None = None,
    dry_run: bool = False,
    job_run: JobRun | None = None,
    progress: ProgressCallback | None = None,
) -> JobResult:
    """Read each batch of changed customers once and apply it to every database behind it.

    `channels` selects the databases serving those stores. Snapshots are built once per
    batch, not once per database.
    """
    tracker = JobTracker(job_run, progress, dry_run=dry_run)
    size = job_batch_size()
    head = replication_head()
    stores = channels_resolve(channels)
    targets = list(
        ChannelDatabase.objects.filter(pk__in={c.channel_database_id for c in stores}).order_by(
            "code"
        )
    )
    watermarks: dict[str, int] = {}
    for database in targets:
        try:
            with reaching(database.database_alias) as alias:
                watermarks[alias] = download_watermark(alias=alias, job=DISTRIBUTION)
        except ChannelDatabaseUnavailable as exc:
            tracker.database_unreachable(exc)
            continue
        tracker.add_total(_pending(watermarks[alias], head).count())
    if not watermarks:
        return tracker.result
    cursor = min(watermarks.values())
    statistics = StatisticsKeeper(
        Customer,
        CustomerAddress,
        CustomerContact,
        CustomerAttribute,
        ContactPerson,
        CustomerAffiliation,
    )
    # Checked per channel database, in the database being written (see _send).
    channel_statistics = StatisticsKeeper(ChannelCustomer, AsyncCustomer)
    while watermarks:
        statistics.refresh()
        batch = list(_pending(cursor, head).order_by("replication_version")[:size])
        if not batch:
            break
        upto = batch[-1].replication_version
        snapshots = customer_snapshots(batch)
        for alias in list(watermarks):
            try:
                with reaching(alias):
                    channel_statistics.refresh()
                    _send(alias, snapshots, upto, watermarks, tracker, dry_run)
            except ChannelDatabaseUnavailable as exc:
                tracker.database_unreachable(exc)
                del watermarks[alias]
        cursor = upto
    return tracker.result


def _send(alias: str, snapshots, upto: int, watermarks: dict[str, int], tracker, dry_run) -> None:
    watermark = watermarks[alias]
    if dry_run:
        behind = sum(1 for snap in snapshots if snap["version"] > watermark)
        tracker.advance(processed=behind, created=behind)
        watermarks[alias] = max(watermark, upto)
        return
    for _attempt in range(5):  # another 1010 may be moving this watermark too
        try:
            outcome = _apply_to_database(alias, snapshots, watermark, upto)
            break
        except WatermarkMoved:
            watermark = download_watermark(alias=alias, job=DISTRIBUTION)
            watermarks[alias] = watermark
            if watermark >= upto:
                outcome = None
                break
    else:
        raise RuntimeError(f"1010 could not move the watermark of {alias}")
    watermarks[alias] = max(watermarks[alias], upto)
    if outcome is not None:
        applied, count = outcome
        tracker.advance(processed=count, created=applied.created, skipped=applied.updated)
