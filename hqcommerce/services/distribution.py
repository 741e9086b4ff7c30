"""1010 (Customers): distribute new and changed HQ customers to every channel.

As in D365, 1010 writes to channel databases, not to each store: the stores a database
serves share its copy, so 20 stores on one database cost one copy per customer, not 20.
Per database, customers whose replication version is above its download watermark (and at
most the committed head, see replication.py) are sent in version order; the database upserts
its copy and maps its stores' temporary ids to account numbers. Each batch commits with the
watermark it moves, so a crash resends at most one batch, which the upsert absorbs.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from channels_app.services.replica import channel_database_apply
from hqcommerce.models import ChannelDatabase, Customer, CustomerAffiliation, JobRun
from hqcommerce.models.customers import ContactKind

from .jobs import JobResult, JobTracker, ProgressCallback, channels_resolve
from .replication import replication_head


class _WatermarkMoved(Exception):
    pass


def _with_children(queryset):
    return queryset.select_related("origin_channel").prefetch_related(
        "addresses",
        "contacts",
        "attributes",
        "contact_persons",
        Prefetch(
            "affiliations", queryset=CustomerAffiliation.objects.select_related("affiliation")
        ),
    )


def customer_snapshots(customers: Iterable[Customer]) -> list[dict]:
    """The 1010 message for each customer: what a channel stores about it."""
    customers = list(customers)
    if any(not hasattr(c, "_prefetched_objects_cache") for c in customers):
        customers = list(_with_children(Customer.objects.filter(pk__in=[c.pk for c in customers])))
    snapshots = []
    for c in customers:
        contacts = list(c.contacts.all())
        primary = {
            kind: next((x.value for x in contacts if x.kind == kind and x.is_primary), "")
            for kind in ContactKind.values
        }
        snapshots.append(
            {
                "account_number": c.account_number,
                "async_id": str(c.origin_async_id) if c.origin_async_id else None,
                "origin_channel_code": c.origin_channel.code if c.origin_channel else "",
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
                    "addresses": [
                        {
                            "async_id": str(a.async_id) if a.async_id else None,
                            "purpose": a.purpose,
                            "is_primary": a.is_primary,
                            "name": a.name,
                            "street": a.street,
                            "city": a.city,
                            "state": a.state,
                            "zip_code": a.zip_code,
                            "country": a.country,
                        }
                        for a in c.addresses.all()
                    ],
                    "contacts": [
                        {"kind": x.kind, "value": x.value, "is_primary": x.is_primary}
                        for x in contacts
                    ],
                    "affiliations": sorted(a.affiliation.name for a in c.affiliations.all()),
                    "attributes": {a.name: a.value for a in c.attributes.all()},
                    "tax_id": c.tax_id,
                    "contact_persons": [
                        {
                            "first_name": p.first_name,
                            "last_name": p.last_name,
                            "email": p.email,
                            "phone": p.phone,
                        }
                        for p in c.contact_persons.all()
                    ],
                },
            }
        )
    return snapshots


def _pending(after: int, upto: int):
    return Customer.objects.filter(replication_version__gt=after, replication_version__lte=upto)


def _apply_to_database(database: ChannelDatabase, snapshots: list[dict], watermark: int, upto: int):
    """Upsert the snapshots above this database's watermark; move it to `upto` in the same
    transaction. Optimistic: if another 1010 moved it first, this does nothing."""
    subset = [snap for snap in snapshots if snap["version"] > watermark]
    if not subset:
        return None
    with transaction.atomic():
        applied = channel_database_apply(database=database, snapshots=subset)
        moved = ChannelDatabase.objects.filter(pk=database.pk, download_watermark=watermark).update(
            download_watermark=upto, last_download_at=timezone.now()
        )
        if not moved:
            raise _WatermarkMoved
    return applied, len(subset)


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
    size = settings.HQ_JOB_BATCH_SIZE
    head = replication_head()
    stores = channels_resolve(channels)
    targets = list(
        ChannelDatabase.objects.filter(pk__in={c.channel_database_id for c in stores}).order_by(
            "code"
        )
    )
    watermarks: dict[int, int] = {}
    for database in targets:
        watermarks[database.pk] = database.download_watermark
        tracker.add_total(_pending(database.download_watermark, head).count())
    if not targets:
        return tracker.result
    cursor = min(watermarks.values())
    while True:
        batch = list(_with_children(_pending(cursor, head)).order_by("replication_version")[:size])
        if not batch:
            break
        upto = batch[-1].replication_version
        snapshots = customer_snapshots(batch)
        for database in targets:
            watermark = watermarks[database.pk]
            if dry_run:
                behind = sum(1 for snap in snapshots if snap["version"] > watermark)
                tracker.advance(processed=behind, created=behind)
                watermarks[database.pk] = max(watermark, upto)
                continue
            for _attempt in range(5):  # another 1010 may be moving this watermark too
                try:
                    outcome = _apply_to_database(database, snapshots, watermark, upto)
                    break
                except _WatermarkMoved:
                    watermark = ChannelDatabase.objects.get(pk=database.pk).download_watermark
                    watermarks[database.pk] = watermark
                    if watermark >= upto:
                        outcome = None
                        break
            else:
                raise RuntimeError(f"1010 could not move the watermark of {database.code}")
            watermarks[database.pk] = max(watermarks[database.pk], upto)
            if outcome is not None:
                applied, count = outcome
                tracker.advance(processed=count, created=applied.created, skipped=applied.updated)
        cursor = upto
    return tracker.result
