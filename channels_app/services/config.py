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
from channels_app.models import ChannelReplicationState, Store, StoreDeviceKey

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
    "customer_groups",
    "known_affiliations",
    "currencies",
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
                defaults={
                    **{k: data[k] for k in STORE_FIELDS},
                    "configured_at": now,
                    "moved_away_at": None,
                },
            )
            _counter_at_least(alias, data["id"], data.get("upload_floor", 0))
        # Keys HQ no longer lists go first: a key HQ renamed (its id) keeps its prefix.
        removed, _ = (
            StoreDeviceKey.objects.using(alias)
            .filter(channel_id__in=store_ids)
            .exclude(id__in=[k["id"] for k in keys])
            .delete()
        )
        for key in keys:
            StoreDeviceKey.objects.using(alias).update_or_create(
                id=key["id"],
                defaults={"channel_id": key["channel_id"], **{k: key[k] for k in KEY_FIELDS}},
            )
        if complete:
            # Stores HQ no longer keeps here (moved to another database): their registers
            # stop working here, and never hold a key valid in two databases.
            gone = Store.objects.using(alias).exclude(pk__in=store_ids)
            gone.filter(moved_away_at=None).update(moved_away_at=now)
            removed += (
                StoreDeviceKey.objects.using(alias).exclude(channel_id__in=store_ids).delete()[0]
            )
            current = download_watermark(alias=alias, job=CONFIGURATION)
            download_state_move(
                alias=alias,
                job=CONFIGURATION,
                expected=current,
                to=current + 1,
                rows=len(stores) + len(keys),
            )
    return ConfigurationResult(stores=len(stores), keys=len(keys), keys_removed=removed)


def _counter_at_least(alias: str, store_id: int, floor: int) -> None:
    """The store's upload counter here starts above what HQ already holds of it: a store that
    moved from another database keeps numbering its records after the last one HQ has, so
    none falls below HQ's watermark and is never uploaded."""
    state, _created = ChannelReplicationState.objects.using(alias).get_or_create(
        channel_id=store_id
    )
    if state.upload_counter < floor:
        ChannelReplicationState.objects.using(alias).filter(
            channel_id=store_id, upload_counter__lt=floor
        ).update(upload_counter=floor)


def store_close(*, alias: str, store_id: int) -> int:
    """HQ is moving the store away from this database: its registers stop working here (its
    keys are removed), so nothing more is written here; returns its upload counter, the last
    record HQ must hold before the move completes."""
    with transaction.atomic(using=alias):
        Store.objects.using(alias).filter(pk=store_id).update(moved_away_at=timezone.now())
        StoreDeviceKey.objects.using(alias).filter(channel_id=store_id).delete()
        state = ChannelReplicationState.objects.using(alias).filter(channel_id=store_id).first()
    return state.upload_counter if state else 0


def store_reopen(*, alias: str, store_id: int) -> None:
    """A move that could not complete: the store works here again (1070 or the next write
    through brings its keys back)."""
    Store.objects.using(alias).filter(pk=store_id).update(moved_away_at=None)
