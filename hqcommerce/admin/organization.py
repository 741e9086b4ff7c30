from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from channels_app.databases import ChannelDatabaseUnavailable
from channels_app.errors import ConflictError
from channels_app.features import FEATURES
from hqcommerce.admin_confirm import CONFIRM_FIRST, action_confirmation, confirmed
from hqcommerce.models import (
    Affiliation,
    AttributeDefinition,
    AttributeGroup,
    Channel,
    ChannelDatabase,
    CommerceParameters,
    CustomerGroup,
    FunctionalityProfile,
    NumberSequence,
)
from hqcommerce.models.jobs import JobKind, TriggeredBy
from hqcommerce.services.configuration import (
    channel_configuration_push,
    channel_move,
    commerce_parameters,
    commerce_parameters_update,
)
from hqcommerce.services.jobs import job_enqueue

from .base import RunJobsPermissionMixin, message_job_queued

CHANNEL_JOBS = (
    (JobKind.PJOB, _("Run P-job (upload)")),
    (JobKind.CUSTOMER_SYNC, _("Synchronize customers and channel requests")),
    (JobKind.DISTRIBUTION, _("Run 1010 (Customers)")),
    (JobKind.CONVERT, _("Convert async customers (P-job + sync + 1010)")),
    (JobKind.ORDER_SYNC, _("Synchronize orders")),
    (JobKind.STATEMENT_POSTING, _("Post statements (EOD)")),
    (JobKind.CHANNEL_CONFIGURATION, _("Run 1070 (Channel configuration)")),
    (JobKind.PURGE, _("Purge history (retention)")),
)


def _channel_job_action(kind: str, label: str):
    def action(modeladmin, request, queryset):
        if kind in CONFIRM_FIRST and not confirmed(request):
            return action_confirmation(
                modeladmin,
                request,
                f"queue_{kind}",
                title=str(label),
                question=CONFIRM_FIRST[kind],
                items=[(c.code, c.pk) for c in queryset],
                confirm_label=gettext("Yes, run it"),
            )
        run = job_enqueue(
            kind=kind,
            channels=list(queryset.values_list("code", flat=True)),
            triggered_by=TriggeredBy.USER,
            user=request.user,
        )
        message_job_queued(modeladmin, request, run)

    action.__name__ = f"queue_{kind}"
    return admin.action(description=label, permissions=["run_sync_jobs"])(action)


