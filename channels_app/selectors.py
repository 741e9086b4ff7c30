"""What a POS sees of its channel's customers: synced copies and customers pending sync.

Every read here is of the store's own channel database.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from channels_app.databases import channel_database
from channels_app.errors import StoreNotConfiguredError
from channels_app.models import AsyncAddress, AsyncCustomer, ChannelCustomer, Store
from channels_app.validation import ChannelDefaults

F_ = TypeVar("F_", bound=Callable)


def store_by_code(code: str) -> Store | None:
    """A store by its channel code, as the channel databases configured here know it (a
    back-office user names the store; a scale unit has only its own databases)."""
    from django.db import InterfaceError, OperationalError

    from channels_app.databases import channel_database_aliases

    for alias in channel_database_aliases().values():
        try:
            store = Store.objects.using(alias).filter(code=code, moved_away_at=None).first()
        except (OperationalError, InterfaceError):
            continue  # that database is down: its stores cannot be worked on now
        if store is not None:
            return store
    return None


def store_of(channel) -> Store:
    """The Store a channel service works on. HQ-side callers (the demo seed, tests, the
    admin) may pass HQ's channel, which names its channel database (`database_alias`)."""
    if isinstance(channel, Store):
        return channel
    alias = channel.database_alias
    try:
        return Store.objects.using(alias).get(pk=channel.pk)
    except Store.DoesNotExist:
        raise StoreNotConfiguredError(
            _(
                "Store %(code)s is not configured in its channel database yet; run the "
                "Channel configuration job (1070)."
            )
            % {"code": channel.code}
        ) from None


def on_store_database(service: F_) -> F_:
    """Run a channel service on its store's channel database: `channel` (a Store, or HQ's
    channel) becomes the Store, and every channel model the service touches goes to that
    store's database."""

    @wraps(service)
    def run(*args, channel, **kwargs):
        store = store_of(channel)
        with channel_database(store._state.db):
            return service(*args, channel=store, **kwargs)

    return run  # type: ignore[return-value]


def store_defaults(store: Store) -> ChannelDefaults:
    """What customers created at this store inherit (its default customer's values, as
    1070 brought them)."""
    return ChannelDefaults(
        party_type=store.default_party_type,
        customer_group=store.default_customer_group,
        currency=store.default_currency,
        language=store.default_language,
        receipt_preference=store.default_receipt_preference,
        affiliations=tuple(store.default_affiliations or ()),
        attribute_definitions=tuple(store.attribute_definitions or ()),
        country=store.country,
        customer_groups=tuple(store.customer_groups or ()),
        known_affiliations=tuple(store.known_affiliations or ()),
        currencies=tuple(store.currencies or ()),
    )


def channel_customer_copies(channel) -> QuerySet[ChannelCustomer]:
    """The HQ customers a store sees: its channel database's copies (written by 1010)."""
    return ChannelCustomer.objects.using(store_of(channel)._state.db).all()


def pending_customer_view(
    c: AsyncCustomer,
    channel: Store,
    *,
    contacts: list | None = None,
    addresses: list | None = None,
    added: dict | None = None,
    attributes: list | None = None,
    affiliations: list | None = None,
) -> dict:
    """A customer pending sync as the POS sees it. The create path passes the children it
    has just written, so its answer needs no second read of what it wrote."""
    contacts = list(c.contacts.all()) if contacts is None else contacts
    if addresses is None:
        if added is None:
            added = addresses_added_later(channel, [c.async_id])
        addresses = list(c.addresses.all()) + added.get(c.async_id, [])

    def primary(kind: str) -> str:
        of_kind = [x for x in contacts if x.kind == kind]
        of_kind.sort(key=lambda x: not x.is_primary)
        return of_kind[0].value if of_kind else ""

    return {
        "id": str(c.async_id),
        "account_number": None,
        "async_id": c.async_id,
        "status": "pending_sync",
        "channel": channel.code,
        "party_type": c.party_type,
        "name": c.display_name,
        "first_name": c.first_name,
        "middle_name": c.middle_name,
        "last_name": c.last_name,
        "organization_name": c.organization_name,
        "email": primary("email"),
        "phone": primary("phone"),
        "title": c.title,
        "receipt_email": c.receipt_email,
        "contacts": [
            {
                "kind": x.kind,
                "value": x.value,
                "is_primary": x.is_primary,
                "marketing_opt_in": x.marketing_opt_in,
                "opt_in_at": x.opt_in_at,
            }
            for x in contacts
        ],
        "customer_group": c.customer_group,
        "currency": c.currency,
        "language": c.language,
        "addresses": [_address_view(a) for a in addresses],
        "attributes": sorted(
            (
                {"name": a.name, "value": a.value}
                for a in (c.attributes.all() if attributes is None else attributes)
            ),
            key=lambda a: a["name"],
        ),
        "affiliations": sorted(
            a.name for a in (c.affiliations.all() if affiliations is None else affiliations)
        ),
    }


