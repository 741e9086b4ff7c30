"""The hot serializers copy their fields from prototypes instead of re-instantiating them;
these prove they still behave exactly as DRF's own copies do."""

import copy
import uuid

from django.utils import translation
from rest_framework import serializers

from channels_app.api import serializers as s


def _plain_twin(cls: type) -> type:
    """The same declared fields on a plain DRF serializer (DRF's deepcopy per instance)."""
    return type(
        f"Plain{cls.__name__}", (serializers.Serializer,), copy.deepcopy(cls._declared_fields)
    )


def test_each_serializer_instance_gets_its_own_bound_fields():
    first, second = s.CustomerCreateInput(data={}), s.CustomerCreateInput(data={})
    for name in ("first_name", "party_type", "addresses", "affiliations"):
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first
        assert second.fields[name].parent is second


def test_input_errors_and_data_match_a_plain_drf_serializer():
    bad = {
        "first_name": "x" * 61,
        "party_type": "robot",
        "contacts": [{"kind": "fax", "value": ""}],
        "affiliations": ["VIP", 3 * "y" * 30],
        "addresses": "not a list",
    }
    good = {
        "first_name": "  Ana ",
        "last_name": "Ruiz",
        "addresses": [{"street": "Calle 1", "city": "Madrid", "country": "ES"}],
        "contacts": [{"kind": "email", "value": "ana@example.com"}],
        "affiliations": ["VIP"],
    }
    plain = _plain_twin(s.CustomerCreateInput)
    for data in (bad, good):
        ours, theirs = s.CustomerCreateInput(data=data), plain(data=data)
        assert ours.is_valid() == theirs.is_valid()
        assert ours.errors == theirs.errors
        if not ours.errors:
            assert ours.validated_data == theirs.validated_data


def test_output_matches_a_plain_drf_serializer():
    view = {
        "id": "C000001",
        "account_number": "C000001",
        "async_id": uuid.uuid4(),
        "status": "synced",
        "channel": "S01",
        "party_type": "person",
        "name": "Ana Ruiz",
        "first_name": "Ana",
        "middle_name": "",
        "last_name": "Ruiz",
        "organization_name": "",
        "email": "ana@example.com",
        "phone": "",
        "customer_group": "RETAIL",
        "currency": "EUR",
        "language": "es",
        "addresses": [
            {
                "async_id": None,
                "purpose": "home",
                "is_primary": True,
                "street": "Calle 1",
                "city": "Madrid",
                "zip_code": "28001",
                "country": "ES",
            }
        ],
        "attributes": [{"name": "Shoe size", "value": "41"}],
        "affiliations": ["VIP"],
        "title": "Sra.",
        "receipt_email": "ana@example.com",
        "contacts": [
            {
                "kind": "email",
                "value": "ana@example.com",
                "is_primary": True,
                "marketing_opt_in": True,
                "opt_in_at": "2026-12-02T10:00:00+00:00",
            }
        ],
    }
    assert s.CustomerOutput(view).data == _plain_twin(s.CustomerOutput)(view).data


def test_validator_messages_follow_each_requests_language():
    """DRF caches a length message once rendered: a prototype shared across languages would
    answer the second language in the first one's words."""

    def message(language: str) -> str:
        with translation.override(language):
            serializer = s.CustomerCreateInput(data={"last_name": "x" * 61})
            assert not serializer.is_valid()
            return str(serializer.errors["last_name"][0])

    assert "60" in message("en") and "Ensure" in message("en")
    assert "Asegúrese" in message("es")
    assert "Ensure" in message("en")
