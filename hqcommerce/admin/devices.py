from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from hqcommerce.admin_confirm import action_confirmation, confirmed
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
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected keys"), permissions=["change"])
    def revoke(self, request, queryset):
        """After a confirmation page: the registers stop authenticating as soon as their
        channel database has the revocation (at once when it answers, else at the next
        1070)."""
        queryset = queryset.filter(revoked=False).select_related("channel")
        if not confirmed(request):
            return action_confirmation(
                self,
                request,
                "revoke",
                title=gettext("Revoke device keys"),
                question=gettext(
                    "Revoke these keys? Their registers can no longer call the API; a new key "
                    "must be made for each. This cannot be undone."
                ),
                items=[(f"{k.name} ({k.prefix}…, {k.channel.code})", k.pk) for k in queryset],
                confirm_label=gettext("Yes, revoke"),
            )
        keys = list(queryset)
        for key in keys:
            key.revoked = True
            key.save(update_fields=["revoked"])
        channel_configuration_push(channels={k.channel for k in keys})
        self.message_user(
            request,
            ngettext("Revoked %(count)d key.", "Revoked %(count)d keys.", len(keys))
            % {"count": len(keys)},
            messages.SUCCESS,
        )
        return None

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
