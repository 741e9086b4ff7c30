"""What a store's POS does: create customers, in sync or async mode.

Everything here reads and writes the store's own channel database, so a store keeps working
while HQ is down. The one exception is the real-time call of a sync-mode store (channels_app/
hq.py), which falls back to async mode by itself when HQ does not answer in time.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from channels_app.db.counters import counter_increment
from channels_app.errors import (
    ConflictError,
    CustomerValidationError,
    HQUnavailableError,
    InputValidationError,
    PendingCustomerError,
    UnknownAddressError,
    UnknownCustomerError,
    address_limit_error,
)
from channels_app.features import (
    ASYNC_ADDRESSES,
    ASYNC_EDITING,
    ENHANCED_CREATION,
    enhanced_content,
    feature_off,
)
from channels_app.hq import hq_service
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
    EditOperation,
    PartnerRequest,
    Store,
)
from channels_app.sales import sale_clean
from channels_app.selectors import (
    channel_customer_copies,
    on_store_database,
    pending_customer_view,
    store_defaults,
)
from channels_app.validation import (
    EDITABLE_FIELDS,
    OPT_IN_FIELDS,
    address_changes_clean,
    address_changes_shape_errors,
    address_door_errors,
    address_values,
    country_alpha3,
    customer_changes_at_door,
    customer_changes_shape_errors,
    customer_payload_clean,
    customer_payload_shape_errors,
    partner_request_clean,
)

from .replica import channel_customers_apply
from .triggers import conversion_request, conversion_wanted

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


def upload_counter_next(*, channel: Store) -> int:
    """Take the store's next replication counter and lock its state row until commit.

    Holding the lock to commit makes counters visible in order, so the P-job's watermark
    never passes a record that commits late. Call it as late as possible in the transaction.
    """
    alias = channel._state.db
    if not connections[alias].in_atomic_block:
        raise RuntimeError("upload_counter_next must run inside the record's transaction")
    trigger = conversion_wanted(channel)
    counter, covered = counter_increment(alias, channel.pk, trigger=trigger)
    if counter is None:
        ChannelReplicationState.objects.using(alias).get_or_create(channel=channel)
        counter, covered = counter_increment(alias, channel.pk, trigger=trigger)
    # Every record that takes a counter is one the P-job will upload: ask for a (coalesced)
    # near-real-time conversion of this store in the same transaction, so the request
    # commits with the record, and on SQLite the POS takes the write lock only once.
    if trigger and not covered:
        _request_conversion(channel)
    return counter


def _fallback_count(channel: Store) -> None:
    """A sync-mode store's call to HQ failed and this record was written async instead: counted
    for the dashboard (and logged by the real-time service that failed)."""
    ChannelReplicationState.objects.using(channel._state.db).filter(channel_id=channel.pk).update(
        realtime_fallbacks=F("realtime_fallbacks") + 1, last_fallback_at=timezone.now()
    )


def _request_conversion(channel: Store) -> None:
    try:
        with transaction.atomic(using=channel._state.db):  # a savepoint: never loses the write
            conversion_request(channel=channel)
    except Exception:  # the schedules catch up
        logger.exception("could not queue a conversion for store %s", channel.code)


@on_store_database
def async_customer_create(*, channel: Store, data: dict, register: str = "") -> AsyncCustomer:
    """Write the customer to channel data only, under a new GUID ("Pending sync")."""
    return _async_customer_write(channel=channel, data=data, register=register)[0]


def _async_customer_write(
    *, channel: Store, data: dict, register: str, async_id: uuid.UUID | None = None
) -> tuple[AsyncCustomer, dict]:
    """The customer and its children as written (`addresses`, `contacts`, `attributes`,
    `affiliations`), so the answer is built without reading them back."""
    errors = customer_payload_shape_errors(data)
    if errors:
        raise CustomerValidationError(errors)
    with transaction.atomic(using=channel._state.db):
        counter = upload_counter_next(channel=channel)
        customer = AsyncCustomer.objects.create(
            channel=channel,
            async_id=async_id or uuid.uuid4(),
            party_type=data.get("party_type") or "person",
            first_name=(data.get("first_name") or "").strip(),
            middle_name=(data.get("middle_name") or "").strip(),
            last_name=(data.get("last_name") or "").strip(),
            organization_name=(data.get("organization_name") or "").strip(),
            customer_group=(data.get("customer_group") or "").strip(),
            currency=(data.get("currency") or "").strip(),
            language=(data.get("language") or "").strip(),
            receipt_preference=(data.get("receipt_preference") or "").strip(),
            title=(data.get("title") or "").strip(),
            receipt_email=(data.get("receipt_email") or "").strip(),
            register=register,
            upload_counter=counter,
        )
        any_primary = any(a.get("is_primary") for a in data.get("addresses") or [])
        # As D365: an address's purpose by the customer's type, its country the store's.
        purpose = (
            "business"
            if (data.get("party_type") or channel.default_party_type) == "organization"
            else "home"
        )
        now = timezone.now()
        addresses = AsyncCustomerAddress.objects.bulk_create(
            [
                AsyncCustomerAddress(
                    customer=customer,
                    **{
                        key: (a.get(key) or "").strip()
                        for key in ("name", "street", "city", "state", "zip_code")
                    },
                    country=country_alpha3((a.get("country") or "").strip() or channel.country),
                    purpose=a.get("purpose") or purpose,
                    # As HQ will: the first address is primary when none is said to be.
                    is_primary=bool(a.get("is_primary")) or (i == 0 and not any_primary),
                )
                for i, a in enumerate(data.get("addresses") or [])
            ]
        )
        contacts = AsyncCustomerContact.objects.bulk_create(
            [
                AsyncCustomerContact(
                    customer=customer,
                    kind=c["kind"],
                    value=(c.get("value") or "").strip(),
                    is_primary=bool(c.get("is_primary")),
                    marketing_opt_in=bool(c.get("marketing_opt_in")),
                    opt_in_at=now if c.get("marketing_opt_in") else None,
                )
                for c in data.get("contacts") or []
            ]
        )
        affiliations = AsyncCustomerAffiliation.objects.bulk_create(
            [
                AsyncCustomerAffiliation(customer=customer, name=name.strip())
                for name in dict.fromkeys(data.get("affiliations") or [])
            ]
        )
        attributes = AsyncCustomerAttribute.objects.bulk_create(
            [
                AsyncCustomerAttribute(
                    customer=customer, name=a["name"].strip(), value=(a.get("value") or "").strip()
                )
                for a in data.get("attributes") or []
            ]
        )
    return customer, {
        "addresses": addresses,
        "contacts": contacts,
        "attributes": attributes,
        "affiliations": affiliations,
    }


@on_store_database
def pos_customer_rule_errors(*, channel: Store, data: object) -> dict[str, list]:
    """HQ's rules' errors for a create whose shape the door refused too, so a request learns
    every field's error at once, not one more per try. Data the shape check could not read
    is read as far as HQ's rules can (they also read the uploads of registers' imports)."""
    if not isinstance(data, dict):
        return {}
    payload = {key: value for key, value in data.items() if key != "channel"}
    try:
        customer_payload_clean(payload, defaults=store_defaults(channel))
    except CustomerValidationError as exc:
        return exc.errors
    return {}


@on_store_database
def pos_customer_create(*, channel: Store, data: dict, register: str = "") -> PosCustomerResult:
    """Create a customer the way the store's functionality profile says.

    Sync mode asks HQ in real time and returns the account number; async mode, or a sync-mode
    store that cannot reach HQ in time, saves the customer in channel data under a GUID.
    """
    fallback = False
    # The temporary id is chosen first and sent with a real-time create: if HQ did the work
    # but answered after the deadline, the async record below converts to that customer.
    async_id = uuid.uuid4()
    # HQ's rules, at the door: what the sync job would certainly refuse is a 400 now, while
    # the clerk and the customer are still at the counter (the store's defaults are 1070's).
    defaults = store_defaults(channel)
    clean = customer_payload_clean(data, defaults=defaults)
    if defaults.attribute_definitions:  # typed: kept as HQ will keep them, defaults filled
        data = {**data, "attributes": [{"name": n, "value": v} for n, v in clean.attributes]}
    if not channel.create_customer_async:
        try:
            snapshot = hq_service().customer_create(
                channel_id=channel.pk, payload=data, async_id=async_id
            )
        except HQUnavailableError:
            fallback = True  # offline: async below, as D365's POS does
        else:
            channel_customers_apply(channel=channel, snapshots=[snapshot])
            return PosCustomerResult(SYNCED, snapshot["account_number"], None)
    if not channel.enhanced_async_creation:
        found = enhanced_content(data)
        if found:  # what only 10.0.24's enhanced async creation records without HQ
            raise CustomerValidationError(
                {path: [str(feature_off(ENHANCED_CREATION))] for path in found}
            )
    customer, children = _async_customer_write(
        channel=channel, data=data, register=register, async_id=async_id
    )
    if fallback:
        _fallback_count(channel)
    view = pending_customer_view(customer, channel, **children)
    return PosCustomerResult(PENDING_SYNC, None, customer.async_id, view=view)


@dataclass(frozen=True)
class CustomerRef:
    """A customer as the channel knows it: by account number, temporary id, or both."""

    account_number: str
    async_id: uuid.UUID | None

    @property
    def is_pending(self) -> bool:
        return not self.account_number


@on_store_database
def channel_customer_resolve(*, channel: Store, ref: str) -> CustomerRef:
    """Find a customer by account number or temporary GUID in this channel's data."""
    return _resolve(channel, ref)


