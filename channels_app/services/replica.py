"""Applying HQ customer snapshots to a channel's copy (the receiving end of 1010)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from channels_app.models import AsyncCustomer, ChannelCustomer
from hqcommerce.models import Channel

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


@dataclass(frozen=True)
class ApplyResult:
    created: int
    updated: int
    mapped: int


def channel_customers_apply(*, channel: Channel, snapshots: Sequence[dict]) -> ApplyResult:
    """Upsert the channel's copies and map this channel's temporary ids to account numbers.

    Idempotent: applying the same snapshots twice leaves the same rows.
    """
    if not snapshots:
        return ApplyResult(0, 0, 0)
    now = timezone.now()
    accounts = [s["account_number"] for s in snapshots]
    with transaction.atomic():
        existing = set(
            ChannelCustomer.objects.filter(
                channel=channel, account_number__in=accounts
            ).values_list("account_number", flat=True)
        )
        ChannelCustomer.objects.bulk_create(
            [
                ChannelCustomer(
                    channel=channel,
                    account_number=s["account_number"],
                    async_id=s["async_id"],
                    origin_channel_code=s["origin_channel_code"],
                    party_type=s["party_type"],
                    name=s["name"],
                    email=s["email"],
                    phone=s["phone"],
                    customer_group=s["customer_group"],
                    currency=s["currency"],
                    language=s["language"],
                    data=s["data"],
                    hq_version=s["version"],
                    updated_at=now,
                )
                for s in snapshots
            ],
            update_conflicts=True,
            unique_fields=["channel", "account_number"],
            update_fields=COPY_FIELDS,
        )
        own = [
            uuid.UUID(s["async_id"])
            for s in snapshots
            if s["async_id"] and s["origin_channel_code"] == channel.code
        ]
        mapped = 0
        if own:
            # One UPDATE reading the account from the copies just written (no per-row CASE).
            copy = ChannelCustomer.objects.filter(channel=channel, async_id=OuterRef("async_id"))
            mapped = AsyncCustomer.objects.filter(
                channel=channel, async_id__in=own, account_number=""
            ).update(account_number=Subquery(copy.values("account_number")[:1]), mapped_at=now)
    created = len(set(accounts) - existing)
    return ApplyResult(created=created, updated=len(snapshots) - created, mapped=mapped)
