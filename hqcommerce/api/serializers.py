"""Request and response shapes. Input serializers check types and lengths and refuse
unknown fields; the services then apply HQ's business rules."""

from __future__ import annotations

import copy

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework import serializers

from channels_app.sales import DATE_PATTERN, MAX_QUANTITY, MAX_UNIT_PRICE
from hqcommerce.models import JobRun
from hqcommerce.models.customers import AddressPurpose, ContactKind, PartyType, ReceiptPreference
from hqcommerce.models.jobs import JobKind

API_JOB_KINDS = {
    "p-job": JobKind.PJOB,
    "sync-customers": JobKind.CUSTOMER_SYNC,
    "1010": JobKind.DISTRIBUTION,
    "convert": JobKind.CONVERT,
    "sync-orders": JobKind.ORDER_SYNC,
    "post-statements": JobKind.STATEMENT_POSTING,
    "1070": JobKind.CHANNEL_CONFIGURATION,
    "purge-history": JobKind.PURGE,
}
JOB_KIND_NAMES = {kind: name for name, kind in API_JOB_KINDS.items()}


class PrototypeFieldsMixin:
    """DRF gives every serializer instance fresh fields by re-running each declared field's
    __init__ (about 10 µs a field): a tenth of a POS create's CPU. Fields without children
    are instead copied shallowly from an unbound prototype, one set per class and language
    (validators keep their message once rendered, in the language of that request); fields
    with children (nested serializers, lists) still go through DRF's deepcopy."""

    def get_fields(self):
        cls = type(self)
        by_language = cls.__dict__.get("_field_prototypes")
        if by_language is None:
            by_language = cls._field_prototypes = {}
        language = get_language()
        prototypes = by_language.get(language)
        if prototypes is None:  # two threads may both build it: the same, and harmless
            prototypes = by_language[language] = {
                name: (field, hasattr(field, "child") or hasattr(field, "_declared_fields"))
                for name, field in copy.deepcopy(cls._declared_fields).items()
            }
        return {
            name: copy.deepcopy(field) if nested else _shallow_copy(field)
            for name, (field, nested) in prototypes.items()
        }


def _shallow_copy(field: serializers.Field) -> serializers.Field:
    """copy.copy without its generic __reduce_ex__ round (this runs per field per request)."""
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    return clone


class StrictSerializer(PrototypeFieldsMixin, serializers.Serializer):
    """Refuses fields it does not know, so a typo is an error rather than silently dropped."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: [_("Unknown field.")] for key in unknown})
        return super().to_internal_value(data)


class StringOnly:
    """A text field takes a JSON string only: 12345 or 1e400 is not a name (DRF would store
    "12345" and "inf")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class StrictCharField(StringOnly, serializers.CharField):
    default_error_messages = {"not_a_string": _("Must be text (a JSON string).")}


