"""Creating HQ customers: the one code path used by the sync job and the real-time call."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from channels_app.errors import HQError
from channels_app.validation import (
    ChannelDefaults,
    CleanAddress,
    CleanCustomer,
    address_clean,
    customer_changes_clean,
    customer_payload_clean,
    normalize_email,
    normalize_phone,
)
from hqcommerce.db.rows import objects_insert, rows_insert
from hqcommerce.models import (
    Affiliation,
    Channel,
    ContactPerson,
    Customer,
    CustomerAddress,
    CustomerAffiliation,
    CustomerAttribute,
    CustomerContact,
)
from hqcommerce.models.customers import ADDRESS_ROW_FIELDS

from .number_sequences import number_sequence_allocate
from .replication import replication_versions_allocate


class CustomerNotFoundError(HQError):
    pass


@dataclass(frozen=True)
class NewCustomer:
    channel: Channel | None
    async_id: uuid.UUID | None
    data: CleanCustomer


def channel_defaults(channel: Channel | None) -> ChannelDefaults:
    """What customers created at `channel` inherit from its default customer."""
    default = channel.default_customer if channel else None
    if default is None:
        return ChannelDefaults()
    affiliations = tuple(
        CustomerAffiliation.objects.filter(customer=default)
        .order_by("affiliation__name")
        .values_list("affiliation__name", flat=True)
    )
    return ChannelDefaults(
        party_type=default.party_type,
        customer_group=default.customer_group,
        currency=default.currency,
        language=default.language,
        receipt_preference=default.receipt_preference,
        affiliations=affiliations,
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
            tax_id=item.data.tax_id,
            origin_channel=item.channel,
            origin_async_id=item.async_id,
            replication_version=version,
        )
        for item, number, version in zip(items, numbers, versions, strict=True)
    ]
    # Plain multi-row INSERT (hqcommerce/db/rows.py): bulk_create's SQL compiler cost more
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

    # Children as plain rows (hqcommerce/db/rows.py): no instance per address or contact.
    addresses, contacts, affiliations, attributes, people = [], [], [], [], []
    flagged: list[Customer] = []
    for customer, item in zip(customers, items, strict=True):
        data, pk = item.data, customer.pk
        addresses += [
            (
                pk,
                a.async_id,
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
        contacts += [(pk, c.kind, c.value, c.normalized, c.is_primary) for c in data.contacts]
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
        ["customer_id", "kind", "value", "normalized_value", "is_primary"],
        contacts,
    )
    rows_insert(CustomerAffiliation, ["customer_id", "affiliation_id"], affiliations)
    rows_insert(CustomerAttribute, ["customer_id", "name", "value"], attributes)
    rows_insert(ContactPerson, ["customer_id", "first_name", "last_name", "email", "phone"], people)
    if flagged:
        Customer.objects.bulk_update(flagged, ["possible_duplicate_of"])
    return customers


def customer_create_realtime(*, channel: Channel, payload: dict) -> Customer:
    """The sync-mode POS path: HQ validates and creates the customer while the POS waits.

    Raises CustomerValidationError for a payload that breaks a rule, so the cashier can fix it.
    """
    data = customer_payload_clean(payload, defaults=channel_defaults(channel))
    with transaction.atomic():
        (customer,) = customers_create(
            items=[NewCustomer(channel=channel, async_id=None, data=data)]
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
        "contacts": [
            {"kind": c.kind, "value": c.value, "is_primary": c.is_primary}
            for c in customer.contacts.order_by("pk")
        ],
    }


def _touch(customer: Customer) -> None:
    """A changed customer gets a new replication version, so 1010 sends it again."""
    (customer.replication_version,) = replication_versions_allocate(count=1)
    Customer.objects.filter(pk=customer.pk).update(replication_version=customer.replication_version)


def customer_update(*, customer: Customer, changes: dict) -> dict[str, str]:
    """Apply an edit (validated against the whole customer); returns the old values."""
    clean = customer_changes_clean(changes, current=customer_as_payload(customer))
    old: dict[str, str] = {}
    with transaction.atomic():
        for key, value in clean.items():
            if key in ("email", "phone"):
                primary = customer.contacts.filter(kind=key, is_primary=True).first()
                old[key] = primary.value if primary else ""
                normalized = normalize_email(value) if key == "email" else normalize_phone(value)
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


def customer_address_add(*, customer: Customer, address: CleanAddress) -> CustomerAddress:
    """Add an address; an address whose GUID is already in HQ is returned as it is."""
    with transaction.atomic():
        if address.async_id:
            existing = CustomerAddress.objects.filter(async_id=address.async_id).first()
            if existing is not None:
                return existing
        has_any = customer.addresses.exists()
        if address.is_primary:
            customer.addresses.filter(is_primary=True).update(is_primary=False)
        created = CustomerAddress.objects.create(
            customer=customer,
            **{**address.__dict__, "is_primary": address.is_primary or not has_any},
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


def customer_update_realtime(*, account_number: str, changes: dict) -> Customer:
    customer = customer_get(account_number=account_number)
    customer_update(customer=customer, changes=changes)
    return customer


def customer_address_add_realtime(*, account_number: str, address: dict) -> CustomerAddress:
    customer = customer_get(account_number=account_number)
    return customer_address_add(customer=customer, address=address_clean(address))
