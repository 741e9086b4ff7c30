"""What a store's POS does: create customers, in sync or async mode."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

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
    PartnerRequest,
)
from channels_app.selectors import channel_customer_copies, pending_customer_view
from hqcommerce.models import Channel, LoyaltyCard
from hqcommerce.services.customers import (
    channel_defaults,
    customer_address_add_realtime,
    customer_create_realtime,
    customer_update_realtime,
)
from hqcommerce.services.distribution import customer_snapshots
from hqcommerce.services.errors import (
    ConflictError,
    CustomerValidationError,
    HQUnavailableError,
    PendingCustomerError,
    UnknownCustomerError,
)
from hqcommerce.services.sales import loyalty_card_issue, sale_clean, sales_order_create_realtime
from hqcommerce.services.validation import (
    EDITABLE_FIELDS,
    address_shape_errors,
    customer_changes_shape_errors,
    customer_payload_shape_errors,
    partner_request_shape_errors,
)

from .replica import channel_customers_apply

logger = logging.getLogger(__name__)

SYNCED = "synced"
PENDING_SYNC = "pending_sync"


@dataclass(frozen=True)
class PosCustomerResult:
    status: str
    account_number: str | None
    async_id: uuid.UUID | None
    # Pending sync: the customer as the POS sees it, built from what was just written.
    view: dict | None = field(default=None, compare=False)

    @property
    def display_id(self) -> str:
        """What POS shows in the customer's account field."""
        return self.account_number or _("Pending sync")


