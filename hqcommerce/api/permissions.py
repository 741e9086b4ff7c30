from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from channels_app.api.permissions import IsDeviceOrStaff, request_device_key
from hqcommerce.services.access import RUN_JOBS_PERMISSION


class CanRunJobs(IsDeviceOrStaff):
    """Devices start jobs for their own channel; staff need "Can run sync jobs"."""

    message = _("Starting jobs needs the 'Can run sync jobs' permission.")

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return request_device_key(request) is not None or request.user.has_perm(RUN_JOBS_PERMISSION)
