"""HQ sales: uploaded transactions, sales orders and statements."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from channels_app.errors import stored_message
from channels_app.vocabulary import TransactionKind

__all__ = ["TransactionKind"]


class TransactionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    COMPLETED = "completed", _("Completed")


class UploadedTransaction(models.Model):
    """A channel sale in HQ, waiting for Synchronize orders (orders) or EOD (cash-and-carry)."""

    channel = models.ForeignKey(
        "hqcommerce.Channel",
        on_delete=models.PROTECT,
        db_index=False,  # led by the composite indexes below
        related_name="uploaded_transactions",
        verbose_name=_("channel"),
    )
    transaction_id = models.CharField(max_length=64, verbose_name=_("transaction id"))
    kind = models.CharField(
        max_length=20,
        choices=TransactionKind.choices,
        verbose_name=_("kind"),
    )
    business_date = models.DateField(verbose_name=_("business date"))
    customer_account = models.CharField(
        max_length=30, blank=True, verbose_name=_("customer account")
    )
    customer_async_id = models.UUIDField(null=True, blank=True, verbose_name=_("customer async id"))
    address_async_id = models.UUIDField(null=True, blank=True, verbose_name=_("address async id"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    total = models.DecimalField(max_digits=14, decimal_places=2, verbose_name=_("total"))
    lines = models.JSONField(verbose_name=_("lines"))
    hq_order_number = models.CharField(max_length=30, blank=True, verbose_name=_("hq order number"))
    source_counter = models.PositiveBigIntegerField(verbose_name=_("source counter"))
    uploaded_at = models.DateTimeField(auto_now_add=True, verbose_name=_("uploaded at"))
    status = models.CharField(
        max_length=10,
        choices=TransactionStatus.choices,
        default=TransactionStatus.PENDING,
        verbose_name=_("status"),
    )
    last_error = models.TextField(_("last known error"), blank=True)
    # As a message code and parameters, rendered in each reader's language (error_text).
    last_error_detail = models.JSONField(
        null=True, blank=True, editable=False, verbose_name=_("last known error (as a message)")
    )
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    statement = models.ForeignKey(
        "hqcommerce.Statement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transactions",
        verbose_name=_("statement"),
    )

    class Meta:
        verbose_name = _("uploaded transaction")
        verbose_name_plural = _("uploaded transactions")
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "transaction_id"], name="uptx_unique_transaction"
            ),
            models.CheckConstraint(
                condition=Q(status__in=TransactionStatus.values), name="uptx_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "status", "id"], name="uptx_claim_idx"),
            models.Index(fields=["channel", "business_date"], name="uptx_channel_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel.code}/{self.transaction_id}"

    @property
    def error_text(self) -> str:
        if self.last_error_detail is None:
            return self.last_error
        return str(stored_message(self.last_error_detail))

    @property
    def customer_ref(self) -> str:
        return self.customer_account or (
            str(self.customer_async_id) if self.customer_async_id else ""
        )


class SalesOrder(models.Model):
    """An HQ sales order. Its customer is always a real HQ customer, never a temporary id."""

    order_number = models.CharField(max_length=30, unique=True, verbose_name=_("order number"))
    channel = models.ForeignKey(
        "hqcommerce.Channel",
        on_delete=models.PROTECT,
        db_index=False,  # led by the composite indexes below
        verbose_name=_("channel"),
    )
    transaction_id = models.CharField(max_length=64, verbose_name=_("transaction id"))
    customer = models.ForeignKey(
        "hqcommerce.Customer",
        on_delete=models.PROTECT,
        related_name="sales_orders",
        verbose_name=_("customer"),
    )
    delivery_address = models.ForeignKey(
        "hqcommerce.CustomerAddress",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("delivery address"),
    )
    statement = models.ForeignKey(
        "hqcommerce.Statement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales_orders",
        verbose_name=_("statement"),
    )
    business_date = models.DateField(verbose_name=_("business date"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    total = models.DecimalField(max_digits=14, decimal_places=2, verbose_name=_("total"))
    lines = models.JSONField(verbose_name=_("lines"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One order per channel transaction: running a job twice creates no second order.
            models.UniqueConstraint(
                fields=["channel", "transaction_id"], name="salesorder_one_per_transaction"
            )
        ]

    def __str__(self) -> str:
        return self.order_number


class StatementStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CALCULATED = "calculated", _("Calculated")
    BLOCKED = "blocked", _("Blocked")
    POSTED = "posted", _("Posted")


class Statement(models.Model):
    """A channel's end-of-day statement for one business date."""

    channel = models.ForeignKey(
        "hqcommerce.Channel",
        on_delete=models.PROTECT,
        related_name="statements",
        verbose_name=_("channel"),
    )
    business_date = models.DateField(verbose_name=_("business date"))
    status = models.CharField(
        max_length=10,
        choices=StatementStatus.choices,
        default=StatementStatus.OPEN,
        verbose_name=_("status"),
    )
    transaction_count = models.PositiveIntegerField(default=0, verbose_name=_("transaction count"))
    total = models.DecimalField(max_digits=20, decimal_places=2, default=0, verbose_name=_("total"))
    blocking = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Records that keep the statement from posting."),
        verbose_name=_("blocking"),
    )
    calculated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("calculated at"))
    posted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("posted at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["-business_date", "channel_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "business_date"],
                condition=~Q(status="posted"),
                name="statement_one_unposted_per_day",
            ),
            models.CheckConstraint(
                condition=~Q(status="posted") | Q(posted_at__isnull=False),
                name="statement_posted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel.code} {self.business_date} ({self.get_status_display()})"


class LoyaltyCard(models.Model):
    """Issued only to customers with an HQ account number (never to a pending one)."""

    card_number = models.CharField(max_length=30, unique=True, verbose_name=_("card number"))
    customer = models.ForeignKey(
        "hqcommerce.Customer",
        on_delete=models.PROTECT,
        related_name="loyalty_cards",
        verbose_name=_("customer"),
    )
    channel = models.ForeignKey(
        "hqcommerce.Channel", on_delete=models.PROTECT, verbose_name=_("channel")
    )
    issued_at = models.DateTimeField(auto_now_add=True, verbose_name=_("issued at"))

    class Meta:
        verbose_name = _("loyalty card")
        verbose_name_plural = _("loyalty cards")

    def __str__(self) -> str:
        return self.card_number
