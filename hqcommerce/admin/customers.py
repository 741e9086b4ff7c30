from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from channels_app.admin_base import ReadOnlyInline
from hqcommerce.models import (
    ContactPerson,
    Customer,
    CustomerAddress,
    CustomerAffiliation,
    CustomerAttribute,
    CustomerContact,
)

from .base import ReadOnlyAdmin


class AddressInline(ReadOnlyInline):
    model = CustomerAddress
    fields = ["purpose", "is_primary", "street", "city", "zip_code", "country", "async_id"]


class ContactInline(ReadOnlyInline):
    model = CustomerContact
    fields = ["kind", "value", "is_primary"]


class AffiliationInline(ReadOnlyInline):
    model = CustomerAffiliation
    fields = ["affiliation"]


class AttributeInline(ReadOnlyInline):
    model = CustomerAttribute
    fields = ["name", "value"]


class ContactPersonInline(ReadOnlyInline):
    model = ContactPerson
    fields = ["first_name", "last_name", "email", "phone"]


class PossibleDuplicateFilter(admin.SimpleListFilter):
    title = _("possible duplicate")
    parameter_name = "duplicate"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(possible_duplicate_of__isnull=False)
        if self.value() == "no":
            return queryset.filter(possible_duplicate_of__isnull=True)
        return queryset


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    """HQ customers are created by the sync job or the real-time call, never by hand here."""

    list_display = [
        "account_number",
        "name",
        "party_type",
        "customer_group",
        "origin_channel",
        "origin_async_id",
        "possible_duplicate_of",
        "created_at",
    ]
    list_select_related = ["origin_channel", "possible_duplicate_of"]
    list_filter = ["party_type", "customer_group", "origin_channel", PossibleDuplicateFilter]
    search_fields = [
        "account_number",
        "first_name",
        "last_name",
        "organization_name",
        "tax_id",
        "=origin_async_id",
        "contacts__value",
        "contacts__normalized_value",
    ]
    date_hierarchy = "created_at"
    inlines = [
        AddressInline,
        ContactInline,
        ContactPersonInline,
        AffiliationInline,
        AttributeInline,
    ]

    @admin.display(description=_("name"))
    def name(self, obj: Customer) -> str:
        return obj.display_name
