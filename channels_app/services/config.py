"""The receiving end of HQ's Channel configuration job (D365's 1070/1090) in a channel
database: the stores' settings and default-customer values, and their registers' device
keys, so the POS validates and authenticates without asking HQ.

HQ sends every store of the database each time (a few rows a store), so a run that was
missed or interrupted is repaired by the next one; HQ also writes a single store through at
once when it changes a store or a key and the database is reachable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from channels_app.features import FEATURES
from channels_app.models import Store, StoreDeviceKey

from .replica import CONFIGURATION, download_state_move, download_watermark

STORE_FIELDS = (
    "code",
    "name",
    "create_customer_async",
    "auto_convert",
    "default_party_type",
    "default_customer_group",
    "default_currency",
    "default_language",
    "default_receipt_preference",
    "default_affiliations",
    "attribute_definitions",
    "country",
    *FEATURES,
)
KEY_FIELDS = ("prefix", "hashed_key", "created", "name", "revoked", "expiry_date")


@dataclass(frozen=True)
class ConfigurationResult:
    stores: int
    keys: int
    keys_removed: int


def configuration_apply(
    *, alias: str, stores: Sequence[dict], keys: Sequence[dict], complete: bool
) -> ConfigurationResult:
    """Upsert `stores` (dicts with `id` and STORE_FIELDS) and the device keys of those
    stores (`id`, `channel_id` and KEY_FIELDS). A key of those stores that HQ no longer
    lists is removed. `complete`: these are all of the database's stores (1070's run), so
    its watermark moves with them."""
    now = timezone.now()
    store_ids = [s["id"] for s in stores]
    with transaction.atomic(using=alias):
        for data in stores:
            Store.objects.using(alias).update_or_create(
                pk=data["id"],
                defaults={**{k: data[k] for k in STORE_FIELDS}, "configured_at": now},
            )
        for key in keys:
            StoreDeviceKey.objects.using(alias).update_or_create(
                id=key["id"],
                defaults={"channel_id": key["channel_id"], **{k: key[k] for k in KEY_FIELDS}},
            )
        removed, _ = (
            StoreDeviceKey.objects.using(alias)
            .filter(channel_id__in=store_ids)
            .exclude(id__in=[k["id"] for k in keys])
            .delete()
        )
        if complete:
            current = download_watermark(alias=alias, job=CONFIGURATION)
            download_state_move(
                alias=alias,
                job=CONFIGURATION,
                expected=current,
                to=current + 1,
                rows=len(stores) + len(keys),
            )
    return ConfigurationResult(stores=len(stores), keys=len(keys), keys_removed=removed)