@admin.register(FunctionalityProfile)
class FunctionalityProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "create_customer_async", "auto_convert"]
    list_filter = ["create_customer_async", "auto_convert"]
    search_fields = ["name"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        # Its stores' channel databases learn it now when they answer, else at the next 1070.
        channel_configuration_push(channels=list(obj.channels.all()))


@admin.register(ChannelDatabase)
class ChannelDatabaseAdmin(admin.ModelAdmin):
    """One row per entry of CHANNEL_DATABASE_URLS (made on migrate); staff name it and
    assign stores to it."""

    list_display = ["code", "name"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []


@admin.register(Channel)
class ChannelAdmin(RunJobsPermissionMixin, admin.ModelAdmin):
    list_display = ["code", "name", "profile", "channel_database", "default_customer"]
    list_select_related = ["profile", "channel_database", "default_customer"]
    list_filter = ["profile", "channel_database"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["default_customer"]  # found by name, account or email
    filter_horizontal = ["attribute_groups"]
    actions = [_channel_job_action(kind, label) for kind, label in CHANNEL_JOBS]

    def get_actions(self, request):
        """The job actions first: deleting a channel is the rare one, last in the list."""
        actions = super().get_actions(request)
        delete = actions.pop("delete_selected", None)
        if delete is not None:
            actions["delete_selected"] = delete
        return actions

    def save_model(self, request, obj, form, change) -> None:
        """A new channel database is a store move (channel_move): its other changes are saved
        first, then everything it wrote in the old database is uploaded before it moves."""
        if not (change and "channel_database" in form.changed_data):
            return super().save_model(request, obj, form, change)
        target = obj.channel_database
        obj.channel_database = Channel.objects.get(pk=obj.pk).channel_database
        super().save_model(request, obj, form, change)
        try:
            channel_move(channel=obj, database=target, user=request.user)
        except (ConflictError, ChannelDatabaseUnavailable) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                gettext(
                    "Store %(code)s moved to channel database %(database)s; what it wrote "
                    "before was uploaded, and its registers keep their keys."
                )
                % {"code": obj.code, "database": target.code},
            )
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change) -> None:
        """After its attribute groups are saved too, so the store gets all of it."""
        super().save_related(request, form, formsets, change)
        channel_configuration_push(channels=[form.instance])


class PushToChannelsMixin:
    """Saving or deleting what the stores check customers against (an attribute definition
    or group, HQ's master data) writes the stores using it through; 1070 brings it to the
    stores it could not reach. `channels_using(obj)` names them."""

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        channel_configuration_push(channels=self.channels_using(form.instance))

    def delete_model(self, request, obj) -> None:
        channels = list(self.channels_using(obj))
        super().delete_model(request, obj)
        channel_configuration_push(channels=channels)

    def delete_queryset(self, request, queryset) -> None:
        """The list's bulk delete: the stores of every deleted row, each written once."""
        channels = {c.pk: c for obj in queryset for c in self.channels_using(obj)}
        super().delete_queryset(request, queryset)
        channel_configuration_push(channels=channels.values())


class LinesField(forms.Field):
    """A list of short texts typed one per line (no JSON): blank lines and the spaces
    around each value are dropped."""

    widget = forms.Textarea(attrs={"rows": 6, "cols": 40})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(str(item) for item in value)
        return value

    def to_python(self, value) -> list[str]:
        if isinstance(value, list | tuple):
            return [str(item).strip() for item in value if str(item).strip()]
        return [line.strip() for line in (value or "").splitlines() if line.strip()]

    def has_changed(self, initial, data) -> bool:
        return self.to_python(initial) != self.to_python(data)


class AttributeDefinitionForm(forms.ModelForm):
    allowed_values = LinesField(
        label=_("Allowed values"),
        required=False,
        help_text=_("For a list of values: the values a customer may have, one per line."),
    )

    class Meta:
        model = AttributeDefinition
        fields = ["name", "data_type", "allowed_values", "required", "default_value"]


@admin.register(AttributeDefinition)
class AttributeDefinitionAdmin(PushToChannelsMixin, admin.ModelAdmin):
    form = AttributeDefinitionForm
    list_display = ["name", "data_type", "required", "default_value", "values"]
    list_filter = ["data_type", "required", "groups"]
    search_fields = ["name"]

    @admin.display(description=_("allowed values"))
    def values(self, obj: AttributeDefinition) -> str:
        return ", ".join(obj.allowed_values or [])

    def channels_using(self, obj: AttributeDefinition):
        return Channel.objects.filter(attribute_groups__attributes=obj).distinct()


@admin.register(AttributeGroup)
class AttributeGroupAdmin(PushToChannelsMixin, admin.ModelAdmin):
    list_display = ["name", "attribute_names"]
    search_fields = ["name"]
    filter_horizontal = ["attributes"]

    @admin.display(description=_("attributes"))
    def attribute_names(self, obj: AttributeGroup) -> str:
        return ", ".join(a.name for a in obj.attributes.all())

    def channels_using(self, obj: AttributeGroup):
        return Channel.objects.filter(attribute_groups=obj)


@admin.register(NumberSequence)
class NumberSequenceAdmin(admin.ModelAdmin):
    list_display = ["code", "prefix", "width", "next_value"]
    search_fields = ["code"]


class MasterDataAdmin(PushToChannelsMixin, admin.ModelAdmin):
    """HQ's lists every store's customers are held to: a change is written through to every
    store (the POS refuses what HQ does not define), 1070 brings it to the others."""

    def channels_using(self, obj):
        return Channel.objects.all()


@admin.register(Affiliation)
class AffiliationAdmin(MasterDataAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(CustomerGroup)
class CustomerGroupAdmin(MasterDataAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(CommerceParameters)
class CommerceParametersAdmin(admin.ModelAdmin):
    """One page (D365's Commerce parameters): the list opens the row; saving writes the
    switches through to the stores (commerce_parameters_update), 1070 repairs the rest."""

    fieldsets = [
        (
            _("Async customer mode (Feature management)"),
            {
                "fields": [
                    "async_address_creation",
                    "enhanced_async_creation",
                    "async_customer_editing",
                ]
            },
        ),
    ]
    readonly_fields = ["changed_at"]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        parameters = commerce_parameters()
        return HttpResponseRedirect(
            reverse("admin:hqcommerce_commerceparameters_change", args=[parameters.pk])
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        commerce_parameters_update(
            switches={feature: getattr(obj, feature) for feature in FEATURES}
        )
        obj.refresh_from_db()

    def response_change(self, request, obj):
        self.message_user(
            request,
            gettext(
                "Saved. The stores whose channel database answers have the switches now; "
                "the others get them with the next 1070 (Channel configuration)."
            ),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(request.path)