def _resolve(channel: Store, ref: str) -> CustomerRef:
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


def _realtime(channel: Store) -> bool:
    return not channel.create_customer_async


def _refuse_pending(channel: Store, target: CustomerRef, feature: str, refusal: str) -> None:
    """A customer pending sync can only be changed in async mode, which `feature` allows.
    `refusal` names the customer (%(async_id)s) and what is refused."""
    if target.is_pending and not getattr(channel, feature):
        raise PendingCustomerError(
            refusal % {"async_id": target.async_id} + " " + str(feature_off(feature))
        )


def _hq_first(channel: Store, target: CustomerRef, feature: str) -> bool:
    """A synced customer goes to HQ in real time in a sync-mode store, and in an async-mode
    store whose feature switch for this change is off (then there is no async fallback)."""
    return not target.is_pending and (_realtime(channel) or not getattr(channel, feature))


def _in_real_time(channel: Store, target: CustomerRef, feature: str, call) -> dict | None:
    """Send a synced customer's change to HQ while the POS waits (see _hq_first): HQ's
    snapshot, applied to this store's copy; None when it is to be recorded async instead
    (not HQ's to take now, or HQ did not answer and `feature` allows the fallback)."""
    if not _hq_first(channel, target, feature):
        return None
    try:
        snapshot = call()
    except HQUnavailableError:
        if not getattr(channel, feature):
            raise  # no async fallback with the switch off: the clerk is told HQ is down
        _fallback_count(channel)
        return None
    channel_customers_apply(channel=channel, snapshots=[snapshot])
    return snapshot


