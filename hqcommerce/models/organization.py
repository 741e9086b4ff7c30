"""Configuration owned by HQ: functionality profiles, channel databases, channels, number
sequences."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

channel_code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9_-]*$",
    _("Use upper-case letters, digits, '-' and '_' (e.g. STORE01)."),
)


class FunctionalityProfile(models.Model):
    """A store's functionality profile; decides whether POS creates customers asynchronously."""

    name = models.CharField(max_length=60, unique=True, verbose_name=_("name"))
    create_customer_async = models.BooleanField(
        _("create customer in async mode"),
        default=False,
        help_text=_(
            "POS writes new customers only to channel data under a temporary GUID; "
            "the P-job, the customer sync job and 1010 turn them into HQ customers later."
        ),
    )
    auto_convert = models.BooleanField(
        _("convert in near real time"),
        default=True,
        help_text=_(
            "Each async record committed at the store queues a (coalesced) conversion, "
            "so its customer gets an account number in every store within seconds. "
            "Off: only the recurring schedules convert."
        ),
    )

    class Meta:
        verbose_name = _("functionality profile")
        verbose_name_plural = _("functionality profiles")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


DEFAULT_CHANNEL_DATABASE = "DEFAULT"


class ChannelDatabase(models.Model):
    """A channel database (D365's term; one per scale unit): the stores it serves share one
    copy of the HQ customers, which 1010 writes once per database, not once per store.

    Its `code` names an entry of CHANNEL_DATABASE_URLS (a row is made for each on migrate);
    what it has received from HQ (its download watermarks) is kept in the database itself.
    """

    code = models.CharField(
        max_length=20, unique=True, validators=[channel_code_validator], verbose_name=_("code")
    )
    name = models.CharField(max_length=100, verbose_name=_("name"))

    class Meta:
        verbose_name = _("channel database")
        verbose_name_plural = _("channel databases")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    @property
    def database_alias(self) -> str:
        """The Django alias of this channel database (CHANNEL_DATABASE_URLS)."""
        from channels_app.databases import channel_database_alias

        return channel_database_alias(self.code)


def default_channel_database() -> int:
    """A new channel joins the default channel database unless told otherwise."""
    database, _created = ChannelDatabase.objects.get_or_create(
        code=DEFAULT_CHANNEL_DATABASE, defaults={"name": "Default channel database"}
    )
    return database.pk


class Channel(models.Model):
    """A retail channel (store). HQ owns its configuration; its data lives in channels_app."""

    code = models.CharField(
        max_length=20, unique=True, validators=[channel_code_validator], verbose_name=_("code")
    )
    name = models.CharField(max_length=100, verbose_name=_("name"))
    profile = models.ForeignKey(
        FunctionalityProfile,
        on_delete=models.PROTECT,
        related_name="channels",
        verbose_name=_("profile"),
    )
    channel_database = models.ForeignKey(
        ChannelDatabase,
        on_delete=models.PROTECT,
        default=default_channel_database,
        related_name="channels",
        help_text=_("1010 writes HQ customers once per channel database; its stores share it."),
        verbose_name=_("channel database"),
    )
    default_customer = models.ForeignKey(
        "hqcommerce.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="default_for_channels",
        help_text=_(
            "New customers inherit type, group, receipt preference, currency, language "
            "and affiliations from this customer."
        ),
        verbose_name=_("default customer"),
    )
    currencies = models.CharField(
        max_length=200,
        blank=True,
        validators=[
            RegexValidator(
                r"^([A-Z]{3}(, *[A-Z]{3})*)?$",
                _("ISO 4217 codes separated by commas, e.g. EUR, USD."),
            )
        ],
        help_text=_(
            "The currencies a customer of this store may have (ISO 4217, comma-separated), "
            "besides its default customer's. Blank: any currency."
        ),
        verbose_name=_("allowed currencies"),
    )
    country = models.CharField(
        max_length=3,
        default="USA",
        validators=[RegexValidator(r"^[A-Z]{3}$", _("ISO 3166-1 alpha-3, e.g. ESP."))],
        help_text=_(
            "ISO 3166-1 alpha-3. A new address without a country gets it, and a phone "
            "number without a country code is read as this country's."
        ),
        verbose_name=_("country"),
    )
    attribute_groups = models.ManyToManyField(
        "hqcommerce.AttributeGroup",
        blank=True,
        related_name="channels",
        help_text=_(
            "Its customers have the attributes of these groups, typed and checked at the POS "
            "and again by the sync job. None: attributes are free text."
        ),
        verbose_name=_("customer attribute groups"),
    )
    # The P-job's progress for this store: the last upload counter it wrote to staging,
    # moved in the same HQ transaction as those staging rows.
    upload_watermark = models.PositiveBigIntegerField(
        default=0, editable=False, verbose_name=_("upload watermark")
    )
    last_upload_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("last upload at")
    )
    last_upload_rows = models.PositiveIntegerField(
        default=0, editable=False, verbose_name=_("rows in last upload")
    )

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    @property
    def database_alias(self) -> str:
        """The Django alias of the channel database that serves this store."""
        return self.channel_database.database_alias


