import uuid

import pytest
from rest_framework.test import APIClient

from channels_app.models import AsyncCustomer
from channels_app.selectors import channel_customers_page
from hqcommerce.models import Customer
from hqcommerce.services.pipeline import convert_run
from tests.clients import device_client
from tests.factories import ChannelFactory, SyncChannelFactory

NEW = {
    "first_name": "Lucía",
    "last_name": "Pérez",
    "contacts": [{"kind": "email", "value": "lucia@example.com"}],
    "addresses": [{"street": "Calle Sol 3", "city": "Sevilla", "country": "ES"}],
}


def _errors(response) -> dict[str, list[str]]:
    body = response.json()
    assert set(body) == {"type", "errors"}
    result: dict[str, list[str]] = {}
    for error in body["errors"]:
        result.setdefault(error["attr"], []).append(error["detail"])
    return result


def test_no_or_bad_credentials_answer_401_in_the_common_error_shape(channel):
    anonymous = APIClient().get("/api/v1/customers/")
    assert anonymous.status_code == 401
    assert anonymous.json()["type"] == "client_error"
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Api-Key nope.nope")
    assert bad.get("/api/v1/customers/").status_code == 401


def test_revoked_key_is_refused(channel):
    from hqcommerce.models import DeviceKey
    from hqcommerce.services.devices import device_key_revoke

    client = device_client(channel)
    device_key_revoke(key=DeviceKey.objects.get())
    assert client.get("/api/v1/customers/").status_code == 401


def test_async_store_creates_a_pending_customer(device, channel):
    response = device.post("/api/v1/customers/", NEW, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending_sync"
    assert body["account_number"] is None
    assert body["id"] == body["async_id"]
    assert AsyncCustomer.objects.get(async_id=body["async_id"]).channel_id == channel.pk


def test_create_answers_exactly_what_a_later_lookup_shows(device):
    """The 201 is built from the rows just written; it must match a read of them."""
    data = {
        **NEW,
        "contacts": [
            {"kind": "phone", "value": "+34 600 000 001"},
            {"kind": "email", "value": "lucia@example.com", "is_primary": True},
            {"kind": "email", "value": "other@example.com"},
        ],
        "addresses": [
            {"street": "Calle Sol 3", "city": "Sevilla", "country": "ES"},
            {"street": "Calle Luna 4", "city": "Cádiz", "country": "ES", "is_primary": True},
        ],
    }
    created = device.post("/api/v1/customers/", data, format="json")
    assert created.status_code == 201

    looked_up = device.get(f"/api/v1/customers/{created.json()['id']}/")
    assert looked_up.status_code == 200
    assert created.json() == looked_up.json()
    assert created.json()["email"] == "lucia@example.com"
    assert len(created.json()["addresses"]) == 2


def test_sync_store_gets_the_account_number_at_once(db):
    store = SyncChannelFactory()
    response = device_client(store).post("/api/v1/customers/", NEW, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "synced"
    assert body["async_id"] is None
    assert Customer.objects.get(account_number=body["account_number"])


@pytest.mark.django_db(transaction=True)
def test_sync_store_falls_back_to_async_when_hq_database_is_down():
    from tests.reliability.helpers import database_down

    store = SyncChannelFactory()
    client = device_client(store)

    with database_down("default"):
        response = client.post("/api/v1/customers/", NEW, format="json")

    assert response.status_code == 201
    assert response.json()["status"] == "pending_sync"
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({**NEW, "first_name": "x" * 61}, "first_name"),
        ({**NEW, "nickname": "Lu"}, "nickname"),
        ({**NEW, "contacts": [{"kind": "fax", "value": "1"}]}, "contacts.0.kind"),
        ({**NEW, "party_type": "robot"}, "party_type"),
        ({**NEW, "addresses": "Calle Sol"}, "addresses"),
        ({**NEW, "first_name": 12345}, "first_name"),
        ({**NEW, "last_name": True}, "last_name"),
        ({**NEW, "contacts": [{"kind": "email", "value": 5}]}, "contacts.0.value"),
        ({**NEW, "affiliations": [7]}, "affiliations.0"),
    ],
)
def test_bad_input_answers_400_with_field_errors_and_writes_nothing(device, body, attr):
    response = device.post("/api/v1/customers/", body, format="json")

    assert response.status_code == 400
    assert attr in _errors(response)
    assert not AsyncCustomer.objects.exists()


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({}, "last_name"),
        ({"first_name": "   "}, "last_name"),
        ({**NEW, "contacts": [{"kind": "email", "value": "bad@"}]}, "contacts.0.value"),
        ({**NEW, "contacts": [{"kind": "phone", "value": "call me"}]}, "contacts.0.value"),
        ({**NEW, "currency": "ZZZ"}, "currency"),
        ({**NEW, "language": "english please"}, "language"),
        (
            {**NEW, "addresses": [{"street": "Sol 1", "city": "Madrid", "country": "XX"}]},
            "addresses.0.country",  # the schema's enum, checked by the serializer
        ),
        ({"party_type": "organization", "first_name": "Ana"}, "organization_name"),
    ],
)
def test_what_hq_would_refuse_is_a_400_at_the_async_stores_door(device, body, attr):
    response = device.post("/api/v1/customers/", body, format="json")

    assert response.status_code == 400, response.content
    assert attr in _errors(response)
    assert not AsyncCustomer.objects.exists()


