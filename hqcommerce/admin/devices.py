from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from hqcommerce.models import DeviceKey
from hqcommerce.services.configuration import channel_configuration_push

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
        "has_expired",
        "revoked",
    ]
    list_filter = ["channel", "revoked", "created"]
    list_select_related = ["channel"]
    search_fields = ["name", "prefix", "channel__code"]

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields + ("channel",) if obj is not None else fields

    @admin.display(description=_("expired"), boolean=True)
    def has_expired(self, obj: DeviceKey) -> bool:
        return obj.has_expired  # the package's rule; only the column label is ours

    def save_model(self, request, obj, form=None, change=False) -> None:
        # The package's own message cannot be translated; the key is shown once, here.
        if obj.pk:
            obj.save()
            channel_configuration_push(channels=[obj.channel])
            return
        key = self.model.objects.assign_key(obj)
        obj.save()
        # Written through to the store's channel database, where the register authenticates.
        channel_configuration_push(channels=[obj.channel])
        messages.warning(
            request,
            gettext(
                "The key for register %(name)s is: %(key)s. Store it now; it is not shown again."
            )
            % {"name": obj.name, "key": key},
        )