def _target_filter(target: CustomerRef) -> dict:
    if target.is_pending:
        return {"target_async_id": target.async_id, "target_account": ""}
    return {"target_account": target.account_number, "target_async_id": None}


def _edit_record(
    channel: Store,
    target: CustomerRef,
    *,
    operation: str,
    changes: dict,
    old_values: dict,
    address_id: uuid.UUID | None = None,
) -> AsyncCustomerEdit:
    """Queue one edit in the customer's sequence; call inside the write's transaction."""
    target_filter = _target_filter(target)
    queued = AsyncCustomerEdit.objects.filter(
        channel=channel, uploaded_at=None, **target_filter
    ).count()
    if queued >= settings.HQ_CUSTOMER_MAX_QUEUED_EDITS:
        raise ConflictError(
            _(
                "This customer has %(count)s changes waiting for the next upload to HQ, the most "
                "a store may queue for one customer (HQ_CUSTOMER_MAX_QUEUED_EDITS); try again "
                "after the P-job."
            )
            % {"count": queued}
        )
    counter = upload_counter_next(channel=channel)
    last = AsyncCustomerEdit.objects.filter(channel=channel, **target_filter).aggregate(
        last=Max("sequence")
    )["last"]
    return AsyncCustomerEdit.objects.create(
        channel=channel,
        sequence=(last or 0) + 1,
        operation=operation,
        address_id=address_id,
        changes=changes,
        old_values=old_values,
        upload_counter=counter,
        **target_filter,
    )


