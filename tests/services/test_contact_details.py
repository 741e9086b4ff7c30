"""Contact details as D365 keeps them: title, marketing consent per email and phone with its
time, a receipt email, address purpose by customer type, the store's country as default, and
phone numbers read by libphonenumber in the store's country (validation and duplicates)."""

from __future__ import annotations

import pytest

from channels_app.errors import CustomerValidationError
from channels_app.models import AsyncCustomerContact
from channels_app.selectors import channel_customer_view
from channels_app.services.pos import pos_address_add, pos_customer_create, pos_customer_update
from hqcommerce.models import Channel, Customer
from hqcommerce.services.configuration import channel_configuration_push
from hqcommerce.services.pipeline import convert_run
from tests.factories import ChannelFactory


@pytest.fixture
def spanish_store(db) -> Channel:
    return ChannelFactory(country="ESP")


def _create(channel, **data):
    return pos_customer_create(channel=channel, data={"last_name": "Ruiz", **data})


def test_title_and_receipt_email_reach_hq_and_every_copy(spanish_store):
    result = _create(
        spanish_store,
        title="Dra.",
        receipt_preference="email",
        contacts=[{"kind": "email", "value": "ana@example.com"}],
    )
    assert result.view["title"] == "Dra."
    convert_run()

    customer = Customer.objects.get(origin_async_id=result.async_id)
    assert (customer.title, customer.receipt_email) == ("Dra.", "ana@example.com")
    view = channel_customer_view(channel=spanish_store, ref=str(result.async_id))
    assert (view["title"], view["receipt_email"]) == ("Dra.", "ana@example.com")

    pos_customer_update(
        channel=spanish_store,
        ref=customer.account_number,
        changes={"title": "Sra.", "receipt_email": "recibos@example.com"},
    )
    convert_run()
    customer.refresh_from_db()
    assert (customer.title, customer.receipt_email) == ("Sra.", "recibos@example.com")


def test_a_bad_title_or_receipt_email_is_refused_at_the_door(spanish_store):
    for data, path in [
        ({"title": "Mr 2"}, "title"),
        ({"receipt_email": "not-an-email"}, "receipt_email"),
    ]:
        with pytest.raises(CustomerValidationError) as caught:
            _create(spanish_store, **data)
        assert path in caught.value.errors


def test_marketing_consent_is_kept_per_email_and_phone_with_its_time(spanish_store):
    result = _create(
        spanish_store,
        contacts=[
            {"kind": "email", "value": "ana@example.com", "marketing_opt_in": True},
            {"kind": "phone", "value": "600 111 222"},
        ],
    )
    stored = {c.kind: c for c in AsyncCustomerContact.objects.all()}
    assert stored["email"].marketing_opt_in and stored["email"].opt_in_at is not None
    assert not stored["phone"].marketing_opt_in and stored["phone"].opt_in_at is None

    convert_run()

    contacts = {
        c.kind: c for c in Customer.objects.get(origin_async_id=result.async_id).contacts.all()
    }
    assert contacts["email"].marketing_opt_in
    assert contacts["email"].opt_in_at == stored["email"].opt_in_at  # when the customer agreed
    assert (contacts["phone"].marketing_opt_in, contacts["phone"].opt_in_at) == (False, None)
    copy = channel_customer_view(channel=spanish_store, ref=str(result.async_id))
    assert [c["marketing_opt_in"] for c in copy["contacts"]] == [True, False]


def test_address_purpose_follows_the_customer_type_and_the_country_is_the_stores(spanish_store):
    person = _create(spanish_store, addresses=[{"street": "Sol 1", "city": "Madrid"}])
    company = pos_customer_create(
        channel=spanish_store,
        data={
            "party_type": "organization",
            "organization_name": "Fabrikam",
            "addresses": [{"street": "Mayor 2", "city": "Madrid"}],
        },
    )
    added = pos_address_add(
        channel=spanish_store,
        ref=str(company.async_id),
        address={"street": "Luna 3", "city": "León"},
    )
    convert_run()

    home = Customer.objects.get(origin_async_id=person.async_id).addresses.get()
    assert (home.purpose, home.country) == ("home", "ESP")
    business = Customer.objects.get(origin_async_id=company.async_id).addresses.order_by("pk")
    assert [(a.purpose, a.country) for a in business] == [("business", "ESP")] * 2
    assert business[1].async_id == added.async_id


def test_one_number_written_two_ways_at_a_spanish_store_is_a_possible_duplicate(spanish_store):
    first = _create(spanish_store, contacts=[{"kind": "phone", "value": "+34 600 111 222"}])
    second = _create(
        spanish_store, last_name="Otro", contacts=[{"kind": "phone", "value": "600111222"}]
    )

    convert_run()

    original = Customer.objects.get(origin_async_id=first.async_id)
    duplicate = Customer.objects.get(origin_async_id=second.async_id)
    assert duplicate.possible_duplicate_of == original
    assert duplicate.contacts.get().normalized_value == "+34600111222"


def test_a_number_that_is_not_valid_in_the_stores_country_is_refused(spanish_store, channel):
    with pytest.raises(CustomerValidationError) as caught:
        _create(spanish_store, contacts=[{"kind": "phone", "value": "123 45 67 89"}])
    assert "contacts[0].value" in caught.value.errors
    # A US store reads a national number as a US one.
    Channel.objects.filter(pk=channel.pk).update(country="USA")
    channel.refresh_from_db()
    channel_configuration_push(channels=[channel])
    result = _create(channel, contacts=[{"kind": "phone", "value": "(201) 555-0123"}])
    convert_run()
    contact = Customer.objects.get(origin_async_id=result.async_id).contacts.get()
    assert contact.normalized_value == "+12015550123"


def test_consent_given_later_is_an_edit_with_the_stores_time_and_can_be_withdrawn(
    spanish_store,
):
    result = _create(spanish_store, contacts=[{"kind": "email", "value": "ana@example.com"}])
    convert_run()
    account = Customer.objects.get(origin_async_id=result.async_id).account_number

    pos_customer_update(
        channel=spanish_store, ref=account, changes={"email_marketing_opt_in": True}
    )
    with pytest.raises(CustomerValidationError) as caught:
        pos_customer_update(
            channel=spanish_store, ref=account, changes={"phone_marketing_opt_in": True}
        )
    assert "phone_marketing_opt_in" in caught.value.errors  # no phone to agree on
    convert_run()

    from hqcommerce.models import AsyncStagingRecord

    edit = AsyncStagingRecord.objects.get(operation="update")
    email = Customer.objects.get(account_number=account).contacts.get()
    assert email.marketing_opt_in and email.opt_in_at == edit.operation_time
    assert edit.changes == [("email_marketing_opt_in", "no", "yes")]

    pos_customer_update(
        channel=spanish_store, ref=account, changes={"email_marketing_opt_in": False}
    )
    convert_run()
    email.refresh_from_db()
    assert (email.marketing_opt_in, email.opt_in_at) == (False, None)
