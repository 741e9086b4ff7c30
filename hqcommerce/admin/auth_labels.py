"""Names kept in HQ's database in English, shown in the reader's language: staff groups,
permissions (Django writes "Can add customer" into its table at migrate time) and the jobs'
schedules. The stored names stay the keys; only what the admin shows is translated."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission, User
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django_q.admin import ScheduleAdmin
from django_q.models import Schedule

from .base import admin_replaced

# Django's default permissions, by the codename's prefix.
DEFAULT_ACTIONS = {
    "add": gettext_noop("Can add %(model)s"),
    "change": gettext_noop("Can change %(model)s"),
    "delete": gettext_noop("Can delete %(model)s"),
    "view": gettext_noop("Can view %(model)s"),
}
# Our models' own permissions (Meta.permissions holds plain strings).
CUSTOM_PERMISSIONS = (
    gettext_noop("Can run sync jobs"),
    gettext_noop("Can approve business partners"),
)


def permission_label(permission: Permission) -> str:
    """ "Application | model | Can do what", each part in the reader's language."""
    model = permission.content_type.model_class()
    action, _sep, model_name = permission.codename.partition("_")
    if model is None:  # a stale content type
        return str(permission)
    if action in DEFAULT_ACTIONS and model_name == model._meta.model_name:
        name = gettext(DEFAULT_ACTIONS[action]) % {"model": model._meta.verbose_name}
    else:
        name = gettext(permission.name)
    app = model._meta.app_config.verbose_name
    return f"{capfirst(app)} | {capfirst(model._meta.verbose_name)} | {name}"


class PermissionChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Permission) -> str:
        return permission_label(obj)


class GroupChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Group) -> str:
        return gettext(obj.name)


class TranslatedChoices:
    """Group and user forms list permissions and groups in the reader's language."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in ("permissions", "user_permissions"):
            kwargs["form_class"] = PermissionChoices
            kwargs.setdefault(
                "queryset", Permission.objects.select_related("content_type").order_by("pk")
            )
        elif db_field.name == "groups":
            kwargs["form_class"] = GroupChoices
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class TranslatedGroupAdmin(TranslatedChoices, GroupAdmin):
    list_display = ["group_name"]

    @admin.display(description=_("name"), ordering="name")
    def group_name(self, obj: Group) -> str:
        return gettext(obj.name)


class TranslatedUserAdmin(TranslatedChoices, UserAdmin):
    pass


class TranslatedScheduleAdmin(ScheduleAdmin):
    list_display = tuple(
        "schedule_name" if field == "name" else field for field in ScheduleAdmin.list_display
    )
    list_display_links = ("id", "schedule_name")

    @admin.display(description=_("Name"), ordering="name")
    def schedule_name(self, obj: Schedule) -> str:
        return gettext(obj.name) if obj.name else ""


admin_replaced(Group, TranslatedGroupAdmin)
admin_replaced(User, TranslatedUserAdmin)
admin_replaced(Schedule, TranslatedScheduleAdmin)
