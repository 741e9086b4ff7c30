"""The statement every POS write makes: take the store's next upload counter and, with the
trigger on, learn in the same round trip whether a queued conversion already covers it."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connections
from django.db.models import F
from django.utils import timezone

from channels_app.models import ChannelReplicationState, ConversionTrigger, TriggerState


def trigger_stale_before():
    """A trigger unchanged since before this is presumed lost (its worker died)."""
    return timezone.now() - timedelta(seconds=settings.HQ_TRIGGER_STALE_SECONDS)


def conversion_covered_sql(alias: str, channel_id: int) -> tuple[str, list]:
    """`EXISTS (...)` true when a conversion that will see a record written now is already
    queued (or waiting to rerun), and its parameters. The POS puts it in the statement that
    takes its upload counter, so under load a write pays no extra round trip for it."""
    connection = connections[alias]
    table = connection.ops.quote_name(ConversionTrigger._meta.db_table)
    sql = (
        f"EXISTS (SELECT 1 FROM {table} WHERE channel_id = %s AND changed_at >= %s "
        "AND (state = %s OR (state = %s AND rerun = %s)))"
    )
    params = [
        channel_id,
        connection.ops.adapt_datetimefield_value(trigger_stale_before()),
        TriggerState.QUEUED.value,
        TriggerState.RUNNING.value,
        True,
    ]
    return sql, params


def _update_returning(alias: str) -> bool:
    """PostgreSQL and SQLite 3.35+ (the version that brought RETURNING to both statements)."""
    connection = connections[alias]
    return connection.vendor == "postgresql" or connection.features.can_return_columns_from_insert


def counter_increment(alias: str, channel_id: int, *, trigger: bool) -> tuple[int | None, bool]:
    """UPDATE ... RETURNING (SQLite 3.35+ and PostgreSQL): one statement on every POS write,
    which with the trigger on also answers whether a queued conversion covers the write."""
    connection = connections[alias]
    table = connection.ops.quote_name(ChannelReplicationState._meta.db_table)
    covered_sql, covered_params = (
        conversion_covered_sql(alias, channel_id) if trigger else ("NULL", [])
    )
    if not _update_returning(alias):
        state = ChannelReplicationState.objects.using(alias).filter(channel_id=channel_id)
        if not state.update(upload_counter=F("upload_counter") + 1):
            return None, False
        counter = state.values_list("upload_counter", flat=True).get()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {covered_sql}", covered_params)
            return counter, bool(cursor.fetchone()[0])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET upload_counter = upload_counter + 1 "
            f"WHERE channel_id = %s RETURNING upload_counter, {covered_sql}",
            [channel_id, *covered_params],
        )
        row = cursor.fetchone()
    if row is None:
        return None, False
    return row[0], bool(row[1])
