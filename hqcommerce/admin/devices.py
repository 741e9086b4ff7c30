from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from channels_app.selectors import device_keys_last_used
from hqcommerce.admin_confirm import action_confirmation, confirmed
from hqcommerce.models import DeviceKey, ScaleUnitKey
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
        "last_used",
        "expires",
        "revoked",
    ]
    list_filter = ["channel", "revoked", "created"]
    list_select_related = ["channel"]
    search_fields = ["name", "prefix", "channel__code"]
    actions = ["revoke"]

    def get_changelist_instance(self, request):
        """Each listed key with its last use, read from the channel databases in one query
        each (the stores stamp it; HQ does not see the requests)."""
        changelist = super().get_changelist_instance(request)
        used = device_keys_last_used([key.prefix for key in changelist.result_list])
        for key in changelist.result_list:
            key.last_used_at = used.get(key.prefix)
        return changelist

    @admin.display(description=_("last used"))
    def last_used(self, obj: DeviceKey) -> str:
        when = getattr(obj, "last_used_at", None)
        if when is None:
            return self.get_empty_value_display()  # never, or its database is down
        return date_format(timezone.localtime(when), "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("expires"), ordering="expiry_date")
    def expires(self, obj: DeviceKey) -> str:
        """The expiry date, and whether it has passed, in one column."""
        if obj.expiry_date is None:
            return gettext("never")
        when = date_format(timezone.localtime(obj.expiry_date), "SHORT_DATETIME_FORMAT")
        if obj.has_expired:
            expired = gettext("expired %(when)s") % {"when": when}
            return format_html('<strong class="expired">{}</strong>', expired)
        return when

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
        """A key's channel never changes, and it is revoked only by the Revoke action,
        which asks first (a ticked box would skip the question)."""
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is None:
            return ()
        return tuple(dict.fromkeys((*fields, "channel", "revoked")))

    def get_exclude(self, request, obj=None):
        """A new key has no prefix yet (it is made on saving) and cannot be revoked."""
        return ("prefix", "revoked") if obj is None else ()

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


@admin.register(ScaleUnitKey)
class ScaleUnitKeyAdmin(APIKeyModelAdmin):
    """A scale unit's service key for HQ's real-time service (shown once, stored hashed)."""

    list_display = ["prefix", "name", "channel_database", "created", "expiry_date", "revoked"]
    list_filter = ["channel_database", "revoked", "created"]
    list_select_related = ["channel_database"]
    search_fields = ["name", "prefix", "channel_database__code"]

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields + ("channel_database",) if obj is not None else ()

    def get_exclude(self, request, obj=None):
        return ("prefix", "revoked") if obj is None else ()

    def save_model(self, request, obj, form=None, change=False) -> None:
        if obj.pk:
            obj.save()
            return
        key = self.model.objects.assign_key(obj)
        obj.save()
        messages.warning(
            request,
            gettext(
                "The service key for %(name)s is: %(key)s. Set it as HQ_REALTIME_KEY on the "
                "scale unit now; it is not shown again."
            )
            % {"name": obj.name, "key": key},
        )
