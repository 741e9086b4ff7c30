"""The words both places use: what a customer, an address, a contact and a sale can be.

The store side (channels_app) and HQ (hqcommerce) both read these; they live here, on the
store side, because channels_app imports nothing from HQ. HQ's models re-export them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PartyType(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANIZATION = "organization", _("Organization")


class ReceiptPreference(models.TextChoices):
    PRINT = "print", _("Print")
    EMAIL = "email", _("Email")
    BOTH = "both", _("Print and email")
    NONE = "none", _("None")


class AddressPurpose(models.TextChoices):
    # A context of their own: "Home" is also the admin's breadcrumb (Spanish: "Inicio").
    HOME = "home", pgettext_lazy("address purpose", "Home")
    DELIVERY = "delivery", pgettext_lazy("address purpose", "Delivery")
    INVOICE = "invoice", pgettext_lazy("address purpose", "Invoice")
    BUSINESS = "business", pgettext_lazy("address purpose", "Business")


class ContactKind(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")


class TransactionKind(models.TextChoices):
    CASH_AND_CARRY = "cash_and_carry", _("Cash-and-carry sale")
    CUSTOMER_ORDER = "customer_order", _("Customer order")