def test_an_edit_or_an_address_hq_would_refuse_is_a_400_at_the_door(device):
    async_id = device.post("/api/v1/customers/", NEW, format="json").json()["async_id"]
    url = f"/api/v1/customers/{async_id}/"

    nameless = device.patch(url, {"first_name": "", "last_name": ""}, format="json")
    bad_email = device.patch(url, {"email": "nobody@"}, format="json")
    bad_country = device.post(
        f"{url}addresses/", {"street": "Sol 1", "city": "Madrid", "country": "XX"}, format="json"
    )

    assert nameless.status_code == 400 and "last_name" in _errors(nameless)
    assert bad_email.status_code == 400 and "email" in _errors(bad_email)
    assert bad_country.status_code == 400 and "country" in _errors(bad_country)
    from channels_app.models import AsyncAddress, AsyncCustomerEdit

    assert not AsyncCustomerEdit.objects.exists() and not AsyncAddress.objects.exists()
    assert device.get(url).json()["last_name"] == NEW["last_name"]


def test_hq_rule_broken_in_sync_mode_answers_400_naming_the_field(db):
    store = SyncChannelFactory()
    body = {**NEW, "contacts": [{"kind": "email", "value": "bad@"}]}

    response = device_client(store).post("/api/v1/customers/", body, format="json")

    assert response.status_code == 400
    assert "contacts.0.value" in _errors(response)


def test_idempotency_key_retry_returns_the_first_response_and_creates_nothing(device):
    headers = {"HTTP_IDEMPOTENCY_KEY": "register-1-sale-42"}
    first = device.post("/api/v1/customers/", NEW, format="json", **headers)
    again = device.post("/api/v1/customers/", NEW, format="json", **headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replay"] == "true"
    assert AsyncCustomer.objects.count() == 1

    other = device.post(
        "/api/v1/customers/", {**NEW, "first_name": "Otra"}, format="json", **headers
    )
    assert other.status_code == 422
    assert AsyncCustomer.objects.count() == 1


def test_an_idempotency_key_older_than_its_ttl_is_a_new_request(device, settings):
    from datetime import timedelta

    from django.utils import timezone

    from channels_app.models import IdempotencyRecord

    headers = {"HTTP_IDEMPOTENCY_KEY": "register-1-sale-43"}
    first = device.post("/api/v1/customers/", NEW, format="json", **headers)
    settings.HQ_IDEMPOTENCY_TTL_HOURS = 24
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))

    later = device.post("/api/v1/customers/", NEW, format="json", **headers)

    assert later.status_code == 201
    assert "Idempotent-Replay" not in later.headers
    assert later.json()["async_id"] != first.json()["async_id"]
    assert AsyncCustomer.objects.count() == 2
    record = IdempotencyRecord.objects.get()  # the new request's, remembered afresh
    assert record.response["async_id"] == later.json()["async_id"]
    again = device.post("/api/v1/customers/", NEW, format="json", **headers)
    assert again.headers["Idempotent-Replay"] == "true"
    assert AsyncCustomer.objects.count() == 2


def test_idempotency_keys_are_per_device(channel, device):
    headers = {"HTTP_IDEMPOTENCY_KEY": "same"}
    device.post("/api/v1/customers/", NEW, format="json", **headers)
    device_client(channel, "POS-2").post("/api/v1/customers/", NEW, format="json", **headers)
    assert AsyncCustomer.objects.count() == 2


