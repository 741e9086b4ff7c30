"""Creating HQ customers: the one code path used by the sync job and the real-time call."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channels_app.db.rows import objects_insert, rows_insert
from channels_app.errors import (
    CustomerValidationError,
    HQError,
    UnknownAddressError,
    address_limit_error,
)
from channels_app.validation import (
    OPT_IN_FIELDS,
    ChannelDefaults,
    CleanAddress,
    CleanCustomer,
    address_changes_clean,
    address_clean,
    address_values,
    customer_changes_clean,
    customer_payload_clean,
    normalize_email,
    normalize_phone,
)
from hqcommerce.models import (
    Affiliation,
    AttributeDefinition,
    Channel,
    ContactPerson,
    Customer,
    CustomerAddress,
    CustomerAffiliation,
    CustomerAttribute,
    CustomerContact,
    CustomerGroup,
)
from hqcommerce.models.customers import ADDRESS_ROW_FIELDS

from .number_sequences import number_sequence_allocate
from .replication import replication_versions_allocate


class CustomerNotFoundError(HQError):
    pass


class AddressNotFoundError(UnknownAddressError):
    pass


@dataclass(frozen=True)
class NewCustomer:
    channel: Channel | None
    async_id: uuid.UUID | None
    data: CleanCustomer
    # A real-time create: the temporary id the store will use if it gives up waiting.
    realtime_request_id: uuid.UUID | None = None


def channel_attribute_definitions(channel: Channel | None) -> tuple[dict, ...]:
    """The customer attributes of the channel's attribute groups, by name."""
    if channel is None or channel.pk is None:
        return ()
    definitions = (
        AttributeDefinition.objects.filter(groups__channels=channel).distinct().order_by("name")
    )
    return tuple(d.as_dict() for d in definitions)


def master_data(channel: Channel | None) -> dict:
    """HQ's lists a customer of `channel` is held to: customer groups, affiliations, the
    store's allowed currencies (empty: none set)."""
    currencies = [c.strip() for c in (channel.currencies if channel else "").split(",")]
    return {
        "customer_groups": tuple(CustomerGroup.objects.values_list("code", flat=True)),
        "known_affiliations": tuple(Affiliation.objects.values_list("name", flat=True)),
        "currencies": tuple(c for c in currencies if c),
    }


def channel_defaults(channel: Channel | None) -> ChannelDefaults:
    """What customers created at `channel` inherit from its default customer, the
    attributes they have there, and HQ's lists they are held to."""
    definitions = channel_attribute_definitions(channel)
    default = channel.default_customer if channel else None
    if default is None:
        return ChannelDefaults(
            attribute_definitions=definitions,
            country=channel.country if channel else "",
            **master_data(channel),
        )
    affiliations = tuple(
        CustomerAffiliation.objects.filter(customer=default)
        .order_by("affiliation__name")
        .values_list("affiliation__name", flat=True)
    )
    return ChannelDefaults(
        country=channel.country,
        party_type=default.party_type,
        customer_group=default.customer_group,
        currency=default.currency,
        language=default.language,
        receipt_preference=default.receipt_preference,
        affiliations=affiliations,
        attribute_definitions=definitions,
        **master_data(channel),
    )


def _affiliation_ids(names: Iterable[str]) -> dict[str, int]:
    names = set(names)
    if not names:
        return {}
    Affiliation.objects.bulk_create(
        [Affiliation(name=name) for name in sorted(names)], ignore_conflicts=True
    )
    return dict(Affiliation.objects.filter(name__in=names).values_list("name", "id"))


def _duplicate_lookup(values: set[str]) -> dict[str, int]:
    """Normalized email/phone -> the oldest existing customer that has it."""
    found: dict[str, int] = {}
    if values:
        rows = (
            CustomerContact.objects.filter(normalized_value__any=values)
            .order_by("customer_id")
            .values_list("normalized_value", "customer_id")
        )
        for value, customer_id in rows:
            found.setdefault(value, customer_id)
    return found


