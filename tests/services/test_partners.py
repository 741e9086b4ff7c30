import pytest
from django.contrib.auth.models import Group, User

from channels_app.errors import CustomerValidationError
from channels_app.models import PartnerRequest
from channels_app.selectors import channel_customer_copies
from channels_app.services.pos import pos_partner_request_create
from hqcommerce.models import AsyncStagingRecord, Customer, Prospect
from hqcommerce.services.customer_sync import customer_sync_run
from hqcommerce.services.distribution import distribution_run
from hqcommerce.services.partners import (
    ProspectDecisionError,
    prospect_approve,
    prospect_reject,
)
from hqcommerce.services.pipeline import convert_run
from hqcommerce.services.upload import pjob_run
from tests.factories import ChannelFactory

REQUEST = {
    "company_name": "Ferretería Norte SL",
    "tax_id": "b12345678",
    "contact_first_name": "Marta",
    "contact_last_name": "Gil",
    "email": "compras@norte.es",
    "phone": "+34 911 222 333",
    "street": "Polígono 4",
    "city": "Burgos",
    "country": "ES",
    "comment": "Office supplies",
}


def test_upload_and_sync_turn_a_request_into_a_prospect_exactly_once(channel):
    request = pos_partner_request_create(channel=channel, data=REQUEST)

    convert_run()
    convert_run()
    AsyncStagingRecord.objects.update(status="pending")
    customer_sync_run()

    prospect = Prospect.objects.get()
    assert prospect.async_id == request.async_id
    assert prospect.tax_id == "B12345678"
    assert prospect.address["country"] == "ESP"
    assert prospect.status == "new"
    record = AsyncStagingRecord.objects.get()
    assert (record.operation, record.status, record.prospect) == (
        "partner_request",
        "completed",
        prospect,
    )
    assert not Customer.objects.exists()


def test_an_invalid_request_fails_with_its_reason_and_converts_after_correction(channel):
    request = pos_partner_request_create(channel=channel, data=REQUEST)
    # The POS refuses a bad email now; a register on an older release stored one.
    PartnerRequest.objects.filter(pk=request.pk).update(email="nope")
    convert_run()
    record = AsyncStagingRecord.objects.get()
    assert record.status == "failed"
    assert "email" in record.last_error

    record.payload["email"] = "ok@norte.es"
    record.save()
    customer_sync_run(retry_failed=True)

    assert Prospect.objects.get().email == "ok@norte.es"


def test_the_pos_refuses_a_request_it_cannot_store(channel):
    with pytest.raises(CustomerValidationError):
        pos_partner_request_create(channel=channel, data={**REQUEST, "company_name": "x" * 121})


def test_likely_duplicates_are_flagged_by_tax_id_or_email(channel):
    pos_partner_request_create(channel=channel, data=REQUEST)
    pos_partner_request_create(channel=channel, data={**REQUEST, "email": "other@norte.es"})
    convert_run()

    first, second = Prospect.objects.order_by("pk")
    assert first.possible_duplicate == ""
    assert "Ferretería Norte SL" in second.possible_duplicate


def test_approval_creates_one_organization_customer_that_1010_brings_everywhere(channel):
    other = ChannelFactory()
    pos_partner_request_create(channel=channel, data=REQUEST)
    convert_run()
    prospect = Prospect.objects.get()

    customer = prospect_approve(prospect=prospect)
    with pytest.raises(ProspectDecisionError):
        prospect_approve(prospect=prospect)
    distribution_run()

    assert Customer.objects.count() == 1
    assert customer.party_type == "organization"
    assert customer.organization_name == "Ferretería Norte SL"
    assert customer.tax_id == "B12345678"
    assert customer.contact_persons.get().last_name == "Gil"
    assert customer.addresses.get().purpose == "business"
    prospect.refresh_from_db()
    assert (prospect.status, prospect.customer) == ("approved", customer)
    for store in (channel, other):
        copy = channel_customer_copies(store).get(account_number=customer.account_number)
        assert copy.data["contact_persons"][0]["last_name"] == "Gil"


def test_rejection_records_a_reason_and_creates_no_customer(channel):
    pos_partner_request_create(channel=channel, data=REQUEST)
    convert_run()
    prospect = Prospect.objects.get()

    with pytest.raises(ProspectDecisionError):
        prospect_reject(prospect=prospect, reason=" ")
    prospect_reject(prospect=prospect, reason="Credit check failed")

    prospect.refresh_from_db()
    assert (prospect.status, prospect.rejection_reason) == ("rejected", "Credit check failed")
    assert not Customer.objects.exists()
    with pytest.raises(ProspectDecisionError):
        prospect_approve(prospect=prospect)


def test_operators_approve_and_reject_from_the_admin(client, channel):
    pos_partner_request_create(channel=channel, data=REQUEST)
    pos_partner_request_create(
        channel=channel, data={**REQUEST, "tax_id": "C999999", "email": "x@y.es"}
    )
    pjob_run()
    customer_sync_run()
    first, second = Prospect.objects.order_by("pk")
    user = User.objects.create_user("ops", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Sync operators"))
    client.force_login(user)
    url = "/admin/hqcommerce/prospect/"

    asked = client.post(url, {"action": "approve", "_selected_action": [first.pk]})
    assert b'name="confirmed"' in asked.content  # approving asks first
    client.post(url, {"action": "approve", "_selected_action": [first.pk], "confirmed": "yes"})
    page = client.post(url, {"action": "reject", "_selected_action": [second.pk]})
    assert b"reason" in page.content
    client.post(
        url,
        {"action": "reject", "_selected_action": [second.pk], "apply": "1", "reason": "Dup"},
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "approved" and first.customer is not None
    assert (second.status, second.rejection_reason) == ("rejected", "Dup")


def test_read_only_staff_cannot_approve(client, channel):
    pos_partner_request_create(channel=channel, data=REQUEST)
    convert_run()
    user = User.objects.create_user("reader", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Back office (read-only)"))
    client.force_login(user)

    client.post(
        "/admin/hqcommerce/prospect/",
        {"action": "approve", "_selected_action": [Prospect.objects.get().pk], "confirmed": "yes"},
    )

    assert Prospect.objects.get().status == "new"