def _changes_at_door(channel: Store, current, changes: dict) -> tuple[dict, dict | None]:
    """An edit by HQ's rules against the customer as the store knows it (`current`)."""
    return customer_changes_at_door(changes, current=current, defaults=store_defaults(channel))


@on_store_database
def pos_customer_update_rule_errors(*, channel: Store, ref: str, changes: object) -> dict:
    """HQ's rules' errors for an edit whose shape the door refused too (as for a create)."""
    if not isinstance(changes, dict):
        return {}
    errors = customer_changes_shape_errors(changes)
    if errors:
        return errors
    current = current_customer(channel, _resolve(channel, ref))
    return _changes_at_door(channel, current, changes)[0]


@on_store_database
def pos_customer_update(*, channel: Store, ref: str, changes: dict) -> PosCustomerResult:
    """Edit a customer's fields, attributes or affiliations: real-time for a synced customer
    in a sync-mode store, else queued in order (D365 10.0.29's async editing).

    A pending (async) customer's edit also updates the channel's own record, so the POS shows
    it at once; HQ applies the queued edits after creating the customer, in sequence. The
    edit keeps the values it replaced, as the store knew them.
    """
    errors = customer_changes_shape_errors(changes)
    if errors:
        raise CustomerValidationError(errors)
    target = _resolve(channel, ref)
    _refuse_pending(
        channel,
        target,
        ASYNC_EDITING,
        _("Customer %(async_id)s is pending sync, so it cannot be edited until it is synced."),
    )
    current = current_customer(channel, target)
    errors, cleaned = _changes_at_door(channel, current, changes)
    if errors:
        raise CustomerValidationError(errors)
    snapshot = _in_real_time(
        channel,
        target,
        ASYNC_EDITING,
        lambda: hq_service().customer_update(
            channel_id=channel.pk, account_number=target.account_number, changes=changes
        ),
    )
    if snapshot is not None:
        return PosCustomerResult(SYNCED, snapshot["account_number"], target.async_id)
    # Recorded as the door cleaned it (a typed attribute as HQ keeps it), so the store shows
    # what HQ will have; trimmed only when the customer's other fields kept the door from it.
    changes = cleaned if cleaned is not None else _normalized_changes(changes)
    with transaction.atomic(using=channel._state.db):
        _edit_record(
            channel,
            target,
            operation=EditOperation.UPDATE,
            changes=changes,
            old_values=customer_old_values(current, changes),
        )
        if target.is_pending:
            _apply_locally(channel, target.async_id, changes)
    return PosCustomerResult(PENDING_SYNC, target.account_number or None, target.async_id)


def _normalized_changes(changes: dict) -> dict:
    result: dict = {}
    for key, value in changes.items():
        if key == "attributes":
            result[key] = [
                {"name": a["name"].strip(), "value": (a.get("value") or "").strip()} for a in value
            ]
        elif key in ("add_affiliations", "remove_affiliations"):
            result[key] = list(dict.fromkeys(name.strip() for name in value))
        elif key in OPT_IN_FIELDS:
            result[key] = value
        else:
            result[key] = (value or "").strip()
    return result


