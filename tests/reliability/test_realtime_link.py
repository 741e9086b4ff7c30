"""HQ's real-time service over HTTP, through a link that is long, stalled or late.

The store side calls HQ (a live server in this process) the way a scale unit does: through
channels_app.hq's HTTP client, with a service key, and a loopback proxy in between that
plays the link (tests/linkproxy.py).
"""

from __future__ import annotations

import time
import uuid
from urllib.parse import urlparse

import pytest

from channels_app import hq
from channels_app.errors import CustomerValidationError, HQError
from channels_app.models import AsyncCustomer
from channels_app.selectors import channel_customer_copies, store_of
from channels_app.services import pos
from hqcommerce.models import AsyncStagingRecord, Customer, RealtimeRequest
from hqcommerce.models.jobs import JobKind, JobStatus, TriggeredBy
from hqcommerce.services.devices import scale_unit_key_create
from hqcommerce.services.jobs import job_run_create, job_run_execute
from tests.factories import CustomerDataFactory, SyncChannelFactory
from tests.linkproxy import LinkProxy

TIMEOUT = 1.0


@pytest.fixture
def hq_link(live_server, settings):
    """Point the store side at HQ's live server through a proxy made by the test."""
    target = urlparse(live_server.url)
    _key, secret = scale_unit_key_create(database_code="DEFAULT", name="scale unit 1")
    proxies: list[LinkProxy] = []

    def connect(**link) -> LinkProxy:
        proxy = LinkProxy((target.hostname, target.port), **link)
        proxies.append(proxy)
        settings.HQ_REALTIME_URL = f"{proxy.url}/api/rts/v1"
        settings.HQ_REALTIME_KEY = secret
        settings.HQ_REALTIME_TIMEOUT_SECONDS = TIMEOUT
        hq.hq_service.cache_clear()
        return proxy

    yield connect
    hq.hq_service.cache_clear()
    for proxy in proxies:
        proxy.close()


def _convert():
    run = job_run_create(kind=JobKind.CONVERT, triggered_by=TriggeredBy.COMMAND)
    return job_run_execute(run.pk)


def test_a_far_hq_answers_a_real_time_create_in_one_round_trip(hq_link):
    store = store_of(SyncChannelFactory())
    proxy = hq_link(delay=0.02)  # 40 ms round trip, a neighbouring region

    result = pos.pos_customer_create(channel=store, data=CustomerDataFactory())

    assert result.status == pos.SYNCED
    customer = Customer.objects.get(account_number=result.account_number)
    assert channel_customer_copies(store).filter(account_number=customer.account_number).exists()
    # One request and its answer crossed the link: no statement-by-statement conversation.
    assert (proxy.connections, proxy.turns) == (1, 1)
    # The next call reuses the connection: one more round trip, no new handshake.
    pos.pos_customer_update(channel=store, ref=result.account_number, changes={"first_name": "Ana"})
    assert (proxy.connections, proxy.turns) == (1, 2)
    assert Customer.objects.get(pk=customer.pk).first_name == "Ana"


def test_hq_rules_refuse_over_the_link_as_they_do_in_process(hq_link):
    store = store_of(SyncChannelFactory())
    hq_link()

    with pytest.raises(HQError, match="NOPE-1 does not exist in HQ"):
        hq.hq_service().customer_update(
            channel_id=store.pk, account_number="NOPE-1", changes={"first_name": "Ana"}
        )
    # The door lets a well-formed phone through that HQ's rules refuse: same error, same path.
    with pytest.raises(CustomerValidationError) as excinfo:
        hq.hq_service().customer_create(
            channel_id=store.pk,
            payload=CustomerDataFactory(contacts=[{"kind": "email", "value": "nope"}]),
            async_id=uuid.uuid4(),
        )
    assert "contacts[0].value" in excinfo.value.errors
    assert not Customer.objects.exists()