def test_lookup_by_temp_id_resolves_to_the_account_once_mapped(device, channel):
    other_store = device_client(ChannelFactory(), "OTHER")
    async_id = device.post("/api/v1/customers/", NEW, format="json").json()["async_id"]
    assert device.get(f"/api/v1/customers/{async_id}/").json()["status"] == "pending_sync"
    assert other_store.get(f"/api/v1/customers/{async_id}/").status_code == 404

    convert_run()

    mine = device.get(f"/api/v1/customers/{async_id}/").json()
    theirs = other_store.get(f"/api/v1/customers/{async_id}/").json()
    assert mine["status"] == theirs["status"] == "synced"
    assert mine["account_number"] == theirs["account_number"]
    by_account = device.get(f"/api/v1/customers/{mine['account_number']}/").json()
    assert by_account["async_id"] == async_id


def test_a_device_never_sees_another_channels_pending_customers(device):
    other = device_client(ChannelFactory(), "OTHER")
    async_id = other.post("/api/v1/customers/", NEW, format="json").json()["async_id"]

    assert device.get(f"/api/v1/customers/{async_id}/").status_code == 404
    patch = device.patch(f"/api/v1/customers/{async_id}/", {"first_name": "X"}, format="json")
    assert patch.status_code == 404
    address = {"street": "a", "city": "b", "country": "ES"}
    added = device.post(f"/api/v1/customers/{async_id}/addresses/", address, format="json")
    assert added.status_code == 404
    assert device.get("/api/v1/customers/").json()["results"] == []
    sneaky = device.post(
        "/api/v1/customers/", {**NEW, "channel": other_channel_code()}, format="json"
    )
    assert sneaky.status_code == 404


def other_channel_code() -> str:
    from hqcommerce.models import Channel

    return Channel.objects.order_by("-pk").first().code


def test_list_search_and_cursor(device, channel):
    for name in ("Ana", "Rosa", "Carla"):
        device.post("/api/v1/customers/", {**NEW, "first_name": name}, format="json")

    # Not a hex word: the search also matches GUIDs, and a random one may contain "bea".
    found = device.get("/api/v1/customers/?search=rosa").json()
    assert [c["first_name"] for c in found["results"]] == ["Rosa"]

    page, cursor = channel_customers_page(channel=channel, size=2)
    rest, end = channel_customers_page(channel=channel, size=2, cursor=cursor)
    assert [c["first_name"] for c in page + rest] == ["Ana", "Rosa", "Carla"]
    assert end is None
    assert device.get("/api/v1/customers/?cursor=%%%").status_code == 400


def test_cursor_runs_from_pending_into_synced_customers(device, channel):
    device.post("/api/v1/customers/", {**NEW, "first_name": "Old"}, format="json")
    convert_run()
    device.post("/api/v1/customers/", {**NEW, "first_name": "New"}, format="json")

    page, cursor = channel_customers_page(channel=channel, size=1)
    rest, end = channel_customers_page(channel=channel, size=1, cursor=cursor)

    assert [(c["first_name"], c["status"]) for c in page + rest] == [
        ("New", "pending_sync"),
        ("Old", "synced"),
    ]
    assert end is None


def test_patch_of_a_pending_customer_is_queued_and_shown(device):
    async_id = device.post("/api/v1/customers/", NEW, format="json").json()["async_id"]

    response = device.patch(f"/api/v1/customers/{async_id}/", {"last_name": "Nuevo"}, format="json")

    assert response.status_code == 200
    assert response.json()["last_name"] == "Nuevo"
    assert device.patch(f"/api/v1/customers/{async_id}/", {}, format="json").status_code == 400
    bad = device.patch(f"/api/v1/customers/{async_id}/", {"account": "X"}, format="json")
    assert bad.status_code == 400


def test_patch_in_sync_mode_is_real_time(db):
    store = SyncChannelFactory()
    client = device_client(store)
    account = client.post("/api/v1/customers/", NEW, format="json").json()["account_number"]

    response = client.patch(f"/api/v1/customers/{account}/", {"last_name": "RT"}, format="json")

    assert response.json()["status"] == "synced"
    assert Customer.objects.get(account_number=account).last_name == "RT"