class StrictRegexField(StringOnly, serializers.RegexField):
    default_error_messages = {"not_a_string": _("Must be text (a JSON string).")}


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only: DRF would also read "yes", "on", 1 and "0" as booleans."""

    default_error_messages = {"not_a_boolean": _("Must be true or false (a JSON boolean).")}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("not_a_boolean")
        return data


class StrictDateField(serializers.DateField):
    """A date exactly as YYYY-MM-DD (Python also reads "20261201" as a date)."""

    default_error_messages = {"not_iso": _("A date as YYYY-MM-DD.")}

    def to_internal_value(self, value):
        if not isinstance(value, str) or not DATE_PATTERN.match(value):
            self.fail("not_iso")
        return super().to_internal_value(value)


def _text(max_length: int, **kwargs) -> serializers.CharField:
    return StrictCharField(
        max_length=max_length, required=False, allow_blank=True, trim_whitespace=True, **kwargs
    )


class AddressInput(StrictSerializer):
    purpose = serializers.ChoiceField(choices=AddressPurpose.choices, required=False)
    is_primary = StrictBooleanField(required=False)
    name = _text(100)
    street = StrictCharField(max_length=200)
    city = StrictCharField(max_length=60)
    state = _text(60)
    zip_code = _text(20)
    country = StrictCharField(max_length=3, help_text="ISO 3166 alpha-2 or alpha-3.")


class ContactInput(StrictSerializer):
    kind = serializers.ChoiceField(choices=ContactKind.choices)
    value = StrictCharField(max_length=254)
    is_primary = StrictBooleanField(required=False)


class AttributeInput(StrictSerializer):
    name = StrictCharField(max_length=60)
    value = _text(200)


class CustomerCreateInput(StrictSerializer):
    channel = StrictCharField(
        max_length=20, required=False, help_text="Back-office users only; a device uses its own."
    )
    party_type = serializers.ChoiceField(choices=PartyType.choices, required=False)
    first_name = _text(60)
    middle_name = _text(60)
    last_name = _text(60)
    organization_name = _text(120)
    customer_group = _text(20)
    currency = _text(3)
    language = _text(10)
    receipt_preference = serializers.ChoiceField(choices=ReceiptPreference.choices, required=False)
    addresses = AddressInput(many=True, required=False, max_length=20)
    contacts = ContactInput(many=True, required=False, max_length=20)
    affiliations = serializers.ListField(
        child=StrictCharField(max_length=60), required=False, max_length=20
    )
    attributes = AttributeInput(many=True, required=False, max_length=20)


class CustomerUpdateInput(StrictSerializer):
    first_name = _text(60)
    middle_name = _text(60)
    last_name = _text(60)
    organization_name = _text(120)
    customer_group = _text(20)
    currency = _text(3)
    language = _text(10)
    receipt_preference = serializers.ChoiceField(choices=ReceiptPreference.choices, required=False)
    email = _text(254)
    phone = _text(254)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Send at least one field to change."))
        return attrs


class AddressOutput(PrototypeFieldsMixin, serializers.Serializer):
    async_id = serializers.CharField(allow_null=True)
    purpose = serializers.CharField()
    is_primary = serializers.BooleanField()
    street = serializers.CharField()
    city = serializers.CharField()
    zip_code = serializers.CharField()
    country = serializers.CharField()


class CustomerOutput(PrototypeFieldsMixin, serializers.Serializer):
    id = serializers.CharField(help_text="The account number, or the temporary id while pending.")
    account_number = serializers.CharField(allow_null=True)
    async_id = serializers.UUIDField(allow_null=True)
    status = serializers.ChoiceField(choices=["synced", "pending_sync"])
    channel = serializers.CharField()
    party_type = serializers.CharField()
    name = serializers.CharField()
    first_name = serializers.CharField()
    middle_name = serializers.CharField()
    last_name = serializers.CharField()
    organization_name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    customer_group = serializers.CharField()
    currency = serializers.CharField()
    language = serializers.CharField()
    addresses = AddressOutput(many=True)


class CustomerPage(serializers.Serializer):
    next = serializers.CharField(allow_null=True, help_text="URL of the next page, if any.")
    results = CustomerOutput(many=True)


class AddressAdded(serializers.Serializer):
    status = serializers.ChoiceField(choices=["synced", "pending_sync"])
    async_id = serializers.UUIDField(allow_null=True)
    customer = CustomerOutput()


class TransactionLineInput(StrictSerializer):
    item_id = StrictCharField(max_length=40)
    description = _text(100)
    quantity = serializers.DecimalField(
        max_digits=12,
        decimal_places=3,
        min_value=-MAX_QUANTITY,
        max_value=MAX_QUANTITY,
        help_text="Not zero; negative for a return.",
    )
    unit_price = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, max_value=MAX_UNIT_PRICE
    )


class TransactionInput(StrictSerializer):
    channel = StrictCharField(max_length=20, required=False)
    transaction_id = StrictRegexField(r"^[A-Za-z0-9._:-]{1,64}$", max_length=64)
    kind = serializers.ChoiceField(choices=["cash_and_carry", "customer_order"])
    order_mode = serializers.ChoiceField(choices=["async", "sync"], required=False)
    business_date = StrictDateField(
        help_text="YYYY-MM-DD, within HQ_SALE_DATE_WINDOW_DAYS (31) days of today."
    )
    customer = _text(64, help_text="Account number or temporary id.")
    address_async_id = serializers.UUIDField(required=False, allow_null=True)
    currency = StrictRegexField(
        r"^[A-Z]{3}$", required=False, help_text="ISO 4217; default: the store's currency."
    )
    lines = TransactionLineInput(many=True, min_length=1, max_length=200)


class TransactionOutput(serializers.Serializer):
    transaction_id = serializers.CharField()
    channel = serializers.CharField(source="channel.code")
    kind = serializers.CharField()
    order_mode = serializers.CharField()
    business_date = serializers.DateField()
    customer_account = serializers.CharField()
    customer_async_id = serializers.UUIDField(allow_null=True)
    address_async_id = serializers.UUIDField(allow_null=True)
    currency = serializers.CharField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    hq_order_number = serializers.CharField()
    created_at = serializers.DateTimeField()


class SyncStatusOutput(serializers.Serializer):
    channel = serializers.CharField()
    pending_upload = serializers.IntegerField()
    pending_sync = serializers.IntegerField()
    failed = serializers.IntegerField()
    awaiting_distribution = serializers.IntegerField()
    completed = serializers.IntegerField()
    orders_pending = serializers.IntegerField()
    statements_blocked = serializers.IntegerField()
    partner_requests_pending = serializers.IntegerField()
    prospects_awaiting_approval = serializers.IntegerField()
    unreachable = serializers.CharField(
        help_text="Why the channel's database did not answer ('' when it did); its counts of "
        "what is still in the store (pending upload, completed) are then 0."
    )


class PartnerRequestInput(StrictSerializer):
    company_name = StrictCharField(max_length=120)
    tax_id = StrictCharField(max_length=30)
    contact_first_name = _text(60)
    contact_last_name = StrictCharField(max_length=60)
    email = StrictCharField(max_length=254)
    phone = _text(254)
    street = _text(200)
    city = _text(60)
    zip_code = _text(20)
    country = _text(3)
    requested_customer_group = _text(20)
    comment = _text(1000)


class PartnerRequestOutput(serializers.Serializer):
    id = serializers.UUIDField()
    channel = serializers.CharField()
    company_name = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["pending_upload", "pending_sync", "failed", "new", "approved", "rejected"],
        help_text="pending_upload/pending_sync/failed: not a prospect yet; then the prospect's.",
    )
    last_error = serializers.CharField(allow_blank=True)
    account_number = serializers.CharField(allow_null=True)
    rejection_reason = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class JobInput(StrictSerializer):
    kind = serializers.ChoiceField(choices=list(API_JOB_KINDS))
    channels = serializers.ListField(
        child=StrictCharField(max_length=20), required=False, max_length=100
    )
    dry_run = StrictBooleanField(required=False, default=False)
    retry_failed = StrictBooleanField(required=False, help_text="sync-customers only.")
    business_date = serializers.DateField(required=False, help_text="post-statements only.")


class JobRunOutput(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField()
    channels = serializers.ListField(source="channel_codes", child=serializers.CharField())
    url = serializers.SerializerMethodField()

    class Meta:
        model = JobRun
        fields = [
            "id",
            "url",
            "kind",
            "status",
            "dry_run",
            "channels",
            "progress_done",
            "progress_total",
            "processed",
            "created",
            "skipped",
            "failed",
            "triggered_by",
            "queued_at",
            "started_at",
            "finished_at",
            "error_summary",
        ]

    def get_kind(self, obj: JobRun) -> str:
        return JOB_KIND_NAMES[obj.kind]

    def get_url(self, obj: JobRun) -> str:
        request = self.context.get("request")
        path = f"/api/v1/jobs/{obj.pk}/"
        return request.build_absolute_uri(path) if request else path


class HealthOutput(serializers.Serializer):
    ok = serializers.BooleanField()
    channel = serializers.CharField(allow_null=True)
