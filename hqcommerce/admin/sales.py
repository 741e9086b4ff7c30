from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hqcommerce.models import LoyaltyCard, SalesOrder, Statement, UploadedTransaction

from .base import ReadOnlyAdmin


@admin.register(UploadedTransaction)
class UploadedTransactionAdmin(ReadOnlyAdmin):
    list_display = [
        "transaction_id",
        "channel",
        "kind",
        "business_date",
        "customer",
        "total",
        "status",
        "last_error",
        "statement",
    ]
    list_select_related = ["channel", "statement"]
    list_filter = ["status", "kind", "channel", "business_date"]
    search_fields = ["transaction_id", "customer_account", "=customer_async_id", "last_error"]
    date_hierarchy = "business_date"

    @admin.display(description=_("customer"))
    def customer(self, obj: UploadedTransaction) -> str:
        return obj.customer_ref


@admin.register(SalesOrder)
class SalesOrderAdmin(ReadOnlyAdmin):
    list_display = [
        "order_number",
        "channel",
        "transaction_id",
        "customer",
        "business_date",
        "total",
        "currency",
        "statement",
    ]
    list_select_related = ["channel", "customer", "statement"]
    list_filter = ["channel", "business_date"]
    search_fields = ["order_number", "transaction_id", "customer__account_number"]
    date_hierarchy = "business_date"


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = [
        "channel",
        "business_date",
        "status",
        "transaction_count",
        "total",
        "blocking_count",
        "posted_at",
    ]
    list_select_related = ["channel"]
    list_filter = ["status", "channel"]
    date_hierarchy = "business_date"
    readonly_fields = ["blocking_records"]

    @admin.display(description=_("blocking records"))
    def blocking_count(self, obj: Statement) -> int:
        return len(obj.blocking or [])

    @admin.display(description=_("blocking records and reasons"))
    def blocking_records(self, obj: Statement) -> str:
        if not obj.blocking:
            return "-"
        return format_html_join(
            "\n",
            gettext("<p><strong>{}</strong> (sale {}): {}</p>"),
            ((b["record"], b["transaction_id"], b["reason"]) for b in obj.blocking),
        )


@admin.register(LoyaltyCard)
class LoyaltyCardAdmin(ReadOnlyAdmin):
    list_display = ["card_number", "customer", "channel", "issued_at"]
    list_select_related = ["customer", "channel"]
    search_fields = ["card_number", "customer__account_number"]
