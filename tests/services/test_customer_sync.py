import pytest

from channels_app.errors import NumberSequenceExhaustedError
from channels_app.validation import ChannelDefaults, customer_payload_clean
from hqcommerce.models import AsyncStagingRecord, Customer, NumberSequence
from hqcommerce.models.staging import StagingStatus
from hqcommerce.services.customer_sync import customer_sync_run
from hqcommerce.services.customers import NewCustomer, customers_create
from hqcommerce.services.upload import pjob_run
from tests.factories import ChannelFactory

BAD_EMAIL = [{"kind": "email", "value": "not-an-email"}]


def _default_customer(**overrides):
    data = customer_payload_clean(
        {"first_name": "Walk-in", "last_name": "customer", "affiliations": ["Retail"], **overrides},
        defaults=ChannelDefaults(),
    )
    from django.db import transaction

    with transaction.atomic():
        (customer,) = customers_create(items=[NewCustomer(channel=None, async_id=None, data=data)])
    return customer


def test_sync_creates_hq_customer_with_records_and_inherited_defaults(channel, make_async_customer):
    channel.default_customer = _default_customer(
        currency="EUR", language="es-es", customer_group="STAFF", receipt_preference="email"
    )
    channel.save()
    async_id = make_async_customer(
        channel,
        first_name="Ana",
        last_name="García",
        attributes=[{"name": "Shoe size", "value": "38"}],
        affiliations=["Gold"],
    )
    pjob_run()

    result = customer_sync_run()

    assert (result.processed, result.created, result.failed) == (1, 1, 0)
    customer = Customer.objects.get(origin_async_id=async_id)
    assert (customer.first_name, customer.last_name) == ("Ana", "García")
    assert (customer.currency, customer.language) == ("EUR", "es-es")
    assert customer.customer_group == "STAFF"
    assert customer.receipt_preference == "email"
    assert customer.origin_channel == channel
    assert customer.addresses.get().country == "ESP"
    assert customer.contacts.get().is_primary
    assert customer.attributes.get().value == "38"
    affiliations = customer.affiliations.values_list("affiliation__name", flat=True)
    assert sorted(affiliations) == ["Gold", "Retail"]
    record = AsyncStagingRecord.objects.get(async_id=async_id)
    assert record.status == StagingStatus.COMPLETED
    assert record.account_number == customer.account_number
    assert record.attempts == 1
    assert record.completed_at is not None


def test_failing_record_leaves_the_others_converted_and_shows_its_reason(
    channel, make_async_customer
):
    good = [make_async_customer(channel) for _ in range(3)]
    bad = make_async_customer(channel, contacts=BAD_EMAIL)
    pjob_run()

    result = customer_sync_run()

    assert (result.created, result.failed) == (3, 1)
    assert Customer.objects.filter(origin_async_id__in=good).count() == 3
    record = AsyncStagingRecord.objects.get(async_id=bad)
    assert record.status == StagingStatus.FAILED
    assert "not-an-email" in record.last_error
    assert "press Save and synchronize" in record.last_error
    assert not Customer.objects.filter(origin_async_id=bad).exists()


def test_failed_record_is_not_retried_without_retry_failed(channel, make_async_customer):
    make_async_customer(channel, contacts=BAD_EMAIL)
    pjob_run()
    customer_sync_run()

    assert customer_sync_run().processed == 0
    assert AsyncStagingRecord.objects.get().attempts == 1


def test_retry_after_correcting_the_record_converts_it(channel, make_async_customer):
    bad = make_async_customer(channel, contacts=BAD_EMAIL)
    pjob_run()
    customer_sync_run()
    record = AsyncStagingRecord.objects.get(async_id=bad)
    record.payload["contacts"][0]["value"] = "fixed@example.com"
    record.save()

    result = customer_sync_run(retry_failed=True)

    assert result.created == 1
    record.refresh_from_db()
    assert record.status == StagingStatus.COMPLETED
    assert record.last_error == ""
    assert record.attempts == 2
    assert Customer.objects.get(origin_async_id=bad).contacts.get().value == "fixed@example.com"


def test_retry_of_an_uncorrected_record_fails_again_with_its_reason(channel, make_async_customer):
    make_async_customer(channel, contacts=BAD_EMAIL)
    pjob_run()
    customer_sync_run()

    result = customer_sync_run(retry_failed=True)

    assert result.failed == 1
    assert AsyncStagingRecord.objects.get().attempts == 2


def test_second_sync_run_creates_nothing(channel, make_async_customer):
    for _ in range(4):
        make_async_customer(channel)
    pjob_run()
    customer_sync_run()

    again = customer_sync_run(retry_failed=True)

    assert again.processed == 0
    assert Customer.objects.count() == 4


