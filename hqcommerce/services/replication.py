"""Commit-ordered replication versions for HQ customers (what 1010's watermark reads).

A plain sequence would hand out versions in start order, but transactions commit in any
order: 1010 could move its watermark past version 7 while version 5 is still uncommitted,
and never send it. Taking the counter row lock and holding it to commit makes versions
visible in increasing order, so `version <= counter` rows are always all committed.
Callers take it as the last step of their transaction to keep the lock short.
"""

from __future__ import annotations

from django.db import transaction

from hqcommerce.models import ReplicationCounter

CUSTOMERS = "customers"


def replication_versions_allocate(*, count: int, name: str = CUSTOMERS) -> range:
    if count <= 0:
        return range(0)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("replication versions must be taken inside the writing transaction")
    counter, _created = ReplicationCounter.objects.get_or_create(name=name)
    counter = ReplicationCounter.objects.select_for_update().get(pk=counter.pk)
    start = counter.value + 1
    ReplicationCounter.objects.filter(pk=counter.pk).update(value=counter.value + count)
    return range(start, start + count)


def replication_head(*, name: str = CUSTOMERS) -> int:
    """The highest version whose rows are all committed."""
    value = ReplicationCounter.objects.filter(name=name).values_list("value", flat=True).first()
    return value or 0
