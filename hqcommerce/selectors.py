"""Read-side queries: where each channel's async customers stand."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.db.models import Count, F, Min, OuterRef, Q, Subquery
from django.db.models.functions import TruncHour
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channels_app.models import AsyncCustomer, ChannelReplicationState, PartnerRequest
from hqcommerce.models import (
    AsyncStagingRecord,
    Channel,
    Prospect,
    Statement,
    UploadedTransaction,
)
from hqcommerce.models.partners import ProspectStatus
from hqcommerce.models.sales import StatementStatus, TransactionStatus
from hqcommerce.models.staging import StagingOperation, StagingStatus


@dataclass(frozen=True)
class ChannelSyncStatus:
    channel: str
    pending_upload: int
    pending_sync: int
    failed: int
    awaiting_distribution: int
    completed: int
    orders_pending: int = 0
    statements_blocked: int = 0
    partner_requests_pending: int = 0
    prospects_awaiting_approval: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def sync_status(*, channels: list[Channel] | None = None) -> list[ChannelSyncStatus]:
    """Per channel: how many async customers wait at each stage (a few queries in all).

    pending upload: created at the POS, not yet uploaded by the P-job;
    pending sync / failed: in HQ staging, not yet (or not successfully) converted;
    awaiting distribution: converted in HQ, but 1010 has not mapped the GUID in the store;
    completed: mapped to an account number in the store;
    orders pending: uploaded customer orders not yet HQ sales orders;
    statements blocked: statements waiting on records that could not be synchronized;
    partner requests pending: B2B requests not yet prospects (not uploaded, or not synced);
    prospects awaiting approval: prospects staff have not decided on.
    """
    channel_qs = Channel.objects.order_by("code")
    if channels is not None:
        channel_qs = channel_qs.filter(pk__in=[c.pk for c in channels])
    channel_list = list(channel_qs)
    ids = [c.pk for c in channel_list]

    watermark = ChannelReplicationState.objects.filter(channel=OuterRef("channel")).values(
        "upload_watermark"
    )[:1]
    channel_side = {
        row["channel"]: row
        for row in AsyncCustomer.objects.filter(channel__in=ids)
        .annotate(watermark=Subquery(watermark))
        .values("channel")
        .annotate(
            pending_upload=Count(
                "pk", filter=Q(upload_counter__gt=F("watermark")) | Q(watermark__isnull=True)
            ),
            completed=Count("pk", filter=~Q(account_number="")),
        )
    }
    staging = {
        row["channel"]: row
        for row in AsyncStagingRecord.objects.filter(
            channel__in=ids, operation=StagingOperation.CREATE
        )
        .values("channel")
        .annotate(
            pending=Count("pk", filter=Q(status=StagingStatus.PENDING)),
            failed=Count("pk", filter=Q(status=StagingStatus.FAILED)),
            converted=Count("pk", filter=Q(status=StagingStatus.COMPLETED)),
        )
    }
    orders = dict(
        UploadedTransaction.objects.filter(
            channel__in=ids, kind="customer_order", status=TransactionStatus.PENDING
        )
        .values("channel")
        .annotate(n=Count("pk"))
        .values_list("channel", "n")
    )
    blocked = dict(
        Statement.objects.filter(channel__in=ids, status=StatementStatus.BLOCKED)
        .values("channel")
        .annotate(n=Count("pk"))
        .values_list("channel", "n")
    )
    requests = dict(
        PartnerRequest.objects.filter(channel__in=ids)
        .exclude(
            async_id__in=AsyncStagingRecord.objects.filter(
                operation=StagingOperation.PARTNER_REQUEST, status=StagingStatus.COMPLETED
            ).values("async_id")
        )
        .values("channel")
        .annotate(n=Count("pk"))
        .values_list("channel", "n")
    )
    prospects = dict(
        Prospect.objects.filter(channel__in=ids, status=ProspectStatus.NEW)
        .values("channel")
        .annotate(n=Count("pk"))
        .values_list("channel", "n")
    )
    result = []
    for channel in channel_list:
        ch = channel_side.get(channel.pk, {})
        st = staging.get(channel.pk, {})
        completed = ch.get("completed", 0)
        result.append(
            ChannelSyncStatus(
                channel=channel.code,
                pending_upload=ch.get("pending_upload", 0),
                pending_sync=st.get("pending", 0),
                failed=st.get("failed", 0),
                awaiting_distribution=max(st.get("converted", 0) - completed, 0),
                completed=completed,
                orders_pending=orders.get(channel.pk, 0),
                statements_blocked=blocked.get(channel.pk, 0),
                partner_requests_pending=requests.get(channel.pk, 0),
                prospects_awaiting_approval=prospects.get(channel.pk, 0),
            )
        )
    return result


@dataclass(frozen=True)
class ChannelBacklog:
    status: ChannelSyncStatus
    oldest_pending_at: object  # datetime | None

    @property
    def stages(self) -> list[tuple[str, int]]:
        s = self.status
        return [
            (_("Pending upload"), s.pending_upload),
            (_("Pending sync"), s.pending_sync),
            (_("Failed"), s.failed),
            (_("Awaiting 1010"), s.awaiting_distribution),
            (_("Orders pending"), s.orders_pending),
            (_("Statements blocked"), s.statements_blocked),
        ]


def dashboard_backlog() -> list[ChannelBacklog]:
    """Per channel: each stage's backlog and the oldest customer still pending sync."""
    oldest = dict(
        AsyncCustomer.objects.filter(account_number="")
        .values("channel")
        .annotate(oldest=Min("created_at"))
        .values_list("channel", "oldest")
    )
    codes = dict(Channel.objects.values_list("code", "pk"))
    return [
        ChannelBacklog(status=row, oldest_pending_at=oldest.get(codes[row.channel]))
        for row in sync_status()
    ]


def converted_per_hour(*, hours: int = 72, now=None) -> list[tuple[object, int]]:
    """Staging records completed per hour over the last `hours`, gaps filled with zero."""
    now = now or timezone.now()
    start = (now - timedelta(hours=hours - 1)).replace(minute=0, second=0, microsecond=0)
    counts = dict(
        AsyncStagingRecord.objects.filter(status=StagingStatus.COMPLETED, completed_at__gte=start)
        .annotate(hour=TruncHour("completed_at"))
        .values("hour")
        .annotate(n=Count("pk"))
        .values_list("hour", "n")
    )
    return [
        (start + timedelta(hours=i), counts.get(start + timedelta(hours=i), 0))
        for i in range(hours)
    ]


@dataclass(frozen=True)
class Latency:
    count: int
    p50: float | None
    p95: float | None


def conversion_latency(*, hours: int = 1, now=None, sample: int = 20_000) -> Latency:
    """Seconds from POS creation to the account number in the store, for customers mapped in
    the last `hours` (the newest `sample` of them, so the dashboard stays cheap)."""
    now = now or timezone.now()
    rows = list(
        AsyncCustomer.objects.filter(mapped_at__gte=now - timedelta(hours=hours))
        .order_by("-mapped_at")
        .values_list("created_at", "mapped_at")[:sample]
    )
    seconds = sorted((mapped - created).total_seconds() for created, mapped in rows)
    if not seconds:
        return Latency(0, None, None)

    def pct(p: float) -> float:  # nearest-rank percentile
        return seconds[max(math.ceil(p * len(seconds)) - 1, 0)]

    return Latency(len(seconds), pct(0.50), pct(0.95))
