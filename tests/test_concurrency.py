"""Two sync workers on one backlog, on PostgreSQL with real row locks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from hqcommerce.models import AsyncStagingRecord, Customer
from hqcommerce.models.staging import StagingStatus
from tests.factories import ChannelFactory

ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start(*args: str, batch_size: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "hqcommerce.settings_test",
        "HQ_JOB_BATCH_SIZE": str(batch_size),
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sync_processes_convert_each_of_2000_records_exactly_once():
    channels = [ChannelFactory(), ChannelFactory()]
    now = timezone.now()
    AsyncStagingRecord.objects.bulk_create(
        [
            AsyncStagingRecord(
                channel=channels[i % 2],
                async_id=uuid.uuid4(),
                payload={
                    "first_name": f"Buyer{i}",
                    "contacts": [{"kind": "email", "value": f"buyer{i}@example.com"}],
                },
                source_counter=i + 1,
                operation_time=now,
            )
            for i in range(2000)
        ]
    )

    workers = [_start("sync_async_customers", batch_size=50) for _ in range(2)]
    outputs = [w.communicate(timeout=300) for w in workers]

    for worker, (_out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    processed = [int(re.search(r"processed (\d+)", out).group(1)) for out, _ in outputs]
    assert sum(processed) == 2000, processed  # no record taken by both workers
    print("processed per worker", processed)
    assert Customer.objects.count() == 2000
    assert Customer.objects.values("origin_async_id").distinct().count() == 2000
    assert Customer.objects.values("account_number").distinct().count() == 2000
    assert not AsyncStagingRecord.objects.exclude(status=StagingStatus.COMPLETED).exists()
    versions = list(Customer.objects.values_list("replication_version", flat=True))
    assert len(set(versions)) == 2000
