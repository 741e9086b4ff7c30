from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from channels_app.admin_base import FirstRowsInline, code_with_name
from hqcommerce.admin_confirm import action_confirmation, confirmed
from hqcommerce.models import (
    ContactPerson,
    Customer,
    CustomerAddress,
    CustomerAffiliation,
    CustomerAttribute,
    CustomerContact,
    LoyaltyCard,
)
from hqcommerce.services.sales import loyalty_card_issue

from .base import ReadOnlyAdmin, RunJobsPermissionMixin, change_link


class AddressInline(FirstRowsInline):
    model = CustomerAddress
    fields = ["purpose", "is_primary", "street", "city", "zip_code", "country", "async_id"]


class ContactInline(FirstRowsInline):
    model = CustomerContact
    fields = ["kind", "value", "is_primary", "marketing_opt_in", "opt_in_at"]


class AffiliationInline(FirstRowsInline):
    model = CustomerAffiliation
    fields = ["affiliation"]


class AttributeInline(FirstRowsInline):
    model = CustomerAttribute
    fields = ["name", "value"]


class ContactPersonInline(FirstRowsInline):
    model = ContactPerson
    fields = ["first_name", "last_name", "email", "phone"]


class LoyaltyCardInline(FirstRowsInline):
    model = LoyaltyCard
    fields = ["card_number", "channel", "issued_at"]


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
class CustomerAdmin(RunJobsPermissionMixin, ReadOnlyAdmin):
    """HQ customers are created by the sync job or the real-time call, never by hand here."""

    # Names first; the temporary id and the channel's name on hover (fits 1366 px).
    list_display = [
        "account_number",
        "customer_name",
        "party_type",
        "customer_group",
        "origin_channel_code",
        "duplicate_of",
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
        LoyaltyCardInline,
    ]
    actions = ["issue_loyalty_cards"]

    @admin.display(description=_("name"), ordering="last_name")
    def customer_name(self, obj: Customer) -> str:
        if not obj.origin_async_id:
            return obj.display_name
        hint = gettext("Temporary id at the store: %(id)s") % {"id": obj.origin_async_id}
        return format_html('<span title="{}">{}</span>', hint, obj.display_name)

    @admin.display(description=_("origin channel"), ordering="origin_channel__code")
    def origin_channel_code(self, obj: Customer) -> str:
        if obj.origin_channel is None:
            return self.get_empty_value_display()
        return code_with_name(obj.origin_channel)

    @admin.display(description=_("possible duplicate of"), ordering="possible_duplicate_of")
    def duplicate_of(self, obj: Customer) -> str:
        other = obj.possible_duplicate_of
        if other is None:
            return self.get_empty_value_display()
        return change_link(other, other.account_number, title=other.display_name)

    @admin.action(
        description=_("Issue a loyalty card to the selected customers"),
        permissions=["run_sync_jobs"],
    )
    def issue_loyalty_cards(self, request, queryset):
        """The card is issued at the customer's origin channel, by the same service the
        POS's `POST …/loyalty-cards/` reaches; every customer here has its account number."""
        customers = list(queryset.select_related("origin_channel"))
        if not confirmed(request):
            return action_confirmation(
                self,
                request,
                "issue_loyalty_cards",
                title=gettext("Issue loyalty cards"),
                question=gettext(
                    "Issue a new loyalty card to each of these customers, at the channel "
                    "that created it?"
                ),
                items=[
                    (f"{c.account_number} {c.display_name} ({c.origin_channel.code})", c.pk)
                    if c.origin_channel
                    else (f"{c.account_number} {c.display_name}", c.pk)
                    for c in customers
                ],
                confirm_label=gettext("Yes, issue"),
            )
        issued, skipped = [], []
        for customer in customers:
            if customer.origin_channel is None:
                skipped.append(customer.account_number)
                continue
            card = loyalty_card_issue(
                channel=customer.origin_channel, account_number=customer.account_number
            )
            issued.append(f"{card.card_number} ({customer.account_number})")
        if issued:
            self.message_user(
                request,
                ngettext(
                    "Issued %(count)d loyalty card: %(cards)s.",
                    "Issued %(count)d loyalty cards: %(cards)s.",
                    len(issued),
                )
                % {"count": len(issued), "cards": ", ".join(issued)},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                gettext(
                    "No card for %(accounts)s: no origin channel to issue it at; issue it "
                    "from a store's POS."
                )
                % {"accounts": ", ".join(skipped)},
                messages.WARNING,
            )
        return None

    @admin.display(description=_("name"))
    def name(self, obj: Customer) -> str:
        return obj.display_name
