"""Address edit and delete, attribute and affiliation edits over the API (D365 10.0.29)."""

from __future__ import annotations

import uuid

from hqcommerce.models import AsyncStagingRecord, Customer, CustomerAddress
from hqcommerce.services.configuration import commerce_parameters_update
from hqcommerce.services.pipeline import convert_run

NEW = {
    "first_name": "Lucía",
    "last_name": "Pérez",
    "contacts": [{"kind": "email", "value": "lucia@example.com"}],
    "addresses": [{"street": "Calle Sol 3", "city": "Sevilla", "country": "ES"}],
    "attributes": [{"name": "Shoe size", "value": "38"}],
}


def _attrs(response) -> set:
    return {e["attr"] for e in response.json()["errors"]}


def test_an_address_is_edited_and_deleted_by_its_id_and_the_id_survives_sync(device):
    created = device.post("/api/v1/customers/", NEW, format="json").json()
    async_id = created["async_id"]
    address_id = created["addresses"][0]["async_id"]
    added = device.post(
        f"/api/v1/customers/{async_id}/addresses/",
        {"street": "Gran Vía 1", "city": "Madrid", "country": "ESP"},
        format="json",
    ).json()["async_id"]
    url = f"/api/v1/customers/{async_id}/addresses/{address_id}/"

    edited = device.patch(url, {"city": "Cádiz", "zip_code": "11001"}, format="json")
    deleted = device.delete(f"/api/v1/customers/{async_id}/addresses/{added}/")

    assert edited.status_code == deleted.status_code == 200
    assert edited.json()["status"] == "pending_sync"
    assert [a["city"] for a in deleted.json()["customer"]["addresses"]] == ["Cádiz"]
    convert_run()
    synced = device.get(f"/api/v1/customers/{async_id}/").json()
    assert synced["status"] == "synced"
    assert [(a["async_id"], a["city"]) for a in synced["addresses"]] == [(address_id, "Cádiz")]
    account = synced["account_number"]
    again = device.patch(
        f"/api/v1/customers/{account}/addresses/{address_id}/", {"street": "Ancha 9"}, format="json"
    )
    assert again.status_code == 200 and again.json()["status"] == "pending_sync"
    convert_run()
    assert CustomerAddress.objects.get(async_id=address_id).street == "Ancha 9"


