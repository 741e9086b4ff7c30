"""The channel database (one per scale unit): what its stores' POS writes, and what HQ's
jobs bring down to it.

Every model here lives in a channel database (see databases.py), never in HQ's. Data crosses
only through the jobs (upload: P-job; download: 1010 customers, 1070 configuration) or the
real-time call a sync-mode store makes. A reference to HQ is a plain value (an id or a code),
never a database foreign key.
"""

from __future__ import annotations

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from rest_framework_api_key.models import AbstractAPIKey

from channels_app.keys import PrefixKeyManager
from channels_app.vocabulary import (
    AddressPurpose,
    ContactKind,
    PartyType,
    ReceiptPreference,
    TransactionKind,
)


class Store(models.Model):
    """A channel (store) as its channel database knows it: HQ's configuration, copied down by
    the Channel configuration job (1070), so the POS never asks HQ for it.

    Its primary key is HQ's channel id, so `channel_id` means the same store on both sides.
    """

    id = models.BigIntegerField(primary_key=True, verbose_name=_("HQ channel id"))
    code = models.CharField(max_length=20, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=100, verbose_name=_("name"))
    create_customer_async = models.BooleanField(
        default=False, verbose_name=_("create customer in async mode")
    )
    auto_convert = models.BooleanField(default=True, verbose_name=_("convert in near real time"))
    # What a new customer inherits: the channel's default customer's values.
    default_party_type = models.CharField(
        max_length=12,
        choices=PartyType.choices,
        default=PartyType.PERSON,
        verbose_name=_("default party type"),
    )
    default_customer_group = models.CharField(
        max_length=20, default="RETAIL", verbose_name=_("default customer group")
    )
    default_currency = models.CharField(
        max_length=3, default="USD", verbose_name=_("default currency")
    )
    default_language = models.CharField(
        max_length=10, default="en-us", verbose_name=_("default language")
    )
    default_receipt_preference = models.CharField(
        max_length=5,
        choices=ReceiptPreference.choices,
        default=ReceiptPreference.PRINT,
        verbose_name=_("default receipt preference"),
    )
    default_affiliations = models.JSONField(
        default=list, blank=True, verbose_name=_("default affiliations")
    )
    country = models.CharField(max_length=3, default="USA", verbose_name=_("country"))
    # The customer attributes of the store's attribute groups (HQ's definitions, by 1070).
    attribute_definitions = models.JSONField(
        default=list, blank=True, verbose_name=_("customer attribute definitions")
    )
    # HQ's master data a customer here is held to (1070): customer groups and affiliations
    # HQ defines, currencies it allows here; empty: none set.
    customer_groups = models.JSONField(default=list, blank=True, verbose_name=_("customer groups"))
    known_affiliations = models.JSONField(
        default=list, blank=True, verbose_name=_("affiliations HQ defines")
    )
    currencies = models.JSONField(default=list, blank=True, verbose_name=_("allowed currencies"))
    # HQ's Commerce parameters (channels_app/features.py), copied by 1070.
    async_address_creation = models.BooleanField(
        default=True, verbose_name=_("Enable asynchronous creation for customer addresses")
    )
    enhanced_async_creation = models.BooleanField(
        default=True, verbose_name=_("Enable enhanced async customer creation")
    )
    async_customer_editing = models.BooleanField(
        default=True, verbose_name=_("Enable editing customers in asynchronous mode")
    )
    configured_at = models.DateTimeField(
        null=True,
        blank=True,
        verbose_name=_("configured at"),
        help_text=_("When HQ last wrote this store's configuration here."),
    )
    moved_away_at = models.DateTimeField(
        null=True,
        blank=True,
        verbose_name=_("moved away at"),
        help_text=_(
            "HQ moved this store to another channel database: its registers no longer work "
            "here, and what it wrote here was uploaded before the move."
        ),
    )

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class StoreDeviceKey(AbstractAPIKey):
    """A POS register's key as its channel database holds it (hashed, as in HQ), so a
    register authenticates while HQ is down. HQ writes it through when it creates or revokes
    a key, and 1070 brings any it missed."""

    prefix = models.CharField(max_length=8, unique=True, editable=False, verbose_name=_("prefix"))
    created = models.DateTimeField(verbose_name=_("created at"))
    name = models.CharField(max_length=50, verbose_name=_("register name"))
    revoked = models.BooleanField(default=False, verbose_name=_("revoked"))
    expiry_date = models.DateTimeField(blank=True, null=True, verbose_name=_("expires"))
    channel = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="device_keys", verbose_name=_("store")
    )
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used at"))

    objects = PrefixKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("store device key")
        verbose_name_plural = _("store device keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotencyRecord(models.Model):
    """The first response to a request sent with an Idempotency-Key, for its retries. Kept in
    the channel database with the work it answered for, in the same transaction."""

    scope = models.CharField(
        max_length=80, help_text=_("The device or user that sent the key."), verbose_name=_("scope")
    )
    key = models.CharField(max_length=255, verbose_name=_("key"))
    endpoint = models.CharField(max_length=100, verbose_name=_("endpoint"))
    request_hash = models.CharField(max_length=64, verbose_name=_("request hash"))
    status_code = models.PositiveSmallIntegerField(verbose_name=_("status code"))
    response = models.JSONField(encoder=DjangoJSONEncoder, verbose_name=_("response"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class ChannelReplicationState(models.Model):
    """A store's upload counter: the last counter given to one of its records.

    The P-job uploads records above the store's upload watermark, which HQ keeps (it moves in
    the HQ transaction that writes the staging rows). The download side is DownloadState.
    """

    channel = models.OneToOneField(
        Store,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="replication_state",
        verbose_name=_("store"),
    )
    upload_counter = models.PositiveBigIntegerField(default=0, verbose_name=_("upload counter"))
    # How often a sync-mode store's real-time call to HQ failed and the POS fell back to
    # async mode (counted here, where the POS writes, so every web process's count adds up).
    realtime_fallbacks = models.PositiveIntegerField(
        default=0, verbose_name=_("real-time fallbacks")
    )
    last_fallback_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("last fallback at")
    )

    class Meta:
        verbose_name = _("channel replication state")
        verbose_name_plural = _("channel replication states")

    def __str__(self) -> str:
        return f"{self.channel_id}: counter {self.upload_counter}"


class DownloadState(models.Model):
    """What this channel database has received from HQ (D365's download sessions): one row per
    download job, its watermark moved in the same transaction as the rows it brought."""

    job = models.CharField(max_length=10, unique=True, verbose_name=_("job"))
    watermark = models.PositiveBigIntegerField(default=0, verbose_name=_("watermark"))
    last_download_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("last download at")
    )
    last_rows = models.PositiveIntegerField(default=0, verbose_name=_("rows in last download"))

    class Meta:
        verbose_name = _("download state")
        verbose_name_plural = _("download states")

    def __str__(self) -> str:
        return f"{self.job}: {self.watermark}"


class TriggerState(models.TextChoices):
    IDLE = "idle", _("Idle")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")


class ConversionTrigger(models.Model):
    """Coalesces near-real-time conversions: per store at most one queued or running
    convert, plus one waiting (`rerun`) for records that arrive while it runs.

    It lives in the channel database, beside the records that set it, so a POS write sets it
    in its own transaction without touching HQ; HQ's trigger watcher polls for it.
    """

    channel = models.OneToOneField(
        Store,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="trigger",
        verbose_name=_("store"),
    )
    state = models.CharField(
        max_length=10,
        choices=TriggerState.choices,
        default=TriggerState.IDLE,
        verbose_name=pgettext_lazy("conversion trigger", "state"),
    )
    rerun = models.BooleanField(default=False, verbose_name=_("rerun"))
    changed_at = models.DateTimeField(auto_now=True, verbose_name=_("changed at"))
    runs = models.PositiveIntegerField(default=0, verbose_name=_("runs"))
    last_job_run_id = models.PositiveBigIntegerField(
        null=True, blank=True, verbose_name=_("last job run")
    )

    class Meta:
        verbose_name = _("conversion trigger")
        verbose_name_plural = _("conversion triggers")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=TriggerState.values), name="trigger_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state=TriggerState.RUNNING) | Q(rerun=False),
                name="trigger_rerun_only_while_running",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}: {self.state}{' + rerun' if self.rerun else ''}"


