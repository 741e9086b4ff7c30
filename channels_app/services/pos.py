"""What a store's POS does: create customers, in sync or async mode."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from channels_app.models import (
    AsyncCustomer,
    AsyncCustomerAddress,
    AsyncCustomerAffiliation,
    AsyncCustomerAttribute,
    AsyncCustomerContact,
    ChannelReplicationState,
)
from hqcommerce.models import Channel
from hqcommerce.services.customers import customer_create_realtime
from hqcommerce.services.distribution import customer_snapshots
from hqcommerce.services.errors import CustomerValidationError, HQUnavailableError
from hqcommerce.services.validation import customer_payload_shape_errors

from .replica import channel_customers_apply

SYNCED = "synced"
PENDING_SYNC = "pending_sync"


@dataclass(frozen=True)
class PosCustomerResult:
    status: str
    account_number: str | None
    async_id: uuid.UUID | None

    @property
    def display_id(self) -> str:
        """What POS shows in the customer's account field."""
        return self.account_number or "Pending sync"


def upload_counter_next(*, channel: Channel) -> int:
    """Take the channel's next replication counter and lock its state row until commit.

    Holding the lock to commit makes counters visible in order, so the P-job's watermark
    never passes a record that commits late. Call it as late as possible in the transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("upload_counter_next must run inside the record's transaction")
    state = ChannelReplicationState.objects.filter(channel=channel)
    if not state.update(upload_counter=F("upload_counter") + 1):
        ChannelReplicationState.objects.get_or_create(channel=channel)
        state.update(upload_counter=F("upload_counter") + 1)
    return state.values_list("upload_counter", flat=True).get()


def async_customer_create(*, channel: Channel, data: dict, register: str = "") -> AsyncCustomer:
    """Write the customer to channel data only, under a new GUID ("Pending sync")."""
    errors = customer_payload_shape_errors(data)
    if errors:
        raise CustomerValidationError(errors)
    with transaction.atomic():
        counter = upload_counter_next(channel=channel)
        customer = AsyncCustomer.objects.create(
            channel=channel,
            party_type=data.get("party_type") or "person",
            first_name=(data.get("first_name") or "").strip(),
            middle_name=(data.get("middle_name") or "").strip(),
            last_name=(data.get("last_name") or "").strip(),
            organization_name=(data.get("organization_name") or "").strip(),
            customer_group=(data.get("customer_group") or "").strip(),
            currency=(data.get("currency") or "").strip(),
            language=(data.get("language") or "").strip(),
            receipt_preference=(data.get("receipt_preference") or "").strip(),
            register=register,
            upload_counter=counter,
        )
        AsyncCustomerAddress.objects.bulk_create(
            [
                AsyncCustomerAddress(
                    customer=customer,
                    **{
                        key: (a.get(key) or "").strip()
                        for key in ("name", "street", "city", "state", "zip_code", "country")
                    },
                    purpose=a.get("purpose") or "home",
                    is_primary=bool(a.get("is_primary")),
                )
                for a in data.get("addresses") or []
            ]
        )
        AsyncCustomerContact.objects.bulk_create(
            [
                AsyncCustomerContact(
                    customer=customer,
                    kind=c["kind"],
                    value=(c.get("value") or "").strip(),
                    is_primary=bool(c.get("is_primary")),
                )
                for c in data.get("contacts") or []
            ]
        )
        AsyncCustomerAffiliation.objects.bulk_create(
            [
                AsyncCustomerAffiliation(customer=customer, name=name.strip())
                for name in dict.fromkeys(data.get("affiliations") or [])
            ]
        )
        AsyncCustomerAttribute.objects.bulk_create(
            [
                AsyncCustomerAttribute(
                    customer=customer, name=a["name"].strip(), value=(a.get("value") or "").strip()
                )
                for a in data.get("attributes") or []
            ]
        )
    return customer


def pos_customer_create(
    *, channel: Channel, data: dict, hq_unreachable: bool = False, register: str = ""
) -> PosCustomerResult:
    """Create a customer the way the store's functionality profile says.

    Sync mode asks HQ in real time and returns the account number; async mode, or a sync-mode
    store that cannot reach HQ, saves the customer in channel data under a temporary GUID.
    """
    if not channel.profile.create_customer_async and not hq_unreachable:
        try:
            customer = customer_create_realtime(channel=channel, payload=data)
        except HQUnavailableError:
            pass  # offline fallback below
        else:
            channel_customers_apply(channel=channel, snapshots=customer_snapshots([customer]))
            return PosCustomerResult(SYNCED, customer.account_number, None)
    customer = async_customer_create(channel=channel, data=data, register=register)
    return PosCustomerResult(PENDING_SYNC, None, customer.async_id)
