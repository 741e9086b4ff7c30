"""Synchronize customers and channel requests: staging records become HQ customers.

Work is claimed in short per-batch transactions with `select_for_update(skip_locked=True)`,
so several workers share a backlog and never take the same record. Inside a batch every
record is validated on its own: a failing record is marked failed with its last known error
and never stops the others. If the database still rejects the batch, it is redone one record
at a time so only the culprit fails.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import DatabaseError, transaction
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone

from channels_app.errors import CustomerValidationError, Message, message_json, record_error
from channels_app.errors import message as _
from channels_app.features import ENHANCED_CREATION, FeatureSwitches, feature_hold
from channels_app.validation import (
    ChannelDefaults,
    CleanCustomer,
    CleanPartnerRequest,
    address_clean,
    customer_payload_clean,
    partner_request_clean,
)
from hqcommerce.db.stats import StatisticsKeeper
from hqcommerce.models import AsyncStagingRecord, Channel, Customer, CustomerContact, JobRun
from hqcommerce.models.jobs import JobKind
from hqcommerce.models.staging import StagingOperation, StagingStatus

from .configuration import commerce_parameters
from .customers import (
    NewCustomer,
    channel_defaults,
    customer_address_add,
    customer_address_delete,
    customer_address_update,
    customer_update,
    customers_create,
)
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
from .partners import prospect_create
from .replication import replication_versions_allocate

logger = logging.getLogger(__name__)

FIX_HINT = _("Correct the record on the status page and press Save and synchronize.")


@dataclass
class _Plan:
    create: list[tuple[AsyncStagingRecord, CleanCustomer]] = field(default_factory=list)
    existing: list[tuple[AsyncStagingRecord, Customer]] = field(default_factory=list)
    fail: list[tuple[AsyncStagingRecord, str]] = field(default_factory=list)
    # Edits and added addresses, applied after the batch's creates, in upload order.
    dependent: list[AsyncStagingRecord] = field(default_factory=list)
    waiting: list[tuple[AsyncStagingRecord, str]] = field(default_factory=list)
    applied_pks: set[int] = field(default_factory=set)
    partners: list[tuple[AsyncStagingRecord, CleanPartnerRequest]] = field(default_factory=list)
    size: int = 0


class _Context:
    """Per-run caches (channels and their inherited defaults)."""

    def __init__(self) -> None:
        self._channels: dict[int, Channel] = {}
        self._defaults: dict[int, ChannelDefaults] = {}
        self.switches = FeatureSwitches.of(commerce_parameters())

    def channel(self, channel_id: int) -> Channel:
        if channel_id not in self._channels:
            self._channels[channel_id] = Channel.objects.select_related("default_customer").get(
                pk=channel_id
            )
        return self._channels[channel_id]

    def defaults(self, channel_id: int) -> ChannelDefaults:
        if channel_id not in self._defaults:
            defaults = channel_defaults(self.channel(channel_id))
            if not self.switches.is_on(ENHANCED_CREATION):
                # Before 10.0.24 an async customer did not inherit the default's affiliations.
                defaults = dataclasses.replace(defaults, affiliations=())
            self._defaults[channel_id] = defaults
        return self._defaults[channel_id]


def _adopt_realtime_customers(records: list[AsyncStagingRecord]) -> None:
    """A store that gave up waiting for HQ's real-time create wrote the customer async under
    the temporary id it had sent; if HQ did create it, that customer becomes this record's
    (its origin id set, sent again by 1010 so the store maps the temporary id)."""
    ids = [r.async_id for r in records if r.operation == StagingOperation.CREATE]
    if not ids:
        return
    made = Customer.objects.filter(realtime_request_id__any=ids, origin_async_id=None)
    channel_of = {r.async_id: r.channel_id for r in records}
    for customer in made.only("pk", "realtime_request_id", "origin_channel_id"):
        if channel_of.get(customer.realtime_request_id) != customer.origin_channel_id:
            continue  # another store's id: the plan refuses it as any other clash
        (version,) = replication_versions_allocate(count=1)
        Customer.objects.filter(pk=customer.pk).update(
            origin_async_id=customer.realtime_request_id, replication_version=version
        )


def _plan(records: list[AsyncStagingRecord], ctx: _Context) -> _Plan:
    plan = _Plan(size=len(records))
    _adopt_realtime_customers(records)
    existing = {
        c.origin_async_id: c
        for c in Customer.objects.filter(origin_async_id__any=[r.async_id for r in records])
    }
    claimed: dict[uuid.UUID, AsyncStagingRecord] = {}
    for record in records:
        if record.operation == StagingOperation.PARTNER_REQUEST:
            try:
                plan.partners.append((record, partner_request_clean(record.payload)))
            except CustomerValidationError as exc:
                plan.fail.append((record, _failed(exc)))
            continue
        if record.operation != StagingOperation.CREATE:
            plan.dependent.append(record)
            continue
        customer = existing.get(record.async_id)
        if customer is not None:
            if customer.origin_channel_id == record.channel_id:
                plan.existing.append((record, customer))
            else:
                plan.fail.append(
                    (
                        record,
                        _(
                            "Async id %(async_id)s is already used by customer %(account_number)s "
                            "from another channel; this record cannot be converted. Create the "
                            "customer again at the store."
                        )
                        % {"async_id": record.async_id, "account_number": customer.account_number},
                    )
                )
            continue
        held = feature_hold(record.operation, record.payload, ctx.switches)
        if held is not None:
            plan.waiting.append((record, held))
            continue
        if record.async_id in claimed:
            plan.fail.append(
                (
                    record,
                    _(
                        "Async id %(async_id)s was uploaded by two channels; the record of "
                        "channel %(channel_id)s is converted first."
                    )
                    % {
                        "async_id": record.async_id,
                        "channel_id": claimed[record.async_id].channel_id,
                    },
                )
            )
            continue
        try:
            clean = customer_payload_clean(record.payload, defaults=ctx.defaults(record.channel_id))
        except CustomerValidationError as exc:
            plan.fail.append((record, _failed(exc)))
            continue
        claimed[record.async_id] = record
        plan.create.append((record, clean))
    return plan


def _apply(plan: _Plan, ctx: _Context) -> None:
    now = timezone.now()
    customers = customers_create(
        items=[
            NewCustomer(channel=ctx.channel(r.channel_id), async_id=r.async_id, data=clean)
            for r, clean in plan.create
        ]
    )
    for (record, _clean), customer in zip(plan.create, customers, strict=True):
        record.customer, record.status = customer, StagingStatus.COMPLETED
    # Converted creates are marked in one UPDATE that reads each record's customer by its
    # async id (unique): Django's bulk_update would build a CASE per row and field, which
    # cost more than creating the customers.
    converted = [r.pk for r, _ in plan.create] + [r.pk for r, _ in plan.existing]
    if converted:
        customer = Customer.objects.filter(origin_async_id=OuterRef("async_id"))
        AsyncStagingRecord.objects.filter(pk__any=converted).update(
            status=StagingStatus.COMPLETED,
            completed_at=now,
            last_error="",
            last_error_detail=None,
            attempts=F("attempts") + 1,
            customer_id=Subquery(customer.values("pk")[:1]),
            account_number=Subquery(customer.values("account_number")[:1]),
            possible_duplicate_of_id=Subquery(customer.values("possible_duplicate_of_id")[:1]),
        )
    updates = []
    for record in plan.dependent:
        _apply_dependent(record, plan, now, ctx)
        updates.append(record)
    for record, clean in plan.partners:
        prospect = prospect_create(
            channel=ctx.channel(record.channel_id), async_id=record.async_id, clean=clean
        )
        if prospect.channel_id != record.channel_id:
            plan.fail.append(
                (
                    record,
                    _("Request id %(async_id)s was already used by another channel.")
                    % {"async_id": record.async_id},
                )
            )
            continue
        record.status = StagingStatus.COMPLETED
        record.prospect = prospect
        record.completed_at = now
        record.last_error = ""
        record.last_error_detail = None
        plan.applied_pks.add(record.pk)
        updates.append(record)
    for record, error in plan.fail:
        record.status = StagingStatus.FAILED
        _set_error(record, error)
        updates.append(record)
    listed = {r.pk for r in updates}
    for record, reason in plan.waiting:
        record.status = StagingStatus.PENDING
        _set_error(record, reason)
        if record.pk not in listed:  # a create held by a feature switch
            updates.append(record)
    if not updates:
        return
    AsyncStagingRecord.objects.bulk_update(
        updates,
        [
            "status",
            "customer",
            "account_number",
            "possible_duplicate_of",
            "completed_at",
            "last_error",
            "last_error_detail",
            "old_values",
            "prospect",
        ],
    )
    AsyncStagingRecord.objects.filter(pk__any=[r.pk for r in updates]).update(
        attempts=F("attempts") + 1
    )


def _failed(exc: CustomerValidationError) -> Message:
    return _("%(errors)s %(hint)s") % {"errors": exc.detail(), "hint": FIX_HINT}


def _set_error(record: AsyncStagingRecord, reason) -> None:
    """The reason as text in the worker's language (searchable) and as a message the pages
    render in their reader's language."""
    record.last_error = str(reason)
    record.last_error_detail = message_json(reason)


