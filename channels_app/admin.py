from django.contrib import admin

from channels_app.models import (
    AsyncCustomer,
    AsyncCustomerAddress,
    AsyncCustomerAttribute,
    AsyncCustomerContact,
    ChannelCustomer,
    ChannelReplicationState,
)
from hqcommerce.admin import ReadOnlyAdmin


class AsyncAddressInline(admin.TabularInline):
    model = AsyncCustomerAddress
    extra = 0
    can_delete = False


class AsyncContactInline(admin.TabularInline):
    model = AsyncCustomerContact
    extra = 0
    can_delete = False


class AsyncAttributeInline(admin.TabularInline):
    model = AsyncCustomerAttribute
    extra = 0
    can_delete = False


@admin.register(AsyncCustomer)
class AsyncCustomerAdmin(ReadOnlyAdmin):
    list_display = ["async_id", "display_name", "channel", "created_at", "uploaded_at", "account"]
    list_select_related = ["channel"]
    list_filter = ["channel"]
    search_fields = ["=async_id", "account_number", "first_name", "last_name", "contacts__value"]
    date_hierarchy = "created_at"
    inlines = [AsyncAddressInline, AsyncContactInline, AsyncAttributeInline]

    @admin.display(description="account")
    def account(self, obj: AsyncCustomer) -> str:
        return obj.account_number or "Pending sync"


@admin.register(ChannelCustomer)
class ChannelCustomerAdmin(ReadOnlyAdmin):
    list_display = ["account_number", "name", "channel", "origin_channel_code", "async_id", "email"]
    list_select_related = ["channel"]
    list_filter = ["channel"]
    search_fields = ["account_number", "name", "email", "phone", "=async_id"]


@admin.register(ChannelReplicationState)
class ChannelReplicationStateAdmin(ReadOnlyAdmin):
    list_display = [
        "channel",
        "upload_counter",
        "upload_watermark",
        "download_watermark",
        "last_upload_at",
        "last_download_at",
    ]
    list_select_related = ["channel"]
