"""P-job: upload each channel's new async records to HQ staging.

Per channel, records above the upload watermark are read in counter order and written to
staging in batches; each batch commits together with the watermark it moves. The staging
table's unique key ignores a re-uploaded record, so a crash between two batches, a second
P-job, or a re-run never duplicates anything.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from channels_app.models import AsyncCustomer, ChannelReplicationState
from hqcommerce.models import AsyncStagingRecord, Channel, JobRun
from hqcommerce.models.staging import StagingOperation

from .jobs import JobResult, JobTracker, ProgressCallback, channels_resolve


class _WatermarkMoved(Exception):
    """Another P-job advanced this channel's watermark first; re-read it and go on."""


def async_customer_payload(customer: AsyncCustomer) -> dict:
    """The staging payload: the customer with the records created with it (prefetched)."""
    return {
        "party_type": customer.party_type,
        "first_name": customer.first_name,
        "middle_name": customer.middle_name,
        "last_name": customer.last_name,
        "organization_name": customer.organization_name,
        "customer_group": customer.customer_group,
        "currency": customer.currency,
        "language": customer.language,
        "receipt_preference": customer.receipt_preference,
        "addresses": [
            {
                "async_id": str(a.async_id),
                "purpose": a.purpose,
                "is_primary": a.is_primary,
                "name": a.name,
                "street": a.street,
                "city": a.city,
                "state": a.state,
                "zip_code": a.zip_code,
                "country": a.country,
            }
            for a in customer.addresses.all()
        ],
        "contacts": [
            {"kind": c.kind, "value": c.value, "is_primary": c.is_primary}
            for c in customer.contacts.all()
        ],
        "affiliations": [a.name for a in customer.affiliations.all()],
        "attributes": [{"name": a.name, "value": a.value} for a in customer.attributes.all()],
    }


def _pending_upload(channel: Channel, after: int, upto: int):
    return AsyncCustomer.objects.filter(
        channel=channel, upload_counter__gt=after, upload_counter__lte=upto
    )


def _state(channel: Channel) -> ChannelReplicationState:
    state, _ = ChannelReplicationState.objects.get_or_create(channel=channel)
    return state


def _upload_batch(channel: Channel, batch: list[AsyncCustomer], watermark: int) -> tuple[int, int]:
    keys = [c.async_id for c in batch]
    now = timezone.now()
    with transaction.atomic():
        already = AsyncStagingRecord.objects.filter(
            channel=channel, sequence=0, async_id__in=keys
        ).count()
        AsyncStagingRecord.objects.bulk_create(
            [
                AsyncStagingRecord(
                    channel=channel,
                    async_id=c.async_id,
                    sequence=0,
                    operation=StagingOperation.CREATE,
                    payload=async_customer_payload(c),
                    source_counter=c.upload_counter,
                    operation_time=c.created_at,
                )
                for c in batch
            ],
            ignore_conflicts=True,
        )
        AsyncCustomer.objects.filter(pk__in=[c.pk for c in batch], uploaded_at=None).update(
            uploaded_at=now
        )
        moved = ChannelReplicationState.objects.filter(
            channel=channel, upload_watermark=watermark
        ).update(upload_watermark=batch[-1].upload_counter, last_upload_at=now)
        if not moved:
            raise _WatermarkMoved
    return len(batch) - already, already


def pjob_run(
    *,
    channels: list[str] | None = None,
    dry_run: bool = False,
    job_run: JobRun | None = None,
    progress: ProgressCallback | None = None,
) -> JobResult:
    tracker = JobTracker(job_run, progress, dry_run=dry_run)
    size = settings.HQ_JOB_BATCH_SIZE
    plan = []
    for channel in channels_resolve(channels):
        state = _state(channel)
        pending = _pending_upload(channel, state.upload_watermark, state.upload_counter).count()
        tracker.add_total(pending)
        plan.append((channel, state))

    for channel, state in plan:
        watermark, head = state.upload_watermark, state.upload_counter
        while True:
            batch = list(
                _pending_upload(channel, watermark, head)
                .order_by("upload_counter")
                .prefetch_related("addresses", "contacts", "affiliations", "attributes")[:size]
            )
            if not batch:
                break
            if dry_run:
                tracker.advance(processed=len(batch), created=len(batch))
                watermark = batch[-1].upload_counter
                continue
            try:
                created, skipped = _upload_batch(channel, batch, watermark)
            except _WatermarkMoved:
                watermark = _state(channel).upload_watermark
                continue
            watermark = batch[-1].upload_counter
            tracker.advance(processed=len(batch), created=created, skipped=skipped)
    return tracker.result