def upload_counter_next(*, channel: Channel) -> int:
    """Take the channel's next replication counter and lock its state row until commit.

    Holding the lock to commit makes counters visible in order, so the P-job's watermark
    never passes a record that commits late. Call it as late as possible in the transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("upload_counter_next must run inside the record's transaction")
    from hqcommerce.services.realtime import auto_convert_enabled

    trigger = auto_convert_enabled(channel)
    counter, covered = _counter_increment(channel.pk, trigger=trigger)
    if counter is None:
        ChannelReplicationState.objects.get_or_create(channel=channel)
        counter, covered = _counter_increment(channel.pk, trigger=trigger)
    # Every record that takes a counter is one the P-job will upload: ask for a (coalesced)
    # near-real-time conversion of this channel in the same transaction, so the request
    # commits with the record, and on SQLite the POS takes the write lock only once.
    if trigger:
        _request_conversion(channel, covered=covered)
    return counter


def _update_returning() -> bool:
    """PostgreSQL and SQLite 3.35+ (the version that brought RETURNING to both statements)."""
    return connection.vendor == "postgresql" or connection.features.can_return_columns_from_insert


def _counter_increment(channel_id: int, *, trigger: bool) -> tuple[int | None, bool | None]:
    """UPDATE ... RETURNING (SQLite 3.35+ and PostgreSQL): one statement on every POS write,
    which with the trigger on also answers whether a queued conversion covers the write
    (None where the database cannot say it in that statement)."""
    if not _update_returning():
        state = ChannelReplicationState.objects.filter(channel_id=channel_id)
        if not state.update(upload_counter=F("upload_counter") + 1):
            return None, None
        return state.values_list("upload_counter", flat=True).get(), None
    from hqcommerce.services.realtime import auto_convert_covered_sql

    table = connection.ops.quote_name(ChannelReplicationState._meta.db_table)
    covered_sql, covered_params = auto_convert_covered_sql(channel_id) if trigger else ("NULL", [])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET upload_counter = upload_counter + 1 "
            f"WHERE channel_id = %s RETURNING upload_counter, {covered_sql}",
            [channel_id, *covered_params],
        )
        row = cursor.fetchone()
    if row is None:
        return None, None
    return row[0], None if row[1] is None else bool(row[1])


def _request_conversion(channel: Channel, *, covered: bool | None) -> None:
    from hqcommerce.services.realtime import auto_convert_covered, auto_convert_request

    # The usual case under load: already answered by the counter's statement, no savepoint.
    # (The fallback read is outside the `try`: if the database fails it, it has failed the
    # POS transaction as well.)
    if covered is None:
        covered = auto_convert_covered(channel_id=channel.pk)
    if covered:
        return
    try:
        with transaction.atomic():  # a savepoint: a failure here never loses the POS write
            auto_convert_request(channel_id=channel.pk, channel=channel, checked=True)
    except Exception:  # schedules catch up
        logger.exception("could not queue a conversion for channel %s", channel.pk)


def async_customer_create(*, channel: Channel, data: dict, register: str = "") -> AsyncCustomer:
    """Write the customer to channel data only, under a new GUID ("Pending sync")."""
    return _async_customer_write(channel=channel, data=data, register=register)[0]


def _async_customer_write(
    *, channel: Channel, data: dict, register: str
) -> tuple[AsyncCustomer, list[AsyncCustomerAddress], list[AsyncCustomerContact]]:
    errors = customer_payload_shape_errors(data)
    if errors:
        raise CustomerValidationError(errors)
    with transaction.atomic():
        counter = upload_counter_next(channel=channel)
        customer = AsyncCustomer.objects.create(
            channel=channel,
            party_type=data.get("party_type") or "person",
            first_name=(data.get("first_name") or "").strip(),
            middle_name=(data.get("middle_name") or "").strip(),
            last_name=(data.get("last_name") or "").strip(),
            organization_name=(data.get("organization_name") or "").strip(),
            customer_group=(data.get("customer_group") or "").strip(),
            currency=(data.get("currency") or "").strip(),
            language=(data.get("language") or "").strip(),
            receipt_preference=(data.get("receipt_preference") or "").strip(),
            register=register,
            upload_counter=counter,
        )
        addresses = AsyncCustomerAddress.objects.bulk_create(
            [
                AsyncCustomerAddress(
                    customer=customer,
                    **{
                        key: (a.get(key) or "").strip()
                        for key in ("name", "street", "city", "state", "zip_code", "country")
                    },
                    purpose=a.get("purpose") or "home",
                    is_primary=bool(a.get("is_primary")),
                )
                for a in data.get("addresses") or []
            ]
        )
        contacts = AsyncCustomerContact.objects.bulk_create(
            [
                AsyncCustomerContact(
                    customer=customer,
                    kind=c["kind"],
                    value=(c.get("value") or "").strip(),
                    is_primary=bool(c.get("is_primary")),
                )
                for c in data.get("contacts") or []
            ]
        )
        AsyncCustomerAffiliation.objects.bulk_create(
            [
                AsyncCustomerAffiliation(customer=customer, name=name.strip())
                for name in dict.fromkeys(data.get("affiliations") or [])
            ]
        )
        AsyncCustomerAttribute.objects.bulk_create(
            [
                AsyncCustomerAttribute(
                    customer=customer, name=a["name"].strip(), value=(a.get("value") or "").strip()
                )
                for a in data.get("attributes") or []
            ]
        )
    return customer, addresses, contacts


def pos_customer_create(
    *, channel: Channel, data: dict, hq_unreachable: bool = False, register: str = ""
) -> PosCustomerResult:
    """Create a customer the way the store's functionality profile says.

    Sync mode asks HQ in real time and returns the account number; async mode, or a sync-mode
    store that cannot reach HQ, saves the customer in channel data under a temporary GUID.
    """
    if not channel.profile.create_customer_async and not hq_unreachable:
        try:
            customer = customer_create_realtime(channel=channel, payload=data)
        except HQUnavailableError:
            pass  # offline fallback below
        else:
            channel_customers_apply(channel=channel, snapshots=customer_snapshots([customer]))
            return PosCustomerResult(SYNCED, customer.account_number, None)
    customer, addresses, contacts = _async_customer_write(
        channel=channel, data=data, register=register
    )
    view = pending_customer_view(customer, channel, contacts=contacts, addresses=addresses)
    return PosCustomerResult(PENDING_SYNC, None, customer.async_id, view=view)


@dataclass(frozen=True)
class CustomerRef:
    """A customer as the channel knows it: by account number, temporary id, or both."""

    account_number: str
    async_id: uuid.UUID | None

    @property
    def is_pending(self) -> bool:
        return not self.account_number


def channel_customer_resolve(*, channel: Channel, ref: str) -> CustomerRef:
    """Find a customer by account number or temporary GUID in this channel's data."""
    ref = (ref or "").strip()
    try:
        guid = uuid.UUID(ref)
    except ValueError:
        guid = None
    if guid is not None:
        own = AsyncCustomer.objects.filter(channel=channel, async_id=guid).first()
        if own is not None:
            return CustomerRef(own.account_number, guid)
        copy = channel_customer_copies(channel).filter(async_id=guid).first()
        if copy is not None:
            return CustomerRef(copy.account_number, guid)
    elif ref and channel_customer_copies(channel).filter(account_number=ref).exists():
        return CustomerRef(ref, None)
    raise UnknownCustomerError(
        _(
            "Channel %(code)s knows no customer %(ref)r; use an account number or "
            "the temporary id POS showed."
        )
        % {"code": channel.code, "ref": ref}
    )


