from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from hqcommerce.models import JobRun
from hqcommerce.services.access import can_run_jobs


class RunJobsPermissionMixin:
    """Lets admin actions declare `allowed_permissions = ("run_sync_jobs",)`."""

    def has_run_sync_jobs_permission(self, request) -> bool:
        return can_run_jobs(request)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records the jobs own: staff look, the jobs write."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def job_run_link(run: JobRun) -> str:
    url = reverse("admin:hqcommerce_jobrun_change", args=[run.pk])
    return format_html('<a href="{}">{}</a>', url, _("job run #%(id)s") % {"id": run.pk})


def message_job_queued(modeladmin, request, run: JobRun) -> None:
    modeladmin.message_user(
        request,
        format_html(
            _("Queued {} ({}). It runs in the background; its page shows the progress."),
            job_run_link(run),
            run.get_kind_display(),
        ),
        messages.SUCCESS,
    )
