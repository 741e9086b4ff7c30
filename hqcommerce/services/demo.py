"""Demo data: async-mode stores with a backlog of POS-created customers."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from channels_app.models import AsyncCustomerAddress
from channels_app.selectors import store_of
from channels_app.services.bulk import async_customers_bulk_create
from channels_app.services.pos import (
    pos_customer_create,
    pos_partner_request_create,
    pos_transaction_record,
)
from channels_app.validation import ChannelDefaults, customer_payload_clean
from hqcommerce.models import (
    AttributeDefinition,
    AttributeGroup,
    Channel,
    Customer,
    FunctionalityProfile,
)

from .configuration import channel_configuration_push
from .customers import NewCustomer, customers_create

FIRST = [
    "Ana",
    "Luis",
    "Marta",
    "Jorge",
    "Lucía",
    "Pablo",
    "Elena",
    "Carlos",
    "Sofía",
    "Diego",
    "Emma",
    "Noah",
    "Olivia",
    "Liam",
    "Mia",
    "Lucas",
    "Julia",
    "Hugo",
    "Sara",
    "Mateo",
]
LAST = [
    "García",
    "Fernández",
    "López",
    "Martínez",
    "Sánchez",
    "Pérez",
    "Gómez",
    "Ruiz",
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Wilson",
    "Moreno",
    "Navarro",
    "Torres",
]
CITIES = [
    ("Madrid", "ESP", "28001"),
    ("Sevilla", "ESP", "41001"),
    ("Seattle", "USA", "98101"),
    ("Valencia", "ESP", "46001"),
    ("Austin", "USA", "73301"),
]
COMPANIES = [
    ("Ferretería Norte SL", "B12345678", "Marta", "Gil", "Burgos", "ESP", "09001"),
    ("Cafés del Sur SA", "A87654321", "Javier", "Ortega", "Málaga", "ESP", "29001"),
    ("Evergreen Office Supply", "US-4471902", "Grace", "Miller", "Portland", "USA", "97201"),
]
INVALID = [
    ("contacts", [{"kind": "email", "value": "not-an-email"}]),
    ("first_name", ""),
    ("addresses", [{"street": "Calle Mayor 1", "city": "Madrid", "country": "XX"}]),
]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


@dataclass(frozen=True)
class DemoSummary:
    channels: int
    async_customers: int
    invalid: int
    likely_duplicates: int
    sales: int = 0
    partner_requests: int = 0


def _walk_in_customer() -> Customer:
    existing = Customer.objects.filter(first_name="Walk-in", last_name="customer").first()
    if existing:
        return existing
    data = customer_payload_clean(
        {
            "first_name": "Walk-in",
            "last_name": "customer",
            "affiliations": ["Retail"],
            "currency": "EUR",
            "language": "es-es",
            "customer_group": "RETAIL",
        },
        defaults=ChannelDefaults(),
    )
    (customer,) = customers_create(items=[NewCustomer(channel=None, async_id=None, data=data)])
    return customer


def _known_customers() -> list[str]:
    emails = ["maria.lopez@example.com", "john.smith@example.com"]
    existing = set(
        Customer.objects.filter(contacts__normalized_value__in=emails).values_list(
            "contacts__normalized_value", flat=True
        )
    )
    missing = [e for e in emails if e not in existing]
    items = []
    for email in missing:
        first, last = email.split("@")[0].split(".")
        data = customer_payload_clean(
            {
                "first_name": first.title(),
                "last_name": last.title(),
                "contacts": [{"kind": "email", "value": email}],
            },
            defaults=ChannelDefaults(currency="EUR", language="es-es"),
        )
        items.append(NewCustomer(channel=None, async_id=None, data=data))
    customers_create(items=items)
    return emails


def demo_seed(*, channels: int, async_customers: int, seed: int = 1) -> DemoSummary:
    """Create `channels` async-mode stores and spread `async_customers` over them.

    Customers go through the POS service (so they are real async records), and a few reuse
    the email of an existing HQ customer, so the status page has likely duplicates to show.
    About one in twenty breaks a rule (bad email, no name, unknown country): the POS refuses
    those at the door, so they come in as a register's import would (shape checked only),
    and the status page has failures to correct.
    """
    rng = random.Random(seed)
    with transaction.atomic():
        # Near-real-time conversion is off in the demo stores, so the seed's procedure can be
        # followed by hand; switch it on under HQ › Functionality profiles to see it convert.
        profile, _created = FunctionalityProfile.objects.get_or_create(
            name="Async stores", defaults={"create_customer_async": True, "auto_convert": False}
        )
        FunctionalityProfile.objects.get_or_create(
            name="Sync stores", defaults={"create_customer_async": False}
        )
        walk_in = _walk_in_customer()
        known_emails = _known_customers()
        stores = []
        for n in range(1, channels + 1):
            store, _created = Channel.objects.get_or_create(
                code=f"STORE{n:02d}",
                defaults={
                    "name": f"Store {n:02d}",
                    "profile": profile,
                    "default_customer": walk_in,
                    "country": "ESP",  # the demo's addresses and phones are Spanish
                },
            )
            stores.append(store)
        # Typed customer attributes for the demo stores (D365's attribute group on a channel).
        group, _created = AttributeGroup.objects.get_or_create(name="Store preferences")
        group.attributes.add(
            AttributeDefinition.objects.get_or_create(
                name="Preferred store", defaults={"data_type": "text"}
            )[0],
            AttributeDefinition.objects.get_or_create(
                name="Newsletter", defaults={"data_type": "boolean", "default_value": "false"}
            )[0],
        )
        for store in stores:
            store.attribute_groups.add(group)
    # The stores' channel databases learn them (as 1070 would), so their POS can work.
    channel_configuration_push(channels=stores)
    stores = [store_of(store) for store in stores]

    invalid = duplicates = sales = 0
    today = timezone.localdate().isoformat()
    run_tag = timezone.now().strftime("%H%M%S")
    for i in range(async_customers):
        store = stores[i % len(stores)] if stores else None
        if store is None:
            break
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, country, zip_code = rng.choice(CITIES)
        data: dict = {
            "first_name": first,
            "last_name": last,
            "contacts": [
                {"kind": "email", "value": f"{_ascii(first)}.{_ascii(last)}.{i}@example.com"},
                {"kind": "phone", "value": f"+34 6{rng.randrange(10**7, 10**8)}"},
            ],
        }
        if rng.random() < 0.7:
            data["addresses"] = [
                {
                    "street": f"Calle {rng.randrange(1, 200)}",
                    "city": city,
                    "zip_code": zip_code,
                    "country": country,
                }
            ]
        if rng.random() < 0.3:
            data["attributes"] = [{"name": "Preferred store", "value": store.code}]
        if i % 20 == 7:
            key, value = INVALID[invalid % len(INVALID)]
            data[key] = value
            if key == "first_name":
                data["last_name"] = ""
            invalid += 1
        elif i % 33 == 11:
            data["contacts"] = [{"kind": "email", "value": rng.choice(known_emails)}]
            duplicates += 1
        if i % 20 == 7:
            (created,) = async_customers_bulk_create(channel=store, rows=[data])
        else:
            created = pos_customer_create(channel=store, data=data, register="DEMO-POS")
        if i % 3 == 0 or i % 4 == 1:
            sale: dict = {
                "transaction_id": f"DEMO-{run_tag}-{i}",
                "kind": "customer_order" if i % 3 == 0 else "cash_and_carry",
                "business_date": today,
                "customer": str(created.async_id),
                "lines": [
                    {
                        "item_id": f"SKU-{rng.randrange(100, 999)}",
                        "description": "Demo item",
                        "quantity": rng.randrange(1, 4),
                        "unit_price": f"{rng.randrange(100, 9999) / 100:.2f}",
                    }
                ],
            }
            address = (
                AsyncCustomerAddress.objects.using(store._state.db)
                .filter(customer__async_id=created.async_id)
                .first()
            )
            if address is not None and sale["kind"] == "customer_order":
                sale["address_async_id"] = str(address.async_id)
            pos_transaction_record(channel=store, data=sale)
            sales += 1
    for store in stores:  # an anonymous sale per store, posted on the walk-in customer
        pos_transaction_record(
            channel=store,
            data={
                "transaction_id": f"DEMO-{run_tag}-{store.code}-CASH",
                "kind": "cash_and_carry",
                "business_date": today,
                "lines": [{"item_id": "SKU-100", "quantity": 1, "unit_price": "4.50"}],
            },
        )
        sales += 1
    requests = _partner_requests(stores)
    return DemoSummary(
        len(stores), async_customers if stores else 0, invalid, duplicates, sales, requests
    )


def _partner_requests(stores: list[Channel]) -> int:
    """One B2B onboarding request per store, and the first company asking again at the last
    store, so the prospects list has a likely duplicate to show."""
    if not stores:
        return 0
    asks = [(store, COMPANIES[n % len(COMPANIES)]) for n, store in enumerate(stores)]
    asks.append((stores[-1], COMPANIES[0]))
    for store, (company, tax_id, first, last, city, country, zip_code) in asks:
        pos_partner_request_create(
            channel=store,
            data={
                "company_name": company,
                "tax_id": tax_id,
                "contact_first_name": first,
                "contact_last_name": last,
                "email": f"{_ascii(first)}.{_ascii(last)}@{store.code.lower()}.example.com",
                "phone": "+34 910 000 000",
                "street": "Avenida Industrial 4",
                "city": city,
                "zip_code": zip_code,
                "country": country,
                "comment": "Wants to buy on account for the whole company.",
            },
        )
    return len(asks)


def demo_sync_store(*, database_code: str) -> Channel:
    """A sync-mode store in channel database `database_code` (code `<DATABASE>01`), so a scale
    unit serving that database makes real-time calls to HQ. Idempotent."""
    from channels_app.errors import InputValidationError
    from hqcommerce.models import ChannelDatabase

    database = ChannelDatabase.objects.filter(code=database_code.strip().upper()).first()
    if database is None:
        raise InputValidationError(
            {"database": [f"No channel database {database_code!r} (CHANNEL_DATABASE_URLS)."]}
        )
    with transaction.atomic():
        profile, _created = FunctionalityProfile.objects.get_or_create(
            name="Sync stores", defaults={"create_customer_async": False}
        )
        store, _created = Channel.objects.get_or_create(
            code=f"{database.code}01",
            defaults={
                "name": f"Store {database.code} 01",
                "profile": profile,
                "channel_database": database,
                "default_customer": _walk_in_customer(),
                "country": "ESP",
            },
        )
    channel_configuration_push(channels=[store])
    return store
