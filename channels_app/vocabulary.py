"""The words both places use: what a customer, an address, a contact and a sale can be.

The store side (channels_app) and HQ (hqcommerce) both read these; they live here, on the
store side, because channels_app imports nothing from HQ. HQ's models re-export them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PartyType(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANIZATION = "organization", _("Organization")


class ReceiptPreference(models.TextChoices):
    PRINT = "print", _("Print")
    EMAIL = "email", _("Email")
    BOTH = "both", _("Print and email")
    NONE = "none", _("None")


class AddressPurpose(models.TextChoices):
    HOME = "home", _("Home")
    DELIVERY = "delivery", _("Delivery")
    INVOICE = "invoice", _("Invoice")
    BUSINESS = "business", _("Business")


class ContactKind(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")


class TransactionKind(models.TextChoices):
    CASH_AND_CARRY = "cash_and_carry", _("Cash-and-carry sale")
    CUSTOMER_ORDER = "customer_order", _("Customer order")