def _target_customer(record: AsyncStagingRecord) -> Customer | None:
    if record.target_account:
        return Customer.objects.filter(account_number=record.target_account).first()
    return Customer.objects.filter(origin_async_id=record.target_async_id).first()


def _waiting_reason(record: AsyncStagingRecord) -> Message | None:
    """Why an edit/address cannot be applied yet, or None when its customer is missing for good."""
    if record.target_account:
        return None
    create = (
        AsyncStagingRecord.objects.filter(
            async_id=record.target_async_id, operation=StagingOperation.CREATE
        )
        .only("status", "last_error", "last_error_detail")
        .first()
    )
    guid = record.target_async_id
    if create is None:
        return _("Waiting for customer %(guid)s: it is not uploaded yet (run the P-job).") % {
            "guid": guid
        }
    if create.status == StagingStatus.FAILED:
        return _("Waiting for customer %(guid)s, whose record failed: %(last_error)s") % {
            "guid": guid,
            "last_error": create.last_error_detail or create.last_error,
        }
    return _("Waiting for customer %(guid)s to be synchronized.") % {"guid": guid}


SEQUENCED = (
    StagingOperation.UPDATE,
    StagingOperation.EDIT_ADDRESS,
    StagingOperation.DELETE_ADDRESS,
)


def _earlier_edit_pending(
    record: AsyncStagingRecord, applied_pks: set[int]
) -> AsyncStagingRecord | None:
    return (
        AsyncStagingRecord.objects.filter(
            channel_id=record.channel_id,
            operation__in=SEQUENCED,
            target_account=record.target_account,
            target_async_id=record.target_async_id,
            sequence__lt=record.sequence,
        )
        .exclude(status=StagingStatus.COMPLETED)
        .exclude(pk__in=applied_pks)  # applied earlier in this batch, not yet marked
        .order_by("sequence")
        .first()
    )