def _realtime(channel: Channel, hq_unreachable: bool) -> bool:
    return not channel.profile.create_customer_async and not hq_unreachable


def _refresh_copy(channel: Channel, customer) -> None:
    channel_customers_apply(channel=channel, snapshots=customer_snapshots([customer]))


def pos_customer_update(
    *, channel: Channel, ref: str, changes: dict, hq_unreachable: bool = False
) -> PosCustomerResult:
    """Edit a customer: real-time for a synced customer in sync mode, else queued in order.

    A pending (async) customer's edit also updates the channel's own record, so the POS shows
    it at once; HQ applies the queued edits after creating the customer, in sequence.
    """
    errors = customer_changes_shape_errors(changes)
    if errors:
        raise CustomerValidationError(errors)
    target = channel_customer_resolve(channel=channel, ref=ref)
    if not target.is_pending and _realtime(channel, hq_unreachable):
        try:
            customer = customer_update_realtime(
                account_number=target.account_number, changes=changes
            )
        except HQUnavailableError:
            pass
        else:
            _refresh_copy(channel, customer)
            return PosCustomerResult(SYNCED, customer.account_number, target.async_id)
    with transaction.atomic():
        counter = upload_counter_next(channel=channel)
        target_filter = (
            {"target_async_id": target.async_id, "target_account": ""}
            if target.is_pending
            else {"target_account": target.account_number, "target_async_id": None}
        )
        last = AsyncCustomerEdit.objects.filter(channel=channel, **target_filter).aggregate(
            last=Max("sequence")
        )["last"]
        AsyncCustomerEdit.objects.create(
            channel=channel,
            sequence=(last or 0) + 1,
            changes={key: (value or "").strip() for key, value in changes.items()},
            upload_counter=counter,
            **target_filter,
        )
        if target.is_pending:
            _apply_locally(channel, target.async_id, changes)
    return PosCustomerResult(PENDING_SYNC, target.account_number or None, target.async_id)


def _apply_locally(channel: Channel, async_id: uuid.UUID, changes: dict) -> None:
    customer = AsyncCustomer.objects.get(channel=channel, async_id=async_id)
    for key, value in changes.items():
        value = (value or "").strip()
        if key in ("email", "phone"):
            contact = customer.contacts.filter(kind=key).order_by("-is_primary", "pk").first()
            if contact and value:
                contact.value = value
                contact.save(update_fields=["value"])
            elif contact:
                contact.delete()
            elif value:
                AsyncCustomerContact.objects.create(
                    customer=customer, kind=key, value=value, is_primary=True
                )
        elif key in EDITABLE_FIELDS:
            setattr(customer, key, value)
    customer.save()


@dataclass(frozen=True)
class PosAddressResult:
    status: str
    async_id: uuid.UUID | None