def current_customer(channel: Store, target: CustomerRef) -> dict | None:
    """The customer as a payload, as this store knows it now: its own record while pending,
    else 1010's copy (plus addresses it added since). An edit is judged on it, as HQ will
    judge it, and its old values are read from it."""
    if target.is_pending:
        own = AsyncCustomer.objects.filter(channel=channel, async_id=target.async_id).first()
        if own is None:
            return None
        fields = ("party_type", "first_name", "middle_name", "last_name", "organization_name")
        fields += ("customer_group", "currency", "language", "receipt_preference")
        fields += ("title", "receipt_email")
        return {
            **{key: getattr(own, key) for key in fields},
            "contacts": [
                {
                    "kind": c.kind,
                    "value": c.value,
                    "is_primary": c.is_primary,
                    "marketing_opt_in": c.marketing_opt_in,
                }
                for c in own.contacts.order_by("pk")
            ],
            "attributes": dict(own.attributes.order_by("pk").values_list("name", "value")),
            "affiliations": sorted(own.affiliations.values_list("name", flat=True)),
            "addresses": [address_values(a) for a in own.addresses.order_by("pk")]
            + [
                address_values(a)
                for a in AsyncAddress.objects.filter(
                    channel=channel, target_async_id=target.async_id, deleted_at=None
                ).order_by("pk")
            ],
        }
    copy = channel_customer_copies(channel).filter(account_number=target.account_number).first()
    if copy is None or not isinstance(copy.data, dict):
        return None
    data = copy.data
    attributes = data.get("attributes") or {}
    return {
        "party_type": copy.party_type,
        "customer_group": copy.customer_group,
        "currency": copy.currency,
        "language": copy.language,
        **{
            key: data.get(key) or ""
            for key in (
                "first_name",
                "middle_name",
                "last_name",
                "organization_name",
                "receipt_preference",
                "title",
                "receipt_email",
            )
        },
        "contacts": [c for c in data.get("contacts") or [] if isinstance(c, dict) and "kind" in c],
        "attributes": dict(attributes) if isinstance(attributes, dict) else {},
        "affiliations": sorted(data.get("affiliations") or []),
        "addresses": [a for a in data.get("addresses") or [] if isinstance(a, dict)]
        + [
            address_values(a)
            for a in AsyncAddress.objects.filter(
                channel=channel, target_account=target.account_number, deleted_at=None
            ).order_by("pk")
        ],
    }


def customer_old_values(current: dict | None, changes: dict) -> dict:
    """What an edit replaces, as the store knows the customer before it."""
    if current is None:
        return {}
    old: dict = {}
    for key, value in changes.items():
        if key == "attributes":
            attributes = current.get("attributes") or {}
            old[key] = {a["name"]: attributes.get(a["name"], "") for a in value}
        elif key in ("add_affiliations", "remove_affiliations"):
            old["affiliations"] = list(current.get("affiliations") or [])
        elif key in ("email", "phone") or key in OPT_IN_FIELDS:
            kind = OPT_IN_FIELDS.get(key, key)
            contacts = [c for c in current.get("contacts") or [] if c.get("kind") == kind]
            contacts.sort(key=lambda c: not c.get("is_primary"))
            if key in OPT_IN_FIELDS:
                old[key] = bool(contacts and contacts[0].get("marketing_opt_in"))
            else:
                old[key] = contacts[0]["value"] if contacts else ""
        else:
            old[key] = current.get(key) or ""
    return old


