from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from channels_app.models import StoreDeviceKey
from hqcommerce.services.access import RUN_JOBS_PERMISSION


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


class CanRunJobs(IsDeviceOrStaff):
    """Devices start jobs for their own channel; staff need "Can run sync jobs"."""

    message = _("Starting jobs needs the 'Can run sync jobs' permission.")

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return request_device_key(request) is not None or request.user.has_perm(RUN_JOBS_PERMISSION)
