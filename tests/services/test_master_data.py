"""A store's customers name only HQ's master data (#30.11): the affiliations and customer
groups HQ defines and the currencies HQ allows at the store, sent down by 1070. The door
refuses others with 400 naming the field, and the sync job holds to the same lists, so free
text from a register never becomes HQ master data."""

from __future__ import annotations

from channels_app.models import Store
from hqcommerce.models import Affiliation, AsyncStagingRecord, CustomerGroup
from hqcommerce.models.staging import StagingStatus
from hqcommerce.services.configuration import channel_configuration_push
from hqcommerce.services.pipeline import convert_run
from tests.clients import device_client
from tests.factories import CustomerDataFactory


def test_1070_brings_hqs_lists_to_the_store(channel):
    CustomerGroup.objects.create(code="WHOLESALE")
    channel.currencies = "EUR, GBP"
    channel.save()
    channel_configuration_push(channels=[channel])

    store = Store.objects.get(pk=channel.pk)
    assert {"RETAIL", "WHOLESALE"} <= set(store.customer_groups)
    assert "Gold" in store.known_affiliations
    assert store.currencies == ["EUR", "GBP"]


def test_the_door_refuses_what_hq_does_not_define(channel):
    channel.currencies = "EUR"
    channel.save()
    channel_configuration_push(channels=[channel])
    register = device_client(channel)

    cases = {
        "affiliations.0": {"affiliations": ["<b>Free text</b>"]},
        "customer_group": {"customer_group": "NOSUCH"},
        "currency": {"currency": "XAU"},
    }
    for path, data in cases.items():
        response = register.post("/api/v1/customers/", CustomerDataFactory(**data), format="json")
        assert response.status_code == 400, path
        assert response.json()["errors"][0]["attr"] == path
    fine = CustomerDataFactory(affiliations=["Gold"], customer_group="RETAIL", currency="EUR")
    assert register.post("/api/v1/customers/", fine, format="json").status_code == 201
    assert not Affiliation.objects.filter(name__contains="Free").exists()


def test_an_edit_may_add_only_an_affiliation_hq_defines(channel):
    register = device_client(channel)
    created = register.post("/api/v1/customers/", CustomerDataFactory(), format="json").json()
    ref = created["async_id"]

    refused = register.patch(
        f"/api/v1/customers/{ref}/", {"add_affiliations": ["Nope"]}, format="json"
    )
    accepted = register.patch(
        f"/api/v1/customers/{ref}/", {"add_affiliations": ["VIP"]}, format="json"
    )

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "add_affiliations.0"
    assert accepted.status_code == 200


def test_the_sync_job_holds_to_hqs_lists_changed_after_the_store_recorded(channel):
    """HQ dropped an affiliation after the store recorded a customer with it: the sync job
    refuses it with the reason, as it refuses any rule broken by then."""
    register = device_client(channel)
    created = register.post(
        "/api/v1/customers/", CustomerDataFactory(affiliations=["Oro"]), format="json"
    ).json()
    Affiliation.objects.filter(name="Oro").delete()

    convert_run()

    record = AsyncStagingRecord.objects.get(async_id=created["async_id"])
    assert record.status == StagingStatus.FAILED
    assert "not an affiliation HQ defines" in record.error_text
    assert not Affiliation.objects.filter(name="Oro").exists()
