"""HQ's real-time service (D365's RTS): what a sync-mode store asks of HQ while its POS waits.

The only place a store's request reaches HQ's database. Each call is bounded on PostgreSQL
by the connection's connect timeout and a statement and lock timeout of
HQ_REALTIME_TIMEOUT_SECONDS; an HQ SQLite file that cannot be opened fails at once. A
database that refuses, drops or exceeds that raises HQUnavailableError, and the store falls
back to async mode.
"""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, connections, transaction
from django.db.utils import OperationalError
from django.utils.translation import gettext as _

from channels_app.databases import close_quietly
from channels_app.errors import HQUnavailableError
from channels_app.sales import CleanSale
from hqcommerce.models import Channel
from hqcommerce.selectors import partner_request_decision

from . import customers as hq_customers
from . import sales as hq_sales
from .distribution import customer_snapshots

logger = logging.getLogger(__name__)
T = TypeVar("T")


@contextmanager
def _bounded() -> Iterator[None]:
    """One HQ transaction that gives up after HQ_REALTIME_TIMEOUT_SECONDS."""
    timeout_ms = int(settings.HQ_REALTIME_TIMEOUT_SECONDS * 1000)
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with transaction.atomic(using=DEFAULT_DB_ALIAS):
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("SET LOCAL statement_timeout = %s", [timeout_ms])
                    cursor.execute("SET LOCAL lock_timeout = %s", [timeout_ms])
            yield
    except (OperationalError, InterfaceError) as exc:
        _unavailable(exc)
    except DatabaseError as exc:
        if _is_timeout(exc):
            _unavailable(exc)
        raise


def _is_timeout(exc: Exception) -> bool:
    code = getattr(getattr(exc, "__cause__", None), "sqlstate", None)
    return code in {"57014", "55P03"}  # query_canceled, lock_not_available


def _unavailable(exc: Exception) -> None:
    """Logged here; the store counts the fallback in its own database (pos.py)."""
    close_quietly(DEFAULT_DB_ALIAS)
    logger.warning("HQ real-time service unavailable (%s); falling back to async mode", exc)
    raise HQUnavailableError(_("HQ's real-time service is unreachable.")) from exc


def _call(work: Callable[[], T]) -> T:
    with _bounded():
        return work()


def _channel(channel_id: int) -> Channel:
    return Channel.objects.select_related("default_customer").get(pk=channel_id)


def customer_create(*, channel_id: int, payload: dict, async_id: uuid.UUID) -> dict:
    """`async_id` is the temporary id the store gives the customer if HQ does not answer in
    time: kept as the customer's origin id, so if HQ did the work after the store gave up,
    the store's async copy converts to this customer instead of a second one."""

    def work():
        customer = hq_customers.customer_create_realtime(
            channel=_channel(channel_id), payload=payload, async_id=async_id
        )
        return customer_snapshots([customer])[0]

    return _call(work)


def customer_update(*, channel_id: int, account_number: str, changes: dict) -> dict:
    def work():
        customer = hq_customers.customer_update_realtime(
            account_number=account_number, changes=changes, channel=_channel(channel_id)
        )
        return customer_snapshots([customer])[0]

    return _call(work)


def address_add(*, channel_id: int, account_number: str, address: dict) -> dict:
    def work():
        added = hq_customers.customer_address_add_realtime(
            account_number=account_number, address=address
        )
        return customer_snapshots([added.customer])[0]

    return _call(work)


def address_update(
    *, channel_id: int, account_number: str, address_id: uuid.UUID, changes: dict
) -> dict:
    def work():
        customer = hq_customers.customer_address_update_realtime(
            account_number=account_number, address_id=address_id, changes=changes
        )
        return customer_snapshots([customer])[0]

    return _call(work)


def address_delete(*, channel_id: int, account_number: str, address_id: uuid.UUID) -> dict:
    def work():
        customer = hq_customers.customer_address_delete_realtime(
            account_number=account_number, address_id=address_id
        )
        return customer_snapshots([customer])[0]

    return _call(work)


def sales_order_create(*, channel_id: int, sale: CleanSale, account_number: str) -> str:
    return _call(
        lambda: hq_sales.sales_order_create_realtime(
            channel=_channel(channel_id), sale=sale, account_number=account_number
        )
    )


def loyalty_card_issue(*, channel_id: int, account_number: str) -> dict:
    def work():
        card = hq_sales.loyalty_card_issue(
            channel=_channel(channel_id), account_number=account_number
        )
        return {
            "card_number": card.card_number,
            "account_number": account_number,
            "channel": card.channel.code,
            "issued_at": card.issued_at.isoformat(),
        }

    return _call(work)


def partner_request_status(*, channel_id: int, async_id: uuid.UUID) -> dict | None:
    """What HQ has decided about a store's partner request (None: nothing yet)."""
    return _call(lambda: partner_request_decision(async_id=async_id))


# channels_app.hq.hq_service() loads this module as the service object.
service = sys.modules[__name__]
