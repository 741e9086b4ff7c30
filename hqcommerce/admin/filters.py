"""List filters the status page needs beyond Django's: a typed value per customer field."""

from __future__ import annotations

import re

from django.contrib import admin
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Replace
from django.utils.translation import gettext_lazy as _


class TextInputFilter(admin.SimpleListFilter):
    """A filter the user types into (D365's status page filters by any customer field);
    the other filters and the search stay as they are (the template keeps them)."""

    template = "admin/hqcommerce/input_filter.html"
    lookup: str = ""

    def lookups(self, request, model_admin):
        return [("", "")]  # one (hidden) choice, so the filter is shown

    def choices(self, changelist):
        other = {
            k: v for k, v in changelist.get_filters_params().items() if k != self.parameter_name
        }
        yield {
            "parameter": self.parameter_name,
            "value": self.value() or "",
            "others": [(k, v) for k, values in other.items() for v in _as_list(values)],
            "query": changelist.query,
            "clear_url": changelist.get_query_string(remove=[self.parameter_name]),
        }

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        value = (self.value() or "").strip()[:254]
        if not value:
            return queryset
        return queryset.filter(self.condition(value))

    def condition(self, value: str) -> Q:
        return Q(**{f"{self.lookup}__icontains": value})


def _as_list(values) -> list:
    return list(values) if isinstance(values, (list, tuple)) else [values]


class CustomerNameFilter(TextInputFilter):
    title = _("customer name")
    parameter_name = "name"
    lookup = "customer_name"


class EmailFilter(TextInputFilter):
    title = _("email")
    parameter_name = "email"
    lookup = "email"


class PhoneFilter(TextInputFilter):
    """Matches the digits whatever the writing: "600 111 222" finds "+34 600-111-222"."""

    title = _("phone")
    parameter_name = "phone"

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        value = (self.value() or "").strip()[:254]
        digits = re.sub(r"\D", "", value)
        if not digits:
            return super().queryset(request, queryset)
        expression = F("phone")
        for separator in (" ", "-", ".", "/", "(", ")", "+"):
            expression = Replace(expression, Value(separator), Value(""))
        return queryset.alias(phone_digits=expression).filter(phone_digits__contains=digits)

    def condition(self, value: str) -> Q:
        return Q(phone__icontains=value)


class AccountFilter(TextInputFilter):
    title = _("customer account")
    parameter_name = "account"

    def condition(self, value: str) -> Q:
        return Q(account_number__icontains=value) | Q(target_account__icontains=value)