def _apply_dependent(record: AsyncStagingRecord, plan: _Plan, now, ctx: _Context) -> None:
    """Apply one edit or added address to its HQ customer, in its own savepoint."""
    customer = _target_customer(record)
    if customer is None:
        reason = _waiting_reason(record)
        if reason is None:
            plan.fail.append(
                (
                    record,
                    _("Customer %(target_account)s does not exist in HQ. %(hint)s")
                    % {"target_account": record.target_account, "hint": FIX_HINT},
                )
            )
        else:
            plan.waiting.append((record, reason))
        return
    payload = record.payload if isinstance(record.payload, dict) else {}
    held = feature_hold(record.operation, record.payload, ctx.switches)
    if held is not None:
        plan.waiting.append((record, held))
        return
    try:
        with transaction.atomic():
            if record.operation in SEQUENCED:
                earlier = _earlier_edit_pending(record, plan.applied_pks)
                if earlier is not None:
                    plan.waiting.append(
                        (
                            record,
                            _("Waiting for edit #%(sequence)s to be applied first.")
                            % {"sequence": earlier.sequence},
                        )
                    )
                    return
            if record.operation == StagingOperation.UPDATE:
                old = customer_update(
                    customer=customer,
                    changes=payload.get("changes"),
                    defaults=ctx.defaults(record.channel_id),
                    when=record.operation_time,
                )
                _keep_old_values(record, old)
            elif record.operation in (
                StagingOperation.EDIT_ADDRESS,
                StagingOperation.DELETE_ADDRESS,
            ):
                if not _address_change_apply(record, customer, payload, plan):
                    return
            else:
                address = payload.get("address")
                if isinstance(address, dict):
                    address = {**address, "async_id": str(record.async_id)}
                customer_address_add(customer=customer, address=address_clean(address))
    except CustomerValidationError as exc:
        plan.fail.append((record, _failed(exc)))
        return
    record.status = StagingStatus.COMPLETED
    record.customer = customer
    record.account_number = customer.account_number
    record.completed_at = now
    record.last_error = ""
    record.last_error_detail = None
    plan.applied_pks.add(record.pk)


