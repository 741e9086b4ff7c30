"""channels_app/db/rows.py: the jobs' bulk writes (multi-row INSERT on SQLite, COPY on
PostgreSQL) store exactly what the ORM would, and a conflicting row is skipped, not lost."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from django.db import transaction

from channels_app.db.rows import copy_to_temp, objects_insert, rows_insert
from channels_app.services.pos import pos_customer_create
from hqcommerce.models import AsyncStagingRecord, Customer, CustomerAttribute
from hqcommerce.models.staging import StagingOperation
from tests.factories import CustomerDataFactory


def _staging(channel, async_id: uuid.UUID, payload: dict) -> AsyncStagingRecord:
    return AsyncStagingRecord(
        channel=channel,
        async_id=async_id,
        sequence=0,
        operation=StagingOperation.CREATE,
        payload=payload,
        source_counter=1,
        operation_time=datetime(2026, 11, 1, 9, 30, tzinfo=UTC),
    )


def test_rows_round_trip_json_uuids_and_times_with_defaults_filled(channel):
    guid = uuid.uuid4()
    payload = {"first_name": "Zoë", "quote": 'it\'s "here"', "n": [1, None, True]}
    with transaction.atomic():
        assert objects_insert([_staging(channel, guid, payload)], ignore_conflicts=True) == 1

    stored = AsyncStagingRecord.objects.get(async_id=guid)
    assert stored.payload == payload
    assert stored.operation_time == datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    assert stored.status == "pending" and stored.attempts == 0  # model defaults
    assert stored.uploaded_at is not None  # auto_now_add


def test_a_row_already_held_by_a_unique_key_is_skipped_and_counted_out(channel):
    first, second = uuid.uuid4(), uuid.uuid4()
    with transaction.atomic():
        objects_insert([_staging(channel, first, {"v": 1})])
    with transaction.atomic():
        inserted = objects_insert(
            [_staging(channel, first, {"v": 2}), _staging(channel, second, {"v": 3})],
            ignore_conflicts=True,
        )

    assert inserted == 1
    assert AsyncStagingRecord.objects.get(async_id=first).payload == {"v": 1}
    # One statement, one timestamp for its auto_now_add field, on the instances too.
    third, fourth = _staging(channel, uuid.uuid4(), {}), _staging(channel, uuid.uuid4(), {})
    with transaction.atomic():
        objects_insert([third, fourth])
    assert third.uploaded_at is not None and third.uploaded_at == fourth.uploaded_at
    stored = set(
        AsyncStagingRecord.objects.filter(
            async_id__in=[third.async_id, fourth.async_id]
        ).values_list("uploaded_at", flat=True)
    )
    assert stored == {third.uploaded_at}
    assert AsyncStagingRecord.objects.get(async_id=second).payload == {"v": 3}


def test_many_plain_rows_are_all_written(sync_channel):
    created = pos_customer_create(channel=sync_channel, data=CustomerDataFactory())
    customer = Customer.objects.get(account_number=created.account_number)
    CustomerAttribute.objects.filter(customer=customer).delete()
    with transaction.atomic():
        written = rows_insert(
            CustomerAttribute,
            ["customer_id", "name", "value"],
            [(customer.pk, f"attr{n}", f"value {n}") for n in range(2500)],
        )
    assert written == 2500
    assert CustomerAttribute.objects.filter(customer=customer).count() == 2500
    assert CustomerAttribute.objects.get(customer=customer, name="attr2499").value == "value 2499"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_copy_to_temp_refuses_to_run_outside_a_transaction():
    """Its table is dropped at commit: in autocommit it would vanish before it is read."""
    with pytest.raises(RuntimeError, match="inside the caller's transaction"):
        copy_to_temp("hqcommerce_customer", ["account_number"], [("X",)])


def test_a_row_with_the_wrong_number_of_values_is_refused_before_anything_is_written(
    sync_channel,
):
    created = pos_customer_create(channel=sync_channel, data=CustomerDataFactory())
    customer = Customer.objects.get(account_number=created.account_number)
    before = CustomerAttribute.objects.count()
    with pytest.raises(ValueError, match="2 values for 3 columns"), transaction.atomic():
        rows_insert(
            CustomerAttribute,
            ["customer_id", "name", "value"],
            [(customer.pk, "ok", "fine"), (customer.pk, "short")],
        )
    assert CustomerAttribute.objects.count() == before
