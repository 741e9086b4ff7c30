"""The one door from a store to HQ: the real-time service call of a sync-mode store.

channels_app never imports HQ's code. The implementation is named by the setting
CHANNELS_HQ_SERVICE (HQ's `hqcommerce.services.realtime_service`), and answers with plain
values: customer snapshots (what 1010 would bring), order and card numbers. When HQ cannot be
reached within HQ_REALTIME_TIMEOUT_SECONDS it raises HQUnavailableError, and the POS falls
back to async mode, as D365's POS does.
"""

from __future__ import annotations

from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from .sales import CleanSale


class HQRealtimeService(Protocol):
    def customer_create(self, *, channel_id: int, payload: dict) -> dict: ...

    def customer_update(self, *, account_number: str, changes: dict) -> dict: ...

    def address_add(self, *, account_number: str, address: dict) -> dict: ...

    def address_update(self, *, account_number: str, address_id, changes: dict) -> dict: ...

    def address_delete(self, *, account_number: str, address_id) -> dict: ...

    def sales_order_create(
        self, *, channel_id: int, sale: CleanSale, account_number: str
    ) -> str: ...

    def loyalty_card_issue(self, *, channel_id: int, account_number: str) -> dict: ...


@cache
def hq_service() -> HQRealtimeService:
    return import_string(settings.CHANNELS_HQ_SERVICE)
