"""Statement posting (EOD): post a channel's cash-and-carry sales for a business date.

Before posting, every async customer and address the sales reference is synchronized
(references.py). The statement posts only when all resolve; otherwise it is left blocked
with the list of blocking records and their reasons, and posts on a later run once they are
corrected. A posted statement is never touched again, so posting twice never posts twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from channels_app.errors import (
    InputValidationError,
    message_json,
    record_error,
    stored_message,
)
from hqcommerce.models import Channel, JobRun, SalesOrder, Statement, UploadedTransaction
from hqcommerce.models.jobs import JobKind
from hqcommerce.models.sales import StatementStatus, TransactionStatus

from .jobs import (
    JobResult,
    JobTracker,
    ProgressCallback,
    channels_resolve,
    heap_frozen,
    job_service,
    rehearsed,
)
from .references import reference_resolve, references_sync
from .sales import NewOrder, sales_orders_create


def _parse_date(value: str | dt.date | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputValidationError(
            {"date": [_("%(value)r is not a date as YYYY-MM-DD.") % {"value": value}]}
        ) from None


def unposted_sales(*, channels: list[Channel] | None, business_date: dt.date | None):
    queryset = UploadedTransaction.objects.filter(
        kind="cash_and_carry", status=TransactionStatus.PENDING
    )
    if channels is not None:
        queryset = queryset.filter(channel__in=channels)
    if business_date is not None:
        queryset = queryset.filter(business_date=business_date)
    return queryset


def _statement_for(channel: Channel, business_date: dt.date) -> Statement:
    statement = (
        Statement.objects.filter(channel=channel, business_date=business_date)
        .exclude(status=StatementStatus.POSTED)
        .first()
    )
    if statement is None:
        statement, _created = Statement.objects.get_or_create(
            channel=channel,
            business_date=business_date,
            status=StatementStatus.OPEN,
        )
    return statement


def statement_post(*, channel: Channel, business_date: dt.date) -> dict:
    """Calculate, sync references, then post or block one statement. Returns its outcome."""
    sales = list(
        unposted_sales(channels=[channel], business_date=business_date)
        .select_related("channel__default_customer")
        .order_by("pk")
    )
    references_sync(sales)
    resolutions = [(sale, reference_resolve(sale, channel=channel)) for sale in sales]
    blocking = [
        {
            "transaction_id": sale.transaction_id,
            "record": sale.customer_ref,
            "reason": str(resolution.reason),
            "reason_detail": message_json(resolution.reason),
        }
        for sale, resolution in resolutions
        if not resolution.resolved
    ]
    statement = _statement_for(channel, business_date)
    now = timezone.now()
    with transaction.atomic():
        statement = Statement.objects.select_for_update().get(pk=statement.pk)
        if statement.status == StatementStatus.POSTED:
            return {"posted": False, "blocking": [], "statement": statement, "already": True}
        totals = UploadedTransaction.objects.filter(pk__any=[s.pk for s in sales]).aggregate(
            count=Count("pk"), total=Sum("total")
        )
        statement.transaction_count = totals["count"]
        statement.total = totals["total"] or 0
        statement.calculated_at = now
        if blocking:
            statement.status = StatementStatus.BLOCKED
            statement.blocking = blocking
            statement.save()
            return {"posted": False, "blocking": blocking, "statement": statement}
        locked = list(
            UploadedTransaction.objects.select_for_update()
            .filter(pk__any=[s.pk for s in sales], status=TransactionStatus.PENDING)
            .order_by("pk")
        )
        by_pk = {sale.pk: resolution for sale, resolution in resolutions}
        existing = set(
            SalesOrder.objects.filter(
                channel=channel, transaction_id__any=[s.transaction_id for s in locked]
            ).values_list("transaction_id", flat=True)
        )
        sales_orders_create(
            orders=[
                NewOrder(
                    channel=channel,
                    transaction_id=sale.transaction_id,
                    customer=by_pk[sale.pk].customer,
                    address=by_pk[sale.pk].address,
                    business_date=sale.business_date,
                    currency=sale.currency,
                    total=sale.total,
                    lines=sale.lines,
                    statement=statement,
                )
                for sale in locked
                if sale.transaction_id not in existing
            ]
        )
        UploadedTransaction.objects.filter(pk__any=[s.pk for s in locked]).update(
            status=TransactionStatus.COMPLETED,
            statement=statement,
            last_error="",
            last_error_detail=None,
        )
        statement.status = StatementStatus.POSTED
        statement.posted_at = now
        statement.blocking = []
        statement.save()
    return {"posted": True, "blocking": [], "statement": statement}


@job_service(JobKind.STATEMENT_POSTING)
@rehearsed
@heap_frozen
def statement_post_run(
    *,
    channels: list[str] | None = None,
    business_date: str | dt.date | None = None,
    dry_run: bool = False,
    job_run: JobRun | None = None,
    progress: ProgressCallback | None = None,
) -> JobResult:
    tracker = JobTracker(job_run, progress, dry_run=dry_run)
    date = _parse_date(business_date)
    selected = channels_resolve(channels) if channels else None
    groups = list(
        unposted_sales(channels=selected, business_date=date)
        .values_list("channel_id", "business_date")
        .distinct()
        .order_by("channel_id", "business_date")
    )
    tracker.add_total(len(groups))
    channel_by_id = {c.pk: c for c in Channel.objects.filter(pk__in={g[0] for g in groups})}
    for channel_id, day in groups:
        channel = channel_by_id[channel_id]
        outcome = statement_post(channel=channel, business_date=day)
        if outcome.get("already"):
            tracker.advance(processed=1, skipped=1)
        elif outcome["posted"]:
            tracker.advance(processed=1, created=1)
        else:
            tracker.advance(
                processed=1,
                failed=1,
                errors=[
                    record_error(
                        f"{channel.code} {day} ({b['transaction_id']})",
                        stored_message(b["reason_detail"]),
                    )
                    for b in outcome["blocking"]
                ],
            )
    return tracker.result
