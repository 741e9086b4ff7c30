"""What a POS sees of its channel's customers: synced copies and customers pending sync."""

from __future__ import annotations

import base64
import uuid

from django.db.models import Q, QuerySet

from channels_app.models import AsyncCustomer, ChannelCustomer
from hqcommerce.models import Channel


def channel_customer_copies(channel: Channel) -> QuerySet[ChannelCustomer]:
    """The HQ customers a store sees: its channel database's copies (written by 1010)."""
    return ChannelCustomer.objects.filter(channel_database_id=channel.channel_database_id)


def pending_customer_view(
    c: AsyncCustomer,
    channel: Channel,
    *,
    contacts: list | None = None,
    addresses: list | None = None,
) -> dict:
    """A customer pending sync as the POS sees it. The create path passes the children it
    has just written, so its answer needs no second read of what it wrote."""
    contacts = list(c.contacts.all()) if contacts is None else contacts
    addresses = list(c.addresses.all()) if addresses is None else addresses

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
        "customer_group": c.customer_group,
        "currency": c.currency,
        "language": c.language,
        "addresses": [
            {
                "async_id": str(a.async_id),
                "purpose": a.purpose,
                "is_primary": a.is_primary,
                "street": a.street,
                "city": a.city,
                "zip_code": a.zip_code,
                "country": a.country,
            }
            for a in addresses
        ],
    }


def _synced_view(copy: ChannelCustomer, channel: Channel) -> dict:
    data = copy.data or {}
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
        ],
    }


def channel_customer_view(*, channel: Channel, ref: str) -> dict | None:
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
        .prefetch_related("contacts", "addresses")
        .first()
    )
    if own is not None and not own.account_number:
        return pending_customer_view(own, channel)
    copy = channel_customer_copies(channel).filter(async_id=guid).first()
    if copy is not None:
        return _synced_view(copy, channel)
    return pending_customer_view(own, channel) if own is not None else None


def _encode(section: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{section}:{pk}".encode()).decode()


def cursor_decode(cursor: str | None) -> tuple[str, int]:
    """Raises ValueError for a cursor we did not make."""
    if not cursor:
        return "p", 0
    section, _, pk = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
    if section not in ("p", "s"):
        raise ValueError(cursor)
    return section, int(pk)


def channel_customers_page(
    *, channel: Channel, search: str = "", cursor: str | None = None, size: int = 50
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
        rows = list(pending.order_by("pk").prefetch_related("contacts", "addresses")[: size + 1])
        items = [pending_customer_view(c, channel) for c in rows[:size]]
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
    items += [_synced_view(c, channel) for c in rows[:room]]
    if len(rows) > room and room > 0:
        return items, _encode("s", rows[room - 1].pk)
    if room == 0 and rows:
        return items, _encode("s", 0)
    return items, None


def partner_request_view(*, channel: Channel, ref: str) -> dict | None:
    """A request's journey: uploaded? a prospect? approved (with the account number)?"""
    from hqcommerce.models import AsyncStagingRecord, Prospect

    try:
        guid = uuid.UUID(str(ref))
    except ValueError:
        return None
    from channels_app.models import PartnerRequest

    request = PartnerRequest.objects.filter(channel=channel, async_id=guid).first()
    if request is None:
        return None
    view = {
        "id": request.async_id,
        "channel": channel.code,
        "company_name": request.company_name,
        "status": "pending_upload",
        "last_error": "",
        "account_number": None,
        "rejection_reason": "",
        "created_at": request.created_at,
    }
    prospect = Prospect.objects.filter(async_id=guid).select_related("customer").first()
    if prospect is not None:
        view["status"] = prospect.status
        view["rejection_reason"] = prospect.rejection_reason
        view["account_number"] = prospect.customer.account_number if prospect.customer else None
        return view
    record = AsyncStagingRecord.objects.filter(channel=channel, async_id=guid).first()
    if record is not None:
        view["status"] = "failed" if record.status == "failed" else "pending_sync"
        view["last_error"] = record.last_error
    return view
