from __future__ import annotations

import os

import pytest
from django.db import connection

from hqcommerce.models import Channel
from tests.dates import TODAY

from .factories import (
    ChannelFactory,
    CustomerDataFactory,
    SyncChannelFactory,
    async_customer_stored,
)

DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


def pytest_collection_modifyitems(config, items):
    """Every database test sees HQ's database and every channel database (data crosses
    between them in nearly every test). PostgreSQL-only tests skip on SQLite, and may never
    skip in the PostgreSQL CI pass."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None and not DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            continue
        kwargs = dict(marker.kwargs) if marker else {}
        if "live_server" in getattr(item, "fixturenames", ()):
            kwargs.setdefault("transaction", True)
        kwargs.setdefault("databases", "__all__")
        item.own_markers.insert(
            0, pytest.mark.django_db(*(marker.args if marker else ()), **kwargs).mark
        )
    if os.environ.get("HQ_REQUIRE_POSTGRES") and connection.vendor != "postgresql":
        raise pytest.UsageError("HQ_REQUIRE_POSTGRES is set but DATABASE_URL is not PostgreSQL")
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (run by .ci/run's second pass)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_cache(request, django_db_blocker):
    """The rate limits' counters live in a cache table of a channel database, which a test's
    rollback or flush does not empty: each database test starts with none."""
    from channels_app.api.throttling import cache_pause_end

    cache_pause_end()  # a database an earlier test took down paused it
    if request.node.get_closest_marker("django_db") is not None:
        from django.core.cache import cache

        request.getfixturevalue("django_db_setup")
        with django_db_blocker.unblock():
            cache.clear()
    yield


# The affiliations HQ defines in the tests' world (HQ › Affiliations), as a configured HQ
# would: a customer may name only these (channels_app.validation.unknown_affiliation).
TEST_AFFILIATIONS = ("Employees", "Gold", "Oro", "Retail", "Staff", "VIP")


@pytest.fixture(autouse=True)
def _hq_defines_affiliations(request):
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        yield
        return
    transactional = marker.kwargs.get("transaction") or "live_server" in request.fixturenames
    request.getfixturevalue("transactional_db" if transactional else "db")
    from hqcommerce.models import Affiliation

    Affiliation.objects.bulk_create(
        [Affiliation(name=name) for name in TEST_AFFILIATIONS], ignore_conflicts=True
    )
    yield


@pytest.fixture(autouse=True)
def _no_language_left_behind():
    """A request in Spanish leaves Spanish active in the thread (LocaleMiddleware activates
    the request's language and nothing deactivates it); the next test starts in the default."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def default_channel_database():
    """In a test, channel models read and written without naming a database go to DEFAULT,
    where the factories' stores live (a test of another database names it). The code under
    test never relies on this: the web server's threads and the jobs choose their own."""
    from django.conf import settings

    from channels_app.databases import channel_database

    with channel_database(settings.CHANNEL_DATABASES["DEFAULT"]):
        yield


@pytest.fixture
def channel(db) -> Channel:
    return ChannelFactory()


@pytest.fixture
def sync_channel(db) -> Channel:
    return SyncChannelFactory()


@pytest.fixture
def make_async_customer():
    """Create an async customer through the POS service, as a store would.

    Values HQ would refuse are refused at the POS's door; a test of HQ's own checks still
    needs such a record, so it is written by the bulk import (`async_customer_stored`)."""

    def make(channel: Channel, **overrides):
        return async_customer_stored(channel, CustomerDataFactory(**overrides))

    return make


@pytest.fixture
def record_sale():
    """Record a POS sale with one line; `customer` is an account number or a GUID."""
    from channels_app.services.pos import pos_transaction_record

    counter = iter(range(1, 10_000))

    def record(channel: Channel, *, kind="customer_order", customer=None, **extra):
        data = {
            "transaction_id": extra.pop("transaction_id", f"T{next(counter)}"),
            "kind": kind,
            "business_date": extra.pop("business_date", TODAY),
            "lines": extra.pop(
                "lines", [{"item_id": "SKU-1", "quantity": 2, "unit_price": "9.95"}]
            ),
            **extra,
        }
        if customer is not None:
            data["customer"] = str(customer)
        return pos_transaction_record(channel=channel, data=data)

    return record
