from __future__ import annotations

from django.contrib import admin
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from hqcommerce.models import DeviceKey

# The package's own key model is not used: every key here belongs to one channel.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)


@admin.register(DeviceKey)
class DeviceKeyAdmin(APIKeyModelAdmin):
    """Create a POS register's key (shown once, stored hashed) or revoke it."""

    list_display = [
        "prefix",
        "name",
        "channel",
        "created",
        "expiry_date",
        "_has_expired",
        "revoked",
    ]
    list_filter = ["channel", "revoked", "created"]
    list_select_related = ["channel"]
    search_fields = ["name", "prefix", "channel__code"]

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields + ("channel",) if obj is not None else fields