def _address_view(a) -> dict:
    """A store's own address row as the POS sees it (the shape of 1010's copy)."""
    return {
        "async_id": str(a.async_id),
        "purpose": a.purpose,
        "is_primary": a.is_primary,
        "street": a.street,
        "city": a.city,
        "zip_code": a.zip_code,
        "country": a.country,
    }


def addresses_added_later(channel: Store, async_ids: list) -> dict:
    """Addresses the POS added to these pending customers after creating them (not deleted),
    by customer, in one query."""
    added: dict = {}
    for address in AsyncAddress.objects.filter(
        channel=channel, target_async_id__in=async_ids, deleted_at=None
    ).order_by("pk"):
        added.setdefault(address.target_async_id, []).append(address)
    return added


def _added_here(channel: Store, accounts: list[str]) -> dict[str, list]:
    """Addresses this store added to synced customers that 1010 has not brought back yet
    (not deleted), by account: the POS shows them at once, as it does a pending customer's."""
    added: dict[str, list] = {}
    for address in AsyncAddress.objects.filter(
        channel=channel, target_account__in=accounts, deleted_at=None
    ).order_by("pk"):
        added.setdefault(address.target_account, []).append(address)
    return added


def _synced_view(copy: ChannelCustomer, channel: Store, added: dict | None = None) -> dict:
    data = copy.data or {}
    if added is None:
        added = _added_here(channel, [copy.account_number])
    known = {str(a.get("async_id")) for a in data.get("addresses", [])}
    pending = [
        _address_view(a) for a in added.get(copy.account_number, []) if str(a.async_id) not in known
    ]
    return {
        "id": copy.account_number,
        "account_number": copy.account_number,
        "async_id": copy.async_id,
        "status": "synced",
        "channel": channel.code,
        "party_type": copy.party_type,
        "name": copy.name,
        "first_name": data.get("first_name", ""),
        "middle_name": data.get("middle_name", ""),
        "last_name": data.get("last_name", ""),
        "organization_name": data.get("organization_name", ""),
        "email": copy.email,
        "phone": copy.phone,
        "title": data.get("title", ""),
        "receipt_email": data.get("receipt_email", ""),
        "contacts": [
            {
                "kind": x.get("kind"),
                "value": x.get("value"),
                "is_primary": bool(x.get("is_primary")),
                "marketing_opt_in": bool(x.get("marketing_opt_in")),
                "opt_in_at": x.get("opt_in_at"),
            }
            for x in data.get("contacts") or []
            if isinstance(x, dict)
        ],
        "customer_group": copy.customer_group,
        "currency": copy.currency,
        "language": copy.language,
        "addresses": [
            {
                k: a.get(k)
                for k in (
                    "async_id",
                    "purpose",
                    "is_primary",
                    "street",
                    "city",
                    "zip_code",
                    "country",
                )
            }
            for a in data.get("addresses", [])
        ]
        + pending,
        "attributes": [
            {"name": name, "value": value}
            for name, value in sorted((data.get("attributes") or {}).items())
        ],
        "affiliations": sorted(data.get("affiliations") or []),
    }


@on_store_database
def channel_customer_view(*, channel: Store, ref: str) -> dict | None:
    """A customer by account number or temporary GUID; a mapped GUID shows the account."""
    ref = (ref or "").strip()
    try:
        guid = uuid.UUID(ref)
    except ValueError:
        guid = None
    if guid is None:
        copy = channel_customer_copies(channel).filter(account_number=ref).first()
        return _synced_view(copy, channel) if copy else None
    own = (
        AsyncCustomer.objects.filter(channel=channel, async_id=guid)
        .prefetch_related("contacts", "addresses", "attributes", "affiliations")
        .first()
    )
    if own is not None and not own.account_number:
        return pending_customer_view(own, channel)
    copy = channel_customer_copies(channel).filter(async_id=guid).first()
    if copy is not None:
        return _synced_view(copy, channel)
    return pending_customer_view(own, channel) if own is not None else None


# A position, not a secret: the section (pending "p" or synced "s") and the last row seen.
# Every string the pattern matches is a valid cursor, so the API schema can state it exactly.
CURSOR_PATTERN = r"^([ps][0-9]{1,18})?$"


def _encode(section: str, pk: int) -> str:
    return f"{section}{pk}"


def cursor_decode(cursor: str | None) -> tuple[str, int]:
    """Raises ValueError for a string that is not a cursor."""
    if not cursor:
        return "p", 0
    if not re.fullmatch(CURSOR_PATTERN, cursor):
        raise ValueError(cursor)
    return cursor[0], int(cursor[1:])


