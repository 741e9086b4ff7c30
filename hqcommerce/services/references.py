"""Resolving the customer and address a sale references, syncing async ones on the way.

Synchronize orders and statement posting both need the real HQ customer (and address) behind
a sale that may name an async GUID. Records not yet in HQ are synchronized through the very
code path of the customer sync job (`customer_sync_run(record_ids=...)`): same validation,
number sequence, duplicate flagging and staging status.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from channels_app.errors import Message
from channels_app.errors import message as _
from hqcommerce.models import (
    AsyncStagingRecord,
    Channel,
    Customer,
    CustomerAddress,
    UploadedTransaction,
)
from hqcommerce.models.staging import StagingOperation, StagingStatus

from .customer_sync import customer_sync_run
from .jobs import JobResult


@dataclass(frozen=True)
class Resolution:
    customer: Customer | None
    address: CustomerAddress | None
    reason: Message | str = ""

    @property
    def resolved(self) -> bool:
        return not self.reason


def references_sync(transactions: Iterable[UploadedTransaction]) -> JobResult:
    """Synchronize exactly the async customers/addresses these sales need and HQ lacks."""
    transactions = list(transactions)
    customer_ids = {t.customer_async_id for t in transactions if t.customer_async_id}
    address_ids = {t.address_async_id for t in transactions if t.address_async_id}
    customer_ids -= set(
        Customer.objects.filter(origin_async_id__any=customer_ids).values_list(
            "origin_async_id", flat=True
        )
    )
    address_ids -= set(
        CustomerAddress.objects.filter(async_id__any=address_ids).values_list("async_id", flat=True)
    )
    open_statuses = (StagingStatus.PENDING, StagingStatus.FAILED)
    record_ids = list(
        AsyncStagingRecord.objects.filter(
            operation=StagingOperation.CREATE, async_id__any=customer_ids, status__in=open_statuses
        ).values_list("pk", flat=True)
    ) + list(
        AsyncStagingRecord.objects.filter(
            operation=StagingOperation.ADD_ADDRESS,
            async_id__any=address_ids,
            status__in=open_statuses,
        ).values_list("pk", flat=True)
    )
    if not record_ids:
        return JobResult()
    return customer_sync_run(record_ids=record_ids)


def _missing_reason(guid, operation: str) -> Message:
    record = (
        AsyncStagingRecord.objects.filter(async_id=guid, operation=operation)
        .only("status", "last_error", "last_error_detail", "channel__code")
        .select_related("channel")
        .first()
    )
    customer = operation == StagingOperation.CREATE
    if record is None:
        if customer:
            message = _(
                "Customer %(id)s is not in HQ yet: it has not been uploaded (run the P-job)."
            )
        else:
            message = _(
                "Address %(id)s is not in HQ yet: it has not been uploaded, or it belongs to "
                "a customer that is not synchronized."
            )
        return message % {"id": str(guid)}
    if record.status == StagingStatus.FAILED:
        if customer:
            message = _("Customer %(id)s failed validation: %(error)s")
        else:
            message = _("Address %(id)s failed validation: %(error)s")
        return message % {"id": guid, "error": record.last_error}
    if customer:
        message = _("Customer %(id)s is not synchronized yet: %(error)s")
    else:
        message = _("Address %(id)s is not synchronized yet: %(error)s")
    error = record.last_error_detail or record.last_error or _("pending")
    return message % {"id": str(guid), "error": error}


def reference_resolve(sale: UploadedTransaction, *, channel: Channel) -> Resolution:
    customer = None
    if sale.customer_account:
        customer = Customer.objects.filter(account_number=sale.customer_account).first()
        if customer is None:
            return Resolution(
                None,
                None,
                _("Customer account %(account)s does not exist in HQ.")
                % {"account": sale.customer_account},
            )
    elif sale.customer_async_id:
        customer = Customer.objects.filter(origin_async_id=sale.customer_async_id).first()
        if customer is None:
            return Resolution(
                None,
                None,
                _missing_reason(sale.customer_async_id, StagingOperation.CREATE),
            )
    else:
        customer = channel.default_customer
        if customer is None:
            return Resolution(
                None,
                None,
                _(
                    "Channel %(code)s has no default customer for anonymous sales; set one "
                    "under HQ › Channels."
                )
                % {"code": channel.code},
            )
    address = None
    if sale.address_async_id:
        address = CustomerAddress.objects.filter(async_id=sale.address_async_id).first()
        if address is None:
            reason = _missing_reason(sale.address_async_id, StagingOperation.ADD_ADDRESS)
            return Resolution(customer, None, reason)
        if address.customer_id != customer.pk:
            return Resolution(
                customer,
                None,
                _(
                    "Address %(address_async_id)s belongs to another customer than "
                    "%(account_number)s."
                )
                % {
                    "address_async_id": sale.address_async_id,
                    "account_number": customer.account_number,
                },
            )
    return Resolution(customer, address)