def test_add_address_to_a_customer(device):
    async_id = device.post("/api/v1/customers/", NEW, format="json").json()["async_id"]

    response = device.post(
        f"/api/v1/customers/{async_id}/addresses/",
        {"street": "Gran Vía 1", "city": "Madrid", "country": "ESP"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["status"] == "pending_sync"
    uuid.UUID(response.json()["async_id"])


def test_staff_name_the_channel_and_may_use_any(operator_client, channel):
    """An operator reads any store's customers; creating one needs the add permission."""
    from django.contrib.auth.models import Permission, User

    assert operator_client.get("/api/v1/customers/").status_code == 400
    new = {**NEW, "channel": channel.code}
    assert operator_client.post("/api/v1/customers/", new, format="json").status_code == 403
    user = User.objects.get(username="ops")
    user.user_permissions.add(Permission.objects.get(codename="add_asynccustomer"))
    operator_client.force_authenticate(User.objects.get(pk=user.pk))  # a fresh permission cache
    response = operator_client.post("/api/v1/customers/", new, format="json")
    assert response.status_code == 201
    listed = operator_client.get(f"/api/v1/customers/?channel={channel.code}").json()
    assert len(listed["results"]) == 1
    assert operator_client.get("/api/v1/customers/?channel=NOPE").status_code == 404


def test_non_staff_users_are_refused(db, channel):
    from django.contrib.auth.models import User

    client = APIClient()
    client.force_authenticate(User.objects.create_user("shopper"))
    assert client.get(f"/api/v1/customers/?channel={channel.code}").status_code == 403


def test_throttling_answers_429_per_device(device, settings, channel):
    settings.HQ_API_RATE = "2/min"
    codes = [device.get("/api/v1/sync-status/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert device_client(channel, "POS-9").get("/api/v1/sync-status/").status_code == 200


def test_oversized_and_malformed_bodies_are_refused(device, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = device.post("/api/v1/customers/", {**NEW, "last_name": "x" * 2000}, format="json")
    assert big.status_code == 413
    broken = device.post("/api/v1/customers/", b'{"first_name": ', content_type="application/json")
    assert broken.status_code == 400
    latin = device.post(
        "/api/v1/customers/", b'{"first_name": "\xff"}', content_type="application/json"
    )
    assert latin.status_code == 400
    assert not AsyncCustomer.objects.exists()


DEEP = "[" * 990 + "]" * 990


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/customers/"),
        ("post", "/api/v1/transactions/"),
        ("post", "/api/v1/partner-requests/"),
        ("post", "/api/v1/jobs/"),
        ("patch", "/api/v1/customers/{ref}/"),
        ("post", "/api/v1/customers/{ref}/addresses/"),
    ],
)
def test_deeply_nested_json_answers_400_before_any_recursion(device, channel, method, path):
    ref = device.post("/api/v1/customers/", NEW, format="json").json()["id"]
    before = AsyncCustomer.objects.count()

    response = getattr(device, method)(path.format(ref=ref), DEEP, content_type="application/json")

    assert response.status_code == 400, response.content
    assert "nested deeper" in response.json()["errors"][0]["detail"]
    assert AsyncCustomer.objects.count() == before


def test_json_depth_scan_reads_brackets_inside_strings_as_text():
    from channels_app.api.parsers import json_depth_exceeds

    assert not json_depth_exceeds(b'{"a": "' + b"[" * 100 + b'\\"' + b"[" * 100 + b'"}')
    assert json_depth_exceeds(b'{"a": ' + b"[" * 17 + b"]" * 17 + b"}")
    assert not json_depth_exceeds(b'{"a": ' + b"[" * 15 + b"]" * 15 + b"}")


def test_a_huge_number_is_not_text(device):
    body = '{"first_name": 1e400, "last_name": "Sol"}'

    response = device.post("/api/v1/customers/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "first_name"
    assert not AsyncCustomer.objects.exists()


def test_the_rate_limit_is_counted_where_every_web_process_sees_it(device, settings, channel):
    """A cache table in a channel database (Redis when configured), not one process's
    memory; never HQ's database, which a store must not need."""
    from django.db import connections

    connection = connections[settings.CACHE_DATABASE_ALIAS]
    assert settings.CACHE_DATABASE_ALIAS in settings.CHANNEL_DATABASES.values()

    assert settings.CACHES["default"]["BACKEND"].endswith(("DatabaseCache", "RedisCache"))
    device.get("/api/v1/health/")
    if settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM hq_cache")
            assert cursor.fetchone()[0] >= 1


def test_an_address_guessing_keys_is_refused_for_a_minute(db, settings):
    settings.HQ_API_AUTH_FAILURES_PER_MINUTE = 3
    guesser = APIClient()
    codes = []
    for i in range(5):
        guesser.credentials(HTTP_AUTHORIZATION=f"Api-Key guess{i}.secret")
        codes.append(guesser.get("/api/v1/health/").status_code)
    guesser.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    codes.append(guesser.get("/api/v1/health/").status_code)
    assert codes == [401, 401, 401, 429, 429, 429]


def test_a_staff_idempotency_key_sent_for_another_store_is_another_request(db):
    """The same key, the same user, another ?channel=: a second customer at the second
    store, never the first store's answer replayed."""
    from django.contrib.auth.models import User

    from tests.factories import ChannelFactory

    first, second = ChannelFactory(), ChannelFactory()
    staff = APIClient()
    staff.force_authenticate(User.objects.create_superuser("boss", "b@example.com", "pw"))
    answers = [
        staff.post(
            f"/api/v1/customers/?channel={store.code}",
            NEW,  # the same body: only the store differs
            format="json",
            HTTP_IDEMPOTENCY_KEY="same-key",
        )
        for store in (first, second)
    ]

    assert [a.status_code for a in answers] == [201, 201]
    assert [a.json()["channel"] for a in answers] == [first.code, second.code]
    assert "Idempotent-Replay" not in answers[1]


def test_every_field_error_of_a_create_is_reported_at_once(device):
    """The shape's errors (a country code not in ISO 3166, a title too long) and HQ's rules'
    (no name, an email and a phone that are not) in one answer, each on its field."""
    body = {
        "first_name": "",
        "title": "x" * 500,
        "contacts": [{"kind": "email", "value": "nope"}, {"kind": "phone", "value": "abc"}],
        "addresses": [{"street": "Sol 1", "city": "Madrid", "country": "XX"}],
    }
    response = device.post("/api/v1/customers/", body, format="json")

    assert response.status_code == 400
    errors = _errors(response)
    assert set(errors) == {
        "title",
        "addresses.0.country",
        "last_name",
        "contacts.0.value",
        "contacts.1.value",
    }, errors
    assert not AsyncCustomer.objects.exists()

    # A field the shape check refused is not reported twice.
    one = device.post(
        "/api/v1/customers/", {**NEW, "contacts": [{"kind": "fax", "value": "nope"}]}, format="json"
    )
    assert one.status_code == 400 and list(_errors(one)) == ["contacts.0.kind"]


def test_a_staff_create_naming_no_store_reports_the_shapes_errors_alone(admin_user):
    from rest_framework.test import APIClient

    staff = APIClient()
    staff.force_authenticate(admin_user)
    body = {**NEW, "title": "x" * 500, "contacts": [{"kind": "email", "value": "nope"}]}
    response = staff.post("/api/v1/customers/", body, format="json")
    assert response.status_code == 400
    assert set(_errors(response)) == {"title"}  # which store's rules apply is unclear


def test_an_edit_and_an_added_address_report_every_field_error_at_once(device):
    async_id = device.post("/api/v1/customers/", NEW, format="json").json()["async_id"]
    url = f"/api/v1/customers/{async_id}/"

    edit = device.patch(url, {"title": "x" * 500, "email": "nobody@"}, format="json")
    assert edit.status_code == 400
    assert set(_errors(edit)) == {"title", "email"}

    address = device.post(
        f"{url}addresses/",
        {"street": "", "city": "Madrid", "country": "XX", "purpose": "moon"},
        format="json",
    )
    assert address.status_code == 400
    assert set(_errors(address)) == {"country", "purpose", "street"}, _errors(address)


def test_hqs_rules_name_an_added_addresss_own_fields(device):
    """The body is the address: a rule HQ checks names "street", as the shape's errors do,
    not "address.street"."""
    from channels_app.api.views import _own_paths

    assert _own_paths({"address.street": ["Required."], "addresses": ["x"]}) == {
        "street": ["Required."],
        "addresses": ["x"],
    }