def customers_create(*, items: Sequence[NewCustomer]) -> list[Customer]:
    """Create customers with their children in a few bulk statements.

    Runs inside the caller's transaction; account numbers and replication versions are taken
    last so their row locks are held as briefly as possible. A customer whose normalized
    email or phone matches an existing (or earlier in the batch) customer is created anyway
    and flagged as a possible duplicate of it: staff decide, the store's sale goes on.
    """
    if not items:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("customers_create must run inside transaction.atomic()")
    known = _duplicate_lookup({c.normalized for item in items for c in item.data.contacts})
    affiliation_ids = _affiliation_ids(a for item in items for a in item.data.affiliations)

    numbers = number_sequence_allocate(code=settings.HQ_CUSTOMER_NUMBER_SEQUENCE, count=len(items))
    versions = replication_versions_allocate(count=len(items))
    customers = [
        Customer(
            account_number=number,
            party_type=item.data.party_type,
            first_name=item.data.first_name,
            middle_name=item.data.middle_name,
            last_name=item.data.last_name,
            organization_name=item.data.organization_name,
            customer_group=item.data.customer_group,
            currency=item.data.currency,
            language=item.data.language,
            receipt_preference=item.data.receipt_preference,
            title=item.data.title,
            receipt_email=item.data.receipt_email,
            tax_id=item.data.tax_id,
            origin_channel=item.channel,
            origin_async_id=item.async_id,
            realtime_request_id=item.realtime_request_id,
            replication_version=version,
        )
        for item, number, version in zip(items, numbers, versions, strict=True)
    ]
    # Plain multi-row INSERT (channels_app/db/rows.py): bulk_create's SQL compiler cost more
    # than the rest of the sync. The primary keys are read back by account number (unique).
    objects_insert(customers)
    numbers = [c.account_number for c in customers]
    pks: dict[str, int] = {}
    for start in range(0, len(numbers), 2000):
        pks.update(
            Customer.objects.filter(account_number__any=numbers[start : start + 2000]).values_list(
                "account_number", "pk"
            )
        )
    for customer in customers:
        customer.pk = pks[customer.account_number]
        customer._state.adding = False
        customer._state.db = Customer.objects.db

    # Children as plain rows (channels_app/db/rows.py): no instance per address or contact.
    addresses, contacts, affiliations, attributes, people = [], [], [], [], []
    flagged: list[Customer] = []
    for customer, item in zip(customers, items, strict=True):
        data, pk = item.data, customer.pk
        addresses += [
            (
                pk,
                a.async_id or uuid.uuid4(),  # every address has an id, in every place
                a.purpose,
                a.is_primary,
                a.name,
                a.street,
                a.city,
                a.state,
                a.zip_code,
                a.country,
            )
            for a in data.addresses
        ]
        contacts += [
            (pk, c.kind, c.value, c.normalized, c.is_primary, c.marketing_opt_in, c.opt_in_at)
            for c in data.contacts
        ]
        affiliations += [(pk, affiliation_ids[name]) for name in data.affiliations]
        attributes += [(pk, name, value) for name, value in data.attributes]
        people += [(pk, f, ln, e, p) for f, ln, e, p in data.contact_persons]
        duplicate_of = next(
            (known[c.normalized] for c in data.contacts if c.normalized in known), None
        )
        if duplicate_of is not None:
            customer.possible_duplicate_of_id = duplicate_of
            flagged.append(customer)
        for c in data.contacts:
            known.setdefault(c.normalized, customer.pk)

    rows_insert(
        CustomerAddress,
        ADDRESS_ROW_FIELDS,
        addresses,
    )
    rows_insert(
        CustomerContact,
        [
            "customer_id",
            "kind",
            "value",
            "normalized_value",
            "is_primary",
            "marketing_opt_in",
            "opt_in_at",
        ],
        contacts,
    )
    rows_insert(CustomerAffiliation, ["customer_id", "affiliation_id"], affiliations)
    rows_insert(CustomerAttribute, ["customer_id", "name", "value"], attributes)
    rows_insert(ContactPerson, ["customer_id", "first_name", "last_name", "email", "phone"], people)
    if flagged:
        Customer.objects.bulk_update(flagged, ["possible_duplicate_of"])
    return customers


