from __future__ import annotations

from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from channels_app.errors import stored_message
from hqcommerce.models import Customer, LoyaltyCard, SalesOrder, Statement, UploadedTransaction

from .base import ChannelCodeColumn, ReadOnlyAdmin, change_link, truncated


@admin.register(UploadedTransaction)
class UploadedTransactionAdmin(ChannelCodeColumn, ReadOnlyAdmin):
    # The key columns fit 1366 px; kind and statement are filters and on the sale's page.
    list_display = [
        "transaction_id",
        "channel_code",
        "sale_date",
        "customer",
        "total",
        "status",
        "last_error_short",
    ]
    list_select_related = ["channel"]
    exclude = ["last_error"]  # shown in the reader's language instead (error_text)
    readonly_fields = ["error_text"]
    list_filter = ["status", "kind", "channel", "business_date"]
    search_fields = ["transaction_id", "customer_account", "=customer_async_id", "last_error"]
    date_hierarchy = "business_date"

    def get_queryset(self, request):
        # A sale made for a customer still pending shows the account number once it exists.
        account = Customer.objects.filter(origin_async_id=OuterRef("customer_async_id"))
        return (
            super()
            .get_queryset(request)
            .annotate(mapped_account=Subquery(account.values("account_number")[:1]))
        )

    @admin.display(description=_("customer"))
    def customer(self, obj: UploadedTransaction) -> str:
        account = obj.customer_account or getattr(obj, "mapped_account", None)
        if account:
            return account
        if obj.customer_async_id:
            return format_html(
                '<span title="{}">{}</span>',
                obj.customer_async_id,
                gettext("pending sync (%(id)s…)") % {"id": str(obj.customer_async_id)[:8]},
            )
        return ""

    @admin.display(description=_("business date"), ordering="business_date")
    def sale_date(self, obj: UploadedTransaction) -> str:
        return date_format(obj.business_date, "SHORT_DATE_FORMAT")

    @admin.display(description=_("last known error"))
    def error_text(self, obj: UploadedTransaction) -> str:
        return obj.error_text or "–"

    @admin.display(description=_("error"))
    def last_error_short(self, obj: UploadedTransaction) -> str:
        return truncated(obj.error_text, 60)


@admin.register(SalesOrder)
class SalesOrderAdmin(ChannelCodeColumn, ReadOnlyAdmin):
    list_display = [
        "order_number",
        "channel_code",
        "transaction_id",
        "customer",
        "business_date",
        "amount",
        "statement_link",
    ]
    list_select_related = ["channel", "customer", "statement__channel"]
    list_filter = ["channel", "business_date"]
    search_fields = ["order_number", "transaction_id", "customer__account_number"]
    date_hierarchy = "business_date"

    @admin.display(description=_("total"), ordering="total")
    def amount(self, obj: SalesOrder) -> str:
        return f"{number_format(obj.total, 2)}\u00a0{obj.currency}"

    @admin.display(description=_("statement"), ordering="statement__business_date")
    def statement_link(self, obj: SalesOrder) -> str:
        """The statement's status, linked (its channel and date are the order's own)."""
        statement = obj.statement
        if statement is None:
            return self.get_empty_value_display()
        return change_link(statement, statement.get_status_display(), title=str(statement))


@admin.register(Statement)
class StatementAdmin(ChannelCodeColumn, ReadOnlyAdmin):
    # The key columns fit 1366 px: when it was posted sits under its status.
    list_display = [
        "channel_code",
        "business_date",
        "status_and_time",
        "transaction_count",
        "total",
        "blocking_count",
    ]
    list_select_related = ["channel"]
    list_filter = ["status", "channel"]
    date_hierarchy = "business_date"
    readonly_fields = ["blocking_records"]

    @admin.display(description=_("status"), ordering="status")
    def status_and_time(self, obj: Statement) -> str:
        if obj.posted_at is None:
            return obj.get_status_display()
        return format_html(
            '{}<br><small class="quiet">{}</small>',
            obj.get_status_display(),
            date_format(timezone.localtime(obj.posted_at), "SHORT_DATETIME_FORMAT"),
        )

    @admin.display(description=_("blocking"))
    def blocking_count(self, obj: Statement) -> int:
        return len(obj.blocking or [])

    @admin.display(description=_("blocking records and reasons"))
    def blocking_records(self, obj: Statement) -> str:
        if not obj.blocking:
            return "-"
        return format_html_join(
            "\n",
            gettext("<p><strong>{}</strong> (sale {}): {}</p>"),
            (
                (
                    b["record"] or gettext("no customer"),
                    b["transaction_id"],
                    stored_message(b.get("reason_detail") or b["reason"]),
                )
                for b in obj.blocking
            ),
        )


@admin.register(LoyaltyCard)
class LoyaltyCardAdmin(ReadOnlyAdmin):
    list_display = ["card_number", "customer", "channel", "issued_at"]
    list_select_related = ["customer", "channel"]
    search_fields = ["card_number", "customer__account_number"]
