"""Customer synchronization status: D365's page for seeing, correcting and retrying records."""

from __future__ import annotations

import copy

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from channels_app.errors import CustomerValidationError
from channels_app.validation import (
    address_clean,
    customer_changes_shape_errors,
    customer_payload_clean,
)
from hqcommerce.models import AsyncStagingRecord
from hqcommerce.models.jobs import JobKind, TriggeredBy
from hqcommerce.models.staging import StagingOperation, StagingStatus, staging_who
from hqcommerce.services.customers import channel_defaults
from hqcommerce.services.jobs import job_enqueue

from .base import (
    ChannelCodeColumn,
    RunJobsPermissionMixin,
    can_run_jobs,
    message_job_queued,
    truncated,
)
from .customers import PossibleDuplicateFilter

QUICK_FIELDS = ("first_name", "last_name", "organization_name", "email", "phone")


def _primary_contact(payload: dict, kind: str) -> str:
    for contact in payload.get("contacts") or []:
        if isinstance(contact, dict) and contact.get("kind") == kind:
            return str(contact.get("value") or "")
    return ""


class StagingCorrectionForm(forms.ModelForm):
    """Correct a record's data; the corrected payload must pass HQ's rules again."""

    first_name = forms.CharField(required=False, max_length=60, label=_("first name"))
    last_name = forms.CharField(required=False, max_length=60, label=_("last name"))
    organization_name = forms.CharField(
        required=False, max_length=120, label=_("organization name")
    )
    email = forms.CharField(required=False, max_length=254, label=_("Primary email"))
    phone = forms.CharField(required=False, max_length=254, label=_("Primary phone"))

    class Meta:
        model = AsyncStagingRecord
        fields = ["payload"]
        help_texts = {"payload": _("Everything the P-job uploaded; the fields above edit it too.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        payload = self.instance.payload if isinstance(self.instance.payload, dict) else {}
        if self.instance.operation != StagingOperation.CREATE:
            for name in QUICK_FIELDS:
                del self.fields[name]
            return
        for name in ("first_name", "last_name", "organization_name"):
            self.fields[name].initial = payload.get(name, "")
        self.fields["email"].initial = _primary_contact(payload, "email")
        self.fields["phone"].initial = _primary_contact(payload, "phone")

    def clean(self):
        cleaned = super().clean()
        payload = cleaned.get("payload")
        if payload is None:
            return cleaned
        if self.instance.operation == StagingOperation.CREATE:
            payload = self._with_quick_fields(payload, cleaned)
        cleaned["payload"] = payload
        try:
            self._validate(payload)
        except CustomerValidationError as exc:
            for path, msgs in exc.errors.items():
                field = self._field_for(path)
                for msg in msgs:
                    self.add_error(field, f"{path}: {msg}" if field in (None, "payload") else msg)
        return cleaned

    def save(self, commit=True):
        record = super().save(commit=False)
        for name, value in staging_who(record.operation, record.payload).items():
            if value or record.operation == StagingOperation.CREATE:
                setattr(record, name, value)
        if commit:
            record.save()
        return record

    def _with_quick_fields(self, payload, cleaned) -> dict:
        if not isinstance(payload, dict):
            return payload
        payload = copy.deepcopy(payload)
        for name in ("first_name", "last_name", "organization_name"):
            if name in self.changed_data:
                payload[name] = cleaned.get(name, "")
        for kind in ("email", "phone"):
            if kind not in self.changed_data:
                continue
            value = cleaned.get(kind, "").strip()
            contacts = [
                c
                for c in payload.get("contacts") or []
                if not (isinstance(c, dict) and c.get("kind") == kind)
            ]
            if value:
                contacts.insert(0, {"kind": kind, "value": value, "is_primary": True})
            payload["contacts"] = contacts
        return payload

    def _validate(self, payload) -> None:
        operation = self.instance.operation
        if operation == StagingOperation.CREATE:
            customer_payload_clean(payload, defaults=channel_defaults(self.instance.channel))
        elif operation == StagingOperation.UPDATE:
            changes = payload.get("changes") if isinstance(payload, dict) else None
            errors = customer_changes_shape_errors(changes)
            if errors:
                raise CustomerValidationError(errors)
        else:
            address_clean(payload.get("address") if isinstance(payload, dict) else None)

    def _field_for(self, path: str) -> str | None:
        if path in self.fields:
            return path
        if path.startswith("contacts["):
            for kind in ("email", "phone"):
                if kind in self.fields and kind in self.changed_data:
                    return kind
        return "payload"


@admin.register(AsyncStagingRecord)
class AsyncStagingRecordAdmin(ChannelCodeColumn, RunJobsPermissionMixin, admin.ModelAdmin):
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
    list_filter = ["status", "channel", PossibleDuplicateFilter, "operation"]
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
        "last_error",
        "description",
        "old_values",
        "account_number",
        "customer",
        "possible_duplicate_of",
        "attempts",
        "operation_time",
        "uploaded_at",
        "completed_at",
        "source_counter",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("channel", "operation", "sequence"),
                    ("async_id", "account_number", "customer"),
                    ("status", "attempts"),
                    "last_error",
                    "description",
                    "old_values",
                    "possible_duplicate_of",
                    ("operation_time", "uploaded_at", "completed_at"),
                ]
            },
        ),
        (
            _("Correct the data"),
            {
                "fields": [
                    "first_name",
                    "last_name",
                    "organization_name",
                    "email",
                    "phone",
                    "payload",
                ]
            },
        ),
    ]
    actions = ["synchronize"]
    change_form_template = "admin/hqcommerce/asyncstagingrecord/change_form.html"

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not self.has_change_permission(request, obj):
            return [(name, opts) for name, opts in fieldsets if name is None] + [
                (_("Uploaded data"), {"fields": ["payload"]})
            ]
        if obj.operation != StagingOperation.CREATE:
            return [fieldsets[0], (_("Correct the data"), {"fields": ["payload"]})]
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is None or not self.has_change_permission(request, obj):
            fields.append("payload")
        return fields

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
    def last_error_short(self, obj: AsyncStagingRecord) -> str:
        return truncated(obj.last_error, 50)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_synchronize"] = (
            obj is not None and obj.status != StagingStatus.COMPLETED and can_run_jobs(request)
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_change(self, request, obj):
        if "_synchronize" in request.POST:
            if not can_run_jobs(request):
                raise PermissionDenied
            self._enqueue(request, [obj.pk])
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def _enqueue(self, request, ids: list[int]) -> None:
        run = job_enqueue(
            kind=JobKind.CUSTOMER_SYNC,
            options={"record_ids": ids},
            triggered_by=TriggeredBy.USER,
            user=request.user,
        )
        message_job_queued(self, request, run)

    @admin.action(description=_("Synchronize selected records"), permissions=["run_sync_jobs"])
    def synchronize(self, request, queryset):
        ids = list(queryset.exclude(status=StagingStatus.COMPLETED).values_list("pk", flat=True))
        if not ids:
            self.message_user(
                request, _("Nothing to synchronize: all are completed."), messages.WARNING
            )
            return
        self._enqueue(request, ids)
