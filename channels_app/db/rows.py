"""Inserting many plain rows without building a model instance for each.

The jobs write hundreds of thousands of child rows (addresses, contacts, attributes). With
`bulk_create` most of that time went into Django creating instances and compiling a generic
INSERT per batch; here the rows go straight into multi-row INSERT statements on SQLite (one
round trip per chunk) and through COPY on PostgreSQL. Values still go through each field's
own DB preparation where it matters (UUIDs, JSON, dates, decimals),
and fields left out get their defaults.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

_UNSET = object()


def _stamped(field: models.Field) -> bool:
    """Date fields Django fills with the time of the save (auto_now / auto_now_add)."""
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


# Field types whose Python values the database drivers do not take as they are.
_PREPARED = {"UUIDField", "JSONField", "DateTimeField", "DateField", "DecimalField", "TimeField"}


def rows_insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence],
    *,
    ignore_conflicts: bool = False,
    using: str = DEFAULT_DB_ALIAS,
) -> int:
    """INSERT each row (values in `columns` order, FKs by their `_id` attname). Returns the
    number of rows inserted (`ignore_conflicts` skips rows a unique key already holds).
    Must run inside the caller's transaction like any other write."""
    connection = connections[using]
    meta = model._meta
    given = [meta.get_field(name) for name in columns]
    named = {f.attname for f in given}
    rest = [f for f in meta.concrete_fields if not f.primary_key and f.attname not in named]
    now = timezone.now()
    fixed, per_row = [], []
    for f in rest:
        if _stamped(f):
            fixed.append(f.get_db_prep_save(now, connection))
        elif f.has_default() and callable(f.default):
            per_row.append(f)
        else:
            fixed.append(f.get_db_prep_save(f.get_default(), connection))
    fixed_fields = [f for f in rest if f not in per_row]
    # None needs no preparation except in a JSONField (where it would be JSON null).
    preps = [
        (
            (lambda v, f=f: f.get_db_prep_save(v, connection))
            if f.get_internal_type() == "JSONField"
            else (lambda v, f=f: None if v is None else f.get_db_prep_save(v, connection))
        )
        if f.get_internal_type() in _PREPARED
        else None
        for f in given
    ]
    fixed_tuple = tuple(fixed)
    # Only the columns that need it are touched per row: this loop runs for every row the
    # jobs write.
    prepared_at = [(i, p) for i, p in enumerate(preps) if p is not None]
    width = len(given)
    last_in: list = [_UNSET] * len(prepared_at)
    last_out: list = [None] * len(prepared_at)
    values = []
    for row in rows:
        if len(row) != width:
            raise ValueError(f"{meta.label}: a row has {len(row)} values for {width} columns")
        if prepared_at:
            row = list(row)
            for n, (i, prep) in enumerate(prepared_at):
                value = row[i]
                if value is not last_in[n]:  # a value shared by all rows is prepared once
                    last_in[n], last_out[n] = value, prep(value)
                row[i] = last_out[n]
        if per_row:
            extra = tuple(f.get_db_prep_save(f.get_default(), connection) for f in per_row)
            values.append((*row, *fixed_tuple, *extra))
        else:
            values.append((*row, *fixed_tuple))
    if not values:
        return 0
    quote = connection.ops.quote_name
    names = [f.column for f in (*given, *fixed_fields, *per_row)]
    target = f"{quote(meta.db_table)} ({', '.join(quote(n) for n in names)})"
    if connection.vendor == "postgresql":
        if not ignore_conflicts:
            return _copy(target, values, using=using)
        columns = ", ".join(quote(n) for n in names)
        return execute_from_temp(
            meta.db_table,
            names,
            values,
            f"INSERT INTO {target} SELECT {columns} FROM {{rows}} ON CONFLICT DO NOTHING",
            using=using,
        )
    head = f"INSERT INTO {target} VALUES "
    if ignore_conflicts:
        return chunked_execute(head, " ON CONFLICT DO NOTHING", values, using=using)
    chunked_execute(head, "", values, using=using)
    return len(values)