class CommerceParameters(models.Model):
    """HQ-wide settings (D365's Commerce parameters and Feature management): the three
    switches of async customer mode. One row; 1070 copies it to every store."""

    async_address_creation = models.BooleanField(
        _("Enable asynchronous creation for customer addresses"),
        default=True,
        help_text=_(
            "D365 10.0.22. A store adds addresses to a customer pending sync, and to a synced "
            "customer without calling HQ; each address keeps its own id. Off: a pending "
            "customer gets addresses once synced, a synced one in real time."
        ),
    )
    enhanced_async_creation = models.BooleanField(
        _("Enable enhanced async customer creation"),
        default=True,
        help_text=_(
            "D365 10.0.24. An async customer may have a title, a second email or phone, and "
            "inherits the default customer's affiliations."
        ),
    )
    async_customer_editing = models.BooleanField(
        _("Enable editing customers in asynchronous mode"),
        default=True,
        help_text=_(
            "D365 10.0.29 (needs the two above). Edits of customers, their addresses, "
            "attributes and affiliations are recorded at the store and synchronized later. "
            "Off: a pending customer cannot be edited, a synced one is edited in real time."
        ),
    )
    changed_at = models.DateTimeField(auto_now=True, verbose_name=_("changed at"))

    class Meta:
        verbose_name = _("Commerce parameters")
        verbose_name_plural = _("Commerce parameters")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="commerce_parameters_one_row"),
            models.CheckConstraint(
                condition=Q(async_customer_editing=False)
                | (Q(async_address_creation=True) & Q(enhanced_async_creation=True)),
                name="commerce_parameters_editing_needs_both",
                violation_error_message=_(
                    "“Enable editing customers in asynchronous mode” needs the other two "
                    "features on, as in D365."
                ),
            ),
        ]

    def __str__(self) -> str:
        return str(_("Commerce parameters"))


class NumberSequence(models.Model):
    """A gap-tolerant counter: numbers are never reused, but a rolled-back batch leaves gaps."""

    code = models.CharField(max_length=40, unique=True, verbose_name=_("code"))
    prefix = models.CharField(max_length=10, blank=True, verbose_name=_("prefix"))
    width = models.PositiveSmallIntegerField(default=6, verbose_name=_("width"))
    next_value = models.PositiveBigIntegerField(default=1, verbose_name=_("next value"))

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")
        constraints = [
            models.CheckConstraint(
                condition=Q(width__gte=1) & Q(width__lte=18), name="numberseq_width_1_18"
            ),
            models.CheckConstraint(condition=Q(next_value__gte=1), name="numberseq_next_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.prefix}{'#' * self.width})"

    @property
    def max_value(self) -> int:
        return 10**self.width - 1

    def format(self, value: int) -> str:
        return f"{self.prefix}{value:0{self.width}d}"


class ReplicationCounter(models.Model):
    """Commit-ordered version counter for a replicated table.

    Writers lock this row as late as possible in their transaction and hold it to commit, so
    versions become visible in increasing order and a download watermark never skips a row
    that committed late (see services/replication.py).
    """

    name = models.CharField(max_length=40, unique=True, verbose_name=_("name"))
    value = models.PositiveBigIntegerField(default=0, verbose_name=_("value"))

    class Meta:
        verbose_name = _("replication counter")
        verbose_name_plural = _("replication counters")

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"