def _apply_locally(channel: Store, async_id: uuid.UUID, changes: dict) -> None:
    customer = AsyncCustomer.objects.get(channel=channel, async_id=async_id)
    for key, value in changes.items():
        if key == "attributes":
            for item in value:
                if item["value"]:
                    AsyncCustomerAttribute.objects.update_or_create(
                        customer=customer, name=item["name"], defaults={"value": item["value"]}
                    )
                else:
                    customer.attributes.filter(name=item["name"]).delete()
        elif key == "add_affiliations":
            for name in value:
                AsyncCustomerAffiliation.objects.get_or_create(customer=customer, name=name)
        elif key == "remove_affiliations":
            customer.affiliations.filter(name__in=value).delete()
        elif key in OPT_IN_FIELDS:
            customer.contacts.filter(
                pk__in=customer.contacts.filter(kind=OPT_IN_FIELDS[key])
                .order_by("-is_primary", "pk")
                .values("pk")[:1]
            ).update(marketing_opt_in=value, opt_in_at=timezone.now() if value else None)
        elif key in ("email", "phone"):
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


def _address_with_defaults(channel: Store, target, address: dict) -> dict:
    """Left out, an address's purpose follows the customer's type and its country is the
    store's (D365)."""
    address = dict(address)
    country = address.get("country")
    if country is None or (isinstance(country, str) and not country.strip()):
        address["country"] = channel.country
    if not address.get("purpose"):
        current = current_customer(channel, target) or {}
        organization = current.get("party_type") == "organization"
        address["purpose"] = "business" if organization else "home"
    return address


@on_store_database
def pos_address_rule_errors(*, channel: Store, ref: str, address: object) -> dict:
    """HQ's rules' errors for an added address whose shape the door refused too."""
    if not isinstance(address, dict):
        return {}
    return address_door_errors(_address_with_defaults(channel, _resolve(channel, ref), address))


@on_store_database
def pos_address_add(*, channel: Store, ref: str, address: dict) -> PosAddressResult:
    """Add an address to an async or synced customer (own GUID when recorded async). Left
    out, its purpose follows the customer's type and its country is the store's (D365)."""
    target = _resolve(channel, ref)
    address = _address_with_defaults(channel, target, address)
    errors = address_door_errors(address)
    if errors:
        raise CustomerValidationError(errors)
    known = len((current_customer(channel, target) or {}).get("addresses") or [])
    if known >= settings.HQ_CUSTOMER_MAX_ADDRESSES:
        raise address_limit_error(known)
    _refuse_pending(
        channel,
        target,
        ASYNC_ADDRESSES,
        _("Customer %(async_id)s is pending sync, so it gets addresses once it is synced."),
    )
    snapshot = _in_real_time(
        channel,
        target,
        ASYNC_ADDRESSES,
        lambda: hq_service().address_add(
            channel_id=channel.pk, account_number=target.account_number, address=address
        ),
    )
    if snapshot is not None:
        return PosAddressResult(SYNCED, None)
    with transaction.atomic(using=channel._state.db):
        counter = upload_counter_next(channel=channel)
        created = AsyncAddress.objects.create(
            channel=channel,
            target_account=target.account_number,
            target_async_id=None if target.account_number else target.async_id,
            purpose=address.get("purpose") or "delivery",
            is_primary=bool(address.get("is_primary")),
            upload_counter=counter,
            country=country_alpha3((address.get("country") or "").strip()),
            **{
                key: (address.get(key) or "").strip()
                for key in ("name", "street", "city", "state", "zip_code")
            },
        )
    return PosAddressResult(PENDING_SYNC, created.async_id)


def _address_of(channel: Store, target: CustomerRef, current: dict | None, address_id) -> dict:
    for address in (current or {}).get("addresses") or []:
        if str(address.get("async_id")) == str(address_id):
            return address
    raise UnknownAddressError(
        _("Customer %(customer)s has no address %(address_id)s in this store's data.")
        % {"customer": target.account_number or target.async_id, "address_id": address_id}
    )


def _own_address_rows(channel: Store, target: CustomerRef, address_id) -> list:
    """The store's own rows of this address (made with a pending customer, or added here):
    what a change updates at once. A synced customer's copy waits for 1010."""
    rows = list(
        AsyncAddress.objects.filter(
            Q(target_account=target.account_number) if target.account_number else Q(),
            channel=channel,
            async_id=address_id,
            deleted_at=None,
        )
    )
    if target.async_id is not None:
        rows += list(
            AsyncCustomerAddress.objects.filter(
                customer__channel=channel, customer__async_id=target.async_id, async_id=address_id
            )
        )
    return rows


