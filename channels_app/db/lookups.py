"""`field__any=[...]`: the `__in` lookup sent to PostgreSQL as one array parameter.

The jobs read each batch's child rows by a list of a thousand ids or more. As `IN (%s, %s,
…)` every value is its own placeholder, which psycopg rewrites in Python and the server
parses one by one; `= ANY(%s)` sends them as one array and costs half as much. SQLite gets
the list as one JSON array (`IN (SELECT value FROM json_each(%s))`): Django no longer
prepares a thousand placeholders one by one. On both, a list of ints against an integer
column (a primary or foreign key) skips Django's per-value preparation, which gives each int
back unchanged.
Other databases get the ordinary `IN`.
"""

from __future__ import annotations

import json

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, IntegerField
from django.db.models.expressions import ColPairs
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


def _integer_column(field) -> bool:
    """An integer column, or a foreign key that stores one (`customer_id__any=ids`)."""
    while field.is_relation and getattr(field, "target_field", None) is not None:
        field = field.target_field
    return isinstance(field, IntegerField)


class _ArrayParameter:
    lookup_name = "any"

    def _integer_keys(self, values) -> bool:
        """Ints against an integer column: every preparation Django would run on each value
        (normalize a related value, `get_prep_value`, `get_db_prep_value`) gives the int
        back, and a batch of five hundred ids went through all of them one by one."""
        return _integer_column(self.lhs.output_field) and all(type(v) is int for v in values)

    def get_prep_lookup(self):
        if isinstance(self.rhs, (list, tuple)) and self._integer_keys(self.rhs):
            return list(self.rhs)
        return super().get_prep_lookup()

    def _values(self) -> list | None:
        """The distinct non-null values of a plain list, or None for what IN must handle
        (a subquery, a composite key)."""
        if not self.rhs_is_direct_value() or isinstance(self.lhs, ColPairs):
            return None
        values = [v for v in dict.fromkeys(self.rhs) if v is not None]
        if not values:
            raise EmptyResultSet
        return values

    def as_postgresql(self, compiler, connection):
        values = self._values()
        if values is None:
            return self.as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if not self._integer_keys(values):
            _placeholders, values = self.batch_process_rhs(compiler, connection, values)
        return f"{lhs} = ANY(%s)", (*lhs_params, list(values))

    def as_sqlite(self, compiler, connection):
        values = self._values()
        if values is None:
            return self.as_sql(compiler, connection)
        if not all(type(v) is int for v in values):
            _placeholders, values = self.batch_process_rhs(compiler, connection, values)
        try:
            array = json.dumps(list(values))
        except TypeError:  # a value JSON cannot carry: the ordinary IN
            return self.as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} IN (SELECT value FROM json_each(%s))", (*lhs_params, array)


@Field.register_lookup
class AnyOf(_ArrayParameter, In):
    pass


@ForeignObject.register_lookup
class RelatedAnyOf(_ArrayParameter, RelatedIn):
    """Foreign keys look up only what ForeignObject registers (`customer_id__any=ids`)."""
