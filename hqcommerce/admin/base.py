from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from channels_app.admin_base import (  # noqa: F401 (the HQ admins' bases too)
    ChannelCodeColumn,
    ReadOnlyAdmin,
)
from hqcommerce.models import JobRun
from hqcommerce.services.access import can_run_jobs


def admin_replaced(model, model_admin) -> None:
    """Our admin for another app's model, in place of the one that app registered."""
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)


class RunJobsPermissionMixin:
    """Lets admin actions declare `allowed_permissions = ("run_sync_jobs",)`."""

    def has_run_sync_jobs_permission(self, request) -> bool:
        return can_run_jobs(request)


def change_link(obj, text: str, title: str = "") -> str:
    """A link to a record's own page in the admin (`title`: what shows on hover)."""
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    if not title:
        return format_html('<a href="{}">{}</a>', url, text)
    return format_html('<a href="{}" title="{}">{}</a>', url, title, text)


def job_run_link(run: JobRun) -> str:
    return change_link(run, _("job run #%(id)s") % {"id": run.pk})


def message_job_queued(modeladmin, request, run: JobRun) -> None:
    modeladmin.message_user(
        request,
        format_html(
            _("Queued {} ({}). It runs in the background; its page shows the progress."),
            job_run_link(run),
            run.get_kind_display()
            if not run.dry_run
            else f"{run.get_kind_display()}, {_('dry run')}",
        ),
        messages.SUCCESS,
    )


def truncated(text: str, length: int) -> str:
    """A long value cut to fit a list column; the whole of it on hover."""
    if len(text) <= length:
        return text
    return format_html('<span title="{}">{}…</span>', text, text[: length - 1].rstrip())


class EmptyListHint:
    """A list with no rows at all says what fills it and offers the job that does (a fresh
    install's status page is empty until the first P-job, 15 minutes away)."""

    empty_hint: str = ""
    change_list_template = "admin/hqcommerce/change_list_with_hint.html"

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "empty_hint": self.empty_hint,
            "empty_hint_can_convert": can_run_jobs(request),
        }
        return super().changelist_view(request, extra_context)