def pos_address_add(
    *, channel: Channel, ref: str, address: dict, hq_unreachable: bool = False
) -> PosAddressResult:
    """Add an address to an async or synced customer (own GUID when recorded async)."""
    errors = address_shape_errors(address)
    if errors:
        raise CustomerValidationError(errors)
    target = channel_customer_resolve(channel=channel, ref=ref)
    if not target.is_pending and _realtime(channel, hq_unreachable):
        try:
            added = customer_address_add_realtime(
                account_number=target.account_number, address=address
            )
        except HQUnavailableError:
            pass
        else:
            _refresh_copy(channel, added.customer)
            return PosAddressResult(SYNCED, None)
    with transaction.atomic():
        counter = upload_counter_next(channel=channel)
        created = AsyncAddress.objects.create(
            channel=channel,
            target_account=target.account_number,
            target_async_id=None if target.account_number else target.async_id,
            purpose=address.get("purpose") or "delivery",
            is_primary=bool(address.get("is_primary")),
            upload_counter=counter,
            **{
                key: (address.get(key) or "").strip()
                for key in ("name", "street", "city", "state", "zip_code", "country")
            },
        )
    return PosAddressResult(PENDING_SYNC, created.async_id)


def pos_transaction_record(*, channel: Channel, data: dict) -> ChannelTransaction:
    """Record a sale; idempotent on the POS's transaction id.

    The same id with the same data returns the first record; with other data it is a
    ConflictError. A synchronous customer order needs a customer with an account number
    (an async customer must wait for 1010, or the order be async).
    """
    sale = sale_clean(data, default_currency=channel_defaults(channel).currency)
    existing = ChannelTransaction.objects.filter(
        channel=channel, transaction_id=sale.transaction_id
    ).first()
    if existing is not None:
        return _same_or_conflict(existing, sale.fingerprint)
    target = channel_customer_resolve(channel=channel, ref=sale.customer) if sale.customer else None
    order_number = ""
    if sale.order_mode == "sync":
        if target.is_pending:
            raise PendingCustomerError(
                _(
                    "Customer %(async_id)s is pending sync (no account number yet), so it "
                    "cannot be used on a synchronous customer order; record an async order "
                    "or wait until 1010 brings its account number."
                )
                % {"async_id": target.async_id}
            )
        order_number = sales_order_create_realtime(
            channel=channel, sale=sale, account_number=target.account_number
        )
    try:
        with transaction.atomic():
            counter = upload_counter_next(channel=channel)
            return ChannelTransaction.objects.create(
                channel=channel,
                transaction_id=sale.transaction_id,
                kind=sale.kind,
                order_mode=sale.order_mode,
                business_date=sale.business_date,
                customer_account=target.account_number if target else "",
                customer_async_id=target.async_id if target and target.is_pending else None,
                address_async_id=sale.address_async_id,
                currency=sale.currency,
                total=sale.total,
                lines=sale.lines,
                hq_order_number=order_number,
                request_fingerprint=sale.fingerprint,
                upload_counter=counter,
            )
    except IntegrityError:
        existing = ChannelTransaction.objects.get(
            channel=channel, transaction_id=sale.transaction_id
        )
        return _same_or_conflict(existing, sale.fingerprint)


def _same_or_conflict(existing: ChannelTransaction, fingerprint: str) -> ChannelTransaction:
    if existing.request_fingerprint != fingerprint:
        raise ConflictError(
            _(
                "Transaction %(transaction_id)s was already recorded with other data; "
                "use a new transaction id."
            )
            % {"transaction_id": existing.transaction_id}
        )
    return existing


def pos_loyalty_card_issue(*, channel: Channel, ref: str) -> LoyaltyCard:
    """Loyalty cards need an HQ account: a customer pending sync cannot get one yet."""
    target = channel_customer_resolve(channel=channel, ref=ref)
    if target.is_pending:
        raise PendingCustomerError(
            _(
                "Customer %(async_id)s is pending sync; a loyalty card can be issued "
                "once its account number is back in the store (after the P-job, the sync "
                "and 1010)."
            )
            % {"async_id": target.async_id}
        )
    return loyalty_card_issue(channel=channel, account_number=target.account_number)


def pos_partner_request_create(*, channel: Channel, data: dict) -> PartnerRequest:
    """Record a business partner onboarding request under a GUID, for the P-job to upload.

    HQ decides: the sync job makes it a prospect (or records why not) and staff approve it.
    """
    errors = partner_request_shape_errors(data)
    if errors:
        raise CustomerValidationError(errors)
    with transaction.atomic():
        counter = upload_counter_next(channel=channel)
        return PartnerRequest.objects.create(
            channel=channel,
            upload_counter=counter,
            **{key: (value or "").strip() for key, value in data.items()},
        )
