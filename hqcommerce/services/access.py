"""The back office's two staff groups, kept in step with the models' permissions."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_noop

RUN_JOBS_PERMISSION = "hqcommerce.run_sync_jobs"
# The names are the groups' keys in HQ's database; the admin shows them translated.
READ_ONLY_GROUP = gettext_noop("Back office (read-only)")
OPERATORS_GROUP = gettext_noop("Sync operators")
APPS = ("hqcommerce", "channels_app", "django_q", "axes")


def groups_ensure(**kwargs) -> None:
    """Read-only staff see everything and run nothing; operators also correct and run jobs."""
    view = Permission.objects.filter(content_type__app_label__in=APPS, codename__startswith="view_")
    read_only, _created = Group.objects.get_or_create(name=READ_ONLY_GROUP)
    read_only.permissions.set(view)
    operators, _created = Group.objects.get_or_create(name=OPERATORS_GROUP)
    operators.permissions.set(
        list(view)
        + list(
            Permission.objects.filter(
                content_type__app_label="hqcommerce",
                codename__in=["run_sync_jobs", "change_asyncstagingrecord", "approve_partners"],
            )
        )
        # Unlocking a login that django-axes locked after too many wrong passwords.
        + list(
            Permission.objects.filter(
                content_type__app_label="axes", codename="delete_accessattempt"
            )
        )
    )


def can_run_jobs(request) -> bool:
    """The "can run sync jobs" permission guards every job action and button."""
    return request.user.has_perm(RUN_JOBS_PERMISSION)
