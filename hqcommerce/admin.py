"""Back-office admin. Records the jobs own are read-only; job actions go through django-q2."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from hqcommerce.models import (
    Affiliation,
    AsyncStagingRecord,
    Channel,
    Customer,
    CustomerAddress,
    CustomerAffiliation,
    CustomerAttribute,
    CustomerContact,
    FunctionalityProfile,
    JobRun,
    NumberSequence,
)
from hqcommerce.models.jobs import JobKind, TriggeredBy
from hqcommerce.services.jobs import job_enqueue


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _can_run_jobs(request) -> bool:
    return request.user.has_perm("hqcommerce.run_sync_jobs")


def _job_message(modeladmin, request, run: JobRun) -> None:
    url = reverse("admin:hqcommerce_jobrun_change", args=[run.pk])
    modeladmin.message_user(
        request,
        format_html(
            'Queued <a href="{}">job run #{}</a> ({}).', url, run.pk, run.get_kind_display()
        ),
        messages.SUCCESS,
    )


@admin.register(FunctionalityProfile)
class FunctionalityProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "create_customer_async"]
    list_filter = ["create_customer_async"]


def _channel_job_action(kind: str, label: str):
    def action(modeladmin, request, queryset):
        run = job_enqueue(
            kind=kind,
            channels=list(queryset.values_list("code", flat=True)),
            triggered_by=TriggeredBy.USER,
            user=request.user,
        )
        _job_message(modeladmin, request, run)

    action.__name__ = f"queue_{kind}"
    action.short_description = label
    action.allowed_permissions = ("run_sync_jobs",)
    return action


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "profile", "default_customer"]
    list_select_related = ["profile", "default_customer"]
    list_filter = ["profile"]
    search_fields = ["code", "name"]
    raw_id_fields = ["default_customer"]
    actions = [
        _channel_job_action(JobKind.PJOB, "Run P-job"),
        _channel_job_action(JobKind.CUSTOMER_SYNC, "Synchronize customers"),
        _channel_job_action(JobKind.DISTRIBUTION, "Run 1010 (Customers)"),
        _channel_job_action(JobKind.CONVERT, "Convert (P-job + sync + 1010)"),
    ]

    def has_run_sync_jobs_permission(self, request):
        return _can_run_jobs(request)


@admin.register(NumberSequence)
class NumberSequenceAdmin(admin.ModelAdmin):
    list_display = ["code", "prefix", "width", "next_value"]


@admin.register(Affiliation)
class AffiliationAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class AddressInline(admin.TabularInline):
    model = CustomerAddress
    extra = 0


class ContactInline(admin.TabularInline):
    model = CustomerContact
    extra = 0
    exclude = ["normalized_value"]


class AffiliationInline(admin.TabularInline):
    model = CustomerAffiliation
    extra = 0


class AttributeInline(admin.TabularInline):
    model = CustomerAttribute
    extra = 0


class PossibleDuplicateFilter(admin.SimpleListFilter):
    title = "possible duplicate"
    parameter_name = "duplicate"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(possible_duplicate_of__isnull=False)
        if self.value() == "no":
            return queryset.filter(possible_duplicate_of__isnull=True)
        return queryset


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = [
        "account_number",
        "display_name",
        "party_type",
        "customer_group",
        "origin_channel",
        "origin_async_id",
        "possible_duplicate_of",
        "created_at",
    ]
    list_select_related = ["origin_channel", "possible_duplicate_of"]
    list_filter = ["party_type", "customer_group", "origin_channel", PossibleDuplicateFilter]
    search_fields = [
        "account_number",
        "first_name",
        "last_name",
        "organization_name",
        "=origin_async_id",
        "contacts__normalized_value",
    ]
    date_hierarchy = "created_at"
    inlines = [AddressInline, ContactInline, AffiliationInline, AttributeInline]


@admin.register(AsyncStagingRecord)
class AsyncStagingRecordAdmin(admin.ModelAdmin):
    list_display = [
        "channel",
        "account_number",
        "async_id",
        "operation_time",
        "status",
        "last_error",
        "possible_duplicate_of",
        "attempts",
    ]
    list_select_related = ["channel", "possible_duplicate_of"]
    list_filter = ["status", "channel", PossibleDuplicateFilter, "operation"]
    search_fields = ["=async_id", "account_number"]
    date_hierarchy = "uploaded_at"
    readonly_fields = [
        "channel",
        "async_id",
        "sequence",
        "operation",
        "source_counter",
        "status",
        "last_error",
        "attempts",
        "operation_time",
        "uploaded_at",
        "completed_at",
        "account_number",
        "customer",
        "possible_duplicate_of",
    ]
    actions = ["synchronize"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Only a record that has not been converted can be corrected.
        if obj is not None and obj.status == "completed":
            return False
        return super().has_change_permission(request, obj)

    def has_run_sync_jobs_permission(self, request):
        return _can_run_jobs(request)

    @admin.action(description="Synchronize (retry) selected records", permissions=["run_sync_jobs"])
    def synchronize(self, request, queryset):
        ids = list(queryset.exclude(status="completed").values_list("pk", flat=True))
        if not ids:
            self.message_user(request, "Nothing to synchronize.", messages.WARNING)
            return
        run = job_enqueue(
            kind=JobKind.CUSTOMER_SYNC,
            options={"record_ids": ids},
            triggered_by=TriggeredBy.USER,
            user=request.user,
        )
        _job_message(self, request, run)


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "kind",
        "status",
        "progress",
        "processed",
        "created",
        "skipped",
        "failed",
        "triggered_by",
        "queued_at",
        "finished_at",
    ]
    list_filter = ["kind", "status", "triggered_by", "dry_run"]
    list_select_related = ["triggered_by_user"]
    date_hierarchy = "queued_at"

    @admin.display(description="progress")
    def progress(self, obj: JobRun) -> str:
        return f"{obj.progress_done}/{obj.progress_total}"
