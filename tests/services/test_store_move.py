"""A store moves to another channel database (scale unit) and loses nothing: what it wrote
in the old database is uploaded first, its registers keep their keys in the new one only,
a revoked key is refused everywhere, and its records go on converting."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from channels_app.databases import ChannelDatabaseUnavailable
from channels_app.models import ChannelReplicationState, Store, StoreDeviceKey
from hqcommerce.models import AsyncStagingRecord, Channel, ChannelDatabase, Customer
from hqcommerce.services.configuration import channel_configuration_run, channel_move
from hqcommerce.services.devices import device_key_create, device_key_revoke
from hqcommerce.services.pipeline import convert_run
from tests.factories import ChannelFactory, CustomerDataFactory
from tests.reliability.helpers import database_down

pytestmark = pytest.mark.django_db(transaction=True)


def _register(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


def _create(client: APIClient) -> str:
    response = client.post("/api/v1/customers/", CustomerDataFactory(), format="json")
    assert response.status_code == 201, response.content
    return response.json()["async_id"]


def test_a_moved_store_loses_nothing_and_its_revoked_key_is_refused_everywhere():
    store = ChannelFactory()
    key, secret = device_key_create(channel_code=store.code, name="POS-1")
    revoked, revoked_secret = device_key_create(channel_code=store.code, name="POS-2")
    register = _register(secret)
    before = [_create(register) for _ in range(3)]  # pending in DEFAULT, not uploaded
    device_key_revoke(key=revoked)
    eu = ChannelDatabase.objects.get(code="EU")
    default_alias = store.database_alias

    channel_move(channel=store, database=eu)

    store.refresh_from_db()
    assert store.channel_database == eu
    # What it wrote in DEFAULT is in HQ's staging already.
    assert set(
        AsyncStagingRecord.objects.filter(channel=store).values_list("async_id", flat=True)
    ) >= {uuid.UUID(a) for a in before}
    # DEFAULT no longer takes its registers; EU has its keys, and only the valid one.
    assert Store.objects.using(default_alias).get(pk=store.pk).moved_away_at is not None
    assert not StoreDeviceKey.objects.using(default_alias).filter(channel_id=store.pk).exists()
    eu_keys = StoreDeviceKey.objects.db_manager(eu.database_alias).get_usable_keys()
    usable = eu_keys.filter(channel_id=store.pk).values_list("prefix", flat=True)
    assert set(usable) == {key.prefix}

    # The register goes on with its key; what it writes now lands in EU and is uploaded.
    after = _create(register)
    assert _register(revoked_secret).get("/api/v1/health/").status_code == 401
    assert channel_configuration_run().failed == 0  # a full 1070 changes none of it
    assert _register(revoked_secret).get("/api/v1/health/").status_code == 401
    convert_run()

    converted = set(
        Customer.objects.filter(origin_channel=store).values_list("origin_async_id", flat=True)
    )
    assert {str(a) for a in converted} == {*before, after}
    counter = ChannelReplicationState.objects.using(eu.database_alias).get(channel_id=store.pk)
    assert counter.upload_counter == Channel.objects.get(pk=store.pk).upload_watermark


def test_a_move_needs_both_databases_and_changes_nothing_without_them():
    store = ChannelFactory()
    _key, secret = device_key_create(channel_code=store.code, name="POS-1")
    eu = ChannelDatabase.objects.get(code="EU")

    with database_down(eu.database_alias), pytest.raises(ChannelDatabaseUnavailable):
        channel_move(channel=store, database=eu)

    store.refresh_from_db()
    assert store.channel_database.code == "DEFAULT"
    assert _register(secret).get("/api/v1/health/").status_code == 200


def test_a_full_1070_takes_a_store_hq_moved_by_hand_out_of_its_old_database():
    """A channel whose database was changed without the move (a script, an old release):
    the next 1070 leaves no key of it valid in the old database."""
    store = ChannelFactory()
    _key, secret = device_key_create(channel_code=store.code, name="POS-1")
    default_alias = store.database_alias
    Channel.objects.filter(pk=store.pk).update(
        channel_database=ChannelDatabase.objects.get(code="EU")
    )

    channel_configuration_run()

    assert not StoreDeviceKey.objects.using(default_alias).filter(channel_id=store.pk).exists()
    assert Store.objects.using(default_alias).get(pk=store.pk).moved_away_at is not None
    assert _register(secret).get("/api/v1/health/").status_code == 200  # from EU now
