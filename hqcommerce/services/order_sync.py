"""Synchronize orders: uploaded customer orders become HQ sales orders.

An order that references an async customer or address not yet in HQ gets exactly that record
synchronized first (see references.py). An order whose customer cannot be resolved stays
pending with the reason and is retried on the next run; the other orders go on. The
(channel, transaction id) unique key on sales orders means a re-run creates no second order.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from channels_app.errors import message_json, record_error
from hqcommerce.models import Channel, JobRun, SalesOrder, UploadedTransaction
from hqcommerce.models.jobs import JobKind
from hqcommerce.models.sales import TransactionStatus

from .jobs import (
    JobResult,
    JobTracker,
    ProgressCallback,
    channels_resolve,
    heap_frozen,
    job_batch_size,
    job_service,
    rehearsed,
)
from .references import reference_resolve, references_sync
from .sales import NewOrder, sales_orders_create


def pending_orders(*, channels: list[Channel] | None = None):
    queryset = UploadedTransaction.objects.filter(
        kind="customer_order", status=TransactionStatus.PENDING
    )
    if channels is not None:
        queryset = queryset.filter(channel__in=channels)
    return queryset


def _create_orders(batch: list[UploadedTransaction]) -> tuple[int, int, list[str]]:
    """In one transaction: lock the batch, create the orders that resolve, note the rest."""
    created = skipped = 0
    errors: list[str] = []
    with transaction.atomic():
        locked = list(
            UploadedTransaction.objects.filter(
                pk__any=[t.pk for t in batch], status=TransactionStatus.PENDING
            )
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("channel__default_customer")
            .order_by("pk")
        )
        existing = set(
            SalesOrder.objects.filter(
                transaction_id__any=[t.transaction_id for t in locked]
            ).values_list("channel_id", "transaction_id")
        )
        new_orders: list[NewOrder] = []
        done: list[UploadedTransaction] = []
        waiting: list[UploadedTransaction] = []
        for sale in locked:
            if (sale.channel_id, sale.transaction_id) in existing:
                skipped += 1
                done.append(sale)
                continue
            resolution = reference_resolve(sale, channel=sale.channel)
            if not resolution.resolved:
                sale.last_error = str(resolution.reason)
                sale.last_error_detail = message_json(resolution.reason)
                waiting.append(sale)
                errors.append(
                    record_error(f"{sale.channel.code}/{sale.transaction_id}", resolution.reason)
                )
                continue
            new_orders.append(
                NewOrder(
                    channel=sale.channel,
                    transaction_id=sale.transaction_id,
                    customer=resolution.customer,
                    address=resolution.address,
                    business_date=sale.business_date,
                    currency=sale.currency,
                    total=sale.total,
                    lines=sale.lines,
                )
            )
            done.append(sale)
        sales_orders_create(orders=new_orders)
        created = len(new_orders)
        for sale in done:
            sale.status = TransactionStatus.COMPLETED
            sale.last_error = ""
            sale.last_error_detail = None
        UploadedTransaction.objects.bulk_update(
            done + waiting, ["status", "last_error", "last_error_detail"]
        )
        UploadedTransaction.objects.filter(pk__any=[s.pk for s in done + waiting]).update(
            attempts=F("attempts") + 1
        )
    return created, skipped, errors


@job_service(JobKind.ORDER_SYNC)
@rehearsed
@heap_frozen
def order_sync_run(
    *,
    channels: list[str] | None = None,
    dry_run: bool = False,
    job_run: JobRun | None = None,
    progress: ProgressCallback | None = None,
) -> JobResult:
    tracker = JobTracker(job_run, progress, dry_run=dry_run)
    selected = channels_resolve(channels) if channels else None
    queryset = pending_orders(channels=selected)
    tracker.add_total(queryset.count())
    size = job_batch_size()
    after = 0
    while True:
        batch = list(
            queryset.filter(pk__gt=after)
            .select_related("channel__default_customer")
            .order_by("pk")[:size]
        )
        if not batch:
            break
        after = batch[-1].pk
        references_sync(batch)
        created, skipped, errors = _create_orders(batch)
        # An order left pending counts as failed in the run (so staff see it), while the
        # order itself stays pending with its reason and is retried on the next run.
        tracker.advance(
            processed=created + skipped + len(errors),
            created=created,
            skipped=skipped,
            failed=len(errors),
            errors=errors,
        )
    return tracker.result
