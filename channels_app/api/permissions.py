"""Who may call what: a device key acts for its own store; a back-office user needs the
model permissions each view names for the request's method.

Read-only staff (view permissions) read; staff with the matching add permission write; a
view that names no rule for a method refuses every staff user, so a new endpoint stays closed
to staff until it says who may call it (tests/api/test_permission_matrix.py fails on one
without a rule).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from channels_app.models import StoreDeviceKey

# HQ's "Can run sync jobs", which the admin asks for to run jobs and issue loyalty cards. A
# permission's name, not an import: the store side knows no HQ code.
RUN_JOBS = "hqcommerce.run_sync_jobs"


def request_device_key(request) -> StoreDeviceKey | None:
    return request.auth if isinstance(request.auth, StoreDeviceKey) else None


def staff_permissions_for(view, method: str) -> tuple[str, ...] | None:
    """The permissions a staff user needs for `method` on `view`; None: staff may not."""
    rules = getattr(view, "staff_permissions", None) or {}
    return rules.get("GET" if method in ("HEAD", "OPTIONS") else method)


class IsDeviceOrPermittedStaff(BasePermission):
    """A POS device (for its own channel, which each view enforces), or a back-office staff
    user holding the view's permissions for this method."""

    message = _(
        "Authenticate with a device key, or as back-office staff with the permission this "
        "request needs."
    )

    def has_permission(self, request, view) -> bool:
        if request_device_key(request) is not None:
            return True
        user = request.user
        if not (user and user.is_authenticated and user.is_staff):
            return False
        needed = staff_permissions_for(view, request.method)
        return needed is not None and user.has_perms(needed)
