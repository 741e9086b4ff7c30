"""Inserting many plain rows without building a model instance for each.

The jobs write hundreds of thousands of child rows (addresses, contacts, attributes). With
`bulk_create` most of that time went into Django creating instances and compiling a generic
multi-row INSERT; here one prepared statement runs with `executemany` (SQLite and
PostgreSQL alike). Values still go through each field's own DB preparation where it matters
(UUIDs, JSON, dates, decimals), and fields left out get their defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, models
from django.utils import timezone

# Field types whose Python values the database drivers do not take as they are.
_PREPARED = {"UUIDField", "JSONField", "DateTimeField", "DateField", "DecimalField", "TimeField"}


def rows_insert(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """INSERT each row (values in `columns` order, FKs by their `_id` attname). Returns the
    number of rows. Must run inside the caller's transaction like any other write."""
    meta = model._meta
    given = [meta.get_field(name) for name in columns]
    named = {f.attname for f in given}
    rest = [f for f in meta.concrete_fields if not f.primary_key and f.attname not in named]
    now = timezone.now()
    fixed, per_row = [], []
    for f in rest:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            fixed.append(f.get_db_prep_save(now, connection))
        elif f.has_default() and callable(f.default):
            per_row.append(f)
        else:
            fixed.append(f.get_db_prep_save(f.get_default(), connection))
    fixed_fields = [f for f in rest if f not in per_row]
    preps = [
        (lambda v, f=f: f.get_db_prep_save(v, connection))
        if f.get_internal_type() in _PREPARED
        else None
        for f in given
    ]
    fixed_tuple = tuple(fixed)
    values = []
    for row in rows:
        prepared = tuple(v if p is None else p(v) for p, v in zip(preps, row, strict=True))
        extra = tuple(f.get_db_prep_save(f.get_default(), connection) for f in per_row)
        values.append(prepared + fixed_tuple + extra)
    if not values:
        return 0
    quote = connection.ops.quote_name
    names = (
        [f.column for f in given] + [f.column for f in fixed_fields] + [f.column for f in per_row]
    )
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join(['%s'] * len(names))})"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)
    return len(values)