class AsyncCustomer(models.Model):
    """A customer the POS created without HQ; its GUID is the temporary account id."""

    channel = models.ForeignKey(
        Store,
        on_delete=models.PROTECT,
        db_index=False,  # led by the composite indexes below
        related_name="async_customers",
        verbose_name=_("channel"),
    )
    async_id = models.UUIDField(_("temporary id"), default=uuid.uuid4, editable=False)
    party_type = models.CharField(
        max_length=12,
        choices=PartyType.choices,
        default=PartyType.PERSON,
        verbose_name=_("party type"),
    )
    title = models.CharField(max_length=20, blank=True, verbose_name=_("title"))
    first_name = models.CharField(max_length=60, blank=True, verbose_name=_("first name"))
    middle_name = models.CharField(max_length=60, blank=True, verbose_name=_("middle name"))
    last_name = models.CharField(max_length=60, blank=True, verbose_name=_("last name"))
    organization_name = models.CharField(
        max_length=120, blank=True, verbose_name=_("organization name")
    )
    customer_group = models.CharField(
        max_length=20, blank=True, help_text=_("Blank: inherit."), verbose_name=_("customer group")
    )
    currency = models.CharField(
        max_length=3, blank=True, help_text=_("Blank: inherit."), verbose_name=_("currency")
    )
    language = models.CharField(
        max_length=10, blank=True, help_text=_("Blank: inherit."), verbose_name=_("language")
    )
    receipt_preference = models.CharField(
        max_length=5,
        choices=ReceiptPreference.choices,
        blank=True,
        help_text=_("Blank: inherit."),
        verbose_name=_("receipt preference"),
    )
    receipt_email = models.CharField(max_length=254, blank=True, verbose_name=_("receipt email"))
    register = models.CharField(max_length=40, blank=True, verbose_name=_("register"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    upload_counter = models.PositiveBigIntegerField(verbose_name=_("upload counter"))
    uploaded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("uploaded at"))
    account_number = models.CharField(
        max_length=30,
        blank=True,
        help_text=_("Set by 1010 once HQ created the customer."),
        verbose_name=_("account number"),
    )
    mapped_at = models.DateTimeField(null=True, blank=True, verbose_name=_("mapped at"))

    class Meta:
        verbose_name = _("async customer")
        verbose_name_plural = _("async customers")
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
        return f"{self.account_number or _('Pending sync')} ({self.async_id})"

    @property
    def is_pending_sync(self) -> bool:
        return not self.account_number

    @property
    def display_name(self) -> str:
        if self.party_type == PartyType.ORGANIZATION:
            return self.organization_name
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)

    display_name.fget.short_description = _("name")