def customer_create_realtime(
    *, channel: Channel, payload: dict, async_id: uuid.UUID | None = None
) -> Customer:
    """The sync-mode POS path: HQ validates and creates the customer while the POS waits.

    Raises CustomerValidationError for a payload that breaks a rule, so the cashier can fix it.
    """
    data = customer_payload_clean(payload, defaults=channel_defaults(channel))
    with transaction.atomic():
        (customer,) = customers_create(
            items=[
                NewCustomer(channel=channel, async_id=None, data=data, realtime_request_id=async_id)
            ]
        )
    return customer


def customer_as_payload(customer: Customer) -> dict:
    """The customer in payload form, so an edit can be validated like a new customer."""
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
        "title": customer.title,
        "receipt_email": customer.receipt_email,
        "contacts": [
            {
                "kind": c.kind,
                "value": c.value,
                "is_primary": c.is_primary,
                "marketing_opt_in": c.marketing_opt_in,
                "opt_in_at": c.opt_in_at,
            }
            for c in customer.contacts.order_by("pk")
        ],
    }


def _touch(customer: Customer) -> None:
    """A changed customer gets a new replication version, so 1010 sends it again."""
    (customer.replication_version,) = replication_versions_allocate(count=1)
    Customer.objects.filter(pk=customer.pk).update(replication_version=customer.replication_version)


def customer_update(
    *,
    customer: Customer,
    changes: dict,
    defaults: ChannelDefaults | None = None,
    when: datetime.datetime | None = None,
) -> dict:
    """Apply an edit (validated against the whole customer; its attributes and phone by the
    `defaults` of the channel it came from); returns the old values: text per field,
    `attributes` as {name: old value}, `affiliations` as the names before."""
    clean = customer_changes_clean(
        changes, current=customer_as_payload(customer), defaults=defaults
    )
    region = (defaults or ChannelDefaults()).region
    old: dict = {}
    with transaction.atomic():
        for key, value in clean.items():
            if key == "attributes":
                old[key] = _attributes_set(customer, value)
            elif key in ("add_affiliations", "remove_affiliations"):
                old.setdefault("affiliations", _affiliation_names(customer))
                _affiliations_change(customer, key, value)
            elif key in OPT_IN_FIELDS:
                # `when`: the time the store recorded the edit (the customer's consent).
                contact = (
                    customer.contacts.filter(kind=OPT_IN_FIELDS[key])
                    .order_by("-is_primary", "pk")
                    .first()
                )
                old[key] = contact.marketing_opt_in
                contact.marketing_opt_in = value
                contact.opt_in_at = (when or timezone.now()) if value else None
                contact.save(update_fields=["marketing_opt_in", "opt_in_at"])
            elif key in ("email", "phone"):
                primary = customer.contacts.filter(kind=key, is_primary=True).first()
                old[key] = primary.value if primary else ""
                normalized = (
                    normalize_email(value) if key == "email" else normalize_phone(value, region)
                )
                if primary and value:
                    primary.value, primary.normalized_value = value, normalized
                    primary.save(update_fields=["value", "normalized_value"])
                elif primary:
                    primary.delete()
                elif value:
                    CustomerContact.objects.create(
                        customer=customer,
                        kind=key,
                        value=value,
                        normalized_value=normalized,
                        is_primary=True,
                    )
            else:
                old[key] = getattr(customer, key)
                setattr(customer, key, value)
        customer.save()
        _touch(customer)
    return old


def _attributes_set(customer: Customer, items: list[dict]) -> dict[str, str]:
    """Set each attribute (an empty value removes it); returns the values before."""
    current = dict(customer.attributes.values_list("name", "value"))
    for item in items:
        name, value = item["name"], item["value"]
        if value:
            CustomerAttribute.objects.update_or_create(
                customer=customer, name=name, defaults={"value": value}
            )
        else:
            customer.attributes.filter(name=name).delete()
    return {item["name"]: current.get(item["name"], "") for item in items}


def _affiliation_names(customer: Customer) -> list[str]:
    return sorted(customer.affiliations.values_list("affiliation__name", flat=True))


