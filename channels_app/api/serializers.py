"""The POS API's request and response shapes. Input serializers check types and lengths and refuse
unknown fields; the services then apply HQ's business rules."""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from functools import cache

from django.core.validators import RegexValidator
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from channels_app.sales import DATE_PATTERN, MAX_QUANTITY, MAX_UNIT_PRICE
from channels_app.validation import (
    COUNTRY_CODES,
    CURRENCY_CODES,
    GROUP_PATTERN,
    LANGUAGE_PATTERN,
    PHONE_PATTERN,
    TAX_ID_PATTERN,
    TITLE_PATTERN,
)
from channels_app.vocabulary import AddressPurpose, ContactKind, PartyType, ReceiptPreference


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


class StrictSerializerSchema(OpenApiSerializerExtension):
    """The schema says what StrictSerializer does: no properties but the listed ones."""

    target_class = StrictSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        if schema.get("description") == StrictSerializer.__doc__:  # not the request's own
            del schema["description"]
        return {**schema, "additionalProperties": False}


# Control characters (tab, newline and carriage return are text). The schema states the
# rules as patterns on the value as sent, so the checks below run on the value as sent too.
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
TEXT_PATTERN = rf"^[^{_CONTROL}]*$"
_CONTROL_RE = re.compile(f"[{_CONTROL}]")
NON_BLANK_PATTERN = rf"^[^{_CONTROL}]*[^\s{_CONTROL}][^{_CONTROL}]*$"


def _blank_or(pattern: str) -> str:
    """A pattern for a field that may also be left blank; surrounding spaces are trimmed."""
    return rf"^\s*(|{pattern.strip('^$')})\s*$"


@cache
def _as_schema(pattern: str) -> re.Pattern:
    """The pattern as JSON Schema reads it: its "$" is the end of the text (Python's would
    also match before a final newline)."""
    return re.compile(pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern)


class StringOnly:
    """A text field takes a JSON string only: 12345 or 1e400 is not a name (DRF would store
    "12345" and "inf"). Its pattern (a RegexValidator, which the schema states) and length
    hold for the value as sent, before DRF trims it, exactly as the schema says."""

    def run_validation(self, data=serializers.empty):
        if data is not serializers.empty and data is not None:
            if not isinstance(data, str):
                self.fail("not_a_string")
            if self.max_length is not None and len(data) > self.max_length:
                self.fail("max_length", max_length=self.max_length)
            # All spaces: DRF's own "may not be blank" (or ""), unless it hides control characters.
            if data.strip() or _CONTROL_RE.search(data):
                for validator in self.validators:
                    if isinstance(validator, RegexValidator) and not _as_schema(
                        validator.regex.pattern
                    ).search(data):
                        raise serializers.ValidationError(validator.message, "invalid")
        return super().run_validation(data)


