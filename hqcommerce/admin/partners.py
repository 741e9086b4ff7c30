"""Prospects from B2B partner requests: staff approve (creates the customer) or reject."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from channels_app.errors import HQError, stored_message
from hqcommerce.admin_confirm import action_confirmation, confirmed
from hqcommerce.models import Prospect
from hqcommerce.models.partners import ProspectStatus
from hqcommerce.services.access import can_run_jobs
from hqcommerce.services.partners import prospect_approve, prospect_reject

from .base import ChannelCodeColumn, ReadOnlyAdmin


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )


@admin.register(Prospect)
class ProspectAdmin(ChannelCodeColumn, ReadOnlyAdmin):
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
    # The duplicate check's key is not the operator's; the hint shows in their language.
    exclude = ["normalized_email", "possible_duplicate"]
    readonly_fields = ["duplicate"]
    date_hierarchy = "created_at"
    actions = ["approve", "reject"]

    @admin.display(description=_("company name"), ordering="company_name")
    def company(self, obj: Prospect) -> str:
        return format_html(
            '{}<br><small class="quiet">{} · {}</small>', obj.company_name, obj.tax_id, obj.email
        )

    @admin.display(description=_("possible duplicate"), ordering="possible_duplicate")
    def duplicate(self, obj: Prospect) -> str:
        if obj.possible_duplicate_detail is None:
            return obj.possible_duplicate or "–"
        return str(stored_message(obj.possible_duplicate_detail))

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
        }
        return TemplateResponse(request, "admin/hqcommerce/prospect/reject.html", context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """The prospect's own page offers Approve and Reject too (the list's actions, for
        this one prospect, with the same confirmation and reason pages)."""
        if obj is not None:
            context["decide"] = obj.status == ProspectStatus.NEW and (
                self.has_approve_partners_permission(request)
            )
            context["changelist_url"] = reverse("admin:hqcommerce_prospect_changelist")
        return super().render_change_form(request, context, add, change, form_url, obj)
