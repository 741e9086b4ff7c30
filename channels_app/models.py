"""The channel (store) database: what the POS writes, and the copy of HQ customers 1010 keeps.

Channel code never writes HQ tables; data crosses only through the jobs
(upload: P-job, download: 1010) or the real-time service call in sync mode.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q

from hqcommerce.models.customers import AddressPurpose, ContactKind, PartyType, ReceiptPreference


class ChannelReplicationState(models.Model):
    """Per-channel replication counters (D365's upload/download watermarks).

    `upload_counter` is the last counter given to a channel record; the P-job uploads records
    above `upload_watermark`. `download_watermark` is the last HQ customer version 1010
    applied to this channel.
    """

    channel = models.OneToOneField(
        "hqcommerce.Channel",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="replication_state",
    )
    upload_counter = models.PositiveBigIntegerField(default=0)
    upload_watermark = models.PositiveBigIntegerField(default=0)
    download_watermark = models.PositiveBigIntegerField(default=0)
    last_upload_at = models.DateTimeField(null=True, blank=True)
    last_download_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(upload_watermark__lte=F("upload_counter")),
                name="replstate_upload_watermark_le_counter",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.channel_id}: up {self.upload_watermark}/{self.upload_counter}, "
            f"down {self.download_watermark}"
        )


class AsyncCustomer(models.Model):
    """A customer the POS created without HQ; its GUID is the temporary account id."""

    channel = models.ForeignKey(
        "hqcommerce.Channel", on_delete=models.PROTECT, related_name="async_customers"
    )
    async_id = models.UUIDField("temporary id", default=uuid.uuid4, editable=False)
    party_type = models.CharField(
        max_length=12, choices=PartyType.choices, default=PartyType.PERSON
    )
    first_name = models.CharField(max_length=60, blank=True)
    middle_name = models.CharField(max_length=60, blank=True)
    last_name = models.CharField(max_length=60, blank=True)
    organization_name = models.CharField(max_length=120, blank=True)
    customer_group = models.CharField(max_length=20, blank=True, help_text="Blank: inherit.")
    currency = models.CharField(max_length=3, blank=True, help_text="Blank: inherit.")
    language = models.CharField(max_length=10, blank=True, help_text="Blank: inherit.")
    receipt_preference = models.CharField(
        max_length=5, choices=ReceiptPreference.choices, blank=True, help_text="Blank: inherit."
    )
    register = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    upload_counter = models.PositiveBigIntegerField()
    uploaded_at = models.DateTimeField(null=True, blank=True)
    account_number = models.CharField(
        max_length=30, blank=True, help_text="Set by 1010 once HQ created the customer."
    )
    mapped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "async_id"], name="asynccust_unique_guid"),
            models.UniqueConstraint(
                fields=["channel", "upload_counter"], name="asynccust_unique_counter"
            ),
            models.CheckConstraint(
                condition=Q(account_number="") | Q(mapped_at__isnull=False),
                name="asynccust_mapped_has_time",
            ),
        ]
        indexes = [models.Index(fields=["channel", "account_number"], name="asynccust_map_idx")]

    def __str__(self) -> str:
        return f"{self.account_number or 'Pending sync'} ({self.async_id})"

    @property
    def is_pending_sync(self) -> bool:
        return not self.account_number

    @property
    def display_name(self) -> str:
        if self.party_type == PartyType.ORGANIZATION:
            return self.organization_name
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)


class AsyncCustomerAddress(models.Model):
    customer = models.ForeignKey(AsyncCustomer, on_delete=models.CASCADE, related_name="addresses")
    async_id = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    purpose = models.CharField(
        max_length=10, choices=AddressPurpose.choices, default=AddressPurpose.HOME
    )
    is_primary = models.BooleanField(default=False)
    name = models.CharField(max_length=100, blank=True)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=60, blank=True)
    zip_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=3, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "async customer addresses"

    def __str__(self) -> str:
        return ", ".join(p for p in (self.street, self.city, self.country) if p)


class AsyncCustomerContact(models.Model):
    customer = models.ForeignKey(AsyncCustomer, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(max_length=5, choices=ContactKind.choices)
    value = models.CharField(max_length=254)
    is_primary = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"


class AsyncCustomerAffiliation(models.Model):
    customer = models.ForeignKey(
        AsyncCustomer, on_delete=models.CASCADE, related_name="affiliations"
    )
    name = models.CharField(max_length=60)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "name"], name="asyncaff_unique")]

    def __str__(self) -> str:
        return self.name


class AsyncCustomerAttribute(models.Model):
    customer = models.ForeignKey(AsyncCustomer, on_delete=models.CASCADE, related_name="attributes")
    name = models.CharField(max_length=60)
    value = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "name"], name="asyncattr_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"


class ChannelCustomer(models.Model):
    """The channel's copy of an HQ customer, written by 1010 (and the sync-mode POS path)."""

    channel = models.ForeignKey(
        "hqcommerce.Channel", on_delete=models.CASCADE, related_name="customer_copies"
    )
    account_number = models.CharField(max_length=30)
    async_id = models.UUIDField(
        "temporary id", null=True, blank=True, help_text="The GUID it had while pending sync."
    )
    origin_channel_code = models.CharField(max_length=20, blank=True)
    party_type = models.CharField(max_length=12, choices=PartyType.choices)
    name = models.CharField(max_length=200)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=254, blank=True)
    customer_group = models.CharField(max_length=20)
    currency = models.CharField(max_length=3)
    language = models.CharField(max_length=10)
    data = models.JSONField(
        default=dict, help_text="Addresses, contacts, affiliations and attributes."
    )
    hq_version = models.PositiveBigIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "account_number"], name="channelcust_unique_account"
            )
        ]
        indexes = [models.Index(fields=["channel", "async_id"], name="channelcust_guid_idx")]

    def __str__(self) -> str:
        return f"{self.account_number} {self.name}"


