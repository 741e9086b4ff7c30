"""The API's rate limits, counted in the shared cache (settings.CACHES).

A cache that fails (its database or Redis down) lets requests through for a while rather
than failing them: the limits protect the stores' service, they must not take it down.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .permissions import request_device_key

logger = logging.getLogger(__name__)
T = TypeVar("T")
# After a failure the cache is left alone this long, so a down cache costs one try, not one
# connection attempt per request.
CACHE_PAUSE_SECONDS = 30
_paused_until = 0.0


def cache_or(default: T, call: Callable[[], T]) -> T:
    global _paused_until
    if time.monotonic() < _paused_until:
        return default
    try:
        return call()
    except Exception as exc:  # the database's or Redis' errors alike
        _paused_until = time.monotonic() + CACHE_PAUSE_SECONDS
        logger.warning(
            "rate-limit cache unavailable (%s); requests pass unlimited for %s s",
            exc,
            CACHE_PAUSE_SECONDS,
        )
        return default


def cache_pause_end() -> None:
    """Use the cache again at once (a test, after it brought a database back)."""
    global _paused_until
    _paused_until = 0.0


class DeviceRateThrottle(SimpleRateThrottle):
    """One budget per device key (or back-office user, or anonymous IP)."""

    scope = "device"

    def get_rate(self) -> str:
        return settings.HQ_API_RATE

    def allow_request(self, request, view) -> bool:
        parent = super().allow_request
        return cache_or(True, lambda: parent(request, view))

    def get_cache_key(self, request, view) -> str:
        key = request_device_key(request)
        if key is not None:
            ident = f"key:{key.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