def _keep_old_values(record: AsyncStagingRecord, hq_old: dict) -> None:
    """The values an edit replaced: HQ's, for a customer HQ had when it was made (edited by
    account number); for a customer still pending at the store, the store's own, as it was
    before the edit: HQ's copy may already carry the edit, uploaded with the create."""
    if record.target_account or not record.old_values:
        record.old_values = hq_old


def _address_change_apply(record, customer: Customer, payload: dict, plan: _Plan) -> bool:
    """Edit or delete one of the customer's addresses by its id. False: not applied now
    (waiting for its add, or failed)."""
    try:
        address_id = uuid.UUID(str(payload.get("address_id")))
    except ValueError:
        plan.fail.append(
            (record, _("The record names no address id. %(hint)s") % {"hint": FIX_HINT})
        )
        return False
    if not customer.addresses.filter(async_id=address_id).exists():
        add = (
            AsyncStagingRecord.objects.filter(
                async_id=address_id, operation=StagingOperation.ADD_ADDRESS
            )
            .exclude(status=StagingStatus.COMPLETED)
            .exclude(pk__in=plan.applied_pks)
            .first()
        )
        if add is not None:
            plan.waiting.append(
                (
                    record,
                    _("Waiting for address %(address_id)s to be added first.")
                    % {"address_id": address_id},
                )
            )
            return False
        if record.operation == StagingOperation.EDIT_ADDRESS and not _deleted_later(
            record, address_id
        ):
            plan.fail.append(
                (
                    record,
                    _("Customer %(account_number)s has no address %(address_id)s. %(hint)s")
                    % {
                        "account_number": customer.account_number,
                        "address_id": address_id,
                        "hint": FIX_HINT,
                    },
                )
            )
            return False
        # Deleted at the store before it reached HQ: nothing left to change.
        return True
    if record.operation == StagingOperation.EDIT_ADDRESS:
        old = customer_address_update(
            customer=customer, address_id=address_id, changes=payload.get("changes")
        )
    else:
        old = customer_address_delete(customer=customer, address_id=address_id) or {}
    _keep_old_values(record, old)
    return True


