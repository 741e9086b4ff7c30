"""Queued jobs processed by two django-q2 clusters, with the ORM broker and with Redis:
the same final state either way."""

from __future__ import annotations

import os
import socket
import time
import uuid

import pytest

from channels_app.models import AsyncCustomer, ChannelCustomer
from channels_app.services.pos import pos_transaction_record
from hqcommerce.models import AsyncStagingRecord, Customer, JobRun, SalesOrder, UploadedTransaction
from tests.dates import TODAY
from tests.factories import ChannelFactory, async_customer_stored

from .helpers import start


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


def _seed():
    stores = [ChannelFactory(), ChannelFactory()]
    for store in stores:
        for i in range(40):
            bad = i % 13 == 0
            async_id = async_customer_stored(
                store, {"first_name": "" if bad else f"B{i}", "last_name": "" if bad else "Q"}
            )
            if i % 4 == 0:
                pos_transaction_record(
                    channel=store,
                    data={
                        "transaction_id": f"{store.code}-{i}",
                        "kind": "customer_order",
                        "business_date": TODAY,
                        "customer": str(async_id),
                        "lines": [{"item_id": "SKU", "quantity": 1, "unit_price": "1.00"}],
                    },
                )
    return stores


def _final_state() -> dict:
    invalid = AsyncStagingRecord.objects.filter(status="failed").count()
    return {
        "customers": Customer.objects.count(),
        "unmapped": AsyncCustomer.objects.filter(account_number="").count(),
        "invalid": invalid,
        "copies": ChannelCustomer.objects.count(),
        "orders": SalesOrder.objects.count(),
        "orders_pending": UploadedTransaction.objects.filter(status="pending").count(),
    }


def _until_finished(job_run_id: int) -> None:
    deadline = time.monotonic() + 180
    while (
        JobRun.objects.filter(pk=job_run_id)
        .exclude(status__in=["succeeded", "partially_failed", "failed"])
        .exists()
    ):
        assert time.monotonic() < deadline, list(JobRun.objects.values("pk", "kind", "status"))
        time.sleep(0.5)


@pytest.mark.parametrize("broker", ["orm", "redis"])
@pytest.mark.django_db(transaction=True)
def test_two_clusters_process_queued_jobs_to_the_same_final_state(broker):
    if broker == "redis" and not _redis_up():
        if os.environ.get("CI") or os.environ.get("HQ_REQUIRE_REDIS"):
            pytest.fail("Redis is not reachable at 127.0.0.1:6379")
        pytest.skip("Redis is not running here")
    _seed()
    env = {
        "Q_BROKER": broker,
        "Q_SYNC": "0",
        "Q_CLUSTER_NAME": f"hqtest{uuid.uuid4().hex[:8]}",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "HQ_JOB_LOCK_WAIT_SECONDS": "60",
    }
    clusters = [start("qcluster", **env) for _ in range(2)]
    try:
        # As an operator queues them: Synchronize orders once Convert has finished (queued at
        # the same moment, it may run before the P-job uploads the sales, sync nothing and
        # rightly succeed, which left the orders for the next schedule).
        ids = []
        for job in ("convert_async_customers", "sync_orders"):
            proc = start(job, "--queue", **env)
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
            ids.append(int(out.strip()))
            _until_finished(ids[-1])
    finally:
        for cluster in clusters:
            cluster.terminate()
        for cluster in clusters:
            try:
                cluster.communicate(timeout=20)
            except Exception:  # noqa: BLE001 - a stuck cluster must not hide the result
                cluster.kill()

    assert set(JobRun.objects.filter(pk__in=ids).values_list("status", flat=True)) <= {
        "succeeded",
        "partially_failed",
    }
    state = _final_state()
    assert state == {
        "customers": 80 - state["invalid"],
        "unmapped": state["invalid"],
        "invalid": state["invalid"],
        "copies": 80 - state["invalid"],  # both stores share the default channel database
        "orders": 20 - state["orders_pending"],
        "orders_pending": state["orders_pending"],
    }
    assert state["invalid"] == 8  # i % 13 == 0 for i in 0..39, in each of two stores
    assert state["orders_pending"] == 2  # customer 0 of each store is invalid and has an order
