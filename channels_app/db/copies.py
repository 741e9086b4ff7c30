"""1010's two bulk statements in a channel database: upsert the customer copies, and map
the stores' temporary ids to account numbers (SQLite and PostgreSQL forms)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.db import connections

from channels_app.db.rows import chunked_execute, execute_from_temp
from channels_app.models import AsyncCustomer, ChannelCustomer, Store

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


def copies_upsert(alias: str, snapshots: Sequence[dict], now) -> None:
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


def temporary_ids_map(alias: str, snapshots: Sequence[dict], own: dict[str, list], now) -> int:
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
