"""Customer synchronization status: D365's page for seeing, correcting and retrying records."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from rangefilter.filters import DateRangeFilterBuilder

from hqcommerce.models import AsyncStagingRecord, JobRun
from hqcommerce.models.jobs import JobKind, JobStatus, TriggeredBy
from hqcommerce.models.staging import StagingStatus
from hqcommerce.services.jobs import job_enqueue

from .base import (
    ChannelCodeColumn,
    EmptyListHint,
    RunJobsPermissionMixin,
    can_run_jobs,
    message_job_queued,
    truncated,
)
from .customers import PossibleDuplicateFilter
from .filters import AccountFilter, CustomerNameFilter, EmailFilter, PhoneFilter
from .staging_forms import StagingCorrectionForm, correction_fields


@admin.register(AsyncStagingRecord)
class AsyncStagingRecordAdmin(
    EmptyListHint, ChannelCodeColumn, RunJobsPermissionMixin, admin.ModelAdmin
):
    empty_hint = _(
        "Nothing uploaded yet. The P-job brings the stores' async customers, edits and "
        "partner requests here; the schedules run it every 15 minutes by default. Convert now "
        "runs the P-job, the sync job and 1010 for every channel."
    )

    form = StagingCorrectionForm
    # The key columns fit 1366 px: the attempts sit under the status; the account, the
    # temporary id and the time are in each row's hover text and on the record's page.
    list_display = [
        "who",
        "channel_code",
        "operation",
        "status_badge",
        "last_error_short",
    ]
    list_select_related = ["channel", "customer", "possible_duplicate_of"]
    # D365's status page filters by the customer's fields; the operation time by range.
    list_filter = [
        "status",
        "channel",
        "operation",
        PossibleDuplicateFilter,
        ("operation_time", DateRangeFilterBuilder(title=_("operation time"))),
        CustomerNameFilter,
        EmailFilter,
        PhoneFilter,
        AccountFilter,
    ]
    search_fields = [
        "customer_name",
        "email",
        "phone",
        "async_id",
        "target_async_id",
        "account_number",
        "target_account",
        "last_error",
    ]
    search_help_text = _(
        "Name, email, phone, account number, part of a temporary id, or words of the error."
    )
    date_hierarchy = "operation_time"
    readonly_fields = [
        "channel",
        "async_id",
        "operation",
        "sequence",
        "status",
        "error_text",
        "description",
        "changes_table",
        "account_number",
        "customer",
        "possible_duplicate_of",
        "attempts",
        "operation_time",
        "uploaded_at",
        "completed_at",
        "source_counter",
        "uploaded_data",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("channel", "operation", "sequence"),
                    ("async_id", "account_number", "customer"),
                    ("status", "attempts"),
                    "error_text",
                    "description",
                    "changes_table",
                    "possible_duplicate_of",
                    ("operation_time", "uploaded_at", "completed_at"),
                ]
            },
        ),
    ]
    actions = ["synchronize"]
    change_form_template = "admin/hqcommerce/asyncstagingrecord/change_form.html"

    def get_fieldsets(self, request, obj=None):
        """The record, then (if it may be corrected) its data as fields, its lists as rows
        below (the template), and the uploaded JSON read-only, folded."""
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and self.has_change_permission(request, obj):
            fieldsets.append((_("Correct the data"), {"fields": list(correction_fields(obj))}))
        fieldsets.append(
            (_("Uploaded data (JSON)"), {"fields": ["uploaded_data"], "classes": ["collapse"]})
        )
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The correction fields are made per record by the form itself (staging_forms).
        kwargs["fields"] = []
        return super().get_form(request, obj, change, **kwargs)

    @admin.display(description=_("old and new values"))
    def changes_table(self, obj: AsyncStagingRecord) -> str:
        """D365's grid of an edit's changes: each field, attribute or affiliation list with
        the value it replaced and the new one (an edit of a customer still pending at the
        store shows the store's old values: HQ's copy may already carry the edit)."""
        rows = obj.changes
        if not rows:
            return self.get_empty_value_display()
        return format_html(
            '<table class="changes"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            gettext("value"),
            gettext("old"),
            gettext("new"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.display(description=_("uploaded data"))
    def uploaded_data(self, obj: AsyncStagingRecord) -> str:
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.payload, indent=2, ensure_ascii=False, default=str)
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # A converted record is history; only pending and failed ones can be corrected.
        if obj is not None and obj.status == StagingStatus.COMPLETED:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: AsyncStagingRecord) -> str:
        colors = {"completed": "#2e7d32", "failed": "#c62828", "pending": "#ef6c00"}
        attempts = ngettext("%(count)d attempt", "%(count)d attempts", obj.attempts) % {
            "count": obj.attempts
        }
        duplicate = ""
        if obj.possible_duplicate_of_id:
            duplicate = format_html(
                '<br><small class="quiet">{}</small>',
                gettext("possible duplicate of %(account)s")
                % {"account": obj.possible_duplicate_of.account_number},
            )
        return format_html(
            '<strong style="color:{}">{}</strong><br><small class="quiet">{}</small>{}',
            colors[obj.status],
            obj.get_status_display(),
            attempts,
            duplicate,
        )

    @admin.display(description=_("customer"), ordering="customer_name")
    def who(self, obj: AsyncStagingRecord) -> str:
        name = obj.customer_name or (obj.customer.display_name if obj.customer else "")
        account = obj.account_number or obj.target_account
        contact = obj.email or obj.phone
        details = " · ".join(
            str(part)
            for part in (account, obj.async_id, obj.email, obj.phone, obj.operation_time)
            if part
        )
        return format_html(
            '<span title="{}">{}</span>{}',
            details,
            name or account or str(obj.async_id)[:8] + "…",
            format_html('<br><small class="quiet">{}</small>', contact) if contact else "",
        )

    @admin.display(description=_("last known error"))
    def error_text(self, obj: AsyncStagingRecord) -> str:
        return obj.error_text or "–"

    @admin.display(description=_("last known error"))
    def last_error_short(self, obj: AsyncStagingRecord) -> str:
        return truncated(obj.error_text, 50)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_synchronize"] = (
            obj is not None and obj.status != StagingStatus.COMPLETED and can_run_jobs(request)
        )
        if obj is not None and self.has_change_permission(request, obj):
            context["formsets"] = list(context["adminform"].form.formsets.values())
        if obj is not None:
            context["outcome"] = _sync_outcome(obj, request.GET.get("sync_run"))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_change(self, request, obj):
        if "_synchronize" in request.POST:
            if not can_run_jobs(request):
                raise PermissionDenied
            run = self._enqueue(request, [obj.pk])
            # Back to the record, which shows the run's outcome (following it until done).
            return HttpResponseRedirect(f"{request.path}?sync_run={run.pk}")
        if obj.status == StagingStatus.FAILED:
            self.message_user(
                request,
                gettext(
                    "Saved, not synchronized yet: the error shown is the last attempt's. Press "
                    "Save and synchronize to try the corrected data."
                ),
                messages.WARNING,
            )
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def _enqueue(self, request, ids: list[int]) -> JobRun:
        run = job_enqueue(
            kind=JobKind.CUSTOMER_SYNC,
            options={"record_ids": ids},
            triggered_by=TriggeredBy.USER,
            user=request.user,
        )
        message_job_queued(self, request, run)
        return run

    @admin.action(description=_("Synchronize selected records"), permissions=["run_sync_jobs"])
    def synchronize(self, request, queryset):
        ids = list(queryset.exclude(status=StagingStatus.COMPLETED).values_list("pk", flat=True))
        if not ids:
            self.message_user(
                request, _("Nothing to synchronize: all are completed."), messages.WARNING
            )
            return
        self._enqueue(request, ids)


def _sync_outcome(record: AsyncStagingRecord, run_id: str | None) -> dict | None:
    """What the synchronization started from this page did to the record, and what comes
    next; None when the page was not opened from one."""
    if not run_id or not run_id.isdigit():
        return None
    run = JobRun.objects.filter(pk=int(run_id), kind=JobKind.CUSTOMER_SYNC).first()
    if run is None:
        return None
    record.refresh_from_db()
    if not run.is_finished:
        return {
            "state": "running",
            "refresh": True,
            "text": gettext("Synchronizing (job run #%(id)s); this page follows it.")
            % {"id": run.pk},
        }
    if record.status == StagingStatus.COMPLETED:
        return {
            "state": "completed",
            "text": gettext(
                "Completed: this is customer %(account)s. Next, 1010 (Customers) sends it to "
                "every store at its next run; the stores then show the account number "
                "instead of the temporary id."
            )
            % {"account": record.account_number},
        }
    if run.status == JobStatus.FAILED and record.status != StagingStatus.FAILED:
        return {"state": "failed", "text": run.error_summary}
    return {
        "state": "failed",
        "text": gettext(
            "Still failing: %(error)s Correct the fields marked and press Save and "
            "synchronize again."
        )
        % {"error": record.error_text},
    }
