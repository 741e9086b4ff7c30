"""Read-side queries: where each channel's async customers stand."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.db.models import Count, Min, Q
from django.db.models.functions import TruncHour
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channels_app.databases import ChannelDatabaseUnavailable, channel_database_aliases, reaching
from channels_app.selectors import mapping_times, stores_backlog
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
    # Why the store's channel database did not answer ("" when it did); its counts of
    # what is still in the store (pending upload, completed) are then unknown (0).
    unreachable: str = ""
    oldest_pending_at: object = None  # datetime | None

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("oldest_pending_at")  # the dashboard's; the command and API give counts
        return data


def sync_status(
    *, channels: list[Channel] | None = None, known_down: dict[str, str] | None = None
) -> list[ChannelSyncStatus]:
    """Per channel: how many async customers wait at each stage (a few queries in all).

    pending upload: created at the POS, not yet uploaded by the P-job;
    pending sync / failed: in HQ staging, not yet (or not successfully) converted;
    awaiting distribution: converted in HQ, but 1010 has not mapped the GUID in the store;
    completed: mapped to an account number in the store;
    orders pending: uploaded customer orders not yet HQ sales orders;
    statements blocked: statements waiting on records that could not be synchronized;
    partner requests pending: B2B requests not yet prospects (not uploaded, or not synced);
    prospects awaiting approval: prospects staff have not decided on.

    `known_down`: {alias: reason} of channel databases the caller has just found down; they
    are not tried again (each try of a dead PostgreSQL server waits its connect timeout).
    """
    channel_qs = Channel.objects.select_related("channel_database").order_by("code")
    if channels is not None:
        channel_qs = channel_qs.filter(code__in=[getattr(c, "code", c) for c in channels])
    channel_list = list(channel_qs)
    ids = [c.pk for c in channel_list]

    # What is still in the stores: read from each channel database (one down leaves the
    # others' counts intact, and says so in its own rows).
    channel_side: dict[int, dict] = {}
    unreachable: dict[int, str] = {}
    by_alias: dict[str, dict[int, int]] = {}
    for channel in channel_list:
        by_alias.setdefault(channel.database_alias, {})[channel.pk] = channel.upload_watermark
    for alias, watermarks in by_alias.items():
        reason = (known_down or {}).get(alias)
        if reason is None:
            try:
                with reaching(alias):
                    channel_side.update(stores_backlog(alias=alias, watermarks=watermarks))
            except ChannelDatabaseUnavailable as exc:
                reason = exc.summary
        if reason is not None:
            for channel_id in watermarks:
                unreachable[channel_id] = reason
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
        AsyncStagingRecord.objects.filter(
            channel__in=ids, operation=StagingOperation.PARTNER_REQUEST
        )
        .exclude(status=StagingStatus.COMPLETED)
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
                partner_requests_pending=requests.get(channel.pk, 0)
                + ch.get("partner_requests_not_uploaded", 0),
                prospects_awaiting_approval=prospects.get(channel.pk, 0),
                unreachable=unreachable.get(channel.pk, ""),
                oldest_pending_at=ch.get("oldest_pending_at"),
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


def dashboard_backlog(*, known_down: dict[str, str] | None = None) -> list[ChannelBacklog]:
    """Per channel: each stage's backlog and the oldest customer still pending sync."""
    return [
        ChannelBacklog(status=row, oldest_pending_at=row.oldest_pending_at)
        for row in sync_status(known_down=known_down)
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


def conversion_latency(
    *, hours: int = 1, now=None, sample: int = 20_000, known_down: dict[str, str] | None = None
) -> Latency:
    """Seconds from POS creation to the account number in the store, for customers mapped in
    the last `hours` (the newest `sample` of them, so the dashboard stays cheap). Channel
    databases in `known_down` are not tried again."""
    now = now or timezone.now()
    rows = []
    for alias in channel_database_aliases().values():
        if alias in (known_down or {}):
            continue
        try:
            with reaching(alias):
                rows += mapping_times(alias=alias, since=now - timedelta(hours=hours), limit=sample)
        except ChannelDatabaseUnavailable:
            continue  # the dashboard says which database is down
    seconds = sorted((mapped - created).total_seconds() for created, mapped in rows)
    if not seconds:
        return Latency(0, None, None)

    def pct(p: float) -> float:  # nearest-rank percentile
        return seconds[max(math.ceil(p * len(seconds)) - 1, 0)]

    return Latency(len(seconds), pct(0.50), pct(0.95))


def partner_request_decision(*, async_id) -> dict | None:
    """What HQ decided about a store's partner request: the prospect, its approval and account
    number, or the sync's error; None while HQ has nothing of it (the store's status stands).
    Asked through the real-time service (channels_app.hq)."""
    prospect = Prospect.objects.filter(async_id=async_id).select_related("customer").first()
    if prospect is not None:
        account = prospect.customer.account_number if prospect.customer else None
        return {
            "status": prospect.status,
            "rejection_reason": prospect.rejection_reason,
            "account_number": account,
        }
    record = AsyncStagingRecord.objects.filter(async_id=async_id).first()
    if record is not None:
        status = "failed" if record.status == StagingStatus.FAILED else "pending_sync"
        return {"status": status, "last_error": record.error_text}
    return None


@dataclass(frozen=True)
class ChannelDatabaseStatus:
    """One row of the Channel databases page (D365's upload and download sessions)."""

    code: str
    name: str
    alias: str
    vendor: str
    stores: list[str]
    reachable: bool
    error: str = ""
    # Upload (P-job): HQ's side of the bridge.
    last_upload_at: object = None
    last_upload_rows: int = 0
    pending_upload: int | None = None  # records above HQ's watermarks (None: unreachable)
    # Download (1010, 1070): the channel database's side.
    customers_watermark: int | None = None
    customers_behind: int | None = None  # HQ customer versions not yet received
    last_customers_at: object = None
    last_customers_rows: int = 0
    last_configuration_at: object = None
    realtime_fallbacks: int = 0
    last_fallback_at: object = None


def channel_databases_status() -> list[ChannelDatabaseStatus]:
    """Per configured channel database: reachable or not, its last upload and download, and
    how far it is behind HQ."""
    from django.db import connections

    from channels_app.selectors import database_status
    from hqcommerce.models import ChannelDatabase
    from hqcommerce.services.replication import replication_head

    head = replication_head()
    names = dict(ChannelDatabase.objects.values_list("code", "name"))
    channels = list(Channel.objects.select_related("channel_database").order_by("code"))
    result = []
    for code, alias in channel_database_aliases().items():
        mine = [c for c in channels if c.channel_database.code == code]
        uploads = [c for c in mine if c.last_upload_at]
        base = {
            "code": code,
            "name": names.get(code, code),
            "alias": alias,
            "vendor": connections[alias].vendor,
            "stores": [c.code for c in mine],
            "last_upload_at": max((c.last_upload_at for c in uploads), default=None),
            "last_upload_rows": max(uploads, key=lambda c: c.last_upload_at).last_upload_rows
            if uploads
            else 0,
        }
        try:
            with reaching(alias):
                status = database_status(alias=alias)
        except ChannelDatabaseUnavailable as exc:
            result.append(ChannelDatabaseStatus(**base, reachable=False, error=exc.summary))
            continue
        customers = status["downloads"].get("1010", {})
        configuration = status["downloads"].get("1070", {})
        stores = status["stores"]
        result.append(
            ChannelDatabaseStatus(
                **base,
                reachable=True,
                pending_upload=sum(
                    max(stores.get(c.pk, {}).get("upload_counter", 0) - c.upload_watermark, 0)
                    for c in mine
                ),
                customers_watermark=customers.get("watermark", 0),
                customers_behind=max(head - customers.get("watermark", 0), 0),
                last_customers_at=customers.get("last_download_at"),
                last_customers_rows=customers.get("last_rows", 0),
                last_configuration_at=configuration.get("last_download_at"),
                realtime_fallbacks=sum(s["realtime_fallbacks"] for s in stores.values()),
                last_fallback_at=max(
                    (s["last_fallback_at"] for s in stores.values() if s["last_fallback_at"]),
                    default=None,
                ),
            )
        )
    return result


@dataclass(frozen=True)
class DatabaseGrowth:
    """One database's growing tables, for the dashboard's retention section."""

    code: str  # "HQ" or a channel database's code
    reachable: bool
    error: str = ""
    tables: tuple = ()

    @property
    def behind_days(self) -> float:
        return max((t.past_retention_days for t in self.tables), default=0.0)


def _hq_growth() -> tuple:
    from channels_app.services.retention import TableGrowth, retention_cutoff
    from hqcommerce.models import JobRun
    from hqcommerce.models.jobs import FINISHED_STATUSES
    from hqcommerce.services.purge import sales_done, staging_done

    cutoff = retention_cutoff()
    oldest = {
        AsyncStagingRecord: staging_done(None, cutoff).aggregate(m=Min("completed_at"))["m"],
        UploadedTransaction: sales_done(None, cutoff).aggregate(m=Min("uploaded_at"))["m"],
        JobRun: JobRun.objects.filter(
            parent__isnull=True, status__in=FINISHED_STATUSES, finished_at__lt=cutoff
        ).aggregate(m=Min("finished_at"))["m"],
    }
    return tuple(
        TableGrowth(
            label=model._meta.label,
            name=str(model._meta.verbose_name_plural),
            rows=model.objects.count(),
            past_retention_days=round((cutoff - at).total_seconds() / 86400, 2) if at else 0.0,
        )
        for model, at in oldest.items()
    )


def history_growth(*, known_down: dict[str, str] | None = None) -> list[DatabaseGrowth]:
    """Row counts of each growing table per database (HQ's, then each channel database's)
    and how far the oldest row the purge may remove is past retention: 0 when it keeps up.
    A channel database known to be down (`known_down`: {alias: reason}) is not tried again."""
    from channels_app.services.retention import channel_history_status

    known_down = known_down or {}
    result = [DatabaseGrowth("HQ", True, tables=_hq_growth())]
    for code, alias in channel_database_aliases().items():
        if alias in known_down:
            result.append(DatabaseGrowth(code, False, known_down[alias]))
            continue
        try:
            with reaching(alias):
                tables = tuple(channel_history_status(alias=alias))
        except ChannelDatabaseUnavailable as exc:
            result.append(DatabaseGrowth(code, False, exc.summary))
            continue
        result.append(DatabaseGrowth(code, True, tables=tables))
    return result
