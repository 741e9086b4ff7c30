"""Sales: validating POS sales, creating HQ sales orders, issuing loyalty cards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from channels_app.errors import ConflictError
from channels_app.sales import CleanSale
from hqcommerce.models import Channel, Customer, CustomerAddress, LoyaltyCard, SalesOrder, Statement

from .number_sequences import number_sequence_allocate


@dataclass(frozen=True)
class NewOrder:
    channel: Channel
    transaction_id: str
    customer: Customer
    address: CustomerAddress | None
    business_date: dt.date
    currency: str
    total: Decimal
    lines: list
    statement: Statement | None = None


def sales_orders_create(*, orders: Sequence[NewOrder]) -> list[SalesOrder]:
    """Create HQ sales orders; one per (channel, transaction id), enforced by the database."""
    if not orders:
        return []
    numbers = number_sequence_allocate(
        code=settings.HQ_SALES_ORDER_NUMBER_SEQUENCE, count=len(orders)
    )
    created = [
        SalesOrder(
            order_number=number,
            channel=o.channel,
            transaction_id=o.transaction_id,
            customer=o.customer,
            delivery_address=o.address,
            statement=o.statement,
            business_date=o.business_date,
            currency=o.currency,
            total=o.total,
            lines=o.lines,
        )
        for o, number in zip(orders, numbers, strict=True)
    ]
    SalesOrder.objects.bulk_create(created)
    return created


def sales_order_create_realtime(*, channel: Channel, sale: CleanSale, account_number: str) -> str:
    """A synchronous customer order: HQ creates it while the POS waits."""
    from .customers import customer_get

    customer = customer_get(account_number=account_number)
    with transaction.atomic():
        existing = SalesOrder.objects.filter(
            channel=channel, transaction_id=sale.transaction_id
        ).first()
        if existing is not None:
            return existing.order_number
        (order,) = sales_orders_create(
            orders=[
                NewOrder(
                    channel=channel,
                    transaction_id=sale.transaction_id,
                    customer=customer,
                    address=None,
                    business_date=sale.business_date,
                    currency=sale.currency,
                    total=sale.total,
                    lines=sale.lines,
                )
            ]
        )
    return order.order_number


def loyalty_card_issue(*, channel: Channel, account_number: str) -> LoyaltyCard:
    """Issue a loyalty card to an HQ customer (real-time; a pending customer has no account)."""
    from .customers import customer_get

    customer = customer_get(account_number=account_number)
    with transaction.atomic():
        cards = LoyaltyCard.objects.select_for_update().filter(customer=customer)
        if len(cards) >= settings.HQ_CUSTOMER_MAX_LOYALTY_CARDS:
            raise ConflictError(
                _(
                    "Customer %(account_number)s has %(count)s loyalty cards, the most a "
                    "customer may have (HQ_CUSTOMER_MAX_LOYALTY_CARDS)."
                )
                % {"account_number": account_number, "count": len(cards)}
            )
        (number,) = number_sequence_allocate(code=settings.HQ_LOYALTY_CARD_NUMBER_SEQUENCE, count=1)
        return LoyaltyCard.objects.create(card_number=number, customer=customer, channel=channel)
