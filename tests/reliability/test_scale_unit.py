"""A scale unit as its own process: its channel database, HQ's real-time URL and a service
key; no HQ database and none of HQ's URLs. Every POS call works against it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid

import httpx
import pytest

from channels_app.selectors import store_of
from hqcommerce.models import Customer
from hqcommerce.services.devices import device_key_create, scale_unit_key_create
from tests.dates import TODAY
from tests.factories import ChannelFactory, CustomerDataFactory, SyncChannelFactory

from .helpers import ROOT
from .helpers import test_database_url as database_url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"scale unit exited: {process.communicate()[1][-2000:]}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("scale unit did not start")


@pytest.fixture
def scale_unit(live_server, tmp_path):
    """Start a scale unit for channel database DEFAULT, pointed at HQ's live server."""
    from django.conf import settings

    _key, secret = scale_unit_key_create(database_code="DEFAULT", name="test scale unit")
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CHANNEL_DATABASE_URLS", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="hqcommerce.settings_scale_unit",
        DJANGO_DEBUG="1",
        DJANGO_SECURE="0",
        HQ_VAR_DIR=str(tmp_path),  # nothing of HQ's var/ either
        CHANNEL_DATABASE_URLS="DEFAULT=" + database_url(settings.CHANNEL_DATABASES["DEFAULT"]),
        HQ_REALTIME_URL=f"{live_server.url}/api/rts/v1",
        HQ_REALTIME_KEY=secret,
        HQ_LOG_LEVEL="ERROR",
    )
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_up(f"{url}/api/v1/health/", process)
        yield url
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_a_scale_unit_without_hq_database_serves_every_pos_call(scale_unit):
    sync_store = SyncChannelFactory()
    async_store = ChannelFactory()
    _k, sync_key = device_key_create(channel_code=sync_store.code, name="R1")
    _k, async_key = device_key_create(channel_code=async_store.code, name="R2")

    def client(secret):
        return httpx.Client(
            base_url=f"{scale_unit}/api/v1",
            headers={"Authorization": f"Api-Key {secret}"},
            timeout=10,
        )

    with client(sync_key) as pos, client(async_key) as other:
        assert pos.get("/health/").json() == {"ok": True, "channel": sync_store.code}
        # Sync mode: HQ makes the customer in real time, through the real-time service.
        created = pos.post("/customers/", json=CustomerDataFactory())
        assert created.status_code == 201, created.text
        account = created.json()["account_number"]
        assert created.json()["status"] == "synced"
        assert Customer.objects.filter(account_number=account).exists()
        assert pos.get(f"/customers/{account}/").json()["account_number"] == account
        assert pos.get("/customers/").json()["results"]
        edited = pos.patch(f"/customers/{account}/", json={"first_name": "Ana"})
        assert edited.status_code == 200, edited.text
        assert Customer.objects.get(account_number=account).first_name == "Ana"
        added = pos.post(
            f"/customers/{account}/addresses/",
            json={"street": "Gran Vía 2", "city": "Madrid", "country": "ESP"},
        )
        assert added.status_code == 201, added.text
        address_id = next(
            a["async_id"]
            for a in added.json()["customer"]["addresses"]
            if a["street"] == "Gran Vía 2"
        )
        assert (
            pos.patch(
                f"/customers/{account}/addresses/{address_id}/", json={"city": "Toledo"}
            ).status_code
            == 200
        )
        assert pos.delete(f"/customers/{account}/addresses/{address_id}/").status_code == 200
        card = pos.post(f"/customers/{account}/loyalty-cards/", json={})
        assert card.status_code == 201, card.text
        sale = pos.post(
            "/transactions/",
            json={
                "transaction_id": "SU-1",
                "kind": "customer_order",
                "order_mode": "sync",
                "business_date": TODAY,
                "customer": account,
                "lines": [{"item_id": "SKU-1", "quantity": 1, "unit_price": "5.00"}],
            },
        )
        assert sale.status_code == 201, sale.text
        assert sale.json()["hq_order_number"]
        assert pos.get("/customer-attributes/").status_code == 200
        # A HQ rule refuses over the link as it does in process: 400 naming the field.
        refused = pos.post(
            "/customers/",
            json=CustomerDataFactory(addresses=[{"street": "x", "city": "y", "country": "XXX"}]),
        )
        assert refused.status_code == 400

        # Async mode: written in the channel database only.
        pending = other.post("/customers/", json=CustomerDataFactory())
        assert pending.status_code == 201, pending.text
        assert pending.json()["status"] == "pending_sync"
        request = other.post(
            "/partner-requests/",
            json={
                "company_name": "Acme",
                "tax_id": "B12345678",
                "contact_last_name": "Ruiz",
                "email": "buyer@acme.example",
            },
        )
        assert request.status_code == 201, request.text
        status = other.get(f"/partner-requests/{request.json()['id']}/")
        assert status.status_code == 200

        # HQ's own URLs are not there.
        for path in ("/jobs/", "/sync-status/"):
            assert pos.get(path).status_code == 404
        assert httpx.get(f"{scale_unit}/admin/").status_code == 404


def test_a_scale_unit_refuses_to_start_with_an_hq_database(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "hqcommerce.settings_scale_unit",
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": f"sqlite:///{tmp_path}/hq.sqlite3",
            "CHANNEL_DATABASE_URLS": f"DEFAULT=sqlite:///{tmp_path}/c.sqlite3",
            "HQ_REALTIME_URL": "http://127.0.0.1:9/api/rts/v1",
            "HQ_REALTIME_KEY": uuid.uuid4().hex,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "A scale unit holds no HQ database" in result.stderr


def test_store_of_is_unchanged_for_one_machine(channel):
    assert store_of(channel).code == channel.code