def test_attributes_and_affiliations_are_edited_with_patch(device):
    async_id = device.post("/api/v1/customers/", NEW, format="json").json()["async_id"]

    response = device.patch(
        f"/api/v1/customers/{async_id}/",
        {"attributes": [{"name": "Shoe size", "value": "39"}], "add_affiliations": ["Gold"]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["attributes"] == [{"name": "Shoe size", "value": "39"}]
    assert response.json()["affiliations"] == ["Gold"]
    convert_run()
    customer = Customer.objects.get(origin_async_id=async_id)
    assert customer.attributes.get().value == "39"
    record = AsyncStagingRecord.objects.get(operation="update")
    assert ("attribute Shoe size", "38", "39") in record.changes


def test_bad_address_edits_answer_400_or_404_and_queue_nothing(device):
    created = device.post("/api/v1/customers/", NEW, format="json").json()
    async_id, address_id = created["async_id"], created["addresses"][0]["async_id"]
    url = f"/api/v1/customers/{async_id}/addresses/{address_id}/"

    assert _attrs(device.patch(url, {}, format="json")) == {"non_field_errors"}
    assert _attrs(device.patch(url, {"country": "XX"}, format="json")) == {"country"}
    assert _attrs(device.patch(url, {"street": " "}, format="json")) == {"street"}
    assert _attrs(device.patch(url, {"is_primary": False}, format="json")) == {"is_primary"}
    assert _attrs(device.patch(url, {"floor": 3}, format="json")) == {"floor"}
    unknown = f"/api/v1/customers/{async_id}/addresses/{uuid.uuid4()}/"
    assert device.patch(unknown, {"city": "X"}, format="json").status_code == 404
    assert device.delete(unknown).status_code == 404
    assert device.delete(f"/api/v1/customers/{async_id}/addresses/not-a-guid/").status_code == 404
    convert_run()
    assert not AsyncStagingRecord.objects.exclude(operation="create").exists()


def test_with_editing_off_a_pending_customers_address_edit_answers_409_naming_the_switch(device):
    created = device.post("/api/v1/customers/", NEW, format="json").json()
    commerce_parameters_update(switches={"async_customer_editing": False})

    response = device.patch(
        f"/api/v1/customers/{created['async_id']}/addresses/{created['addresses'][0]['async_id']}/",
        {"city": "Huelva"},
        format="json",
    )

    assert response.status_code == 409
    assert "Enable editing customers in asynchronous mode" in response.json()["errors"][0]["detail"]


def test_the_schema_describes_address_edit_and_delete(device):
    schema = device.get("/api/schema/?format=json").json()
    path = schema["paths"]["/api/v1/customers/{ref}/addresses/{address_id}/"]
    assert {"patch", "delete"} <= set(path)
    body = schema["components"]["schemas"]["PatchedAddressUpdateInput"]
    assert body["additionalProperties"] is False and body["minProperties"] == 1
    update = schema["components"]["schemas"]["PatchedCustomerUpdateInput"]["properties"]
    assert {"attributes", "add_affiliations", "remove_affiliations"} <= set(update)


def test_a_store_lists_its_customer_attributes_and_the_schema_types_them(device, channel):
    from hqcommerce.models import AttributeDefinition, AttributeGroup
    from hqcommerce.services.configuration import channel_configuration_push

    assert device.get("/api/v1/customer-attributes/").json() == []
    group = AttributeGroup.objects.create(name="Loyalty")
    group.attributes.add(
        AttributeDefinition.objects.create(
            name="Tier", data_type="list", allowed_values=["Silver", "Gold"], required=True
        )
    )
    channel.attribute_groups.add(group)
    channel_configuration_push(channels=[channel])

    listed = device.get("/api/v1/customer-attributes/").json()

    assert listed == [
        {
            "name": "Tier",
            "type": "list",
            "allowed_values": ["Silver", "Gold"],
            "required": True,
            "default": "",
        }
    ]
    refused = device.post(
        "/api/v1/customers/",
        {**NEW, "attributes": [{"name": "Tier", "value": "Bronze"}]},
        format="json",
    )
    assert _attrs(refused) == {"attributes.0.value"}
    schema = device.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    kind = components["AttributeDefinitionOutput"]["properties"]["type"]
    ref = kind["allOf"][0]["$ref"] if "allOf" in kind else kind.get("$ref", "")
    enum = components[ref.rsplit("/", 1)[-1]]["enum"] if ref else kind["enum"]
    assert enum == ["text", "integer", "decimal", "date", "boolean", "list"]
    assert (
        "customer-attributes" in components["AttributeInput"]["properties"]["name"]["description"]
    )


def test_contact_details_over_the_api(device, channel):
    body = {
        "title": "Dra.",
        "last_name": "Ruiz",
        "receipt_preference": "both",
        "contacts": [
            {"kind": "email", "value": "ana@example.com", "marketing_opt_in": True},
            {"kind": "phone", "value": "+34 600 111 222"},
        ],
        "addresses": [{"street": "Sol 1", "city": "Madrid"}],
    }

    created = device.post("/api/v1/customers/", body, format="json")

    assert created.status_code == 201, created.content
    view = created.json()
    assert (view["title"], view["receipt_email"]) == ("Dra.", "")
    email, phone = view["contacts"]
    assert email["marketing_opt_in"] and email["opt_in_at"]
    assert not phone["marketing_opt_in"] and phone["opt_in_at"] is None
    assert view["addresses"][0]["country"] == channel.country  # the store's
    assert view["addresses"][0]["purpose"] == "home"
    convert_run()
    synced = device.get(f"/api/v1/customers/{view['async_id']}/").json()
    assert synced["receipt_email"] == "ana@example.com"  # the primary email, by HQ
    assert synced["contacts"][0]["opt_in_at"] is not None
    bad = device.post("/api/v1/customers/", {**body, "title": "Mr 2"}, format="json")
    assert _attrs(bad) == {"title"}
    bad = device.post(
        "/api/v1/customers/",
        {**body, "contacts": [{"kind": "email", "value": "a@b.es", "marketing_opt_in": "yes"}]},
        format="json",
    )
    assert _attrs(bad) == {"contacts.0.marketing_opt_in"}
