"""The receiving end of HQ's downloads in a channel database: 1010's customer snapshots.

Each download commits with the watermark it moves, in this database's own transaction, so a
crash between HQ's read and this write resends the batch and the upsert absorbs it: exactly
once without a distributed transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from channels_app.db.copies import copies_upsert, temporary_ids_map
from channels_app.models import ChannelCustomer, DownloadState, Store

DISTRIBUTION = "1010"
CONFIGURATION = "1070"


class WatermarkMoved(Exception):
    """Another download moved this database's watermark first; re-read it and go on."""


@dataclass(frozen=True)
class ApplyResult:
    created: int
    updated: int
    mapped: int


def channel_database_apply(*, alias: str, snapshots: Sequence[dict]) -> ApplyResult:
    """Upsert the database's copies and map each of its stores' temporary ids to accounts.
    Idempotent: applying the same snapshots twice leaves the same rows.
    """
    if not snapshots:
        return ApplyResult(0, 0, 0)
    now = timezone.now()
    accounts = [s["account_number"] for s in snapshots]
    with transaction.atomic(using=alias):
        existing = set(
            ChannelCustomer.objects.using(alias)
            .filter(account_number__any=accounts)
            .values_list("account_number", flat=True)
        )
        copies_upsert(alias, snapshots, now)
        own: dict[str, list[uuid.UUID]] = {}
        for s in snapshots:
            if s["async_id"] and s["origin_channel_code"]:
                own.setdefault(s["origin_channel_code"], []).append(uuid.UUID(s["async_id"]))
        mapped = 0
        if own:
            mapped = temporary_ids_map(alias, snapshots, own, now)
    created = len(set(accounts) - existing)
    return ApplyResult(created=created, updated=len(snapshots) - created, mapped=mapped)


def download_watermark(*, alias: str, job: str) -> int:
    """How far this database has received `job`'s data (0: nothing yet)."""
    return (
        DownloadState.objects.using(alias)
        .filter(job=job)
        .values_list("watermark", flat=True)
        .first()
        or 0
    )


def download_state_move(*, alias: str, job: str, expected: int, to: int, rows: int) -> None:
    """Move the watermark from `expected` to `to`; call it inside the transaction that wrote
    the rows. Raises WatermarkMoved when another download moved it first."""
    DownloadState.objects.using(alias).get_or_create(job=job)
    moved = (
        DownloadState.objects.using(alias)
        .filter(job=job, watermark=expected)
        .update(watermark=to, last_download_at=timezone.now(), last_rows=rows)
    )
    if not moved:
        raise WatermarkMoved


def customers_download(
    *, alias: str, snapshots: Sequence[dict], expected: int, to: int
) -> ApplyResult:
    """1010's batch: the snapshots above this database's watermark, applied with the
    watermark moved to `to`, in one transaction of this database."""
    with transaction.atomic(using=alias):
        applied = channel_database_apply(alias=alias, snapshots=snapshots)
        download_state_move(
            alias=alias, job=DISTRIBUTION, expected=expected, to=to, rows=len(snapshots)
        )
    return applied


def channel_customers_apply(*, channel: Store, snapshots: Sequence[dict]) -> ApplyResult:
    """The sync-mode POS path: what HQ answered, written straight into the store's copy."""
    return channel_database_apply(alias=channel._state.db, snapshots=snapshots)
