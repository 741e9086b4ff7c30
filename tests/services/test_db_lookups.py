"""channels_app/db/lookups.py: `__any` finds exactly what `__in` finds, on every database, and
PostgreSQL gets the list as one array parameter."""

from __future__ import annotations

import uuid
from unittest import mock

import pytest
from django.db import connection
from django.db.models import IntegerField
from django.test.utils import CaptureQueriesContext

from hqcommerce.models import Customer, CustomerContact
from tests.factories import CustomerDataFactory


@pytest.fixture
def customers(sync_channel):
    from channels_app.services.pos import pos_customer_create

    made = [pos_customer_create(channel=sync_channel, data=CustomerDataFactory()) for _ in range(3)]
    return list(Customer.objects.filter(account_number__in=[m.account_number for m in made]))


def test_any_matches_in_for_keys_foreign_keys_uuids_and_strings(customers):
    first, second, _third = customers
    cases = [
        (Customer, "pk", [first.pk, second.pk, 10**9]),
        (Customer, "pk", [str(first.pk), second.pk]),
        (Customer, "account_number", [12345, first.account_number]),
        (Customer, "account_number", [first.account_number, "NOPE", second.account_number]),
        (Customer, "origin_async_id", [uuid.uuid4()]),
        (CustomerContact, "customer_id", [first.pk, first.pk, None, second.pk]),
        (CustomerContact, "customer", [first, second]),
    ]
    for model, field, values in cases:

        def pks(lookup, model=model, field=field, values=values):
            return set(model.objects.filter(**{f"{field}__{lookup}": values}).values_list("pk"))

        expected, found = pks("in"), pks("any")
        assert found == expected, (model.__name__, field)
    assert set(Customer.objects.filter(pk__any=[first.pk, second.pk])) == {first, second}


def test_integer_keys_skip_the_per_value_preparation_and_find_the_same_rows(customers):
    ids = [c.pk for c in customers] + list(range(10**9, 10**9 + 500))
    with mock.patch.object(IntegerField, "get_prep_value", side_effect=AssertionError):
        found = set(Customer.objects.filter(pk__any=ids).values_list("pk", flat=True))
        contacts = set(
            CustomerContact.objects.filter(customer_id__any=ids).values_list("pk", flat=True)
        )
    assert found == {c.pk for c in customers}
    assert contacts == set(CustomerContact.objects.values_list("pk", flat=True))


def test_an_empty_list_matches_nothing_without_asking_the_database(customers):
    with CaptureQueriesContext(connection) as queries:
        assert list(Customer.objects.filter(pk__any=[])) == []
    assert len(queries) == 0


def test_a_subquery_is_left_to_in(customers):
    inner = Customer.objects.filter(pk=customers[0].pk).values("pk")
    assert list(CustomerContact.objects.filter(customer_id__any=inner)) == list(
        CustomerContact.objects.filter(customer_id__in=inner)
    )


@pytest.mark.postgres
def test_postgresql_receives_the_list_as_one_array_parameter(customers):
    ids = [c.pk for c in customers] + list(range(10**9, 10**9 + 2000))
    with CaptureQueriesContext(connection) as queries:
        assert Customer.objects.filter(pk__any=ids).count() == 3
    sql = queries.captured_queries[-1]["sql"]
    assert "= ANY(" in sql and " IN (" not in sql


def test_sqlite_receives_the_list_as_one_json_array(customers):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite pass checks this")
    ids = [c.pk for c in customers] + list(range(10**9, 10**9 + 2000))
    uuids = [c.origin_async_id for c in customers if c.origin_async_id] + [uuid.uuid4()]
    with CaptureQueriesContext(connection) as queries:
        assert Customer.objects.filter(pk__any=ids).count() == 3
        Customer.objects.filter(origin_async_id__any=uuids).count()
    for query in queries.captured_queries:
        assert " IN (SELECT value FROM json_each(" in query["sql"]
