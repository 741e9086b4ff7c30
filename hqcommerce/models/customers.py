"""HQ customers: the single source of truth for account numbers."""

from __future__ import annotations

import uuid

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from channels_app.vocabulary import AddressPurpose, ContactKind, PartyType, ReceiptPreference

__all__ = ["AddressPurpose", "ContactKind", "PartyType", "ReceiptPreference"]


class Customer(models.Model):
    account_number = models.CharField(max_length=30, unique=True, verbose_name=_("account number"))
    party_type = models.CharField(
        max_length=12, choices=PartyType.choices, verbose_name=_("party type")
    )
    title = models.CharField(
        max_length=20, blank=True, help_text=_("Mr., Ms., Dr., …"), verbose_name=_("title")
    )
    first_name = models.CharField(max_length=60, blank=True, verbose_name=_("first name"))
    middle_name = models.CharField(max_length=60, blank=True, verbose_name=_("middle name"))
    last_name = models.CharField(max_length=60, blank=True, verbose_name=_("last name"))
    organization_name = models.CharField(
        max_length=120, blank=True, verbose_name=_("organization name")
    )
    customer_group = models.CharField(max_length=20, verbose_name=_("customer group"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    language = models.CharField(max_length=10, verbose_name=_("language"))
    receipt_preference = models.CharField(
        max_length=5, choices=ReceiptPreference.choices, verbose_name=_("receipt preference")
    )
    receipt_email = models.CharField(
        max_length=254,
        blank=True,
        help_text=_("Where emailed receipts go; the primary email unless another is given."),
        verbose_name=_("receipt email"),
    )
    tax_id = models.CharField(_("tax / registration id"), max_length=30, blank=True, db_index=True)
    origin_channel = models.ForeignKey(
        "hqcommerce.Channel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="originated_customers",
        verbose_name=_("origin channel"),
    )
    origin_async_id = models.UUIDField(
        _("async customer id"),
        null=True,
        blank=True,
        unique=True,
        help_text=_("The temporary GUID the POS gave this customer, if it was created async."),
    )
    realtime_request_id = models.UUIDField(
        _("real-time request id"),
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text=_(
            "Made in real time: the temporary id the store would have used had HQ answered too "
            "late. If the store did write it async, the sync job adopts this customer for it."
        ),
    )
    possible_duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="possible_duplicates",
        verbose_name=_("possible duplicate of"),
    )
    replication_version = models.PositiveBigIntegerField(
        unique=True, verbose_name=_("replication version")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    modified_at = models.DateTimeField(auto_now=True, verbose_name=_("modified at"))

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["account_number"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(party_type=PartyType.PERSON) & (~Q(first_name="") | ~Q(last_name="")))
                | (Q(party_type=PartyType.ORGANIZATION) & ~Q(organization_name="")),
                name="customer_has_name_for_party_type",
            ),
            models.CheckConstraint(
                condition=Q(party_type__in=PartyType.values), name="customer_party_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="customer_currency_iso"
            ),
            models.CheckConstraint(
                condition=Q(receipt_preference__in=ReceiptPreference.values),
                name="customer_receipt_preference_valid",
            ),
            models.CheckConstraint(
                condition=~Q(account_number=""), name="customer_account_number_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_number} {self.display_name}"

    @property
    def display_name(self) -> str:
        if self.party_type == PartyType.ORGANIZATION:
            return self.organization_name
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)


# The address columns as plain rows, by owning customer: the same on HQ addresses and on
# the channel's AsyncCustomerAddress, which the jobs read and write without instances.
ADDRESS_ROW_FIELDS = (
    "customer_id",
    "async_id",
    "purpose",
    "is_primary",
    "name",
    "street",
    "city",
    "state",
    "zip_code",
    "country",
)


class CustomerAddress(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("customer")
    )
    # The address's own id, the same in HQ, in every store's copy and at the POS that made it
    # (D365's async address id): edits and deletes name it.
    async_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("address id")
    )
    purpose = models.CharField(
        max_length=10, choices=AddressPurpose.choices, verbose_name=_("purpose")
    )
    is_primary = models.BooleanField(default=False, verbose_name=_("is primary"))
    name = models.CharField(max_length=100, blank=True, verbose_name=_("name"))
    street = models.CharField(max_length=200, verbose_name=_("street"))
    city = models.CharField(max_length=60, verbose_name=_("city"))
    state = models.CharField(max_length=60, blank=True, verbose_name=_("state"))
    zip_code = models.CharField(max_length=20, blank=True, verbose_name=_("zip code"))
    country = models.CharField(
        max_length=3, help_text=_("ISO 3166-1 alpha-3, as in D365."), verbose_name=_("country")
    )

    class Meta:
        verbose_name = _("customer address")
        verbose_name_plural = _("customer addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(is_primary=True), name="address_one_primary"
            ),
            models.CheckConstraint(
                condition=Q(country__regex=r"^[A-Z]{3}$"), name="address_country_alpha3"
            ),
            models.CheckConstraint(
                condition=Q(purpose__in=AddressPurpose.values), name="address_purpose_valid"
            ),
        ]

    def __str__(self) -> str:
        return ", ".join(p for p in (self.street, self.city, self.country) if p)


