"""A POS sale's rules: what the store checks before it records a sale (pure; no database).

HQ's sales order and statement jobs take the sales the P-job uploaded, already clean.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils import timezone

from channels_app.errors import InputValidationError
from channels_app.errors import message as _
from channels_app.validation import is_currency, one_of, unknown_fields

KINDS = ("cash_and_carry", "customer_order")
# Bounds that keep every total the system computes inside its column: a line at most
# 1e11 (quantity x price), a sale at most MAX_SALE_TOTAL (the transaction and sales order
# columns hold 1e12), and a statement of a billion such sales (its column holds 1e18).
MAX_QUANTITY = Decimal("100000")
MAX_UNIT_PRICE = Decimal("1000000")
MAX_SALE_TOTAL = Decimal("999999999.99")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MODES = ("async", "sync")
MAX_LINES = 200
_TRANSACTION_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class CleanSale:
    transaction_id: str
    kind: str
    order_mode: str
    business_date: dt.date
    customer: str
    address_async_id: uuid.UUID | None
    currency: str
    lines: list[dict]
    total: Decimal
    fingerprint: str


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def sale_clean(data: Any, *, default_currency: str) -> CleanSale:
    """Validate a POS sale (cash-and-carry or customer order); raises InputValidationError."""
    errors: dict[str, list[str]] = {}

    def error(path: str, message: str) -> None:
        errors.setdefault(path, []).append(message)

    if not isinstance(data, dict):
        raise InputValidationError({"transaction": [_("Must be a JSON object.")]})
    allowed = {
        "transaction_id",
        "kind",
        "order_mode",
        "business_date",
        "customer",
        "address_async_id",
        "currency",
        "lines",
    }
    unknown = sorted(set(data) - allowed)
    if unknown:
        error(
            "transaction",
            unknown_fields(unknown),
        )
    transaction_id = data.get("transaction_id")
    if not isinstance(transaction_id, str) or not _TRANSACTION_ID.match(transaction_id):
        error("transaction_id", _("1 to 64 letters, digits or . _ : -"))
    kind = data.get("kind")
    if kind not in KINDS:
        error("kind", one_of(KINDS))
    mode = data.get("order_mode") or "async"
    if mode not in MODES:
        error("order_mode", one_of(MODES))
    elif mode == "sync" and kind != "customer_order":
        error("order_mode", _("Only customer orders can be synchronous."))
    raw_date = data.get("business_date")
    business_date = None
    if isinstance(raw_date, dt.date):
        business_date = raw_date
    elif isinstance(raw_date, str) and DATE_PATTERN.match(raw_date):
        with contextlib.suppress(ValueError):
            business_date = dt.date.fromisoformat(raw_date)
    if business_date is None:
        error("business_date", _("A date as YYYY-MM-DD."))
    else:
        window = settings.HQ_SALE_DATE_WINDOW_DAYS
        today = timezone.localdate()
        if abs((business_date - today).days) > window:
            error(
                "business_date",
                _("Within %(days)d days of today (%(today)s).")
                % {"days": window, "today": today.isoformat()},
            )
    customer = data.get("customer") or ""
    if not isinstance(customer, str) or len(customer) > 64:
        error("customer", _("An account number or a temporary id."))
        customer = ""
    if kind == "customer_order" and not customer:
        error("customer", _("A customer order needs a customer."))
    address_async_id = None
    if data.get("address_async_id"):
        try:
            address_async_id = uuid.UUID(str(data["address_async_id"]))
        except ValueError:
            error("address_async_id", _("Must be a GUID."))
    currency = data.get("currency") or default_currency
    if not isinstance(currency, str) or not re.match(r"^[A-Z]{3}$", currency):
        error("currency", _("An ISO 4217 code such as EUR."))
    elif not is_currency(currency):
        error("currency", _("%(code)s is not an ISO 4217 currency.") % {"code": currency})
    lines_in = data.get("lines")
    lines: list[dict] = []
    if not isinstance(lines_in, list) or not 1 <= len(lines_in) <= MAX_LINES:
        error("lines", _("Between 1 and %(max)d lines.") % {"max": MAX_LINES})
        lines_in = []
    for i, line in enumerate(lines_in):
        path = f"lines[{i}]"
        if not isinstance(line, dict):
            error(path, _("Must be an object."))
            continue
        item_id = line.get("item_id")
        if not isinstance(item_id, str) or not 1 <= len(item_id) <= 40:
            error(f"{path}.item_id", _("1 to 40 characters."))
        description = line.get("description") or ""
        if not isinstance(description, str) or len(description) > 100:
            error(f"{path}.description", _("At most 100 characters."))
        quantity = _decimal(line.get("quantity"))
        if quantity is None or quantity == 0 or abs(quantity) > MAX_QUANTITY:
            error(f"{path}.quantity", _("A non-zero number up to 100,000."))
        price = _decimal(line.get("unit_price"))
        if price is None or price < 0 or price > MAX_UNIT_PRICE:
            error(f"{path}.unit_price", _("A number from 0 to 1,000,000."))
        if quantity is not None and price is not None and not errors:
            amount = (quantity * price).quantize(_CENT, rounding=ROUND_HALF_UP)
            lines.append(
                {
                    "item_id": item_id,
                    "description": description,
                    "quantity": str(quantity),
                    "unit_price": str(price),
                    "amount": str(amount),
                }
            )
    if errors:
        raise InputValidationError(errors)
    total = sum((Decimal(line["amount"]) for line in lines), Decimal("0.00"))
    if abs(total) > MAX_SALE_TOTAL:
        raise InputValidationError(
            {"lines": [_("The sale's total is above %(max)s.") % {"max": f"{MAX_SALE_TOTAL:,}"}]}
        )
    canonical = json.dumps(
        {**data, "business_date": business_date.isoformat()}, sort_keys=True, default=str
    )
    return CleanSale(
        transaction_id=transaction_id,
        kind=kind,
        order_mode=mode,
        business_date=business_date,
        customer=customer,
        address_async_id=address_async_id,
        currency=currency,
        lines=lines,
        total=total,
        fingerprint=hashlib.sha256(canonical.encode()).hexdigest(),
    )
