"""End to end, in D365's order of jobs: a customer pending sync gets an address added,
edited and deleted, an attribute changed and an affiliation added at the POS; then the P-job,
the sync job and 1010 run. HQ and every store's copy (in both channel databases) hold exactly
the final state, and the status page shows each step with its old and new values."""

from __future__ import annotations

from django.urls import reverse

from hqcommerce.models import AsyncStagingRecord, Customer
from hqcommerce.services.customer_sync import customer_sync_run
from hqcommerce.services.distribution import distribution_run
from hqcommerce.services.upload import pjob_run
from tests.clients import device_client
from tests.factories import ChannelDatabaseFactory, ChannelFactory

NEW = {
    "first_name": "Lucía",
    "last_name": "Pérez",
    "contacts": [{"kind": "email", "value": "lucia@example.com"}],
    "addresses": [{"street": "Calle Sol 3", "city": "Sevilla", "country": "ES"}],
    "attributes": [{"name": "Shoe size", "value": "38"}],
    "affiliations": ["Staff"],
}


def test_a_pending_customer_edited_at_the_pos_converts_to_exactly_its_final_state(db, admin_client):
    store = ChannelFactory(country="ESP")
    eu_store = ChannelFactory(country="ESP", channel_database=ChannelDatabaseFactory(code="EU"))
    pos = device_client(store)
    created = pos.post("/api/v1/customers/", NEW, format="json").json()
    ref, home = created["async_id"], created["addresses"][0]["async_id"]
    base = f"/api/v1/customers/{ref}"

    added = pos.post(
        f"{base}/addresses/", {"street": "Gran Vía 1", "city": "Madrid"}, format="json"
    ).json()["async_id"]
    assert (
        pos.patch(f"{base}/addresses/{added}/", {"city": "Toledo"}, format="json").status_code
        == 200
    )
    kept = pos.post(
        f"{base}/addresses/",
        {"street": "Mayor 7", "city": "León", "purpose": "delivery"},
        format="json",
    ).json()["async_id"]
    assert pos.delete(f"{base}/addresses/{added}/").status_code == 200
    assert (
        pos.patch(f"{base}/addresses/{home}/", {"zip_code": "41001"}, format="json").status_code
        == 200
    )
    changed = pos.patch(
        f"{base}/",
        {"attributes": [{"name": "Shoe size", "value": "39"}], "add_affiliations": ["Gold"]},
        format="json",
    ).json()
    # The POS shows the final state at once, still pending sync.
    assert changed["status"] == "pending_sync"
    final_addresses = [
        (home, "Calle Sol 3", "Sevilla", "41001", "ESP", True),
        (kept, "Mayor 7", "León", "", "ESP", False),
    ]

    def addresses(view) -> list:
        return [
            (a["async_id"], a["street"], a["city"], a["zip_code"], a["country"], a["is_primary"])
            for a in view["addresses"]
        ]

    assert addresses(changed) == final_addresses

    # D365's order: P-job, Synchronize customers and channel requests, 1010.
    pjob_run()
    customer_sync_run()
    distribution_run()

    customer = Customer.objects.get(origin_async_id=ref)
    hq_addresses = [
        (str(a.async_id), a.street, a.city, a.zip_code, a.country, a.is_primary)
        for a in customer.addresses.order_by("pk")
    ]
    assert hq_addresses == final_addresses
    assert dict(customer.attributes.values_list("name", "value")) == {"Shoe size": "39"}
    assert sorted(customer.affiliations.values_list("affiliation__name", flat=True)) == [
        "Gold",
        "Staff",
    ]
    for device in (pos, device_client(eu_store, "EU-1")):
        copy = device.get(f"/api/v1/customers/{ref}/").json()
        assert copy["status"] == "synced"
        assert copy["account_number"] == customer.account_number
        assert addresses(copy) == final_addresses
        assert copy["attributes"] == [{"name": "Shoe size", "value": "39"}]
        assert copy["affiliations"] == ["Gold", "Staff"]

    steps = AsyncStagingRecord.objects.order_by("source_counter")
    assert [(s.operation, s.status) for s in steps] == [
        ("create", "completed"),
        ("add_address", "completed"),
        ("edit_address", "completed"),
        ("add_address", "completed"),
        ("delete_address", "completed"),
        ("edit_address", "completed"),
        ("update", "completed"),
    ]
    assert steps[2].changes == [("city", "Madrid", "Toledo")]
    assert ("city", "Toledo", "\u2014") in steps[4].changes
    assert steps[5].changes == [("zip_code", "\u2014", "41001")]
    assert steps[6].changes == [
        ("attribute Shoe size", "38", "39"),
        ("affiliations added", "Staff", "Gold, Staff"),
    ]
    for step in steps[2:]:  # each step's page shows its grid of old and new values
        page = admin_client.get(
            reverse("admin:hqcommerce_asyncstagingrecord_change", args=[step.pk])
        ).content.decode()
        for _what, old, new in step.changes:
            assert f"<td>{old}</td><td>{new}</td>" in page, (step.operation, old, new)