class CustomerContact(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("customer")
    )
    kind = models.CharField(max_length=5, choices=ContactKind.choices, verbose_name=_("kind"))
    value = models.CharField(max_length=254, verbose_name=_("value"))
    normalized_value = models.CharField(
        max_length=254,
        db_index=True,
        help_text=_("Lower-cased email or digits-only phone."),
        verbose_name=_("normalized value"),
    )
    is_primary = models.BooleanField(default=False, verbose_name=_("is primary"))
    marketing_opt_in = models.BooleanField(default=False, verbose_name=_("marketing opt-in"))
    opt_in_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the customer agreed, by the store's clock."),
        verbose_name=_("opted in at"),
    )

    class Meta:
        verbose_name = _("customer contact")
        verbose_name_plural = _("customer contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "kind"],
                condition=Q(is_primary=True),
                name="contact_one_primary_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ContactKind.values), name="contact_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(normalized_value=""), name="contact_normalized_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(marketing_opt_in=True) | Q(opt_in_at__isnull=True),
                name="contact_opt_in_time_only_when_opted_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"


class CustomerGroup(models.Model):
    """A customer group HQ defines (D365's customer groups): the only ones a store's customer
    may name (1070 sends the list to the stores)."""

    code = models.CharField(
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]+$", _("Use letters, digits, '-' and '_'."))],
        verbose_name=_("code"),
    )
    name = models.CharField(max_length=100, blank=True, verbose_name=_("name"))

    class Meta:
        verbose_name = _("customer group")
        verbose_name_plural = _("customer groups")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Affiliation(models.Model):
    """A price/discount affiliation (e.g. 'Employees', 'Loyalty gold')."""

    name = models.CharField(max_length=60, unique=True, verbose_name=_("name"))

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")

    def __str__(self) -> str:
        return self.name


class CustomerAffiliation(models.Model):
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        db_index=False,  # led by the unique constraint below
        related_name="affiliations",
        verbose_name=_("customer"),
    )
    affiliation = models.ForeignKey(
        Affiliation, on_delete=models.PROTECT, verbose_name=_("affiliation")
    )

    class Meta:
        verbose_name = _("customer affiliation")
        verbose_name_plural = _("customer affiliations")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "affiliation"], name="customer_affiliation_unique"
            )
        ]

    def __str__(self) -> str:
        return str(self.affiliation)


class CustomerAttribute(models.Model):
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        db_index=False,  # led by the unique constraint below
        related_name="attributes",
        verbose_name=_("customer"),
    )
    name = models.CharField(max_length=60, verbose_name=_("name"))
    value = models.CharField(max_length=200, blank=True, verbose_name=_("value"))

    class Meta:
        verbose_name = _("customer attribute")
        verbose_name_plural = _("customer attributes")
        constraints = [
            models.UniqueConstraint(fields=["customer", "name"], name="customer_attribute_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="customer_attribute_name_set"),
        ]

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"


class AttributeType(models.TextChoices):
    TEXT = "text", _("Text")
    INTEGER = "integer", _("Integer")
    DECIMAL = "decimal", _("Decimal")
    DATE = "date", _("Date")
    BOOLEAN = "boolean", _("Yes/No")
    LIST = "list", _("List of values")


class AttributeDefinition(models.Model):
    """A customer attribute as D365 defines it (Retail and Commerce > Channel setup >
    Attributes): its type, its allowed values, whether a customer must have it, and the
    value a new customer gets when the POS leaves it out."""

    name = models.CharField(max_length=60, unique=True, verbose_name=_("name"))
    data_type = models.CharField(
        max_length=10,
        choices=AttributeType.choices,
        default=AttributeType.TEXT,
        verbose_name=_("type"),
    )
    allowed_values = models.JSONField(
        default=list,
        blank=True,
        help_text=_("For a list of values: the values a customer may have, one per entry."),
        verbose_name=_("allowed values"),
    )
    required = models.BooleanField(default=False, verbose_name=_("required"))
    default_value = models.CharField(max_length=200, blank=True, verbose_name=_("default value"))

    class Meta:
        verbose_name = _("customer attribute definition")
        verbose_name_plural = _("customer attribute definitions")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(data_type__in=AttributeType.values), name="attrdef_type_valid"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="attrdef_name_set"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_data_type_display()})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from channels_app.validation import attribute_definition_errors

        errors = attribute_definition_errors(self.as_dict())
        if errors:
            raise ValidationError(errors)

    def as_dict(self) -> dict:
        """The definition as the stores get it (1070) and validation reads it."""
        return {
            "name": self.name,
            "type": self.data_type,
            "allowed_values": list(self.allowed_values or []),
            "required": self.required,
            "default": self.default_value,
        }


class AttributeGroup(models.Model):
    """Attributes grouped to be attached to channels (D365's attribute groups on the
    channel's customer attributes): a store's customers have the attributes of its groups."""

    name = models.CharField(max_length=60, unique=True, verbose_name=_("name"))
    attributes = models.ManyToManyField(
        AttributeDefinition, related_name="groups", verbose_name=_("attributes")
    )

    class Meta:
        verbose_name = _("customer attribute group")
        verbose_name_plural = _("customer attribute groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ContactPerson(models.Model):
    """The person to talk to at an organization customer (from a B2B partner request)."""

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="contact_persons",
        verbose_name=_("customer"),
    )
    first_name = models.CharField(max_length=60, blank=True, verbose_name=_("first name"))
    last_name = models.CharField(max_length=60, verbose_name=_("last name"))
    email = models.CharField(max_length=254, blank=True, verbose_name=_("email"))
    phone = models.CharField(max_length=254, blank=True, verbose_name=_("phone"))

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
