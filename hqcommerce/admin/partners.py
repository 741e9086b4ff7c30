"""Prospects from B2B partner requests: staff approve (creates the customer) or reject."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from channels_app.errors import HQError, stored_message
from hqcommerce.admin_confirm import RETURN_TO, action_confirmation, confirmed, return_to
from hqcommerce.models import Customer, Prospect
from hqcommerce.models.partners import ProspectStatus
from hqcommerce.services.access import can_run_jobs
from hqcommerce.services.partners import prospect_approve, prospect_reject

from .base import ChannelCodeColumn, EmptyListHint, ReadOnlyAdmin, change_link


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )


@admin.register(Prospect)
class ProspectAdmin(EmptyListHint, ChannelCodeColumn, ReadOnlyAdmin):
    empty_hint = _(
        "No prospects yet. A store's business partner request (POST /partner-requests/) "
        "becomes a prospect when the P-job uploads it and the sync job reads it; the schedules "
        "run them every 15 minutes by default. Convert now runs them for every channel."
    )

    # The key columns fit 1366 px: tax id and email sit under the company's name.
    list_display = [
        "company",
        "channel_code",
        "status",
        "duplicate",
        "customer",
        "created_at",
    ]
    list_select_related = ["channel", "customer"]
    list_filter = ["status", "channel"]
    search_fields = ["company_name", "tax_id", "email", "=async_id"]
    # The duplicate hint shows in the reader's language, the address as lines.
    # (normalized_email, the duplicate check's key, is not the operator's.)
    fields = [
        ("company_name", "tax_id"),
        ("contact_first_name", "contact_last_name"),
        ("email", "phone"),
        "address_lines",
        "requested_customer_group",
        "comment",
        ("channel", "created_at"),
        "status",
        "duplicate",
        "customer",
        "rejection_reason",
        ("decided_by", "decided_at"),
        "async_id",
    ]
    readonly_fields = ["duplicate", "address_lines"]
    date_hierarchy = "created_at"
    actions = ["approve", "reject"]

    @admin.display(description=_("company name"), ordering="company_name")
    def company(self, obj: Prospect) -> str:
        return format_html(
            '{}<br><small class="quiet">{} · {}</small>', obj.company_name, obj.tax_id, obj.email
        )

    @admin.display(description=_("possible duplicate"), ordering="possible_duplicate")
    def duplicate(self, obj: Prospect) -> str:
        """The customer or prospect it may duplicate, by name, linked; its id on hover."""
        detail = obj.possible_duplicate_detail
        if detail is None:
            return obj.possible_duplicate or "–"
        params = (detail.get("params") or {}) if isinstance(detail, dict) else {}
        if "account" in params:
            customer = Customer.objects.filter(account_number=params["account"]).first()
            if customer is not None:
                return change_link(customer, str(stored_message(detail)))
        if "id" in params:
            other = Prospect.objects.filter(async_id=params["id"]).first()
            if other is not None:
                text = gettext("prospect %(company)s") % {"company": other.company_name}
                return change_link(other, text, title=params["id"])
        return str(stored_message(detail))

    @admin.display(description=_("address"))
    def address_lines(self, obj: Prospect) -> str:
        """The requested address as an envelope reads, not as the JSON it was sent in."""
        address = obj.address if isinstance(obj.address, dict) else {}
        lines = [
            address.get("name", ""),
            address.get("street", ""),
            " ".join(p for p in (address.get("zip_code", ""), address.get("city", "")) if p),
            ", ".join(p for p in (address.get("state", ""), address.get("country", "")) if p),
        ]
        lines = [line for line in lines if line]
        if not lines:
            return "–"
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))

    def has_approve_partners_permission(self, request) -> bool:
        return request.user.has_perm("hqcommerce.approve_partners") or can_run_jobs(request)

    @admin.action(
        description=_("Approve: create the business customer"), permissions=["approve_partners"]
    )
    def approve(self, request, queryset):
        queryset = queryset.filter(status=ProspectStatus.NEW)
        if not confirmed(request):
            return action_confirmation(
                self,
                request,
                "approve",
                title=gettext("Approve prospects"),
                question=gettext(
                    "Approve these prospects? Each becomes a business customer with an account "
                    "number, and 1010 sends it to every store. This cannot be undone."
                ),
                items=[(f"{p.company_name} ({p.tax_id})", p.pk) for p in queryset],
                confirm_label=gettext("Yes, approve"),
            )
        for prospect in queryset:
            try:
                customer = prospect_approve(prospect=prospect, user=request.user)
            except HQError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("%(company)s is customer %(account)s; 1010 brings it to the stores.")
                    % {"company": prospect.company_name, "account": customer.account_number},
                    messages.SUCCESS,
                )

    @admin.action(description=_("Reject (with a reason)"), permissions=["approve_partners"])
    def reject(self, request, queryset):
        queryset = queryset.filter(status=ProspectStatus.NEW)
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            count = queryset.count()
            for prospect in queryset:
                prospect_reject(
                    prospect=prospect, reason=form.cleaned_data["reason"], user=request.user
                )
            self.message_user(
                request,
                ngettext("Rejected %(count)d prospect.", "Rejected %(count)d prospects.", count)
                % {"count": count},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Reject prospects"),
            "prospects": queryset,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
            "return_to": return_to(request),
        }
        return TemplateResponse(request, "admin/hqcommerce/prospect/reject.html", context)

    def response_action(self, request, queryset):
        """Approve or Reject pressed on a prospect's page answers there, not on the list."""
        response = super().response_action(request, queryset)
        back = return_to(request)
        if back and isinstance(response, HttpResponseRedirect):
            return HttpResponseRedirect(back)
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """The prospect's own page offers Approve and Reject too (the list's actions, for
        this one prospect, with the same confirmation and reason pages)."""
        if obj is not None:
            context["decide"] = obj.status == ProspectStatus.NEW and (
                self.has_approve_partners_permission(request)
            )
            context["changelist_url"] = reverse("admin:hqcommerce_prospect_changelist")
            context["return_to_field"] = RETURN_TO
        return super().render_change_form(request, context, add, change, form_url, obj)
