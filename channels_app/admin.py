"""The store side, read-only: what POS recorded and what 1010 brought."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

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
    PartnerRequest,
)
from hqcommerce.admin.base import ReadOnlyAdmin
from hqcommerce.admin.customers import ReadOnlyInline


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
class AsyncCustomerAdmin(ReadOnlyAdmin):
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
class AsyncAddressAdmin(ReadOnlyAdmin):
    list_display = ["async_id", "target_display", "street", "city", "country", "channel"]
    list_select_related = ["channel"]
    list_filter = ["channel"]
    search_fields = ["=async_id", "target_account", "=target_async_id", "street", "city"]
    date_hierarchy = "created_at"


@admin.register(AsyncCustomerEdit)
class AsyncCustomerEditAdmin(ReadOnlyAdmin):
    list_display = ["target_display", "sequence", "changes", "channel", "created_at"]
    list_select_related = ["channel"]
    list_filter = ["channel"]
    search_fields = ["target_account", "=target_async_id"]
    date_hierarchy = "created_at"


@admin.register(ChannelTransaction)
class ChannelTransactionAdmin(ReadOnlyAdmin):
    list_display = [
        "transaction_id",
        "channel",
        "kind",
        "order_mode",
        "business_date",
        "customer_account",
        "customer_async_id",
        "total",
        "uploaded_at",
    ]
    list_select_related = ["channel"]
    list_filter = ["channel", "kind", "order_mode", "business_date"]
    search_fields = ["transaction_id", "customer_account", "=customer_async_id"]
    date_hierarchy = "business_date"


@admin.register(ChannelCustomer)
class ChannelCustomerAdmin(ReadOnlyAdmin):
    list_display = [
        "account_number",
        "name",
        "channel_database",
        "origin_channel_code",
        "async_id",
        "email",
    ]
    list_select_related = ["channel_database"]
    list_filter = ["channel_database"]
    search_fields = ["account_number", "name", "email", "phone", "=async_id"]


@admin.register(ChannelReplicationState)
class ChannelReplicationStateAdmin(ReadOnlyAdmin):
    list_display = [
        "channel",
        "upload_counter",
        "upload_watermark",
        "last_upload_at",
    ]
    list_select_related = ["channel"]


@admin.register(PartnerRequest)
class PartnerRequestAdmin(ReadOnlyAdmin):
    list_display = ["company_name", "tax_id", "email", "channel", "created_at", "uploaded_at"]
    list_select_related = ["channel"]
    list_filter = ["channel"]
    search_fields = ["company_name", "tax_id", "email", "=async_id"]
    date_hierarchy = "created_at"