class StrictCharField(StringOnly, serializers.CharField):
    """Text without control characters, or matching `pattern` (with `message`) when given."""

    default_error_messages = {"not_a_string": gettext_lazy("Must be text (a JSON string).")}

    def __init__(self, *args, pattern: str = TEXT_PATTERN, message: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.validators.append(
            RegexValidator(pattern, message or _("Contains control characters."))
        )


class StrictChoiceField(serializers.ChoiceField):
    """One of the listed strings (DRF would also match the number 1 to a choice "1")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class StrictEmailField(StringOnly, serializers.EmailField):
    default_error_messages = {"not_a_string": gettext_lazy("Must be text (a JSON string).")}


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only: DRF would also read "yes", "on", 1 and "0" as booleans."""

    default_error_messages = {
        "not_a_boolean": gettext_lazy("Must be true or false (a JSON boolean).")
    }

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("not_a_boolean")
        return data


class StrictDateField(serializers.DateField):
    """A date exactly as YYYY-MM-DD (Python also reads "20261201" as a date)."""

    default_error_messages = {"not_iso": gettext_lazy("A date as YYYY-MM-DD.")}

    def to_internal_value(self, value):
        if not isinstance(value, str) or not DATE_PATTERN.match(value):
            self.fail("not_iso")
        return super().to_internal_value(value)


GROUP_MESSAGE = gettext_lazy("Use letters, digits, '-' and '_'.")
LANGUAGE_MESSAGE = gettext_lazy("A language tag such as en-us.")
PHONE_MESSAGE = gettext_lazy(
    "A phone number of 7 to 15 digits (after a leading + or 00); spaces, dots, dashes, "
    "slashes and brackets allowed."
)


def _required(max_length: int, **kwargs) -> serializers.CharField:
    return StrictCharField(max_length=max_length, pattern=NON_BLANK_PATTERN, **kwargs)


def _codes(codes, message: str, *, blank: bool = False, **kwargs) -> serializers.ChoiceField:
    """A code from a list (ISO 3166, ISO 4217), exactly as listed: the schema's enum."""
    kwargs.setdefault("required", not blank)
    return StrictChoiceField(
        choices=list(codes),
        allow_blank=blank,
        error_messages={"invalid_choice": message},
        **kwargs,
    )


NOT_A_COUNTRY = gettext_lazy('"{input}" is not an ISO 3166 country code (in capitals).')
NOT_A_CURRENCY = gettext_lazy('"{input}" is not an ISO 4217 currency code (in capitals).')


def _text(max_length: int, **kwargs) -> serializers.CharField:
    return StrictCharField(
        max_length=max_length, required=False, allow_blank=True, trim_whitespace=True, **kwargs
    )


def _title() -> serializers.CharField:
    return _text(
        20,
        pattern=_blank_or(TITLE_PATTERN),
        message=_("A title such as Mr., Ms., Dr. (letters, dots and spaces)."),
        help_text="Mr., Ms., Dr., … (enhanced async creation, D365 10.0.24).",
    )


class AddressInput(StrictSerializer):
    purpose = serializers.ChoiceField(choices=AddressPurpose.choices, required=False)
    is_primary = StrictBooleanField(required=False)
    name = _text(100)
    street = _required(200)
    city = _required(60)
    state = _text(60)
    zip_code = _text(20)
    country = _codes(
        COUNTRY_CODES,
        NOT_A_COUNTRY,
        blank=True,
        help_text="ISO 3166 alpha-2 or alpha-3, in capitals; blank: the store's country.",
    )


class ContactInput(StrictSerializer):
    kind = serializers.ChoiceField(choices=ContactKind.choices)
    value = _required(
        254,
        help_text="An email address, or a phone number of 7 to 15 digits (a leading + or 00, "
        "spaces, dots, dashes, slashes and brackets allowed), valid in the store's country "
        "unless it starts with its country code.",
    )
    is_primary = StrictBooleanField(required=False)
    marketing_opt_in = StrictBooleanField(
        required=False,
        help_text="The customer agrees to marketing on this email or phone; the store "
        "records when.",
    )


class AttributeInput(StrictSerializer):
    name = _required(
        60,
        help_text="Unique within the customer. A store with attribute groups takes only "
        "their attributes (GET /api/v1/customer-attributes/).",
    )
    value = _text(200, help_text="Written as the attribute's type says.")


class CustomerCreateInput(StrictSerializer):
    channel = _required(
        20, required=False, help_text="Back-office users only; a device uses its own."
    )
    party_type = serializers.ChoiceField(choices=PartyType.choices, required=False)
    title = _title()
    first_name = _text(60)
    middle_name = _text(60)
    last_name = _text(60)
    organization_name = _text(120)
    customer_group = _text(20, pattern=_blank_or(GROUP_PATTERN), message=GROUP_MESSAGE)
    currency = _codes(
        CURRENCY_CODES, NOT_A_CURRENCY, blank=True, help_text="ISO 4217; blank: the store's."
    )
    language = _text(10, pattern=_blank_or(LANGUAGE_PATTERN), message=LANGUAGE_MESSAGE)
    receipt_preference = serializers.ChoiceField(
        choices=ReceiptPreference.choices,
        required=False,
        help_text="Blank: the store's default customer's.",
    )
    receipt_email = StrictEmailField(
        max_length=254,
        required=False,
        allow_blank=True,
        help_text="Where emailed receipts go; blank: the primary email.",
    )
    addresses = serializers.ListField(child=AddressInput(), required=False, max_length=20)
    contacts = serializers.ListField(child=ContactInput(), required=False, max_length=20)
    affiliations = serializers.ListField(child=_required(60), required=False, max_length=20)
    attributes = serializers.ListField(child=AttributeInput(), required=False, max_length=20)


class AttributeChangeInput(StrictSerializer):
    name = _required(60)
    value = _text(200, help_text="The new value; empty removes the attribute.")


class CustomerUpdateInput(StrictSerializer):
    title = _title()
    first_name = _text(60)
    middle_name = _text(60)
    last_name = _text(60)
    organization_name = _text(120)
    customer_group = _text(20, pattern=_blank_or(GROUP_PATTERN), message=GROUP_MESSAGE)
    currency = _codes(
        CURRENCY_CODES, NOT_A_CURRENCY, blank=True, help_text="ISO 4217; blank: the store's."
    )
    language = _text(10, pattern=_blank_or(LANGUAGE_PATTERN), message=LANGUAGE_MESSAGE)
    receipt_preference = serializers.ChoiceField(choices=ReceiptPreference.choices, required=False)
    receipt_email = StrictEmailField(max_length=254, required=False, allow_blank=True)
    email = StrictEmailField(max_length=254, required=False, allow_blank=True)
    email_marketing_opt_in = StrictBooleanField(
        required=False,
        help_text="Consent to marketing on the primary email, given (true) or withdrawn; "
        "the store records when.",
    )
    phone_marketing_opt_in = StrictBooleanField(
        required=False, help_text="The same for the primary phone."
    )
    phone = _text(254, pattern=_blank_or(PHONE_PATTERN), message=PHONE_MESSAGE)
    attributes = serializers.ListField(
        child=AttributeChangeInput(),
        required=False,
        min_length=1,
        max_length=20,
        help_text="Attributes to set (an empty value removes one); the others stay.",
    )
    add_affiliations = serializers.ListField(
        child=_required(60), required=False, min_length=1, max_length=20
    )
    remove_affiliations = serializers.ListField(
        child=_required(60), required=False, min_length=1, max_length=20
    )

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Send at least one field to change."))
        return attrs


class AddressUpdateInput(StrictSerializer):
    purpose = serializers.ChoiceField(choices=AddressPurpose.choices, required=False)
    is_primary = StrictBooleanField(
        required=False, help_text="true makes it the primary address (the other loses it)."
    )
    name = _text(100)
    street = _required(200, required=False)
    city = _required(60, required=False)
    state = _text(60)
    zip_code = _text(20)
    country = _codes(
        COUNTRY_CODES, NOT_A_COUNTRY, required=False, help_text="ISO 3166 alpha-2 or alpha-3."
    )

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Send at least one field to change."))
        return attrs


class AddressOutput(PrototypeFieldsMixin, serializers.Serializer):
    async_id = serializers.CharField(
        allow_null=True,
        help_text="The address's own id, the same before and after sync: edit or delete it "
        "at …/addresses/{async_id}/.",
    )
    purpose = serializers.CharField()
    is_primary = serializers.BooleanField()
    street = serializers.CharField()
    city = serializers.CharField()
    zip_code = serializers.CharField()
    country = serializers.CharField()


class ContactOutput(PrototypeFieldsMixin, serializers.Serializer):
    kind = serializers.CharField()
    value = serializers.CharField()
    is_primary = serializers.BooleanField()
    marketing_opt_in = serializers.BooleanField()
    opt_in_at = serializers.DateTimeField(allow_null=True)


class AttributeOutput(PrototypeFieldsMixin, serializers.Serializer):
    name = serializers.CharField()
    value = serializers.CharField()


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
    title = serializers.CharField()
    receipt_email = serializers.CharField()
    contacts = ContactOutput(many=True)
    customer_group = serializers.CharField()
    currency = serializers.CharField()
    language = serializers.CharField()
    addresses = AddressOutput(many=True)
    attributes = AttributeOutput(many=True)
    affiliations = serializers.ListField(child=serializers.CharField())


class CustomerPage(serializers.Serializer):
    next = serializers.CharField(allow_null=True, help_text="URL of the next page, if any.")
    results = CustomerOutput(many=True)


class AddressAdded(serializers.Serializer):
    status = serializers.ChoiceField(choices=["synced", "pending_sync"])
    async_id = serializers.UUIDField(allow_null=True)
    customer = CustomerOutput()


class AddressChanged(serializers.Serializer):
    """pending_sync: queued for HQ (the POS shows a pending customer's change at once, a
    synced customer's after 1010); synced: HQ applied it in real time."""

    status = serializers.ChoiceField(choices=["synced", "pending_sync"])
    async_id = serializers.UUIDField(help_text="The address's id.")
    customer = CustomerOutput()


class AttributeDefinitionOutput(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(
        choices=["text", "integer", "decimal", "date", "boolean", "list"],
        help_text="How `value` is written: integer 42, decimal 41.5, date YYYY-MM-DD, boolean "
        "true/false, list one of `allowed_values`, text up to 200 characters.",
    )
    allowed_values = serializers.ListField(child=serializers.CharField())
    required = serializers.BooleanField(help_text="A new customer must have it.")
    default = serializers.CharField(
        allow_blank=True, help_text="What a new customer gets when it is left out."
    )


class LoyaltyCardInput(StrictSerializer):
    """No fields: the card is for the customer in the URL, at the device's store."""


class LoyaltyCardOutput(serializers.Serializer):
    card_number = serializers.CharField()
    account_number = serializers.CharField()
    channel = serializers.CharField()
    issued_at = serializers.DateTimeField()


def _decimal_schema(*, integer_digits: int, places: int, minimum: Decimal, maximum: Decimal):
    sign = "-?" if minimum < 0 else ""
    decimals = rf"(\.[0-9]{{1,{places}}})?"
    return {
        "oneOf": [
            {"type": "number", "minimum": int(minimum), "maximum": int(maximum)},
            {
                "type": "string",
                "pattern": rf"^{sign}[0-9]{{1,{integer_digits}}}{decimals}$",
            },
        ],
        "description": f"At most {places} decimals, between {minimum} and {maximum}.",
    }


class StrictDecimalField(serializers.DecimalField):
    """A JSON number, or a string of plain digits (DRF would also read " 1e3 ")."""

    default_error_messages = {"plain": gettext_lazy("Digits, with a decimal point if any.")}
    _PLAIN = re.compile(r"-?[0-9]+(\.[0-9]+)?")

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (str, int, float)):
            self.fail("invalid")
        if isinstance(data, str) and not self._PLAIN.fullmatch(data):
            self.fail("plain")
        return super().to_internal_value(data)


QUANTITY_SCHEMA = _decimal_schema(
    integer_digits=6, places=3, minimum=-MAX_QUANTITY, maximum=MAX_QUANTITY
)
PRICE_SCHEMA = _decimal_schema(
    integer_digits=7, places=2, minimum=Decimal(0), maximum=MAX_UNIT_PRICE
)


@extend_schema_field(QUANTITY_SCHEMA)
class QuantityField(StrictDecimalField):
    pass


@extend_schema_field(PRICE_SCHEMA)
class PriceField(StrictDecimalField):
    pass


class TransactionLineInput(StrictSerializer):
    item_id = _required(40)
    description = _text(100)
    quantity = QuantityField(
        max_digits=12,
        decimal_places=3,
        min_value=-MAX_QUANTITY,
        max_value=MAX_QUANTITY,
        help_text="Not zero; negative for a return.",
    )
    unit_price = PriceField(max_digits=14, decimal_places=2, min_value=0, max_value=MAX_UNIT_PRICE)


class TransactionInput(StrictSerializer):
    channel = _required(20, required=False)
    transaction_id = StrictCharField(
        max_length=64,
        pattern=r"^[A-Za-z0-9._:-]{1,64}$",
        message=_("Letters, digits, '.', '_', ':' and '-'."),
    )
    kind = serializers.ChoiceField(choices=["cash_and_carry", "customer_order"])
    order_mode = serializers.ChoiceField(choices=["async", "sync"], required=False)
    business_date = StrictDateField(
        help_text="YYYY-MM-DD, within HQ_SALE_DATE_WINDOW_DAYS (31) days of today."
    )
    customer = _text(64, help_text="Account number or temporary id.")
    address_async_id = serializers.UUIDField(required=False, allow_null=True)
    currency = _codes(
        CURRENCY_CODES,
        NOT_A_CURRENCY,
        required=False,
        help_text="ISO 4217; default: the store's currency.",
    )
    lines = serializers.ListField(child=TransactionLineInput(), min_length=1, max_length=200)


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


class PartnerRequestInput(StrictSerializer):
    company_name = _required(120)
    tax_id = StrictCharField(
        max_length=30,
        pattern=TAX_ID_PATTERN,
        message=_("5 to 30 letters, digits or '-'."),
        help_text="Spaces are removed and letters capitalized.",
    )
    contact_first_name = _text(60)
    contact_last_name = _required(60)
    email = StrictEmailField(max_length=254)
    phone = _text(254, pattern=_blank_or(PHONE_PATTERN), message=PHONE_MESSAGE)
    street = _text(200)
    city = _text(60)
    zip_code = _text(20)
    country = _codes(
        COUNTRY_CODES, NOT_A_COUNTRY, blank=True, help_text="ISO 3166 alpha-2 or alpha-3."
    )
    requested_customer_group = _text(20, pattern=_blank_or(GROUP_PATTERN), message=GROUP_MESSAGE)
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


# Options a job kind takes besides channels and dry_run.
class HealthOutput(serializers.Serializer):
    ok = serializers.BooleanField()
    channel = serializers.CharField(allow_null=True)