def _affiliations_change(customer: Customer, key: str, names: list[str]) -> None:
    if key == "add_affiliations":
        for affiliation_id in _affiliation_ids(names).values():
            CustomerAffiliation.objects.get_or_create(
                customer=customer, affiliation_id=affiliation_id
            )
    else:
        customer.affiliations.filter(affiliation__name__in=names).delete()


def _customer_address(customer: Customer, address_id) -> CustomerAddress:
    found = customer.addresses.filter(async_id=address_id).first()
    if found is None:
        raise AddressNotFoundError(
            _("Customer %(account_number)s has no address %(address_id)s.")
            % {"account_number": customer.account_number, "address_id": address_id}
        )
    return found


def customer_address_update(*, customer: Customer, address_id, changes: dict) -> dict:
    """Edit one address (judged as a whole by HQ's rules); returns its old values."""
    with transaction.atomic():
        address = _customer_address(customer, address_id)
        before = address_values(address)
        clean = address_changes_clean(changes, current=before)
        if clean.get("is_primary"):
            customer.addresses.exclude(pk=address.pk).update(is_primary=False)
        elif "is_primary" in clean and address.is_primary:
            raise CustomerValidationError(
                {"is_primary": [_("A customer keeps a primary address: make another one primary.")]}
            )
        for key, value in clean.items():
            setattr(address, key, value)
        address.save()
        _touch(customer)
    return {key: before[key] for key in clean}


def customer_address_delete(*, customer: Customer, address_id) -> dict | None:
    """Delete one address; its values as they were, or None when it is already gone. A
    deleted primary address hands "primary" to the oldest remaining one."""
    with transaction.atomic():
        address = customer.addresses.filter(async_id=address_id).first()
        if address is None:
            return None
        before = address_values(address)
        address.delete()
        if before["is_primary"]:
            successor = customer.addresses.order_by("pk").first()
            if successor is not None:
                successor.is_primary = True
                successor.save(update_fields=["is_primary"])
        _touch(customer)
    before.pop("async_id")
    return before


def customer_address_add(*, customer: Customer, address: CleanAddress) -> CustomerAddress:
    """Add an address; an address whose GUID is already in HQ is returned as it is."""
    with transaction.atomic():
        if address.async_id:
            existing = CustomerAddress.objects.filter(async_id=address.async_id).first()
            if existing is not None:
                return existing
        known = customer.addresses.count()
        if known >= settings.HQ_CUSTOMER_MAX_ADDRESSES:
            raise address_limit_error(known)
        has_any = known > 0
        if address.is_primary:
            customer.addresses.filter(is_primary=True).update(is_primary=False)
        created = CustomerAddress.objects.create(
            customer=customer,
            **{
                **address.__dict__,
                "async_id": address.async_id or uuid.uuid4(),
                "is_primary": address.is_primary or not has_any,
            },
        )
        _touch(customer)
    return created


def customer_get(*, account_number: str) -> Customer:
    try:
        return Customer.objects.get(account_number=account_number)
    except Customer.DoesNotExist:
        raise CustomerNotFoundError(
            _("Customer %(account_number)s does not exist in HQ; check the account number.")
            % {"account_number": account_number}
        ) from None


def customer_update_realtime(
    *, account_number: str, changes: dict, channel: Channel | None = None
) -> Customer:
    """A sync-mode store's edit, checked with that store's defaults (its country reads a
    phone number, its attribute definitions type an attribute), as the sync job checks the
    same edit recorded async."""
    customer = customer_get(account_number=account_number)
    customer_update(customer=customer, changes=changes, defaults=channel_defaults(channel))
    return customer


def customer_address_add_realtime(*, account_number: str, address: dict) -> CustomerAddress:
    customer = customer_get(account_number=account_number)
    return customer_address_add(customer=customer, address=address_clean(address))


def customer_address_update_realtime(*, account_number: str, address_id, changes: dict) -> Customer:
    customer = customer_get(account_number=account_number)
    customer_address_update(customer=customer, address_id=address_id, changes=changes)
    return customer


def customer_address_delete_realtime(*, account_number: str, address_id) -> Customer:
    customer = customer_get(account_number=account_number)
    if customer_address_delete(customer=customer, address_id=address_id) is None:
        _customer_address(customer, address_id)  # not this customer's: AddressNotFoundError
    return customer
