from __future__ import annotations

import os

import pytest
from django.db import connection

from channels_app.services.pos import pos_customer_create
from hqcommerce.models import Channel

from .factories import ChannelFactory, CustomerDataFactory, SyncChannelFactory


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests skip on SQLite, and may never skip in the PostgreSQL CI pass."""
    if os.environ.get("HQ_REQUIRE_POSTGRES") and connection.vendor != "postgresql":
        raise pytest.UsageError("HQ_REQUIRE_POSTGRES is set but DATABASE_URL is not PostgreSQL")
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (run by .ci/run's second pass)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def channel(db) -> Channel:
    return ChannelFactory()


@pytest.fixture
def sync_channel(db) -> Channel:
    return SyncChannelFactory()


@pytest.fixture
def make_async_customer():
    """Create an async customer through the POS service, as a store would."""

    def make(channel: Channel, **overrides):
        result = pos_customer_create(channel=channel, data=CustomerDataFactory(**overrides))
        assert result.status == "pending_sync"
        return result.async_id

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
            "business_date": extra.pop("business_date", "2026-11-27"),
            "lines": extra.pop(
                "lines", [{"item_id": "SKU-1", "quantity": 2, "unit_price": "9.95"}]
            ),
            **extra,
        }
        if customer is not None:
            data["customer"] = str(customer)
        return pos_transaction_record(channel=channel, data=data)

    return record
