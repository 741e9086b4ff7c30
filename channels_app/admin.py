"""The store side, read-only: what POS recorded and what HQ's jobs brought, read from the
channel databases. Each page shows one channel database at a time (the "Channel database"
filter; the first configured one by default)."""

from django.contrib import admin
from django.http import QueryDict
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from channels_app.admin_base import ChannelCodeColumn, ReadOnlyAdmin, ReadOnlyInline
from channels_app.databases import channel_database, channel_database_aliases
from channels_app.models import (
    AsyncAddress,
    AsyncCustomer,
    AsyncCustomerAddress,
    AsyncCustomerAttribute,
    AsyncCustomerContact,
    AsyncCustomerEdit,
    ChannelCustomer,
    ChannelReplicationState,
    ChannelTransaction,
    ConversionTrigger,
    DownloadState,
    IdempotencyRecord,
    PartnerRequest,
    Store,
    StoreDeviceKey,
)

DATABASE_PARAMETER = "database"


class ChannelDatabaseFilter(admin.SimpleListFilter):
    """Which channel database the page reads (applied by ChannelDataAdmin, not here)."""

    title = _("channel database")
    parameter_name = DATABASE_PARAMETER

    def __init__(self, request, params, model, model_admin):
        self.current = _database_code(request)
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [(code, code) for code in channel_database_aliases()]

    def choices(self, changelist):
        for code, title in self.lookup_choices:
            yield {
                "selected": code == self.current,
                "query_string": changelist.get_query_string({self.parameter_name: code}),
                "display": title,
            }

    def queryset(self, request, queryset):
        return queryset


def _database_code(request) -> str:
    codes = list(channel_database_aliases())
    code = request.GET.get(DATABASE_PARAMETER)
    if code is None:  # a change page keeps the list's filters in _changelist_filters
        code = QueryDict(request.GET.get("_changelist_filters", "")).get(DATABASE_PARAMETER)
    return code if code in codes else codes[0]


