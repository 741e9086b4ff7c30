"""HQ customers: the single source of truth for account numbers."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class PartyType(models.TextChoices):
    PERSON = "person", "Person"
    ORGANIZATION = "organization", "Organization"


class ReceiptPreference(models.TextChoices):
    PRINT = "print", "Print"
    EMAIL = "email", "Email"
    BOTH = "both", "Print and email"
    NONE = "none", "None"


class AddressPurpose(models.TextChoices):
    HOME = "home", "Home"
    DELIVERY = "delivery", "Delivery"
    INVOICE = "invoice", "Invoice"
    BUSINESS = "business", "Business"


class ContactKind(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"


class Customer(models.Model):
    account_number = models.CharField(max_length=30, unique=True)
    party_type = models.CharField(max_length=12, choices=PartyType.choices)
    first_name = models.CharField(max_length=60, blank=True)
    middle_name = models.CharField(max_length=60, blank=True)
    last_name = models.CharField(max_length=60, blank=True)
    organization_name = models.CharField(max_length=120, blank=True)
    customer_group = models.CharField(max_length=20)
    currency = models.CharField(max_length=3)
    language = models.CharField(max_length=10)
    receipt_preference = models.CharField(max_length=5, choices=ReceiptPreference.choices)
    tax_id = models.CharField("tax / registration id", max_length=30, blank=True, db_index=True)
    origin_channel = models.ForeignKey(
        "hqcommerce.Channel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="originated_customers",
    )
    origin_async_id = models.UUIDField(
        "async customer id",
        null=True,
        blank=True,
        unique=True,
        help_text="The temporary GUID the POS gave this customer, if it was created async.",
    )
    possible_duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="possible_duplicates"
    )
    replication_version = models.PositiveBigIntegerField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
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


class CustomerAddress(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    async_id = models.UUIDField(null=True, blank=True, unique=True)
    purpose = models.CharField(max_length=10, choices=AddressPurpose.choices)
    is_primary = models.BooleanField(default=False)
    name = models.CharField(max_length=100, blank=True)
    street = models.CharField(max_length=200)
    city = models.CharField(max_length=60)
    state = models.CharField(max_length=60, blank=True)
    zip_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=3, help_text="ISO 3166-1 alpha-3, as in D365.")

    class Meta:
        verbose_name_plural = "customer addresses"
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
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(max_length=5, choices=ContactKind.choices)
    value = models.CharField(max_length=254)
    normalized_value = models.CharField(
        max_length=254, db_index=True, help_text="Lower-cased email or digits-only phone."
    )
    is_primary = models.BooleanField(default=False)

    class Meta:
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
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"


class Affiliation(models.Model):
    """A price/discount affiliation (e.g. 'Employees', 'Loyalty gold')."""

    name = models.CharField(max_length=60, unique=True)

    def __str__(self) -> str:
        return self.name


class CustomerAffiliation(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="affiliations")
    affiliation = models.ForeignKey(Affiliation, on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "affiliation"], name="customer_affiliation_unique"
            )
        ]

    def __str__(self) -> str:
        return str(self.affiliation)


class CustomerAttribute(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="attributes")
    name = models.CharField(max_length=60)
    value = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "name"], name="customer_attribute_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="customer_attribute_name_set"),
        ]

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"


class ContactPerson(models.Model):
    """The person to talk to at an organization customer (from a B2B partner request)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_persons")
    first_name = models.CharField(max_length=60, blank=True)
    last_name = models.CharField(max_length=60)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=254, blank=True)

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
