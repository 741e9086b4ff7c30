"""Read-only admin bases, for records the jobs and the POS own: staff look, they write.
Shared by both apps' admins (channels_app imports nothing of HQ's admin)."""

from django.contrib import admin


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
