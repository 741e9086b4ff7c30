"""HQ sales: uploaded transactions, sales orders and statements."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class TransactionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    COMPLETED = "completed", "Completed"


class UploadedTransaction(models.Model):
    """A channel sale in HQ, waiting for Synchronize orders (orders) or EOD (cash-and-carry)."""

    channel = models.ForeignKey(
        "hqcommerce.Channel", on_delete=models.PROTECT, related_name="uploaded_transactions"
    )
    transaction_id = models.CharField(max_length=64)
    kind = models.CharField(
        max_length=20,
        choices=[("cash_and_carry", "Cash-and-carry sale"), ("customer_order", "Customer order")],
    )
    business_date = models.DateField()
    customer_account = models.CharField(max_length=30, blank=True)
    customer_async_id = models.UUIDField(null=True, blank=True)
    address_async_id = models.UUIDField(null=True, blank=True)
    currency = models.CharField(max_length=3)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    lines = models.JSONField()
    hq_order_number = models.CharField(max_length=30, blank=True)
    source_counter = models.PositiveBigIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10, choices=TransactionStatus.choices, default=TransactionStatus.PENDING
    )
    last_error = models.TextField("last known error", blank=True)
    attempts = models.PositiveIntegerField(default=0)
    statement = models.ForeignKey(
        "hqcommerce.Statement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transactions",
    )

    class Meta:
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
        return f"{self.channel_id}/{self.transaction_id}"

    @property
    def customer_ref(self) -> str:
        return self.customer_account or (
            str(self.customer_async_id) if self.customer_async_id else ""
        )


class SalesOrder(models.Model):
    """An HQ sales order. Its customer is always a real HQ customer, never a temporary id."""

    order_number = models.CharField(max_length=30, unique=True)
    channel = models.ForeignKey("hqcommerce.Channel", on_delete=models.PROTECT)
    transaction_id = models.CharField(max_length=64)
    customer = models.ForeignKey(
        "hqcommerce.Customer", on_delete=models.PROTECT, related_name="sales_orders"
    )
    delivery_address = models.ForeignKey(
        "hqcommerce.CustomerAddress", on_delete=models.PROTECT, null=True, blank=True
    )
    statement = models.ForeignKey(
        "hqcommerce.Statement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales_orders",
    )
    business_date = models.DateField()
    currency = models.CharField(max_length=3)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    lines = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
    OPEN = "open", "Open"
    CALCULATED = "calculated", "Calculated"
    BLOCKED = "blocked", "Blocked"
    POSTED = "posted", "Posted"


class Statement(models.Model):
    """A channel's end-of-day statement for one business date."""

    channel = models.ForeignKey(
        "hqcommerce.Channel", on_delete=models.PROTECT, related_name="statements"
    )
    business_date = models.DateField()
    status = models.CharField(
        max_length=10, choices=StatementStatus.choices, default=StatementStatus.OPEN
    )
    transaction_count = models.PositiveIntegerField(default=0)
    total = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    blocking = models.JSONField(
        default=list, blank=True, help_text="Records that keep the statement from posting."
    )
    calculated_at = models.DateTimeField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
        return f"{self.channel_id} {self.business_date} ({self.status})"


class LoyaltyCard(models.Model):
    """Issued only to customers with an HQ account number (never to a pending one)."""

    card_number = models.CharField(max_length=30, unique=True)
    customer = models.ForeignKey(
        "hqcommerce.Customer", on_delete=models.PROTECT, related_name="loyalty_cards"
    )
    channel = models.ForeignKey("hqcommerce.Channel", on_delete=models.PROTECT)
    issued_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.card_number
