from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .permissions import request_device_key


class DeviceRateThrottle(SimpleRateThrottle):
    """One budget per device key (or back-office user, or anonymous IP)."""

    scope = "device"

    def get_rate(self) -> str:
        return settings.HQ_API_RATE

    def get_cache_key(self, request, view) -> str:
        key = request_device_key(request)
        if key is not None:
            ident = f"key:{key.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
