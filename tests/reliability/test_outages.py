"""Stores keep working when HQ is down; the jobs report a channel database that is down and
catch it up. Faults are real: HQ's (or a channel's) database refuses connections
(tests/reliability/helpers.database_down), nothing pretends with a flag."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from channels_app.models import AsyncCustomer, ChannelReplicationState
from hqcommerce.models import AsyncStagingRecord, ChannelDatabase, Customer, JobRun
from hqcommerce.models.jobs import JobStatus, TriggeredBy
from hqcommerce.services.devices import device_key_create
from hqcommerce.services.jobs import job_run_create, job_run_execute
from hqcommerce.services.pipeline import convert_run
from tests.factories import ChannelDatabaseFactory, ChannelFactory, SyncChannelFactory

from .helpers import database_down

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = {"street": "Rua Augusta 10", "city": "Lisboa", "zip_code": "1100-053", "country": "PT"}


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


def _device(channel) -> APIClient:
    _, secret = device_key_create(channel_code=channel.code, name="POS-1")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def _customer(n: int) -> dict:
    return {
        "first_name": f"Outage{n}",
        "last_name": "Cliente",
        "contacts": [{"kind": "email", "value": f"outage{n}@example.com"}],
        "addresses": [ADDRESS],
    }


def test_stores_keep_working_while_hq_is_down_and_one_convert_catches_up():
    """Async and sync-mode stores on two scale units create customers, addresses, edits and
    sales while HQ's database refuses connections; every call answers 2xx within the
    real-time timeout plus a second; after HQ is back one convert maps every temporary id
    at every store, with no duplicate and nothing lost."""
    async_store = ChannelFactory()  # DEFAULT
    sync_store = SyncChannelFactory(channel_database=ChannelDatabaseFactory())  # EU
    async_pos, sync_pos = _device(async_store), _device(sync_store)
    limit = settings.HQ_REALTIME_TIMEOUT_SECONDS + 1
    created: list[tuple[APIClient, str]] = []

    with database_down("default"):
        for n in range(3):
            response, took = _timed(
                lambda n=n: async_pos.post("/api/v1/customers/", _customer(n), format="json")
            )
            assert response.status_code == 201 and took < limit, (response.json(), took)
            assert response.json()["status"] == "pending_sync"
            created.append((async_pos, response.json()["id"]))
        ref = created[0][1]
        for call in (
            lambda: async_pos.post(f"/api/v1/customers/{ref}/addresses/", ADDRESS, format="json"),
            lambda: async_pos.patch(
                f"/api/v1/customers/{ref}/", {"last_name": "Editada"}, format="json"
            ),
            lambda: async_pos.post(
                "/api/v1/transactions/",
                {
                    "transaction_id": "OUT-1",
                    "kind": "cash_and_carry",
                    "business_date": "2026-12-01",
                    "customer": ref,
                    "lines": [{"item_id": "SKU-1", "quantity": 1, "unit_price": "3.50"}],
                },
                format="json",
            ),
        ):
            response, took = _timed(call)
            assert response.status_code in (200, 201) and took < limit, (response.json(), took)
        response, took = _timed(
            lambda: sync_pos.post("/api/v1/customers/", _customer(9), format="json")
        )
        assert response.status_code == 201 and took < limit, (response.json(), took)
        assert response.json()["status"] == "pending_sync"  # fell back to async by itself
        created.append((sync_pos, response.json()["id"]))
        for pos, guid in created:
            looked_up = pos.get(f"/api/v1/customers/{guid}/")
            assert looked_up.status_code == 200 and looked_up.json()["status"] == "pending_sync"

    assert not Customer.objects.exists()
    fallbacks = ChannelReplicationState.objects.using(sync_store.database_alias).get(
        channel_id=sync_store.pk
    )
    assert fallbacks.realtime_fallbacks == 1 and fallbacks.last_fallback_at is not None
    convert_run()

    assert Customer.objects.count() == 4
    assert Customer.objects.values("origin_async_id").distinct().count() == 4
    assert not AsyncStagingRecord.objects.exclude(status="completed").exists()
    edited = Customer.objects.get(origin_async_id=created[0][1])
    assert edited.last_name == "Editada" and edited.addresses.count() == 2
    for _pos, guid in created:
        account = Customer.objects.get(origin_async_id=guid).account_number
        for viewer in (async_pos, sync_pos):  # found at every store, in both databases
            body = viewer.get(f"/api/v1/customers/{guid}/").json()
            assert (body["status"], body["account_number"]) == ("synced", account)
            assert viewer.get(f"/api/v1/customers/{account}/").status_code == 200


def test_a_customer_of_one_scale_unit_is_found_at_a_store_of_the_other_after_1010():
    unit_a = ChannelFactory()
    unit_b = ChannelFactory(channel_database=ChannelDatabaseFactory())
    pos_a, pos_b = _device(unit_a), _device(unit_b)
    guid = pos_a.post("/api/v1/customers/", _customer(1), format="json").json()["id"]
    assert pos_b.get(f"/api/v1/customers/{guid}/").status_code == 404

    convert_run()

    account = Customer.objects.get(origin_async_id=guid).account_number
    by_guid = pos_b.get(f"/api/v1/customers/{guid}/").json()
    assert (by_guid["status"], by_guid["account_number"]) == ("synced", account)
    assert pos_b.get(f"/api/v1/customers/{account}/").json()["account_number"] == account
    assert unit_a.database_alias != unit_b.database_alias


def test_a_channel_database_down_is_reported_the_others_convert_and_it_catches_up_later():
    here = ChannelFactory()
    there = ChannelFactory(channel_database=ChannelDatabaseFactory())
    pos_here, pos_there = _device(here), _device(there)
    mine = pos_here.post("/api/v1/customers/", _customer(1), format="json").json()["id"]
    theirs = pos_there.post("/api/v1/customers/", _customer(2), format="json").json()["id"]

    with database_down(there.database_alias):
        run = job_run_execute(job_run_create(kind="convert", triggered_by=TriggeredBy.COMMAND).pk)
        # The store that is up keeps working meanwhile.
        assert pos_here.get(f"/api/v1/customers/{mine}/").json()["status"] == "synced"

    assert run.status == JobStatus.PARTIALLY_FAILED
    assert set(run.unreachable) == {"EU"}
    assert "EU" in run.error_summary
    steps = JobRun.objects.filter(parent=run)
    assert {s.kind for s in steps if s.unreachable} == {"pjob", "distribution"}
    assert Customer.objects.filter(origin_async_id=mine).exists()
    assert not Customer.objects.filter(origin_async_id=theirs).exists()
    # The dashboard's counts keep working; the database that was down says so in its row.

    again = job_run_execute(job_run_create(kind="convert", triggered_by=TriggeredBy.COMMAND).pk)

    assert again.status == JobStatus.SUCCEEDED, again.error_summary
    assert again.unreachable == {}
    for guid in (mine, theirs):
        account = Customer.objects.get(origin_async_id=guid).account_number
        for pos in (pos_here, pos_there):
            body = pos.get(f"/api/v1/customers/{guid}/").json()
            assert (body["status"], body["account_number"]) == ("synced", account)
    assert (
        AsyncCustomer.objects.using(there.database_alias).get(async_id=theirs).account_number != ""
    )


def test_the_dashboard_counts_keep_working_while_a_channel_database_is_down():
    from hqcommerce.selectors import sync_status

    here = ChannelFactory()
    there = ChannelFactory(channel_database=ChannelDatabaseFactory())
    _device(here).post("/api/v1/customers/", _customer(1), format="json")

    with database_down(there.database_alias):
        rows = {row.channel: row for row in sync_status()}

    assert rows[here.code].pending_upload == 1 and rows[here.code].unreachable == ""
    assert rows[there.code].unreachable != ""
    assert ChannelDatabase.objects.filter(code="EU").exists()


def test_the_channel_databases_page_shows_each_database_reachable_or_not(client):
    from django.contrib.auth.models import User

    here = ChannelFactory()
    there = ChannelFactory(channel_database=ChannelDatabaseFactory())
    _device(here).post("/api/v1/customers/", _customer(1), format="json")
    convert_run()
    client.force_login(User.objects.create_superuser("boss", "b@example.com", "pw"))

    with database_down(there.database_alias):
        page = client.get("/admin/channel-databases/").content.decode()
        dashboard = client.get("/admin/dashboard/").content.decode()

    default_row = page.split('data-database="DEFAULT"')[1].split("</tr>")[0]
    eu_row = page.split('data-database="EU"')[1].split("</tr>")[0]
    assert "Reachable" in default_row and here.code in default_row
    assert "rows, watermark" in default_row  # the last 1010 download, with its watermark
    assert "Unreachable" in eu_row and there.code in eu_row
    summary = dashboard.split('id="channel-databases-summary"')[1].split("</p>")[0]
    assert "unreachable: EU" in summary and "0 real-time fallbacks" in summary
    there_row = dashboard.split(f'data-channel="{there.code}"')[1].split("</tr>")[0]
    assert "Channel database unreachable" in there_row


def test_a_job_started_while_hq_is_down_fails_at_once_with_a_clear_message():
    from django.core.management import CommandError, call_command

    from hqcommerce import tasks

    store = ChannelFactory()
    _device(store).post("/api/v1/customers/", _customer(1), format="json")

    with database_down("default"):
        started = time.monotonic()
        assert tasks.run_scheduled_job("pjob") == tasks.HQ_UNREACHABLE  # the worker goes on
        with pytest.raises(CommandError, match="HQ's database is unreachable") as failed:
            call_command("run_pjob")
        assert failed.value.returncode == 1
        assert time.monotonic() - started < settings.HQ_REALTIME_TIMEOUT_SECONDS + 5

    assert tasks.run_scheduled_job("pjob") == JobStatus.SUCCEEDED
    assert AsyncStagingRecord.objects.count() == 1


def test_a_key_made_while_its_channel_database_is_down_works_after_the_next_1070():
    from django.core.management import call_command

    store = ChannelFactory(channel_database=ChannelDatabaseFactory())
    with database_down(store.database_alias):
        _, secret = device_key_create(channel_code=store.code, name="POS-LATE")  # HQ answers
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert client.get("/api/v1/health/").status_code == 401  # its database has not got it

    call_command("run_1070")

    assert client.get("/api/v1/health/").json() == {"ok": True, "channel": store.code}


@pytest.mark.postgres
def test_a_channel_database_behind_a_stalled_link_shows_unreachable_without_hanging(client):
    """The EU database's link accepts bytes and answers nothing: HQ's dashboard and Channel
    databases page answer within the connect timeout, each with EU unreachable."""
    from django.contrib.auth.models import User
    from django.db import connections

    from tests.linkproxy import LinkProxy

    here = ChannelFactory()
    there = ChannelFactory(channel_database=ChannelDatabaseFactory())
    client.force_login(User.objects.create_superuser("boss", "b@example.com", "pw"))
    connection = connections[there.database_alias]
    original = {**connection.settings_dict, "OPTIONS": dict(connection.settings_dict["OPTIONS"])}
    timeout = connection.settings_dict["OPTIONS"]["connect_timeout"]
    proxy = LinkProxy(("127.0.0.1", int(original["PORT"] or 5432)), stall=True)
    try:
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(proxy.port))
        started = time.monotonic()
        dashboard = client.get("/admin/dashboard/").content.decode()
        page = client.get("/admin/channel-databases/").content.decode()
        elapsed = time.monotonic() - started
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
        proxy.close()

    assert proxy.connections >= 1  # HQ did try the link
    assert elapsed < 2 * timeout + 5  # one connect timeout per page, not one per read
    summary = dashboard.split('id="channel-databases-summary"')[1].split("</p>")[0]
    assert "unreachable: EU" in summary
    assert "Channel database unreachable" in dashboard.split(f'data-channel="{there.code}"')[1]
    assert "Unreachable" in page.split('data-database="EU"')[1].split("</tr>")[0]
    assert "Reachable" in page.split('data-database="DEFAULT"')[1].split("</tr>")[0]
    assert here.code in page