def test_a_stalled_link_falls_back_within_the_deadline_and_converts_once(hq_link):
    store = store_of(SyncChannelFactory())
    hq_link(stall=True)  # bytes accepted, nothing ever answered

    started = time.monotonic()
    result = pos.pos_customer_create(channel=store, data=CustomerDataFactory())
    elapsed = time.monotonic() - started

    assert result.status == pos.PENDING_SYNC
    assert elapsed < TIMEOUT + 0.5
    assert not Customer.objects.exists()
    assert _convert().status == JobStatus.SUCCEEDED
    customer = Customer.objects.get()
    assert customer.origin_async_id == result.async_id
    assert AsyncCustomer.objects.get(async_id=result.async_id).account_number == (
        customer.account_number
    )
    assert _convert().status == JobStatus.SUCCEEDED
    assert Customer.objects.count() == 1


def test_an_answer_after_the_deadline_leaves_one_customer_after_the_jobs(hq_link):
    """HQ created the customer, but its answer came after the store had given up and written
    the customer async under the same temporary id: the P-job and the sync find HQ's."""
    store = store_of(SyncChannelFactory())
    hq_link(response_delay=TIMEOUT + 0.5)

    result = pos.pos_customer_create(channel=store, data=CustomerDataFactory())

    assert result.status == pos.PENDING_SYNC
    deadline = time.monotonic() + 5
    while not Customer.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.05)  # HQ's side finishes its work behind the slow link
    made_in_real_time = Customer.objects.get()
    assert made_in_real_time.realtime_request_id == result.async_id

    assert _convert().status == JobStatus.SUCCEEDED

    assert Customer.objects.count() == 1
    assert Customer.objects.get().origin_async_id == result.async_id
    record = AsyncStagingRecord.objects.get(async_id=result.async_id)
    assert record.status == "completed"
    assert AsyncCustomer.objects.get(async_id=result.async_id).account_number == (
        made_in_real_time.account_number
    )


def test_a_retried_request_id_gets_the_first_answer_and_creates_nothing(hq_link, live_server):
    import httpx

    store = store_of(SyncChannelFactory())
    hq_link()
    service = hq.hq_service()
    body = hq.wire_dumps(
        {
            "request_id": str(uuid.uuid4()),
            "channel_id": store.pk,
            "payload": CustomerDataFactory(),
            "async_id": str(uuid.uuid4()),
        }
    )
    url = f"{live_server.url}/api/rts/v1/customer-create/"
    first = httpx.post(url, content=body, headers=service._headers)
    again = httpx.post(url, content=body, headers=service._headers)

    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replay"] == "true"
    assert first.json() == again.json()
    assert Customer.objects.count() == RealtimeRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({}, b"{}", 401),
        ({"Authorization": "Service-Key nope.nope"}, b"{}", 401),
        ({"Authorization": "Api-Key x"}, b"{}", 401),
        (None, b"not json", 400),
        (None, b"[]", 400),
        (None, b'{"request_id": "x", "channel_id": 1, "account_number": "A"}', 400),
    ],
)
def test_the_real_time_service_refuses_a_bad_caller_or_body(
    hq_link, live_server, headers, body, status
):
    import httpx

    hq_link()
    if headers is None:
        headers = hq.hq_service()._headers
    answer = httpx.post(
        f"{live_server.url}/api/rts/v1/loyalty-card-issue/", content=body, headers=headers
    )
    assert answer.status_code == status
    assert "error" in answer.json()


def test_a_service_key_acts_only_for_its_own_channel_databases_stores(hq_link, live_server):
    import httpx

    from hqcommerce.models import ChannelDatabase
    from tests.factories import ChannelFactory

    eu_store = ChannelFactory(channel_database=ChannelDatabase.objects.get(code="EU"))
    hq_link()  # a key for DEFAULT
    answer = httpx.post(
        f"{live_server.url}/api/rts/v1/partner-request-status/",
        content=hq.wire_dumps(
            {
                "request_id": str(uuid.uuid4()),
                "channel_id": eu_store.pk,
                "async_id": str(uuid.uuid4()),
            }
        ),
        headers=hq.hq_service()._headers,
    )
    assert answer.status_code == 403
