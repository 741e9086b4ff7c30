"""The receiving end of HQ's downloads in a channel database: 1010's customer snapshots.

Each download commits with the watermark it moves, in this database's own transaction, so a
crash between HQ's read and this write resends the batch and the upsert absorbs it: exactly
once without a distributed transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connections, transaction
from django.utils import timezone

from channels_app.models import AsyncCustomer, ChannelCustomer, DownloadState, Store
from hqcommerce.db.rows import chunked_execute, execute_from_temp

DISTRIBUTION = "1010"
CONFIGURATION = "1070"


class WatermarkMoved(Exception):
    """Another download moved this database's watermark first; re-read it and go on."""


COPY_FIELDS = [
    "async_id",
    "origin_channel_code",
    "party_type",
    "name",
    "email",
    "phone",
    "customer_group",
    "currency",
    "language",
    "data",
    "hq_version",
    "updated_at",
]


def _upsert(alias: str, snapshots: Sequence[dict], now) -> None:
    """Multi-row INSERT ... ON CONFLICT DO UPDATE (SQLite and PostgreSQL alike).

    1010 writes every customer to every channel database; building these rows through the
    ORM's bulk_create cost several times the database's own work, so this one statement is raw.
    On PostgreSQL the rows arrive by COPY into a temporary table (see db/rows.execute_from_temp).
    Values go through each field's own DB preparation (UUIDs, JSON, timestamps).
    """
    connection = connections[alias]
    meta = ChannelCustomer._meta
    columns = ["account_number", *COPY_FIELDS]
    prep = {
        name: meta.get_field(name).get_db_prep_save for name in ("async_id", "data", "updated_at")
    }
    quote = connection.ops.quote_name
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in COPY_FIELDS)
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in columns)}) VALUES "
    tail = f" ON CONFLICT ({quote('account_number')}) DO UPDATE SET {updates}"
    rows = [
        (
            s["account_number"],
            prep["async_id"](uuid.UUID(s["async_id"]) if s["async_id"] else None, connection),
            s["origin_channel_code"],
            s["party_type"],
            s["name"],
            s["email"],
            s["phone"],
            s["customer_group"],
            s["currency"],
            s["language"],
            prep["data"](s["data"], connection),
            s["version"],
            prep["updated_at"](now, connection),
        )
        for s in snapshots
    ]
    if connection.vendor == "postgresql":
        listed = ", ".join(quote(c) for c in columns)
        execute_from_temp(
            meta.db_table,
            columns,
            rows,
            f"INSERT INTO {quote(meta.db_table)} ({listed}) SELECT {listed} FROM {{rows}}{tail}",
            using=alias,
        )
        return
    chunked_execute(head, tail, rows, using=alias)


@dataclass(frozen=True)
class ApplyResult:
    created: int
    updated: int
    mapped: int


def _map_temporary_ids(alias: str, snapshots: Sequence[dict], own: dict[str, list], now) -> int:
    """Give each store of this database its own pending GUIDs' account numbers.

    The (channel, async_id) unique index finds each row; a GUID mapped already is left
    alone, so a resent batch maps nothing twice. Returns the rows mapped.
    """
    connection = connections[alias]
    stores = dict(Store.objects.using(alias).filter(code__in=list(own)).values_list("code", "pk"))
    field = AsyncCustomer._meta.get_field("async_id")
    stamp = AsyncCustomer._meta.get_field("mapped_at").get_db_prep_save(now, connection)
    rows = [
        (
            s["account_number"],
            stamp,
            stores[s["origin_channel_code"]],
            field.get_db_prep_save(uuid.UUID(s["async_id"]), connection),
        )
        for s in snapshots
        if s["async_id"] and s["origin_channel_code"] in stores
    ]
    if not rows:
        return 0
    # UPDATE ... FROM (VALUES ...): one statement per chunk, on SQLite and PostgreSQL alike;
    # VALUES columns are named column1, column2, ... on both.
    quote = connection.ops.quote_name
    table = quote(AsyncCustomer._meta.db_table)
    if connection.vendor == "postgresql":
        return execute_from_temp(
            AsyncCustomer._meta.db_table,
            ["account_number", "mapped_at", "channel_id", "async_id"],
            rows,
            f"UPDATE {table} SET {quote('account_number')} = v.{quote('account_number')}, "
            f"{quote('mapped_at')} = v.{quote('mapped_at')} FROM {{rows}} AS v "
            f"WHERE {table}.{quote('channel_id')} = v.{quote('channel_id')} "
            f"AND {table}.{quote('async_id')} = v.{quote('async_id')} "
            f"AND {table}.{quote('account_number')} = ''",
            using=alias,
        )
    tail = (
        f") AS v WHERE {table}.{quote('channel_id')} = v.column3 "
        f"AND {table}.{quote('async_id')} = v.column4 AND {table}.{quote('account_number')} = ''"
    )
    head = (
        f"UPDATE {table} SET {quote('account_number')} = v.column1, "
        f"{quote('mapped_at')} = v.column2 FROM (VALUES "
    )
    return chunked_execute(head, tail, rows, using=alias)


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
        _upsert(alias, snapshots, now)
        own: dict[str, list[uuid.UUID]] = {}
        for s in snapshots:
            if s["async_id"] and s["origin_channel_code"]:
                own.setdefault(s["origin_channel_code"], []).append(uuid.UUID(s["async_id"]))
        mapped = 0
        if own:
            mapped = _map_temporary_ids(alias, snapshots, own, now)
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
