from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from channels_app.models import StoreDeviceKey


def request_device_key(request) -> StoreDeviceKey | None:
    return request.auth if isinstance(request.auth, StoreDeviceKey) else None


class IsDeviceOrStaff(BasePermission):
    """A POS device (for its own channel) or a back-office staff user."""

    message = _("Authenticate with a device key or as back-office staff.")

    def has_permission(self, request, view) -> bool:
        if request_device_key(request) is not None:
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff)
