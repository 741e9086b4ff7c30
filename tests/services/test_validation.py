import pytest

from channels_app.errors import CustomerValidationError
from channels_app.validation import (
    ChannelDefaults,
    customer_payload_clean,
    customer_payload_shape_errors,
    normalize_phone,
)

DEFAULTS = ChannelDefaults(
    customer_group="STAFF", currency="EUR", language="es-es", affiliations=("Employees",)
)


def test_missing_values_are_inherited_from_the_default_customer():
    clean = customer_payload_clean({"first_name": "Ana"}, defaults=DEFAULTS)
    assert (clean.customer_group, clean.currency, clean.language) == ("STAFF", "EUR", "es-es")
    assert clean.party_type == "person"
    assert clean.affiliations == ("Employees",)


def test_given_values_win_over_inherited_ones_and_affiliations_add_up():
    clean = customer_payload_clean(
        {"first_name": "Ana", "currency": "usd", "affiliations": ["Gold"]}, defaults=DEFAULTS
    )
    assert clean.currency == "USD"
    assert clean.affiliations == ("Employees", "Gold")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"first_name": "", "last_name": ""}, "last_name"),
        ({"party_type": "organization"}, "organization_name"),
        ({"first_name": "A", "contacts": [{"kind": "email", "value": "a@"}]}, "contacts[0].value"),
        ({"first_name": "A", "contacts": [{"kind": "phone", "value": "12"}]}, "contacts[0].value"),
        (
            {"first_name": "A", "addresses": [{"street": "x", "city": "y", "country": "QQ"}]},
            "addresses[0].country",
        ),
        ({"first_name": "A", "addresses": [{"country": "ES"}]}, "addresses[0].street"),
        ({"first_name": "A", "currency": "XYZ"}, "currency"),
        ({"first_name": "A", "surname": "B"}, "payload"),
        ({"first_name": "A\x00"}, "first_name"),
        ({"first_name": 5}, "first_name"),
    ],
)
def test_rule_breaking_payloads_name_the_field(payload, field):
    with pytest.raises(CustomerValidationError) as excinfo:
        customer_payload_clean(payload, defaults=DEFAULTS)
    assert field in excinfo.value.errors


def test_a_payload_that_is_not_an_object_is_refused_with_a_reason():
    with pytest.raises(CustomerValidationError) as excinfo:
        customer_payload_clean(["not", "a", "dict"], defaults=DEFAULTS)
    assert "payload" in excinfo.value.errors


def test_shape_check_lets_rule_breaking_data_through_for_hq_to_judge():
    assert customer_payload_shape_errors({"first_name": "", "last_name": ""}) == {}
    assert customer_payload_shape_errors({"contacts": [{"kind": "fax", "value": "1"}]})


def test_countries_are_stored_as_alpha3_and_first_entries_become_primary():
    clean = customer_payload_clean(
        {
            "first_name": "Ana",
            "addresses": [{"street": "x", "city": "y", "country": "es"}],
            "contacts": [
                {"kind": "phone", "value": "+34 600 11 22 33"},
                {"kind": "email", "value": "Ana@Example.com"},
            ],
        },
        defaults=DEFAULTS,
    )
    assert clean.addresses[0].country == "ESP"
    assert clean.addresses[0].is_primary
    assert all(c.is_primary for c in clean.contacts)
    assert {c.normalized for c in clean.contacts} == {"+34600112233", "ana@example.com"}


def test_two_primary_addresses_are_refused():
    address = {"street": "x", "city": "y", "country": "ES", "is_primary": True}
    with pytest.raises(CustomerValidationError):
        customer_payload_clean(
            {"first_name": "A", "addresses": [address, address]}, defaults=DEFAULTS
        )


def test_phone_normalization_is_e164_whatever_the_writing():
    assert normalize_phone("0034 (600) 11-22-33") == "+34600112233"
    assert normalize_phone("+34 600 11 22 33") == "+34600112233"
    # A national number is read in the store's country (its region).
    assert normalize_phone("600 11 22 33", "ES") == "+34600112233"
    assert normalize_phone("(201) 555-0123", "US") == "+12015550123"
    # Not a valid number there: its digits, as before (the rule refuses it at the door).
    assert normalize_phone("600 11 22 33", None) == "600112233"


def test_a_phone_number_must_be_valid_in_the_stores_country():
    spanish = ChannelDefaults(country="ESP")
    for valid in ("600 111 222", "+34 600-111-222", "0034 911 222 333", "+1 201 555 0123"):
        data = {"last_name": "A", "contacts": [{"kind": "phone", "value": valid}]}
        assert customer_payload_clean(data, defaults=spanish).contacts[0].normalized.startswith("+")
    for invalid in ("12345678", "+34 123 45 67", "555 0100 2"):
        data = {"last_name": "A", "contacts": [{"kind": "phone", "value": invalid}]}
        with pytest.raises(CustomerValidationError) as caught:
            customer_payload_clean(data, defaults=spanish)
        assert "contacts[0].value" in caught.value.errors, invalid
