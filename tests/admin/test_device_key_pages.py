"""A device key is named by its prefix everywhere staff see it: the hash it is checked
against never shows in an admin URL, page or history entry."""

from __future__ import annotations

import importlib
import re
from types import SimpleNamespace

from django.apps import apps
from django.db.models import F

from channels_app.models import StoreDeviceKey
from hqcommerce.models import DeviceKey
from hqcommerce.services.configuration import channel_configuration_run
from hqcommerce.services.devices import device_key_create


def test_a_keys_pages_name_it_by_prefix_and_never_show_its_hash(channel, admin_client):
    key, _secret = device_key_create(channel_code=channel.code, name="POS-1")
    assert key.pk == key.prefix
    assert StoreDeviceKey.objects.get(prefix=key.prefix).pk == key.prefix

    pages = [
        admin_client.get("/admin/hqcommerce/devicekey/"),
        admin_client.get(f"/admin/hqcommerce/devicekey/{key.prefix}/change/"),
        admin_client.get(f"/admin/hqcommerce/devicekey/{key.prefix}/history/"),
        admin_client.get("/admin/channels_app/storedevicekey/"),
    ]
    admin_client.post(
        "/admin/hqcommerce/devicekey/",
        {"action": "revoke", "_selected_action": [key.prefix], "confirmed": "yes"},
    )
    pages.append(admin_client.get("/admin/"))  # recent actions link to the key

    assert [p.status_code for p in pages] == [200] * 5
    for page in pages:
        assert key.hashed_key not in page.content.decode()
    assert DeviceKey.objects.get(pk=key.pk).revoked


def test_keys_made_before_keep_working_under_their_prefix(channel):
    """Keys whose id was 'prefix.hash' (before hqcommerce 0021): the migration renames them,
    and 1070 gives the channel database's copy the same id."""
    key, secret = device_key_create(channel_code=channel.code, name="POS-1")
    old_id = f"{key.prefix}.{key.hashed_key}"
    DeviceKey.objects.filter(pk=key.pk).update(id=old_id)
    StoreDeviceKey.objects.filter(pk=key.pk).update(id=old_id)
    hq = importlib.import_module("hqcommerce.migrations.0021_key_ids_are_prefixes")
    store = importlib.import_module("channels_app.migrations.0004_key_ids_are_prefixes")

    hq.ids_are_prefixes(apps, SimpleNamespace(connection=SimpleNamespace(alias="default")))
    channel_configuration_run()

    assert DeviceKey.objects.get(prefix=key.prefix).pk == key.prefix
    assert StoreDeviceKey.objects.get(prefix=key.prefix).pk == key.prefix
    assert StoreDeviceKey.objects.exclude(id=F("prefix")).count() == 0
    assert StoreDeviceKey.objects.get(prefix=key.prefix).is_valid(secret)
    assert callable(store.ids_are_prefixes)


def test_a_key_is_revoked_only_by_the_action_that_asks_first(channel, admin_client):
    add = admin_client.get("/admin/hqcommerce/devicekey/add/").content.decode()
    assert 'name="revoked"' not in add and "Prefix" not in add
    key, _secret = device_key_create(channel_code=channel.code, name="POS-1")
    change = admin_client.get(f"/admin/hqcommerce/devicekey/{key.prefix}/change/")
    assert 'name="revoked"' not in change.content.decode()  # shown, not a box to tick


def test_the_favicon_is_found_and_channel_job_actions_come_before_delete(channel, admin_client):
    icon = admin_client.get("/favicon.ico")  # to a static file (served as static files are)
    assert icon.status_code == 301 and icon["Location"].endswith("admin/img/icon-yes.svg")
    page = admin_client.get("/admin/hqcommerce/channel/").content.decode()
    options = page.split('name="action"')[1].split("</select>")[0]
    assert options.index("delete_selected") > options.index("queue_pjob")


def test_a_customers_page_lists_its_first_rows_and_says_how_many(channel, admin_client):
    from django.utils.translation import override

    from channels_app.validation import address_clean
    from hqcommerce.services.customers import customer_address_add
    from hqcommerce.services.pipeline import convert_run
    from tests.factories import CustomerDataFactory, async_customer_stored

    async_customer_stored(channel, CustomerDataFactory())
    convert_run()
    from hqcommerce.models import Customer

    customer = Customer.objects.get()
    for i in range(29):
        customer_address_add(
            customer=customer,
            address=address_clean({"street": f"Calle {i}", "city": "Madrid", "country": "ESP"}),
        )

    with override("en"):
        page = admin_client.get(f"/admin/hqcommerce/customer/{customer.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "(30, the first 20 listed)" in html
    listed = {int(n) for n in re.findall(r">Calle (\d+)<", html)}
    assert listed == set(range(19))  # the factory's address and the next 19, by age