def _deleted_later(record: AsyncStagingRecord, address_id: uuid.UUID) -> bool:
    return AsyncStagingRecord.objects.filter(
        channel_id=record.channel_id,
        operation=StagingOperation.DELETE_ADDRESS,
        target_account=record.target_account,
        target_async_id=record.target_async_id,
        sequence__gt=record.sequence,
        payload__address_id=str(address_id),
    ).exists()


def _claim(queryset: QuerySet, *, after: int, limit: int) -> list[AsyncStagingRecord]:
    return list(
        queryset.filter(pk__gt=after)
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("pk")[:limit]
    )


def _count(plan: _Plan) -> dict[str, int]:
    return {
        "processed": plan.size,
        "created": len(plan.create) + len(plan.applied_pks),
        "skipped": len(plan.existing) + len(plan.waiting),
        "failed": len(plan.fail),
    }


def _sync_one_by_one(
    queryset: QuerySet, pks: Iterable[int], ctx: _Context, tracker: JobTracker
) -> None:
    """Fallback after the database rejected a whole batch: isolate the failing record."""
    for pk in pks:
        try:
            with transaction.atomic():
                records = _claim(queryset.filter(pk=pk), after=0, limit=1)
                if not records:
                    continue
                plan = _plan(records, ctx)
                _apply(plan, ctx)
        except DatabaseError as exc:
            reason = _("HQ rejected the record: %(exc)s %(hint)s") % {
                "exc": str(exc),
                "hint": FIX_HINT,
            }
            with transaction.atomic():
                AsyncStagingRecord.objects.filter(pk=pk).update(
                    status=StagingStatus.FAILED,
                    last_error=str(reason),
                    last_error_detail=message_json(reason),
                    attempts=F("attempts") + 1,
                )
            tracker.advance(processed=1, failed=1, errors=[record_error(f"#{pk}", reason)])
            continue
        tracker.advance(**_count(plan), errors=[record_error(r.async_id, e) for r, e in plan.fail])


def staging_queryset(
    *, channels: list[Channel] | None, retry_failed: bool
) -> QuerySet[AsyncStagingRecord]:
    statuses = [StagingStatus.PENDING] + ([StagingStatus.FAILED] if retry_failed else [])
    queryset = AsyncStagingRecord.objects.filter(status__in=statuses)
    if channels is not None:
        queryset = queryset.filter(channel__in=channels)
    return queryset


@job_service(JobKind.CUSTOMER_SYNC)
@rehearsed
@heap_frozen
def customer_sync_run(
    *,
    channels: list[str] | None = None,
    dry_run: bool = False,
    retry_failed: bool = False,
    record_ids: list[int] | None = None,
    job_run: JobRun | None = None,
    progress: ProgressCallback | None = None,
) -> JobResult:
    """Process pending staging records (and failed ones with `retry_failed`)."""
    tracker = JobTracker(job_run, progress, dry_run=dry_run)
    selected = channels_resolve(channels) if channels else None
    queryset = staging_queryset(channels=selected, retry_failed=retry_failed or bool(record_ids))
    if record_ids:
        queryset = queryset.filter(pk__in=record_ids)
    tracker.add_total(queryset.count())
    ctx = _Context()
    size = job_batch_size()
    # The customer tables grow as the sync goes; its lookups read them by batch.
    statistics = StatisticsKeeper(AsyncStagingRecord, Customer, CustomerContact)
    after = 0
    while True:
        statistics.refresh()
        try:
            with transaction.atomic():
                records = _claim(queryset, after=after, limit=size)
                if not records:
                    break
                plan = _plan(records, ctx)
                _apply(plan, ctx)
        except DatabaseError:
            logger.warning("batch after staging id %s rejected; retrying one by one", after)
            pks = list(
                queryset.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:size]
            )
            _sync_one_by_one(queryset, pks, ctx, tracker)
            after = pks[-1] if pks else after
            continue
        after = records[-1].pk
        tracker.advance(
            **_count(plan), errors=[record_error(r.async_id, error) for r, error in plan.fail]
        )
    return tracker.result
