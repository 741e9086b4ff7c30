"""Applying HQ customer snapshots to a channel database's copy (the receiving end of 1010)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from channels_app.models import AsyncCustomer, ChannelCustomer
from hqcommerce.db.rows import chunked_execute, execute_from_temp
from hqcommerce.models import Channel, ChannelDatabase

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


def _upsert(database_id: int, snapshots: Sequence[dict], now) -> None:
    """Multi-row INSERT ... ON CONFLICT DO UPDATE (SQLite and PostgreSQL alike).

    1010 writes every customer to every channel database; building these rows through the
    ORM's bulk_create cost several times the database's own work, so this one statement is raw.
    On PostgreSQL the rows arrive by COPY into a temporary table (see db/rows.execute_from_temp).
    Values go through each field's own DB preparation (UUIDs, JSON, timestamps).
    """
    meta = ChannelCustomer._meta
    columns = ["channel_database_id", "account_number", *COPY_FIELDS]
    prep = {
        name: meta.get_field(name).get_db_prep_save for name in ("async_id", "data", "updated_at")
    }
    quote = connection.ops.quote_name
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in COPY_FIELDS)
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in columns)}) VALUES "
    tail = (
        f" ON CONFLICT ({quote('channel_database_id')}, {quote('account_number')}) "
        f"DO UPDATE SET {updates}"
    )
    rows = [
        (
            database_id,
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
        )
        return
    chunked_execute(head, tail, rows)


@dataclass(frozen=True)
class ApplyResult:
    created: int
    updated: int
    mapped: int


def _map_temporary_ids(
    database: ChannelDatabase, snapshots: Sequence[dict], own: dict[str, list], now
) -> int:
    """Give each store of this database its own pending GUIDs' account numbers.

    The (channel, async_id) unique index finds each row; a GUID mapped already is left
    alone, so a resent batch maps nothing twice. Returns the rows mapped.
    """
    stores = dict(
        Channel.objects.filter(channel_database=database, code__in=list(own)).values_list(
            "code", "pk"
        )
    )
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
        )
    tail = (
        f") AS v WHERE {table}.{quote('channel_id')} = v.column3 "
        f"AND {table}.{quote('async_id')} = v.column4 AND {table}.{quote('account_number')} = ''"
    )
    head = (
        f"UPDATE {table} SET {quote('account_number')} = v.column1, "
        f"{quote('mapped_at')} = v.column2 FROM (VALUES "
    )
    return chunked_execute(head, tail, rows)


def channel_database_apply(*, database: ChannelDatabase, snapshots: Sequence[dict]) -> ApplyResult:
    """Upsert the database's copies and map each of its stores' temporary ids to accounts.

    Idempotent: applying the same snapshots twice leaves the same rows.
    """
    if not snapshots:
        return ApplyResult(0, 0, 0)
    now = timezone.now()
    accounts = [s["account_number"] for s in snapshots]
    with transaction.atomic():
        existing = set(
            ChannelCustomer.objects.filter(
                channel_database=database, account_number__any=accounts
            ).values_list("account_number", flat=True)
        )
        _upsert(database.pk, snapshots, now)
        own: dict[str, list[uuid.UUID]] = {}
        for s in snapshots:
            if s["async_id"] and s["origin_channel_code"]:
                own.setdefault(s["origin_channel_code"], []).append(uuid.UUID(s["async_id"]))
        mapped = 0
        if own:
            mapped = _map_temporary_ids(database, snapshots, own, now)
    created = len(set(accounts) - existing)
    return ApplyResult(created=created, updated=len(snapshots) - created, mapped=mapped)


def channel_customers_apply(*, channel: Channel, snapshots: Sequence[dict]) -> ApplyResult:
    """The sync-mode POS path: write straight into the store's channel database."""
    return channel_database_apply(database=channel.channel_database, snapshots=snapshots)