class CustomerRefMixin(models.Model):
    """Which customer a channel operation is about: a synced account or an async GUID."""

    target_account = models.CharField(max_length=30, blank=True)
    target_async_id = models.UUIDField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def target_display(self) -> str:
        return self.target_account or str(self.target_async_id)


class AsyncAddress(CustomerRefMixin):
    """An address the POS added later to an async or a synced customer (RETAILASYNCADDRESSV2)."""

    channel = models.ForeignKey(
        "hqcommerce.Channel", on_delete=models.PROTECT, related_name="async_addresses"
    )
    async_id = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    purpose = models.CharField(
        max_length=10, choices=AddressPurpose.choices, default=AddressPurpose.DELIVERY
    )
    is_primary = models.BooleanField(default=False)
    name = models.CharField(max_length=100, blank=True)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=60, blank=True)
    zip_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=3, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    upload_counter = models.PositiveBigIntegerField()

    class Meta:
        verbose_name_plural = "async addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "upload_counter"], name="asyncaddr_unique_counter"
            ),
            models.CheckConstraint(
                condition=~Q(target_account="") | Q(target_async_id__isnull=False),
                name="asyncaddr_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.street}, {self.city} for {self.target_display}"


class AsyncCustomerEdit(CustomerRefMixin):
    """An edit recorded at the channel, applied in HQ in `sequence` order per customer."""

    channel = models.ForeignKey(
        "hqcommerce.Channel", on_delete=models.PROTECT, related_name="async_edits"
    )
    async_id = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    sequence = models.PositiveIntegerField()
    changes = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    upload_counter = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "upload_counter"], name="asyncedit_unique_counter"
            ),
            models.UniqueConstraint(
                fields=["channel", "target_async_id", "target_account", "sequence"],
                name="asyncedit_unique_sequence",
            ),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="asyncedit_sequence_gte_1"),
            models.CheckConstraint(
                condition=~Q(target_account="") | Q(target_async_id__isnull=False),
                name="asyncedit_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"edit #{self.sequence} of {self.target_display}"


class TransactionKind(models.TextChoices):
    CASH_AND_CARRY = "cash_and_carry", "Cash-and-carry sale"
    CUSTOMER_ORDER = "customer_order", "Customer order"


class OrderMode(models.TextChoices):
    ASYNC = "async", "Async (created in HQ by Synchronize orders)"
    SYNC = "sync", "Synchronous (created in HQ at once)"


class ChannelTransaction(models.Model):
    """A sale recorded at the POS; uploaded by the P-job after the channel's customers."""

    channel = models.ForeignKey(
        "hqcommerce.Channel", on_delete=models.PROTECT, related_name="transactions"
    )
    transaction_id = models.CharField(max_length=64, help_text="The POS's own id; idempotency key.")
    kind = models.CharField(max_length=20, choices=TransactionKind.choices)
    order_mode = models.CharField(max_length=5, choices=OrderMode.choices, default=OrderMode.ASYNC)
    business_date = models.DateField()
    customer_account = models.CharField(max_length=30, blank=True)
    customer_async_id = models.UUIDField(null=True, blank=True)
    address_async_id = models.UUIDField(null=True, blank=True)
    currency = models.CharField(max_length=3)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    lines = models.JSONField(help_text="Item id, description, quantity, unit price, amount.")
    hq_order_number = models.CharField(
        max_length=30, blank=True, help_text="Set at once for a synchronous customer order."
    )
    request_fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    upload_counter = models.PositiveBigIntegerField()
    uploaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "transaction_id"], name="chtx_unique_transaction_id"
            ),
            models.UniqueConstraint(
                fields=["channel", "upload_counter"], name="chtx_unique_counter"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=TransactionKind.values), name="chtx_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind=TransactionKind.CUSTOMER_ORDER) | Q(order_mode=OrderMode.ASYNC),
                name="chtx_only_orders_are_sync",
            ),
            models.CheckConstraint(
                condition=Q(kind=TransactionKind.CASH_AND_CARRY)
                | ~Q(customer_account="")
                | Q(customer_async_id__isnull=False),
                name="chtx_order_has_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}/{self.transaction_id}"


class PartnerRequest(models.Model):
    """A company asking to buy as a B2B customer, collected at the store or online channel."""

    channel = models.ForeignKey(
        "hqcommerce.Channel", on_delete=models.PROTECT, related_name="partner_requests"
    )
    async_id = models.UUIDField("request id", default=uuid.uuid4, editable=False, unique=True)
    company_name = models.CharField(max_length=120)
    tax_id = models.CharField(max_length=30)
    contact_first_name = models.CharField(max_length=60, blank=True)
    contact_last_name = models.CharField(max_length=60)
    email = models.CharField(max_length=254)
    phone = models.CharField(max_length=254, blank=True)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=60, blank=True)
    zip_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=3, blank=True)
    requested_customer_group = models.CharField(max_length=20, blank=True)
    comment = models.TextField(blank=True, max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)
    upload_counter = models.PositiveBigIntegerField()
    uploaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "upload_counter"], name="partnerreq_unique_counter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.async_id})"