@on_store_database
def pos_address_update(
    *, channel: Store, ref: str, address_id: uuid.UUID, changes: dict
) -> PosAddressResult:
    """Edit one address, by its own id (D365 10.0.29): in real time at HQ for a synced
    customer in a sync-mode store, else queued in the customer's sequence of edits."""
    errors = address_changes_shape_errors(changes)
    if errors:
        raise CustomerValidationError(errors)
    target = _resolve(channel, ref)
    _refuse_pending(
        channel,
        target,
        ASYNC_EDITING,
        _("Customer %(async_id)s is pending sync, so its addresses can be edited once synced."),
    )
    current = current_customer(channel, target)
    address = _address_of(channel, target, current, address_id)
    clean = address_changes_clean(changes, current=address)
    if "is_primary" in clean and not clean["is_primary"] and address.get("is_primary"):
        raise CustomerValidationError(
            {"is_primary": [_("A customer keeps a primary address: make another one primary.")]}
        )
    snapshot = _in_real_time(
        channel,
        target,
        ASYNC_EDITING,
        lambda: hq_service().address_update(
            channel_id=channel.pk,
            account_number=target.account_number,
            address_id=address_id,
            changes=clean,
        ),
    )
    if snapshot is not None:
        return PosAddressResult(SYNCED, address_id)
    with transaction.atomic(using=channel._state.db):
        _edit_record(
            channel,
            target,
            operation=EditOperation.EDIT_ADDRESS,
            address_id=address_id,
            changes=clean,
            old_values={key: address.get(key) for key in clean},
        )
        for row in _own_address_rows(channel, target, address_id):
            if clean.get("is_primary"):
                type(row).objects.filter(**_siblings(row), is_primary=True).exclude(
                    pk=row.pk
                ).update(is_primary=False)
            for key, value in clean.items():
                setattr(row, key, value)
            row.save()
    return PosAddressResult(PENDING_SYNC, address_id)


def _siblings(row) -> dict:
    if isinstance(row, AsyncCustomerAddress):
        return {"customer_id": row.customer_id}
    return {
        "channel_id": row.channel_id,
        "target_account": row.target_account,
        "target_async_id": row.target_async_id,
    }


@on_store_database
def pos_address_delete(*, channel: Store, ref: str, address_id: uuid.UUID) -> PosAddressResult:
    """Delete one address, by its own id: real-time or queued, as an edit is."""
    target = _resolve(channel, ref)
    _refuse_pending(
        channel,
        target,
        ASYNC_EDITING,
        _("Customer %(async_id)s is pending sync, so its addresses can be deleted once synced."),
    )
    current = current_customer(channel, target)
    address = _address_of(channel, target, current, address_id)
    snapshot = _in_real_time(
        channel,
        target,
        ASYNC_EDITING,
        lambda: hq_service().address_delete(
            channel_id=channel.pk, account_number=target.account_number, address_id=address_id
        ),
    )
    if snapshot is not None:
        return PosAddressResult(SYNCED, address_id)
    with transaction.atomic(using=channel._state.db):
        _edit_record(
            channel,
            target,
            operation=EditOperation.DELETE_ADDRESS,
            address_id=address_id,
            changes={},
            old_values={k: v for k, v in address.items() if k != "async_id"},
        )
        for row in _own_address_rows(channel, target, address_id):
            if isinstance(row, AsyncAddress):  # its add is still to be uploaded, or was
                row.deleted_at = timezone.now()
                row.save(update_fields=["deleted_at"])
            else:  # made with a pending customer: its create upload leaves it out
                row.delete()
    return PosAddressResult(PENDING_SYNC, address_id)


