"""Read-only admin bases, for records the jobs and the POS own: staff look, they write.
Shared by both apps' admins (channels_app imports nothing of HQ's admin)."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        """Every field shown read-only (a form may not even name a non-editable one, such
        as an address's GUID)."""
        return self.fields or ()

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# How many rows of one record's children a page lists: a customer has at most
# HQ_CUSTOMER_MAX_ADDRESSES addresses, yet its page stays light whatever the limits say.
FIRST_ROWS = 20


class FirstRowsInline(ReadOnlyInline):
    """A read-only inline that lists the first FIRST_ROWS rows and says how many there are
    (its title reads "Addresses (57, the first 20 listed)")."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        model_admin = self

        class FirstRows(formset):
            def get_queryset(self):
                if not hasattr(self, "_first_rows"):
                    self._first_rows = super().get_queryset()[:FIRST_ROWS]
                return self._first_rows

        if obj is not None:
            total = formset.model._default_manager.filter(**{formset.fk.name: obj}).count()
            if total > FIRST_ROWS:
                model_admin.verbose_name_plural = _(
                    "%(name)s (%(total)s, the first %(shown)s listed)"
                ) % {
                    "name": self.model._meta.verbose_name_plural,
                    "total": total,
                    "shown": FIRST_ROWS,
                }
            else:
                model_admin.verbose_name_plural = self.model._meta.verbose_name_plural
        return FirstRows


def code_with_name(channel) -> str:
    """A channel as its code, the name on hover: the full "STORE01 – Store 01" takes a
    column's width that the key columns need at 1366 px."""
    return format_html('<span title="{}">{}</span>', channel.name, channel.code)


class ChannelCodeColumn:
    """A list's channel column, as code_with_name."""

    @admin.display(description=_("channel"), ordering="channel__code")
    def channel_code(self, obj) -> str:
        return code_with_name(obj.channel)