def _copy(target: str, values: Sequence[tuple], *, using: str = DEFAULT_DB_ALIAS) -> int:
    """PostgreSQL's COPY: the rows stream to the server with no SQL to parse.

    A multi-row INSERT makes psycopg rewrite every `%s` placeholder of a statement of
    tens of thousands in Python, which cost the sync more than the server's own work.
    COPY has no ON CONFLICT: inserts that may hit a unique key COPY into a temporary table
    first (copy_to_temp).
    """
    with (
        connections[using].cursor() as cursor,
        cursor.cursor.copy(f"COPY {target} FROM STDIN") as copy,
    ):
        for row in values:
            copy.write_row(row)
    return len(values)


_temp_tables = itertools.count()
_ANALYZE_TEMP_ROWS = 100


def copy_to_temp(
    table: str, columns: Sequence[str], values: Sequence[tuple], *, using: str = DEFAULT_DB_ALIAS
) -> str:
    """PostgreSQL: COPY rows into a new temporary table with these columns of `table` (same
    types, no constraints), dropped at commit; returns its name. For the statements COPY
    cannot do itself: INSERT ... ON CONFLICT and UPDATE ... FROM read the rows from it."""
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("copy_to_temp must run inside the caller's transaction")
    quote = connection.ops.quote_name
    name = f"hq_rows_{next(_temp_tables)}"
    listed = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {name} ON COMMIT DROP AS "
            f"SELECT {listed} FROM {quote(table)} WITH NO DATA"
        )
    _copy(f"{name} ({listed})", values, using=using)
    if len(values) >= _ANALYZE_TEMP_ROWS:
        # Autovacuum never analyzes temporary tables; without statistics PostgreSQL guessed
        # the join behind the temp-id mapping badly (a quarter second per 1,000 rows).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {name}")
    return name


def execute_from_temp(
    table: str,
    columns: Sequence[str],
    values: Sequence[tuple],
    sql: str,
    *,
    using: str = DEFAULT_DB_ALIAS,
) -> int:
    """PostgreSQL: copy_to_temp, then one statement reading the rows from `{rows}` (its
    alias-free name). Returns the rows the statement changed."""
    temp = copy_to_temp(table, columns, values, using=using)
    with connections[using].cursor() as cursor:
        cursor.execute(sql.format(rows=temp))
        return max(cursor.rowcount, 0)


def objects_insert(
    objs: Sequence[models.Model], *, ignore_conflicts: bool = False, using: str = DEFAULT_DB_ALIAS
) -> int:
    """`rows_insert` for unsaved instances already built (their primary keys stay unset).

    On PostgreSQL, Django 5.2's bulk_create sends columns as arrays for UNNEST, and
    psycopg escapes every quote of a JSON payload inside a text array; this avoids that.
    """
    if not objs:
        return 0
    fields = [f for f in objs[0]._meta.concrete_fields if not f.primary_key]
    # One timestamp for the statement's auto_now fields (as rows_insert gives the fields it
    # fills), so it is prepared for the database once, not once per row.
    now = timezone.now()
    auto = {f.attname for f in fields if _stamped(f)}
    for obj in objs:
        for name in auto:
            setattr(obj, name, now)
    getters = [
        (lambda obj, name=f.attname: getattr(obj, name))
        if f.attname in auto
        else (lambda obj, f=f: f.pre_save(obj, True))
        for f in fields
    ]
    return rows_insert(
        type(objs[0]),
        [f.attname for f in fields],
        [tuple(get(obj) for get in getters) for obj in objs],
        ignore_conflicts=ignore_conflicts,
        using=using,
    )


def chunked_execute(
    head: str, tail: str, values: Sequence[tuple], *, using: str = DEFAULT_DB_ALIAS
) -> int:
    """`head` + as many `(%s, ...)` groups as the backend allows per statement + `tail`.
    Returns the rows the statements changed."""
    if not values:
        return 0
    connection = connections[using]
    width = len(values[0])
    # PostgreSQL takes at most 65535 parameters per statement; SQLite's limit is in ops.
    size = max(min(connection.ops.bulk_batch_size(["x"] * width, values), 60000 // width), 1)
    group = "(" + ", ".join(["%s"] * width) + ")"
    changed = 0
    with connection.cursor() as cursor:
        for start in range(0, len(values), size):
            chunk = values[start : start + size]
            sql = head + ", ".join([group] * len(chunk)) + tail
            cursor.execute(sql, [v for row in chunk for v in row])
            changed += max(cursor.rowcount, 0)
    return changed