class AddressFields(models.Model):
    """The address columns both async address tables carry (they mirror D365's two
    channel tables: addresses created with the customer and addresses added later)."""

    async_id = models.UUIDField(
        default=uuid.uuid4, editable=False, unique=True, verbose_name=_("async id")
    )
    purpose = models.CharField(
        max_length=10,
        choices=AddressPurpose.choices,
        default=AddressPurpose.HOME,
        verbose_name=_("purpose"),
    )
    is_primary = models.BooleanField(default=False, verbose_name=_("is primary"))
    name = models.CharField(max_length=100, blank=True, verbose_name=_("name"))
    street = models.CharField(max_length=200, blank=True, verbose_name=_("street"))
    city = models.CharField(max_length=60, blank=True, verbose_name=_("city"))
    state = models.CharField(max_length=60, blank=True, verbose_name=_("state"))
    zip_code = models.CharField(max_length=20, blank=True, verbose_name=_("zip code"))
    country = models.CharField(max_length=3, blank=True, verbose_name=_("country"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return ", ".join(p for p in (self.street, self.city, self.country) if p)


class AsyncCustomerAddress(AddressFields):
    customer = models.ForeignKey(
        AsyncCustomer,
        on_delete=models.CASCADE,
        related_name="addresses",
        verbose_name=_("customer"),
    )

    class Meta:
        verbose_name = _("async customer address")
        verbose_name_plural = _("async customer addresses")


class AsyncCustomerContact(models.Model):
    customer = models.ForeignKey(
        AsyncCustomer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("customer")
    )
    kind = models.CharField(max_length=5, choices=ContactKind.choices, verbose_name=_("kind"))
    value = models.CharField(max_length=254, verbose_name=_("value"))
    is_primary = models.BooleanField(default=False, verbose_name=_("is primary"))
    marketing_opt_in = models.BooleanField(default=False, verbose_name=_("marketing opt-in"))
    opt_in_at = models.DateTimeField(null=True, blank=True, verbose_name=_("opted in at"))

    class Meta:
        verbose_name = _("async customer contact")
        verbose_name_plural = _("async customer contacts")

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"


class AsyncCustomerAffiliation(models.Model):
    customer = models.ForeignKey(
        AsyncCustomer,
        on_delete=models.CASCADE,
        db_index=False,  # led by the composite indexes below
        related_name="affiliations",
        verbose_name=_("customer"),
    )
    name = models.CharField(max_length=60, verbose_name=_("name"))

    class Meta:
        verbose_name = _("async customer affiliation")
        verbose_name_plural = _("async customer affiliations")
        constraints = [models.UniqueConstraint(fields=["customer", "name"], name="asyncaff_unique")]

    def __str__(self) -> str:
        return self.name


class AsyncCustomerAttribute(models.Model):
    customer = models.ForeignKey(
        AsyncCustomer,
        on_delete=models.CASCADE,
        db_index=False,  # led by the composite indexes below
        related_name="attributes",
        verbose_name=_("customer"),
    )
    name = models.CharField(max_length=60, verbose_name=_("name"))
    value = models.CharField(max_length=200, blank=True, verbose_name=_("value"))

    class Meta:
        verbose_name = _("async customer attribute")
        verbose_name_plural = _("async customer attributes")
        constraints = [
            models.UniqueConstraint(fields=["customer", "name"], name="asyncattr_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"


class ChannelCustomer(models.Model):
    """A channel database's copy of an HQ customer, written by 1010 (and the sync-mode POS
    path). Every store of that database sees it."""

    account_number = models.CharField(max_length=30, unique=True, verbose_name=_("account number"))
    async_id = models.UUIDField(
        _("temporary id"),
        null=True,
        blank=True,
        help_text=_("The GUID it had while pending sync."),
    )
    origin_channel_code = models.CharField(
        max_length=20, blank=True, verbose_name=_("origin channel code")
    )
    party_type = models.CharField(
        max_length=12, choices=PartyType.choices, verbose_name=_("party type")
    )
    name = models.CharField(max_length=200, verbose_name=_("name"))
    email = models.CharField(max_length=254, blank=True, verbose_name=_("email"))
    phone = models.CharField(max_length=254, blank=True, verbose_name=_("phone"))
    customer_group = models.CharField(max_length=20, verbose_name=_("customer group"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    language = models.CharField(max_length=10, verbose_name=_("language"))
    data = models.JSONField(
        default=dict,
        help_text=_("Addresses, contacts, affiliations and attributes."),
        verbose_name=_("data"),
    )
    hq_version = models.PositiveBigIntegerField(verbose_name=_("hq version"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("channel customer")
        verbose_name_plural = _("channel customers")
        ordering = ["account_number"]
        indexes = [models.Index(fields=["async_id"], name="channelcust_guid_idx")]

    def __str__(self) -> str:
        return f"{self.account_number} {self.name}"


class CustomerRefMixin(models.Model):
    """Which customer a channel operation is about: a synced account or an async GUID."""

    target_account = models.CharField(max_length=30, blank=True, verbose_name=_("target account"))
    target_async_id = models.UUIDField(null=True, blank=True, verbose_name=_("target async id"))

    class Meta:
        abstract = True

    @property
    def target_display(self) -> str:
        return self.target_account or str(self.target_async_id)

    target_display.fget.short_description = _("customer")


class AsyncAddress(CustomerRefMixin, AddressFields):
    """An address the POS added later to an async or a synced customer (RETAILASYNCADDRESSV2)."""

    channel = models.ForeignKey(
        Store,
        on_delete=models.PROTECT,
        db_index=False,  # led by the composite indexes below
        related_name="async_addresses",
        verbose_name=_("channel"),
    )
    purpose = models.CharField(
        max_length=10,
        choices=AddressPurpose.choices,
        default=AddressPurpose.DELIVERY,
        verbose_name=_("purpose"),
    )
    upload_counter = models.PositiveBigIntegerField(verbose_name=_("upload counter"))
    # Deleted at the store: kept (hidden from the POS) so the P-job still uploads its add,
    # and HQ applies add, edits and delete in order, each on the status page.
    deleted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("deleted at"))

    class Meta:
        verbose_name = _("async address")
        verbose_name_plural = _("async addresses")
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


class EditOperation(models.TextChoices):
    UPDATE = "update", _("Update customer")
    EDIT_ADDRESS = "edit_address", _("Edit address")
    DELETE_ADDRESS = "delete_address", _("Delete address")


class AsyncCustomerEdit(CustomerRefMixin):
    """An edit recorded at the channel, applied in HQ in `sequence` order per customer: of
    the customer's fields, attributes and affiliations, or of one of its addresses (by the
    address's own id, the same in every place).

    `old_values` are what the store knew before the edit, so the status page shows the
    change even when the upload already carries it (a customer edited before its P-job)."""

    channel = models.ForeignKey(
        Store,
        on_delete=models.PROTECT,
        db_index=False,  # led by the composite indexes below
        related_name="async_edits",
        verbose_name=_("channel"),
    )
    async_id = models.UUIDField(
        default=uuid.uuid4, editable=False, unique=True, verbose_name=_("async id")
    )
    sequence = models.PositiveIntegerField(verbose_name=_("sequence"))
    operation = models.CharField(
        max_length=15,
        choices=EditOperation.choices,
        default=EditOperation.UPDATE,
        verbose_name=_("operation"),
    )
    address_id = models.UUIDField(null=True, blank=True, verbose_name=_("address id"))
    changes = models.JSONField(verbose_name=_("changes"))
    old_values = models.JSONField(default=dict, blank=True, verbose_name=_("old values"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    upload_counter = models.PositiveBigIntegerField(verbose_name=_("upload counter"))
    # Stamped by the P-job once HQ holds it: what is still queued at the store (its limit).
    uploaded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("uploaded at"))

    class Meta:
        verbose_name = _("async customer edit")
        verbose_name_plural = _("async customer edits")
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
                condition=Q(operation=EditOperation.UPDATE, address_id__isnull=True)
                | Q(
                    operation__in=[EditOperation.EDIT_ADDRESS, EditOperation.DELETE_ADDRESS],
                    address_id__isnull=False,
                ),
                name="asyncedit_address_ops_name_an_address",
            ),
            models.CheckConstraint(
                condition=~Q(target_account="") | Q(target_async_id__isnull=False),
                name="asyncedit_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"edit #{self.sequence} of {self.target_display}"


class OrderMode(models.TextChoices):
    ASYNC = "async", _("Async (created in HQ by Synchronize orders)")
    SYNC = "sync", _("Synchronous (created in HQ at once)")


class ChannelTransaction(models.Model):
    """A sale recorded at the POS; uploaded by the P-job after the channel's customers."""

    channel = models.ForeignKey(
        Store,
        on_delete=models.PROTECT,
        db_index=False,  # led by the composite indexes below
        related_name="transactions",
        verbose_name=_("channel"),
    )
    transaction_id = models.CharField(
        max_length=64,
        help_text=_("The POS's own id; idempotency key."),
        verbose_name=_("transaction id"),
    )
    kind = models.CharField(max_length=20, choices=TransactionKind.choices, verbose_name=_("kind"))
    order_mode = models.CharField(
        max_length=5,
        choices=OrderMode.choices,
        default=OrderMode.ASYNC,
        verbose_name=_("order mode"),
    )
    business_date = models.DateField(verbose_name=_("business date"))
    customer_account = models.CharField(
        max_length=30, blank=True, verbose_name=_("customer account")
    )
    customer_async_id = models.UUIDField(null=True, blank=True, verbose_name=_("customer async id"))
    address_async_id = models.UUIDField(null=True, blank=True, verbose_name=_("address async id"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    total = models.DecimalField(max_digits=14, decimal_places=2, verbose_name=_("total"))
    lines = models.JSONField(
        help_text=_("Item id, description, quantity, unit price, amount."), verbose_name=_("lines")
    )
    hq_order_number = models.CharField(
        max_length=30,
        blank=True,
        help_text=_("Set at once for a synchronous customer order."),
        verbose_name=_("hq order number"),
    )
    request_fingerprint = models.CharField(max_length=64, verbose_name=_("request fingerprint"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    upload_counter = models.PositiveBigIntegerField(verbose_name=_("upload counter"))
    uploaded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("uploaded at"))

    class Meta:
        verbose_name = _("channel transaction")
        verbose_name_plural = _("channel transactions")
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
        Store,
        on_delete=models.PROTECT,
        db_index=False,  # led by the composite indexes below
        related_name="partner_requests",
        verbose_name=_("channel"),
    )
    async_id = models.UUIDField(_("request id"), default=uuid.uuid4, editable=False, unique=True)
    company_name = models.CharField(max_length=120, verbose_name=_("company name"))
    tax_id = models.CharField(max_length=30, verbose_name=_("tax id"))
    contact_first_name = models.CharField(
        max_length=60, blank=True, verbose_name=_("contact first name")
    )
    contact_last_name = models.CharField(max_length=60, verbose_name=_("contact last name"))
    email = models.CharField(max_length=254, verbose_name=_("email"))
    phone = models.CharField(max_length=254, blank=True, verbose_name=_("phone"))
    street = models.CharField(max_length=200, blank=True, verbose_name=_("street"))
    city = models.CharField(max_length=60, blank=True, verbose_name=_("city"))
    zip_code = models.CharField(max_length=20, blank=True, verbose_name=_("zip code"))
    country = models.CharField(max_length=3, blank=True, verbose_name=_("country"))
    requested_customer_group = models.CharField(
        max_length=20, blank=True, verbose_name=_("requested customer group")
    )
    comment = models.TextField(blank=True, max_length=1000, verbose_name=_("comment"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    upload_counter = models.PositiveBigIntegerField(verbose_name=_("upload counter"))
    uploaded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("uploaded at"))

    class Meta:
        verbose_name = _("partner request")
        verbose_name_plural = _("partner requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "upload_counter"], name="partnerreq_unique_counter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.async_id})"