def test_account_numbers_are_unique_and_increasing(channel, make_async_customer, settings):
    settings.HQ_JOB_BATCH_SIZE = 3
    for _ in range(7):
        make_async_customer(channel)
    pjob_run()
    customer_sync_run()

    numbers = list(Customer.objects.order_by("pk").values_list("account_number", flat=True))
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == 7
    assert numbers[0] == "C0000001"


def test_a_record_whose_customer_exists_already_is_completed_not_created_again(
    channel, make_async_customer
):
    make_async_customer(channel)
    pjob_run()
    customer_sync_run()
    AsyncStagingRecord.objects.update(status=StagingStatus.PENDING)

    result = customer_sync_run()

    assert (result.created, result.skipped) == (0, 1)
    assert Customer.objects.count() == 1
    assert AsyncStagingRecord.objects.get().status == StagingStatus.COMPLETED


def test_a_guid_reused_by_another_channel_fails_with_its_reason(channel, make_async_customer):
    async_id = make_async_customer(channel)
    pjob_run()
    customer_sync_run()
    other = ChannelFactory()
    record = AsyncStagingRecord.objects.get()
    AsyncStagingRecord.objects.create(
        channel=other,
        async_id=async_id,
        payload=record.payload,
        source_counter=1,
        operation_time=record.operation_time,
    )

    result = customer_sync_run()

    assert result.failed == 1
    failed = AsyncStagingRecord.objects.get(channel=other)
    assert "already used by customer" in failed.last_error
    assert Customer.objects.count() == 1


def test_likely_duplicates_are_created_and_flagged(channel, make_async_customer):
    existing = _default_customer(contacts=[{"kind": "email", "value": "Maria@Example.com"}])
    first = make_async_customer(channel, contacts=[{"kind": "email", "value": "maria@example.com"}])
    second = make_async_customer(channel, contacts=[{"kind": "phone", "value": "+34 600 000 001"}])
    third = make_async_customer(channel, contacts=[{"kind": "phone", "value": "0034600000001"}])
    pjob_run()

    customer_sync_run()

    assert Customer.objects.get(origin_async_id=first).possible_duplicate_of == existing
    second_customer = Customer.objects.get(origin_async_id=second)
    assert second_customer.possible_duplicate_of is None
    assert Customer.objects.get(origin_async_id=third).possible_duplicate_of == second_customer
    flagged = AsyncStagingRecord.objects.filter(possible_duplicate_of__isnull=False)
    assert set(flagged.values_list("async_id", flat=True)) == {first, third}


def test_corrupt_payload_fails_with_reason_and_others_go_on(channel, make_async_customer):
    good = make_async_customer(channel)
    pjob_run()
    record = AsyncStagingRecord.objects.get()
    AsyncStagingRecord.objects.create(
        channel=channel,
        async_id="00000000-0000-4000-8000-000000000001",
        payload="garbage",
        source_counter=99,
        operation_time=record.operation_time,
    )

    result = customer_sync_run()

    assert (result.created, result.failed) == (1, 1)
    assert Customer.objects.filter(origin_async_id=good).exists()
    assert "JSON object" in AsyncStagingRecord.objects.get(payload="garbage").last_error


def test_dry_run_reports_what_it_would_do_and_writes_nothing(channel, make_async_customer):
    make_async_customer(channel)
    make_async_customer(channel, contacts=BAD_EMAIL)
    pjob_run()

    result = customer_sync_run(dry_run=True)

    assert (result.processed, result.created, result.failed) == (2, 1, 1)
    assert not Customer.objects.exists()
    assert set(AsyncStagingRecord.objects.values_list("status", flat=True)) == {"pending"}


def test_sync_of_selected_records_only(channel, make_async_customer):
    make_async_customer(channel)
    make_async_customer(channel)
    pjob_run()
    chosen = AsyncStagingRecord.objects.order_by("pk").first()

    result = customer_sync_run(record_ids=[chosen.pk])

    assert result.created == 1
    assert Customer.objects.get().origin_async_id == chosen.async_id


def test_exhausted_number_sequence_fails_the_job_not_the_records(channel, make_async_customer):
    NumberSequence.objects.filter(code="customer_account").update(width=1, next_value=9)
    make_async_customer(channel)
    make_async_customer(channel)
    pjob_run()

    with pytest.raises(NumberSequenceExhaustedError):
        customer_sync_run()
    assert set(AsyncStagingRecord.objects.values_list("status", flat=True)) == {"pending"}
    assert not Customer.objects.exists()