@on_store_database
def channel_customers_page(
    *, channel: Store, search: str = "", cursor: str | None = None, size: int = 50
) -> tuple[list[dict], str | None]:
    """Customers pending sync first, then synced ones; a forward cursor over both lists."""
    section, after = cursor_decode(cursor)
    items: list[dict] = []
    if section == "p":
        pending = AsyncCustomer.objects.filter(channel=channel, account_number="", pk__gt=after)
        if search:
            pending = pending.filter(
                Q(first_name__icontains=search)
                | Q(last_name__icontains=search)
                | Q(organization_name__icontains=search)
                | Q(contacts__value__icontains=search)
                | Q(async_id__icontains=search.replace("-", ""))
            ).distinct()
        rows = list(
            pending.order_by("pk").prefetch_related(
                "contacts", "addresses", "attributes", "affiliations"
            )[: size + 1]
        )
        added = addresses_added_later(channel, [c.async_id for c in rows[:size]])
        items = [pending_customer_view(c, channel, added=added) for c in rows[:size]]
        if len(rows) > size:
            return items, _encode("p", rows[size - 1].pk)
        after = 0
    synced = channel_customer_copies(channel).filter(pk__gt=after)
    if search:
        synced = synced.filter(
            Q(name__icontains=search)
            | Q(email__icontains=search)
            | Q(phone__icontains=search)
            | Q(account_number__icontains=search)
        )
    room = size - len(items)
    rows = list(synced.order_by("pk")[: room + 1])
    added = _added_here(channel, [c.account_number for c in rows[:room]])
    items += [_synced_view(c, channel, added) for c in rows[:room]]
    if len(rows) > room and room > 0:
        return items, _encode("s", rows[room - 1].pk)
    if room == 0 and rows:
        return items, _encode("s", 0)
    return items, None


@on_store_database
def partner_request_view(*, channel: Store, ref: str) -> dict | None:
    """A request as its store knows it: recorded, and uploaded or not. What HQ decided
    (prospect, approval) is HQ's to add (the API asks HQ, when it answers)."""
    from channels_app.models import PartnerRequest

    try:
        guid = uuid.UUID(str(ref))
    except ValueError:
        return None
    request = PartnerRequest.objects.filter(channel=channel, async_id=guid).first()
    if request is None:
        return None
    return {
        "id": request.async_id,
        "channel": channel.code,
        "company_name": request.company_name,
        "status": "pending_upload" if request.uploaded_at is None else "pending_sync",
        "last_error": "",
        "account_number": None,
        "rejection_reason": "",
        "created_at": request.created_at,
    }


# --- For HQ's back office: what each store of a database has not handed over yet ---


def stores_backlog(*, alias: str, watermarks: dict[int, int]) -> dict[int, dict]:
    """Per store of this database (by HQ channel id, with HQ's upload watermark for it):
    customers not uploaded yet, customers mapped to an account, the oldest customer still
    pending sync, and partner requests not uploaded yet."""
    from django.db.models import Count, Min

    from channels_app.models import PartnerRequest

    result = {}
    for channel_id, watermark in watermarks.items():
        counts = (
            AsyncCustomer.objects.using(alias)
            .filter(channel_id=channel_id)
            .aggregate(
                pending_upload=Count("pk", filter=Q(upload_counter__gt=watermark)),
                completed=Count("pk", filter=~Q(account_number="")),
                oldest_pending_at=Min("created_at", filter=Q(account_number="")),
            )
        )
        counts["partner_requests_not_uploaded"] = (
            PartnerRequest.objects.using(alias)
            .filter(channel_id=channel_id, upload_counter__gt=watermark)
            .count()
        )
        result[channel_id] = counts
    return result


def mapping_times(*, alias: str, since, limit: int) -> list[tuple]:
    """(created_at, mapped_at) of the customers mapped since `since`, newest first."""
    return list(
        AsyncCustomer.objects.using(alias)
        .filter(mapped_at__gte=since)
        .order_by("-mapped_at")
        .values_list("created_at", "mapped_at")[:limit]
    )


def database_status(*, alias: str) -> dict:
    """What HQ's Channel databases page shows of one channel database: what it has received
    (each download job's watermark, time and rows) and each store's upload counter and
    real-time fallbacks. Raises the database's own error when it does not answer."""
    from channels_app.models import ChannelReplicationState, DownloadState

    return {
        "downloads": {
            row["job"]: row
            for row in DownloadState.objects.using(alias).values(
                "job", "watermark", "last_download_at", "last_rows"
            )
        },
        "stores": {
            row["channel_id"]: row
            for row in ChannelReplicationState.objects.using(alias).values(
                "channel_id", "upload_counter", "realtime_fallbacks", "last_fallback_at"
            )
        },
    }


def device_keys_last_used(prefixes: list[str]) -> dict[str, object]:
    """{key prefix: when a register last used it}, from every channel database that
    answers (a key lives in its store's); a database that is down leaves its keys out."""
    from django.db import InterfaceError, OperationalError

    from channels_app.databases import channel_database_aliases
    from channels_app.models import StoreDeviceKey

    found: dict[str, object] = {}
    if not prefixes:
        return found
    for alias in channel_database_aliases().values():
        try:
            found.update(
                StoreDeviceKey.objects.using(alias)
                .filter(prefix__in=prefixes, last_used_at__isnull=False)
                .values_list("prefix", "last_used_at")
            )
        except (OperationalError, InterfaceError):
            continue
    return found
