"""Bad input is refused, or recorded as a failed record with its reason; nothing is
half-written and nothing else stops."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from channels_app.errors import UnknownChannelError
from channels_app.models import AsyncCustomer
from hqcommerce.models import AsyncStagingRecord, Customer, CustomerAddress, CustomerContact
from hqcommerce.services.customer_sync import customer_sync_run
from hqcommerce.services.jobs import job_enqueue

CORRUPT_PAYLOADS = [
    ("not an object", "garbage"),
    ("list", [1, 2, 3]),
    ("null name", {"first_name": None, "last_name": None}),
    ("over-long name", {"first_name": "x" * 500}),
    ("control character", {"first_name": "Ana\x07"}),
    ("wrong nested type", {"first_name": "Ana", "addresses": {"street": "x"}}),
    ("address not an object", {"first_name": "Ana", "addresses": ["Calle Mayor"]}),
    ("contact without kind", {"first_name": "Ana", "contacts": [{"value": "a@b.es"}]}),
    ("huge list", {"first_name": "Ana", "attributes": [{"name": f"a{i}"} for i in range(500)]}),
    ("number as text", {"first_name": 12345}),
    ("unknown field", {"first_name": "Ana", "ssn": "123"}),
    (
        "bad primary flag",
        {
            "first_name": "Ana",
            "contacts": [{"kind": "email", "value": "a@b.es", "is_primary": "yes"}],
        },
    ),
]


def _stage(channel, payload) -> AsyncStagingRecord:
    return AsyncStagingRecord.objects.create(
        channel=channel,
        async_id=uuid.uuid4(),
        payload=payload,
        source_counter=1,
        operation_time=timezone.now(),
    )


def test_corrupt_staging_payloads_fail_with_a_reason_and_the_good_one_converts(
    channel, make_async_customer
):
    from hqcommerce.services.upload import pjob_run

    good = make_async_customer(channel)
    pjob_run()
    bad = {label: _stage(channel, payload) for label, payload in CORRUPT_PAYLOADS}

    result = customer_sync_run()

    assert (result.created, result.failed) == (1, len(CORRUPT_PAYLOADS))
    assert Customer.objects.get().origin_async_id == good
    for label, record in bad.items():
        record.refresh_from_db()
        assert record.status == "failed", label
        assert record.last_error and "Save and synchronize" in record.last_error, label
    # Nothing half-written: only the good customer's rows exist.
    assert CustomerAddress.objects.count() == 1
    assert CustomerContact.objects.count() == 1


def test_unknown_channels_are_refused_everywhere(db):
    with pytest.raises(UnknownChannelError):
        job_enqueue(kind="pjob", channels=["NOWHERE"], triggered_by="api")
    with pytest.raises(CommandError) as excinfo:
        call_command("sync_orders", "--channel", "NOWHERE")
    assert excinfo.value.returncode == 2


def test_malformed_field_values_at_the_pos_are_refused_before_storing(channel):
    from channels_app.errors import CustomerValidationError
    from channels_app.services.pos import pos_customer_create

    for data in (
        {"first_name": "x" * 61},
        {"contacts": [{"kind": "email", "value": "y" * 300}]},
        {"first_name": "Bad\x07bell"},
        {"first_name": "Nul\x00byte"},  # PostgreSQL could not even store it
        {"party_type": "alien"},
    ):
        with pytest.raises(CustomerValidationError):
            pos_customer_create(channel=channel, data=data)
    assert not AsyncCustomer.objects.exists()


def test_a_corrupt_records_correction_page_opens(admin_client, channel):
    from django.urls import reverse

    for label, payload in CORRUPT_PAYLOADS:
        record = _stage(channel, payload)
        page = admin_client.get(
            reverse("admin:hqcommerce_asyncstagingrecord_change", args=[record.pk])
        )
        assert page.status_code == 200, label
