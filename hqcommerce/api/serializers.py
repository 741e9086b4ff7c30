"""HQ's own API shapes: jobs and synchronization status. The POS API's are the store's
(channels_app.api.serializers)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from channels_app.api.serializers import (
    StrictBooleanField,
    StrictChoiceField,
    StrictDateField,
    StrictSerializer,
    _required,
)
from hqcommerce.models import JobRun
from hqcommerce.models.jobs import JobKind

API_JOB_KINDS = {
    "p-job": JobKind.PJOB,
    "sync-customers": JobKind.CUSTOMER_SYNC,
    "1010": JobKind.DISTRIBUTION,
    "convert": JobKind.CONVERT,
    "sync-orders": JobKind.ORDER_SYNC,
    "post-statements": JobKind.STATEMENT_POSTING,
    "1070": JobKind.CHANNEL_CONFIGURATION,
    "purge-history": JobKind.PURGE,
}
JOB_KIND_NAMES = {kind: name for name, kind in API_JOB_KINDS.items()}


class SyncStatusOutput(serializers.Serializer):
    channel = serializers.CharField()
    pending_upload = serializers.IntegerField()
    pending_sync = serializers.IntegerField()
    failed = serializers.IntegerField()
    awaiting_distribution = serializers.IntegerField()
    completed = serializers.IntegerField()
    orders_pending = serializers.IntegerField()
    statements_blocked = serializers.IntegerField()
    partner_requests_pending = serializers.IntegerField()
    prospects_awaiting_approval = serializers.IntegerField()
    unreachable = serializers.CharField(
        help_text="Why the channel's database did not answer ('' when it did); its counts of "
        "what is still in the store (pending upload, completed) are then 0."
    )


JOB_KIND_OPTIONS = {"sync-customers": ("retry_failed",), "post-statements": ("business_date",)}


class JobInput(StrictSerializer):
    kind = StrictChoiceField(choices=list(API_JOB_KINDS))
    channels = serializers.ListField(child=_required(20), required=False, max_length=100)
    dry_run = StrictBooleanField(required=False, default=False)
    retry_failed = StrictBooleanField(required=False, help_text="sync-customers only.")
    business_date = StrictDateField(required=False, help_text="post-statements only.")

    def validate(self, attrs):
        allowed = JOB_KIND_OPTIONS.get(attrs["kind"], ())
        only_for = {
            option: kind for kind, options in JOB_KIND_OPTIONS.items() for option in options
        }
        errors = {
            option: [_("Only for %(kind)s.") % {"kind": only_for[option]}]
            for option in only_for
            if option in attrs and option not in allowed
        }
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


def _job_kind_input(kind: str) -> type[serializers.Serializer]:
    """The schema of one kind's request: only the options that kind takes."""
    fields = {
        "kind": StrictChoiceField(choices=[kind]),
        "channels": JobInput._declared_fields["channels"],
        "dry_run": JobInput._declared_fields["dry_run"],
    }
    for option in JOB_KIND_OPTIONS.get(kind, ()):
        fields[option] = JobInput._declared_fields[option]
    name = "".join(part.capitalize() for part in re.split(r"\W", kind))
    return type(f"Job{name}Input", (StrictSerializer,), fields)


JOB_INPUT_SCHEMA = PolymorphicProxySerializer(
    component_name="JobInput",
    serializers={kind: _job_kind_input(kind) for kind in API_JOB_KINDS},
    resource_type_field_name="kind",
)


class JobRunOutput(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField()
    error_summary = serializers.SerializerMethodField(
        help_text="One line per failed record, in the request's language."
    )
    channels = serializers.ListField(source="channel_codes", child=serializers.CharField())
    url = serializers.SerializerMethodField()

    class Meta:
        model = JobRun
        fields = [
            "id",
            "url",
            "kind",
            "status",
            "dry_run",
            "channels",
            "progress_done",
            "progress_total",
            "processed",
            "created",
            "skipped",
            "failed",
            "triggered_by",
            "queued_at",
            "started_at",
            "finished_at",
            "error_summary",
        ]

    def get_error_summary(self, obj: JobRun) -> str:
        return "\n".join(str(line) for line in obj.error_lines())

    def get_kind(self, obj: JobRun) -> str:
        return JOB_KIND_NAMES[obj.kind]

    def get_url(self, obj: JobRun) -> str:
        request = self.context.get("request")
        path = f"/api/v1/jobs/{obj.pk}/"
        return request.build_absolute_uri(path) if request else path
