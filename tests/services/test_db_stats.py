"""hqcommerce/db/stats.py: a job analyzes the tables it reads once they have grown a lot, so
PostgreSQL plans its batch lookups with statistics instead of guessing a sequential scan."""

from __future__ import annotations

import re
import time

import pytest
from django.db import connection, connections, transaction

from channels_app.db.rows import rows_insert
from channels_app.services.pos import pos_customer_create
from hqcommerce.db import stats
from hqcommerce.db.stats import StatisticsKeeper, stale_tables, statistics_refresh
from hqcommerce.models import Customer, CustomerAttribute
from tests.factories import CustomerDataFactory

TABLE = CustomerAttribute._meta.db_table


def _load_attributes(channel, count: int) -> Customer:
    created = pos_customer_create(channel=channel, data=CustomerDataFactory())
    customer = Customer.objects.get(account_number=created.account_number)
    with transaction.atomic():
        rows_insert(
            CustomerAttribute,
            ["customer_id", "name", "value"],
            [(customer.pk, f"attr{n}", f"value {n}") for n in range(count)],
        )
    return customer


def _until_stale(table: str, using: str = "default") -> list[str]:
    """The server publishes a backend's row counts up to a second after its commit."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
        found = stale_tables([table], using=using)
        if found:
            return found
        time.sleep(0.2)
    return []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_fresh_table_is_analyzed_once_then_estimated_from_its_statistics(sync_channel):
    _load_attributes(sync_channel, 5000)

    assert _until_stale(TABLE) == [TABLE]
    assert statistics_refresh([TABLE]) == [TABLE]

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = %s", [TABLE])
        assert cursor.fetchone()[0] > 0
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [TABLE])
        assert cursor.fetchone()[0] >= 5000
        # A batch lookup by 1,000 ids none of which is the loaded customer's: without
        # statistics PostgreSQL estimated it matched most of the table.
        missing = list(range(10_000_000, 10_001_000))
        cursor.execute(
            f"EXPLAIN SELECT name FROM {TABLE} WHERE customer_id IN ({', '.join(['%s'] * 1000)})",
            missing,
        )
        plan = cursor.fetchone()[0]
    estimated = int(re.search(r"rows=(\d+)", plan).group(1))
    assert estimated < 100, plan
    # Analyzed just now: nothing is stale until the table has about doubled again.
    assert statistics_refresh([TABLE]) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_table_changed_by_fewer_rows_than_the_threshold_is_left_alone(sync_channel):
    _load_attributes(sync_channel, 50)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    time.sleep(1.2)  # past the server's flush interval, so the count would be visible
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
    assert stale_tables([TABLE]) == []
    assert statistics_refresh([TABLE]) == []


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_keeper_looks_at_the_statistics_at_most_once_a_second(
    monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(stats, "CHECK_SECONDS", 60)
    keeper = StatisticsKeeper(CustomerAttribute)
    with django_assert_num_queries(1):
        keeper.refresh()
    with django_assert_num_queries(0):
        keeper.refresh()


@pytest.mark.django_db
def test_on_sqlite_nothing_is_analyzed_and_nothing_is_queried(django_assert_num_queries):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite pass checks this")
    with django_assert_num_queries(0):
        assert StatisticsKeeper(CustomerAttribute).refresh() == []
        assert statistics_refresh([TABLE]) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_p_job_analyzes_a_freshly_loaded_backlog_before_reading_it(channel):
    from channels_app.models import AsyncCustomer, AsyncCustomerContact
    from channels_app.services.bulk import async_customers_bulk_create
    from hqcommerce.services.upload import pjob_run

    async_customers_bulk_create(
        channel=channel,
        rows=[
            {
                "first_name": f"F{i}",
                "last_name": "Backlog",
                "contacts": [{"kind": "email", "value": f"b{i}@backlog.example"}],
            }
            for i in range(1500)
        ],
    )
    tables = [AsyncCustomer._meta.db_table, AsyncCustomerContact._meta.db_table]
    assert _until_stale(tables[1], using=channel.database_alias) == [tables[1]]

    result = pjob_run(channels=[channel.code])

    assert result.processed == 1500 and result.failed == 0
    with connections[channel.database_alias].cursor() as cursor:
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)", [tables])
        assert {name: rows >= 1500 for name, rows in cursor.fetchall()} == dict.fromkeys(
            tables, True
        )