@on_store_database
def pos_transaction_record(*, channel: Store, data: dict) -> ChannelTransaction:
    """Record a sale; idempotent on the POS's transaction id.

    The same id with the same data returns the first record; with other data it is a
    ConflictError. A synchronous customer order needs a customer with an account number
    (an async customer must wait for 1010, or the order be async).
    """
    sale = sale_clean(data, default_currency=store_defaults(channel).currency)
    existing = ChannelTransaction.objects.filter(
        channel=channel, transaction_id=sale.transaction_id
    ).first()
    if existing is not None:
        return _same_or_conflict(existing, sale.fingerprint)
    target = _resolve(channel, sale.customer) if sale.customer else None
    if sale.address_async_id is not None and not _customer_has_address(
        channel, target, sale.address_async_id
    ):
        # Refused here: accepted, it would block every order-sync run at HQ.
        raise InputValidationError(
            {
                "address_async_id": [
                    _("Names no address of this sale's customer that this store knows.")
                ]
            }
        )
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
        # A synchronous order is HQ's by definition: no fallback, the clerk is told HQ is down.
        order_number = hq_service().sales_order_create(
            channel_id=channel.pk, sale=sale, account_number=target.account_number
        )
    try:
        with transaction.atomic(using=channel._state.db):
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


def _customer_has_address(channel: Store, target: CustomerRef | None, address_id) -> bool:
    """Is `address_id` an address of the sale's customer, as this store knows it: one it was
    created with or added later here, or one in 1010's copy of it."""
    if target is None:
        return False
    if target.async_id is not None and (
        AsyncCustomerAddress.objects.filter(
            customer__channel=channel, customer__async_id=target.async_id, async_id=address_id
        ).exists()
    ):
        return True
    # Added later: recorded against its account, or against its GUID while it was pending.
    owner = Q()
    if target.account_number:
        owner |= Q(target_account=target.account_number)
    if target.async_id is not None:
        owner |= Q(target_async_id=target.async_id)
    if AsyncAddress.objects.filter(
        owner, channel=channel, async_id=address_id, deleted_at=None
    ).exists():
        return True
    if target.account_number:
        copy = channel_customer_copies(channel).filter(account_number=target.account_number)
        data = copy.values_list("data", flat=True).first() or {}
        return str(address_id) in {str(a.get("async_id")) for a in data.get("addresses", [])}
    return False


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


@on_store_database
def pos_loyalty_card_issue(*, channel: Store, ref: str) -> dict:
    """Loyalty cards need an HQ account: a customer pending sync cannot get one yet."""
    target = _resolve(channel, ref)
    if target.is_pending:
        raise PendingCustomerError(
            _(
                "Customer %(async_id)s is pending sync; a loyalty card can be issued "
                "once its account number is back in the store (after the P-job, the sync "
                "and 1010)."
            )
            % {"async_id": target.async_id}
        )
    return hq_service().loyalty_card_issue(
        channel_id=channel.pk, account_number=target.account_number
    )


@on_store_database
def pos_partner_request_create(*, channel: Store, data: dict) -> PartnerRequest:
    """Record a business partner onboarding request under a GUID, for the P-job to upload.

    HQ decides: the sync job makes it a prospect (or records why not) and staff approve it.
    """
    partner_request_clean(data)  # HQ's rules at the door; the sync job keeps duplicates
    with transaction.atomic(using=channel._state.db):
        counter = upload_counter_next(channel=channel)
        return PartnerRequest.objects.create(
            channel=channel,
            upload_counter=counter,
            **{key: (value or "").strip() for key, value in data.items()},
        )


def partner_request_with_decision(*, channel: Store, view: dict) -> dict:
    """A partner request as its store knows it, plus what HQ decided (the prospect, its
    approval and account number, or the sync's error), asked of HQ's real-time service;
    with HQ out of reach the store's own status stands."""
    try:
        decision = hq_service().partner_request_status(
            channel_id=channel.pk, async_id=uuid.UUID(str(view["id"]))
        )
    except HQUnavailableError:
        return view
    return {**view, **decision} if decision else view
