from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hqcommerce.models import (
    Affiliation,
    Channel,
    ChannelDatabase,
    ConversionTrigger,
    FunctionalityProfile,
    NumberSequence,
)
from hqcommerce.models.jobs import JobKind, TriggeredBy
from hqcommerce.services.jobs import job_enqueue

from .base import ReadOnlyAdmin, RunJobsPermissionMixin, message_job_queued

CHANNEL_JOBS = (
    (JobKind.PJOB, _("Run P-job (upload)")),
    (JobKind.CUSTOMER_SYNC, _("Synchronize customers and channel requests")),
    (JobKind.DISTRIBUTION, _("Run 1010 (Customers)")),
    (JobKind.CONVERT, _("Convert async customers (P-job + sync + 1010)")),
    (JobKind.ORDER_SYNC, _("Synchronize orders")),
    (JobKind.STATEMENT_POSTING, _("Post statements (EOD)")),
)


def _channel_job_action(kind: str, label: str):
    def action(modeladmin, request, queryset):
        run = job_enqueue(
            kind=kind,
            channels=list(queryset.values_list("code", flat=True)),
            triggered_by=TriggeredBy.USER,
            user=request.user,
        )
        message_job_queued(modeladmin, request, run)

    action.__name__ = f"queue_{kind}"
    return admin.action(description=label, permissions=["run_sync_jobs"])(action)


@admin.register(FunctionalityProfile)
class FunctionalityProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "create_customer_async", "auto_convert"]
    list_filter = ["create_customer_async", "auto_convert"]
    search_fields = ["name"]


@admin.register(ChannelDatabase)
class ChannelDatabaseAdmin(admin.ModelAdmin):
    """Staff name databases and assign stores; the download watermark belongs to 1010."""

    list_display = ["code", "name", "download_watermark", "last_download_at"]
    search_fields = ["code", "name"]
    readonly_fields = ["download_watermark", "last_download_at"]


@admin.register(Channel)
class ChannelAdmin(RunJobsPermissionMixin, admin.ModelAdmin):
    list_display = ["code", "name", "profile", "channel_database", "default_customer"]
    list_select_related = ["profile", "channel_database", "default_customer"]
    list_filter = ["profile", "channel_database"]
    search_fields = ["code", "name"]
    raw_id_fields = ["default_customer"]
    actions = [_channel_job_action(kind, label) for kind, label in CHANNEL_JOBS]


@admin.register(NumberSequence)
class NumberSequenceAdmin(admin.ModelAdmin):
    list_display = ["code", "prefix", "width", "next_value"]
    search_fields = ["code"]


@admin.register(Affiliation)
class AffiliationAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(ConversionTrigger)
class ConversionTriggerAdmin(ReadOnlyAdmin):
    """Per channel: is a near-real-time conversion queued or running, and one waiting?"""

    list_display = ["channel", "state", "rerun", "changed_at", "runs", "last_job_run"]
    list_select_related = ["channel", "last_job_run"]
    list_filter = ["state"]