class ChannelDataAdmin(ReadOnlyAdmin):
    """Read-only pages over one channel database: the whole view (its inlines and filters
    too) runs, and renders, inside that database's routing."""

    def get_list_filter(self, request):
        return [ChannelDatabaseFilter, *super().get_list_filter(request)]

    def _in_database(self, request, view, *args, **kwargs):
        alias = channel_database_aliases()[_database_code(request)]
        with channel_database(alias):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        return response

    def changelist_view(self, request, extra_context=None):
        return self._in_database(request, super().changelist_view, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._in_database(
            request, super().changeform_view, object_id, form_url, extra_context
        )

    def history_view(self, request, object_id, extra_context=None):
        return self._in_database(request, super().history_view, object_id, extra_context)


class AsyncAddressInline(ReadOnlyInline):
    model = AsyncCustomerAddress
    fields = ["purpose", "is_primary", "street", "city", "zip_code", "country", "async_id"]


class AsyncContactInline(ReadOnlyInline):
    model = AsyncCustomerContact
    fields = ["kind", "value", "is_primary"]


class AsyncAttributeInline(ReadOnlyInline):
    model = AsyncCustomerAttribute
    fields = ["name", "value"]


@admin.register(AsyncCustomer)
class AsyncCustomerAdmin(ChannelDataAdmin):
    list_display = ["async_id", "display_name", "channel", "account", "created_at", "uploaded_at"]
    list_select_related = ["channel"]
    list_filter = ["channel", ("uploaded_at", admin.EmptyFieldListFilter)]
    search_fields = [
        "=async_id",
        "account_number",
        "first_name",
        "last_name",
        "organization_name",
        "contacts__value",
    ]
    date_hierarchy = "created_at"
    inlines = [AsyncAddressInline, AsyncContactInline, AsyncAttributeInline]

    @admin.display(description=_("account"), ordering="account_number")
    def account(self, obj: AsyncCustomer) -> str:
        return obj.account_number or _("Pending sync")


@admin.register(AsyncAddress)
class AsyncAddressAdmin(ChannelDataAdmin):
    list_display = [
        "async_id",
        "target_display",
        "street",
        "city",
        "country",
        "channel",
        "deleted_at",
    ]
    list_select_related = ["channel"]
    list_filter = ["channel"]
    search_fields = ["=async_id", "target_account", "=target_async_id", "street", "city"]
    date_hierarchy = "created_at"


@admin.register(AsyncCustomerEdit)
class AsyncCustomerEditAdmin(ChannelDataAdmin):
    list_display = [
        "target_display",
        "sequence",
        "operation",
        "changes",
        "old_values",
        "channel",
        "created_at",
    ]
    list_select_related = ["channel"]
    list_filter = ["channel", "operation"]
    search_fields = ["target_account", "=target_async_id", "=address_id"]
    date_hierarchy = "created_at"


@admin.register(ChannelTransaction)
class ChannelTransactionAdmin(ChannelCodeColumn, ChannelDataAdmin):
    list_display = [
        "transaction_id",
        "channel_code",
        "kind",
        "order_mode",
        "business_date",
        "customer",
        "total",
        "uploaded_at",
    ]
    list_select_related = ["channel"]
    list_filter = ["channel", "kind", "order_mode", "business_date"]
    search_fields = ["transaction_id", "customer_account", "=customer_async_id"]
    date_hierarchy = "business_date"

    @admin.display(description=_("customer"), ordering="customer_account")
    def customer(self, obj: ChannelTransaction) -> str:
        """The account, or the temporary id (whole on hover) while it is pending."""
        if obj.customer_account:
            return obj.customer_account
        if obj.customer_async_id:
            return format_html(
                '<span title="{}">{}</span>',
                obj.customer_async_id,
                _("pending sync (%(id)s…)") % {"id": str(obj.customer_async_id)[:8]},
            )
        return self.get_empty_value_display()


@admin.register(ChannelCustomer)
class ChannelCustomerAdmin(ChannelDataAdmin):
    list_display = ["account_number", "name", "origin_channel_code", "async_id", "email"]
    search_fields = ["account_number", "name", "email", "phone", "=async_id"]


@admin.register(ChannelReplicationState)
class ChannelReplicationStateAdmin(ChannelDataAdmin):
    list_display = ["channel", "upload_counter"]
    list_select_related = ["channel"]


@admin.register(PartnerRequest)
class PartnerRequestAdmin(ChannelCodeColumn, ChannelDataAdmin):
    list_display = ["company_name", "tax_id", "email", "channel_code", "created_at", "uploaded"]
    list_select_related = ["channel"]
    list_filter = ["channel"]
    search_fields = ["company_name", "tax_id", "email", "=async_id"]
    date_hierarchy = "created_at"

    @admin.display(description=_("uploaded"), boolean=True, ordering="uploaded_at")
    def uploaded(self, obj: PartnerRequest) -> bool:
        return obj.uploaded_at is not None


@admin.register(Store)
class StoreAdmin(ChannelDataAdmin):
    """What a channel database knows of its stores (written by 1070)."""

    list_display = [
        "store",
        "country",
        "create_customer_async",
        "auto_convert",
        "addresses_async",
        "enhanced_creation",
        "editing_async",
        "configured_at",
    ]
    search_fields = ["code", "name"]

    @admin.display(description=_("store"), ordering="code")
    def store(self, obj: Store) -> str:
        return format_html("{}<br><small>{}</small>", obj.code, obj.name)

    # The three feature switches under short headings (their full D365 names on the page).
    @admin.display(description=_("async addresses (10.0.22)"), boolean=True)
    def addresses_async(self, obj: Store) -> bool:
        return obj.async_address_creation

    @admin.display(description=_("enhanced creation (10.0.24)"), boolean=True)
    def enhanced_creation(self, obj: Store) -> bool:
        return obj.enhanced_async_creation

    @admin.display(description=_("async editing (10.0.29)"), boolean=True)
    def editing_async(self, obj: Store) -> bool:
        return obj.async_customer_editing


@admin.register(StoreDeviceKey)
class StoreDeviceKeyAdmin(ChannelDataAdmin):
    list_display = [
        "name",
        "prefix",
        "channel",
        "revoked",
        "expiry_date",
        "created",
        "last_used_at",
    ]
    list_select_related = ["channel"]
    exclude = ["hashed_key"]


@admin.register(DownloadState)
class DownloadStateAdmin(ChannelDataAdmin):
    list_display = ["job", "watermark", "last_download_at", "last_rows"]


@admin.register(ConversionTrigger)
class ConversionTriggerAdmin(ChannelDataAdmin):
    """Per store: is a near-real-time conversion queued or running, and one waiting?"""

    list_display = ["channel", "state", "rerun", "changed_at", "runs", "last_job_run_id"]
    list_select_related = ["channel"]
    list_filter = ["state"]


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ChannelDataAdmin):
    list_display = ["scope", "key", "endpoint", "status_code", "created_at"]
    search_fields = ["key", "scope"]
    list_filter = ["endpoint", "status_code"]
    date_hierarchy = "created_at"
