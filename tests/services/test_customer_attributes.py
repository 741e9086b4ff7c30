"""Typed customer attributes (D365's attribute definitions and groups on the channel): the
POS checks values against the store's copy of the definitions, the sync job checks again."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from channels_app.errors import CustomerValidationError
from channels_app.models import Store
from channels_app.services.pos import pos_customer_create, pos_customer_update
from hqcommerce.models import AsyncStagingRecord, AttributeDefinition, AttributeGroup, Customer
from hqcommerce.services.configuration import channel_configuration_push
from hqcommerce.services.pipeline import convert_run
from tests.factories import CustomerDataFactory, async_customer_stored


@pytest.fixture
def typed_channel(channel):
    group = AttributeGroup.objects.create(name="Loyalty")
    group.attributes.set(
        [
            AttributeDefinition.objects.create(name="Shoe size", data_type="integer"),
            AttributeDefinition.objects.create(
                name="Tier",
                data_type="list",
                allowed_values=["Silver", "Gold"],
                default_value="Silver",
            ),
            AttributeDefinition.objects.create(name="Birthday", data_type="date", required=True),
            AttributeDefinition.objects.create(name="Newsletter", data_type="boolean"),
        ]
    )
    channel.attribute_groups.add(group)
    channel_configuration_push(channels=[channel])
    return channel


def _create(channel, *attributes):
    return pos_customer_create(
        channel=channel, data=CustomerDataFactory(attributes=list(attributes))
    )


def test_1070_brings_the_stores_attribute_definitions(typed_channel):
    store = Store.objects.get(pk=typed_channel.pk)
    assert [d["name"] for d in store.attribute_definitions] == [
        "Birthday",
        "Newsletter",
        "Shoe size",
        "Tier",
    ]
    assert store.attribute_definitions[3] == {
        "name": "Tier",
        "type": "list",
        "allowed_values": ["Silver", "Gold"],
        "required": False,
        "default": "Silver",
    }


@pytest.mark.parametrize(
    ("attribute", "path"),
    [
        ({"name": "Shoe size", "value": "forty"}, "attributes[1].value"),
        ({"name": "Tier", "value": "Platinum"}, "attributes[1].value"),
        ({"name": "Newsletter", "value": "maybe"}, "attributes[1].value"),
        ({"name": "Favourite colour", "value": "red"}, "attributes[1].name"),
    ],
)
def test_the_pos_refuses_a_value_its_definition_does_not_allow(typed_channel, attribute, path):
    with pytest.raises(CustomerValidationError) as caught:
        _create(typed_channel, {"name": "Birthday", "value": "1990-05-01"}, attribute)
    assert path in caught.value.errors


def test_a_required_attribute_must_be_given_and_defaults_fill_the_rest(typed_channel):
    with pytest.raises(CustomerValidationError) as caught:
        _create(typed_channel)
    assert "Birthday" in str(caught.value.errors["attributes"])

    result = _create(
        typed_channel,
        {"name": "Birthday", "value": "1990-05-01"},
        {"name": "Newsletter", "value": "yes"},
        {"name": "Shoe size", "value": "041"},
    )
    convert_run()

    customer = Customer.objects.get(origin_async_id=result.async_id)
    assert dict(customer.attributes.values_list("name", "value")) == {
        "Birthday": "1990-05-01",
        "Newsletter": "true",
        "Shoe size": "41",
        "Tier": "Silver",
    }


def test_the_sync_job_checks_again_what_reached_it_unchecked(typed_channel):
    # A bulk import checks shape only (as documented): HQ's rules are the sync job's.
    async_id = async_customer_stored(
        typed_channel,
        CustomerDataFactory(
            attributes=[
                {"name": "Birthday", "value": "31/12/1990"},
                {"name": "Tier", "value": "Bronze"},
            ]
        ),
    )

    convert_run()

    record = AsyncStagingRecord.objects.get(async_id=async_id)
    assert record.status == "failed"
    assert "YYYY-MM-DD" in record.last_error and "Silver, Gold" in record.last_error


def test_an_edit_sets_a_typed_value_and_cannot_remove_a_required_one(typed_channel):
    result = _create(typed_channel, {"name": "Birthday", "value": "1990-05-01"})
    ref = str(result.async_id)

    with pytest.raises(CustomerValidationError):
        pos_customer_update(
            channel=typed_channel, ref=ref, changes={"attributes": [{"name": "Tier", "value": "x"}]}
        )
    with pytest.raises(CustomerValidationError):
        pos_customer_update(
            channel=typed_channel,
            ref=ref,
            changes={"attributes": [{"name": "Birthday", "value": ""}]},
        )
    pos_customer_update(
        channel=typed_channel, ref=ref, changes={"attributes": [{"name": "Tier", "value": "Gold"}]}
    )
    convert_run()

    customer = Customer.objects.get(origin_async_id=result.async_id)
    assert customer.attributes.get(name="Tier").value == "Gold"
    edit = AsyncStagingRecord.objects.get(operation="update")
    assert ("attribute Tier", "Silver", "Gold") in edit.changes


def test_a_store_without_attribute_groups_takes_free_text(channel):
    result = _create(channel, {"name": "Anything", "value": "goes"})
    convert_run()
    assert Customer.objects.get(origin_async_id=result.async_id).attributes.get().value == "goes"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"data_type": "list", "allowed_values": []}, "allowed_values"),
        ({"data_type": "integer", "default_value": "many"}, "default_value"),
        ({"data_type": "list", "allowed_values": ["S"], "default_value": "XL"}, "default_value"),
    ],
)
def test_a_definition_the_pos_could_not_apply_is_refused(db, fields, error):
    with pytest.raises(ValidationError) as caught:
        AttributeDefinition(name="Size", **fields).full_clean()
    assert error in caught.value.message_dict


def test_deleting_definitions_from_the_admin_list_writes_the_stores_through(
    typed_channel, admin_client
):
    """The list's bulk delete, like a single delete, tells the stores using the definitions
    at once: the POS stops asking for a required attribute HQ no longer has."""
    from django.urls import reverse

    doomed = AttributeDefinition.objects.filter(name__in=["Birthday", "Newsletter"])
    answer = admin_client.post(
        reverse("admin:hqcommerce_attributedefinition_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [d.pk for d in doomed],
            "post": "yes",
        },
    )
    assert answer.status_code == 302
    store = Store.objects.get(pk=typed_channel.pk)
    assert [d["name"] for d in store.attribute_definitions] == ["Shoe size", "Tier"]
