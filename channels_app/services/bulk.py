"""Bulk creation of async customers, in a few statements.

For imports and benchmarks: the shape validation of `pos.async_customer_create` (what could
not be stored), not HQ's rules: an import brings what it has, and a record HQ refuses shows
on the status page with its reason, to correct there, as a record from a register on an
older release does. The same counter discipline as the POS (a block of upload counters
taken under the channel's state row lock, held to commit), but one INSERT per table instead
of one per customer, and the same near-real-time conversion request.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F

from channels_app.errors import CustomerValidationError
from channels_app.models import (
    AsyncCustomer,
    AsyncCustomerAddress,
    AsyncCustomerAttribute,
    AsyncCustomerContact,
    ChannelReplicationState,
    Store,
)
from channels_app.selectors import on_store_database
from channels_app.services.triggers import conversion_request, conversion_wanted
from channels_app.validation import CUSTOMER_TEXT_FIELDS, customer_payload_shape_errors

# party_type has a default of its own (below); the other text fields are stripped.
TEXT = tuple(name for name in CUSTOMER_TEXT_FIELDS if name != "party_type")
ADDRESS = ("name", "street", "city", "state", "zip_code", "country")


@on_store_database
def async_customers_bulk_create(*, channel: Store, rows: Sequence[dict]) -> list[AsyncCustomer]:
    """All or nothing: a row with a shape error refuses the whole batch, naming its index."""
    for index, data in enumerate(rows):
        errors = customer_payload_shape_errors(data)
        if errors:
            raise CustomerValidationError({f"rows[{index}].{k}": v for k, v in errors.items()})
    if not rows:
        return []
    with transaction.atomic(using=channel._state.db):
        ChannelReplicationState.objects.get_or_create(channel=channel)
        state = ChannelReplicationState.objects.filter(channel=channel)
        state.update(upload_counter=F("upload_counter") + len(rows))
        last = state.values_list("upload_counter", flat=True).get()
        first = last - len(rows) + 1
        customers = AsyncCustomer.objects.bulk_create(
            [
                AsyncCustomer(
                    channel=channel,
                    party_type=data.get("party_type") or "person",
                    upload_counter=first + i,
                    **{k: (data.get(k) or "").strip() for k in TEXT},
                )
                for i, data in enumerate(rows)
            ]
        )
        AsyncCustomerAddress.objects.bulk_create(
            [
                AsyncCustomerAddress(
                    customer=c,
                    purpose=a.get("purpose") or "home",
                    is_primary=bool(a.get("is_primary")),
                    **{k: (a.get(k) or "").strip() for k in ADDRESS},
                )
                for c, data in zip(customers, rows, strict=True)
                for a in data.get("addresses") or []
            ]
        )
        AsyncCustomerContact.objects.bulk_create(
            [
                AsyncCustomerContact(
                    customer=c,
                    kind=x["kind"],
                    value=(x.get("value") or "").strip(),
                    is_primary=bool(x.get("is_primary")),
                )
                for c, data in zip(customers, rows, strict=True)
                for x in data.get("contacts") or []
            ]
        )
        AsyncCustomerAttribute.objects.bulk_create(
            [
                AsyncCustomerAttribute(customer=c, name=a["name"], value=a.get("value") or "")
                for c, data in zip(customers, rows, strict=True)
                for a in data.get("attributes") or []
            ]
        )
        # As every POS write: the store's near-real-time conversion, with these records.
        if conversion_wanted(channel):
            conversion_request(channel=channel)
    return customers
