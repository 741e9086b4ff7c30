"""Validation of customer payloads (what the POS records and the P-job uploads).

Two levels. *Shape* is what the channel database can store at all (types, lengths, known
choices); the POS refuses a shape error at once. *Rules* are HQ's business rules (a name,
email/phone/country formats, ...); an async record that breaks one is uploaded anyway and
fails in the sync job with its reason, because HQ is the authority and a store may be
offline or on older rules. Hand-written on purpose: it runs for every record of a
100k-customer backlog, where a serializer per record would dominate the job's time.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import uuid
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import phonenumbers
import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy

from channels_app.errors import CustomerValidationError
from channels_app.errors import message as _
from channels_app.vocabulary import (
    AddressPurpose,
    ContactKind,
    PartyType,
    ReceiptPreference,
)

# Choices' `.values` builds a new list on every access; validation runs per record.
_PARTY_TYPES = tuple(PartyType.values)
_RECEIPT_PREFERENCES = tuple(ReceiptPreference.values)
_PURPOSES = tuple(AddressPurpose.values)
_CONTACT_KINDS = tuple(ContactKind.values)

CUSTOMER_TEXT_FIELDS = {
    "title": 20,
    "first_name": 60,
    "middle_name": 60,
    "last_name": 60,
    "organization_name": 120,
    "customer_group": 20,
    "currency": 3,
    "language": 10,
    "receipt_preference": 5,
    "receipt_email": 254,
    "party_type": 12,
}
ADDRESS_TEXT_FIELDS = {
    "purpose": 10,
    "name": 100,
    "street": 200,
    "city": 60,
    "state": 60,
    "zip_code": 20,
    "country": 3,
}
# How a payload's fields and lists are named to people (messages, the correction form).
FIELD_LABELS = {
    "party_type": gettext_lazy("party type"),
    "title": gettext_lazy("title"),
    "receipt_email": gettext_lazy("receipt email"),
    "marketing_opt_in": gettext_lazy("marketing opt-in"),
    "first_name": gettext_lazy("first name"),
    "middle_name": gettext_lazy("middle name"),
    "last_name": gettext_lazy("last name"),
    "organization_name": gettext_lazy("organization name"),
    "customer_group": gettext_lazy("customer group"),
    "currency": gettext_lazy("currency"),
    "language": gettext_lazy("language"),
    "receipt_preference": gettext_lazy("receipt preference"),
    "email": gettext_lazy("email"),
    "phone": gettext_lazy("phone"),
    "purpose": gettext_lazy("purpose"),
    "is_primary": gettext_lazy("primary"),
    "name": gettext_lazy("name"),
    "street": gettext_lazy("street"),
    "city": gettext_lazy("city"),
    "state": gettext_lazy("state"),
    "zip_code": gettext_lazy("ZIP code"),
    "country": gettext_lazy("country"),
    "kind": gettext_lazy("kind"),
    "value": gettext_lazy("value"),
    "company_name": gettext_lazy("company name"),
    "tax_id": gettext_lazy("tax id"),
    "contact_first_name": gettext_lazy("contact's first name"),
    "contact_last_name": gettext_lazy("contact's last name"),
    "requested_customer_group": gettext_lazy("requested customer group"),
    "comment": gettext_lazy("comment"),
    "addresses": gettext_lazy("Addresses"),
    "contacts": gettext_lazy("Contacts"),
    "affiliations": gettext_lazy("Affiliations"),
    "add_affiliations": gettext_lazy("affiliations added"),
    "remove_affiliations": gettext_lazy("affiliations removed"),
    "attributes": gettext_lazy("Attributes"),
    "address": gettext_lazy("address"),
    "payload": gettext_lazy("data"),
    "changes": gettext_lazy("changes"),
}
PAYLOAD_KEYS = set(CUSTOMER_TEXT_FIELDS) | {"addresses", "contacts", "affiliations", "attributes"}
MAX_ITEMS = 20

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PHONE = re.compile(r"^\+?[0-9 ()./-]+$")
_NOT_DIGIT = re.compile(r"\D")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
_GROUP = re.compile(r"^[A-Za-z0-9_-]+$")
# Latin letters (accented too), each word may end in a dot: the API schema states the same.
TITLE_PATTERN = r"^[A-Za-zÀ-ÖØ-öø-ÿ]+\.?( [A-Za-zÀ-ÖØ-öø-ÿ]+\.?)*$"
_TITLE = re.compile(TITLE_PATTERN)

# The same rules as patterns and lists for the API schema (JSON Schema regex syntax), so a
# client learns from the schema what the POS will refuse.
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
GROUP_PATTERN = _GROUP.pattern
TAX_ID_PATTERN = r"^ *([A-Za-z0-9-] *){5,30}$"
# 7 to 15 digits, counted after a leading "00" (an international prefix, like "+").
_SEP = "[ ()./-]"
PHONE_PATTERN = (
    rf"^\s*(00{_SEP}*([0-9]{_SEP}*){{7,15}}"
    rf"|(\+{_SEP}*|[()./-]{_SEP}*)([0-9]{_SEP}*){{7,15}}"
    rf"|[1-9]{_SEP}*([0-9]{_SEP}*){{6,14}}"
    rf"|0({_SEP}+[0-9]|[1-9]){_SEP}*([0-9]{_SEP}*){{5,13}})\s*$"
)
COUNTRY_CODES = tuple(
    sorted({c.alpha_2 for c in pycountry.countries} | {c.alpha_3 for c in pycountry.countries})
)
CURRENCY_CODES = tuple(sorted(c.alpha_3 for c in pycountry.currencies))
_email_validator = EmailValidator()


def one_of(values) -> str:
    return _("Must be one of %(choices)s.") % {"choices": ", ".join(values)}


def unknown_fields(keys) -> str:
    return _("Unknown field(s): %(fields)s.") % {"fields": ", ".join(map(str, keys))}


def _not_country(value: str) -> str:
    return _("%(value)r is not an ISO 3166 country code.") % {"value": value}


def _not_email(value: str) -> str:
    return _("%(value)r is not a valid email address.") % {"value": value}


def _not_phone(value: str) -> str:
    return _("%(value)r is not a phone number (7 to 15 digits).") % {"value": value}


@dataclass(frozen=True)
class ChannelDefaults:
    """What a new customer inherits from the channel's default customer, and the customer
    attributes its attribute groups define (none: attributes are free text)."""

    party_type: str = PartyType.PERSON
    customer_group: str = "RETAIL"
    currency: str = "USD"
    language: str = "en-us"
    receipt_preference: str = ReceiptPreference.PRINT
    affiliations: tuple[str, ...] = ()
    attribute_definitions: tuple[dict, ...] = field(default=(), compare=False, hash=False)
    # The store's country (ISO 3166 alpha-3): an address's when the POS leaves it out, and
    # the region a phone number without its country code is read in.
    country: str = ""
    # HQ's master data (1070 brings it to the store): the customer groups and affiliations HQ
    # defines and the currencies it allows at the store. A customer names only those (the
    # store's default group and affiliations always count); no groups or currencies set: any
    # well-formed one. Free text never creates HQ master data.
    customer_groups: tuple[str, ...] = field(default=(), compare=False, hash=False)
    # None: not HQ's data at hand (nothing judged); a tuple, even empty, is HQ's whole list.
    known_affiliations: tuple[str, ...] | None = field(default=None, compare=False, hash=False)
    currencies: tuple[str, ...] = field(default=(), compare=False, hash=False)

    def master_data(self) -> ChannelDefaults:
        """Only what an edit is judged by besides its own fields: the store's country and
        HQ's lists (not the defaults a new customer inherits)."""
        return ChannelDefaults(
            country=self.country,
            customer_group=self.customer_group,
            currency=self.currency,
            customer_groups=self.customer_groups,
            known_affiliations=self.known_affiliations,
            currencies=self.currencies,
        )

    @property
    def region(self) -> str | None:
        return phone_region(self.country)


ATTRIBUTE_TYPES = ("text", "integer", "decimal", "date", "boolean", "list")
_INTEGER = re.compile(r"^-?[0-9]{1,18}$")
_DECIMAL = re.compile(r"^-?[0-9]{1,18}(\.[0-9]{1,6})?$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_BOOLEANS = {"true": "true", "false": "false", "yes": "true", "no": "false"}


def attribute_value_clean(definition: dict, value: str) -> tuple[str, str | None]:
    """A value by its attribute's type: (the value normalized, or the reason it is not)."""
    kind = definition.get("type", "text")
    if kind == "integer":
        if not _INTEGER.match(value):
            return value, _("A whole number, such as 42.")
        return str(int(value)), None
    if kind == "decimal":
        if not _DECIMAL.match(value):
            return value, _("A number with a decimal point if any, such as 41.5.")
        return value, None
    if kind == "date":
        if _DATE.match(value):
            try:
                return datetime.date.fromisoformat(value).isoformat(), None
            except ValueError:
                pass
        return value, _("A date as YYYY-MM-DD.")
    if kind == "boolean":
        normalized = _BOOLEANS.get(value.lower())
        if normalized is None:
            return value, _("true or false.")
        return normalized, None
    if kind == "list":
        allowed = [str(v) for v in definition.get("allowed_values") or []]
        if value not in allowed:
            return value, one_of(allowed)
    return value, None


def attribute_definition_errors(definition: dict) -> dict[str, list[str]]:
    """Is a definition one the POS can apply: a list with values, a default of its type."""
    errors: dict[str, list[str]] = {}
    if definition.get("type") not in ATTRIBUTE_TYPES:
        errors["data_type"] = [one_of(ATTRIBUTE_TYPES)]
        return errors
    allowed = definition.get("allowed_values")
    if not isinstance(allowed, list) or not all(isinstance(v, str) and v for v in allowed):
        errors["allowed_values"] = [_('A list of non-empty texts, such as ["S", "M"].')]
    elif definition["type"] == "list" and not allowed:
        errors["allowed_values"] = [_("A list of values needs at least one value.")]
    default = definition.get("default") or ""
    if default and "allowed_values" not in errors:
        _value, problem = attribute_value_clean(definition, default)
        if problem:
            errors["default_value"] = [problem]
    return errors


def _typed_attributes(
    attributes: dict[str, str], definitions: tuple[dict, ...], errors: _Errors, *, creating: bool
) -> dict[str, str]:
    """Attributes checked against the store's definitions: a known name, a value of its
    type; a new customer gets each default and must have each required attribute."""
    if not definitions:
        return attributes
    by_name = {d["name"]: d for d in definitions}
    result: dict[str, str] = {}
    for index, (name, value) in enumerate(attributes.items()):
        definition = by_name.get(name)
        if definition is None:
            errors.add_rule(
                f"attributes[{index}].name",
                _("%(name)r is not a customer attribute of this store; use one of %(names)s.")
                % {"name": name, "names": ", ".join(sorted(by_name))},
            )
            continue
        if value == "":
            result[name] = ""  # an edit removing it; a create leaves it out
            continue
        value, problem = attribute_value_clean(definition, value)
        if problem:
            errors.add_rule(f"attributes[{index}].value", problem)
        result[name] = value
    if creating:
        for definition in definitions:
            name = definition["name"]
            if result.get(name):
                continue
            if definition.get("default"):
                result[name] = definition["default"]
            elif definition.get("required"):
                errors.add_rule("attributes", _("Attribute %(name)r is required.") % {"name": name})
        return {name: value for name, value in result.items() if value}
    for name, value in result.items():
        if value == "" and by_name[name].get("required"):
            errors.add_rule(
                "attributes",
                _("Attribute %(name)r is required; it can be changed, not removed.")
                % {"name": name},
            )
    return result


@dataclass(frozen=True)
class CleanAddress:
    async_id: uuid.UUID | None
    purpose: str
    is_primary: bool
    name: str
    street: str
    city: str
    state: str
    zip_code: str
    country: str


@dataclass(frozen=True)
class CleanContact:
    kind: str
    value: str
    normalized: str
    is_primary: bool
    # Consent to marketing on this email or phone, and when the customer gave it (the POS's
    # clock, ISO 8601); withdrawn or never given: False and None.
    marketing_opt_in: bool = False
    opt_in_at: datetime.datetime | None = None


@dataclass(frozen=True)
class CleanCustomer:
    party_type: str
    first_name: str
    middle_name: str
    last_name: str
    organization_name: str
    customer_group: str
    currency: str
    language: str
    receipt_preference: str
    title: str = ""
    receipt_email: str = ""
    addresses: tuple[CleanAddress, ...] = ()
    contacts: tuple[CleanContact, ...] = ()
    affiliations: tuple[str, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()
    tax_id: str = ""
    # (first name, last name, email, phone) of people to talk to at an organization.
    contact_persons: tuple[tuple[str, str, str, str], ...] = ()


@dataclass
class _Errors:
    shape: dict[str, list[str]] = field(default_factory=dict)
    rules: dict[str, list[str]] = field(default_factory=dict)

    def add_shape(self, path: str, message: str) -> None:
        self.shape.setdefault(path, []).append(message)

    def add_rule(self, path: str, message: str) -> None:
        self.rules.setdefault(path, []).append(message)

    def all(self) -> dict[str, list[str]]:
        merged = {k: list(v) for k, v in self.shape.items()}
        for key, messages in self.rules.items():
            merged.setdefault(key, []).extend(messages)
        return merged


@cache
def _country_alpha3(code: str) -> str | None:
    code = code.upper()
    if len(code) == 2:
        country = pycountry.countries.get(alpha_2=code)
    elif len(code) == 3:
        country = pycountry.countries.get(alpha_3=code)
    else:
        return None
    return country.alpha_3 if country else None


def country_alpha3(code: str) -> str:
    """ISO 3166 alpha-3 of a code (alpha-2 or alpha-3, any case), as HQ stores it; an unknown
    code is returned as it is, for HQ's rules to refuse."""
    return _country_alpha3(code) or code if code else code


@cache
def is_currency(code: str) -> bool:
    return len(code) == 3 and pycountry.currencies.get(alpha_3=code.upper()) is not None


def normalize_email(value: str) -> str:
    return value.strip().lower()


@cache
def phone_region(country: str) -> str | None:
    """libphonenumber's region (ISO 3166 alpha-2) of a country code, or None."""
    alpha3 = _country_alpha3(country) if country else None
    return pycountry.countries.get(alpha_3=alpha3).alpha_2 if alpha3 else None


def _phone_parsed(value: str, region: str | None):
    """The number as libphonenumber reads it in `region` (a leading 00 is international),
    or None when it is not a valid number there."""
    text = value.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def phone_checked(value: str, region: str | None) -> tuple[str, str | None]:
    """The number normalized, and why it is not one a customer can be reached at (None when
    it is), from one parse: libphonenumber's check costs more than the rest of a record's.

    Normalized is E.164 ("+34600111222") when the number is valid in `region`, so
    "+34 600 111 222" and "600111222" at a Spanish store are one number; else its digits."""
    all_digits = _NOT_DIGIT.sub("", value)
    international = value.lstrip().startswith("00")
    digits = all_digits[2:] if international else all_digits
    if not 7 <= len(all_digits) <= 15 or not _PHONE.match(value):
        return digits, _not_phone(value)
    number = _phone_parsed(value, region)
    if number is not None:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None
    if region is None and not (international or value.lstrip().startswith("+")):
        return digits, None  # no country to read it in: its shape is all that can be checked
    return digits, _("%(value)r is not a valid phone number in %(region)s.") % {
        "value": value,
        "region": region or _("its country"),
    }


def normalize_phone(value: str, region: str | None = None) -> str:
    return phone_checked(value, region)[0]


def phone_problem(value: str, region: str | None) -> str | None:
    return phone_checked(value, region)[1]


def _text(data: dict, key: str, max_length: int, path: str, errors: _Errors) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add_shape(path, _("Must be text."))
        return ""
    value = value.strip()
    if len(value) > max_length:
        errors.add_shape(
            path,
            _("At most %(max)d characters (it has %(length)d).")
            % {"max": max_length, "length": len(value)},
        )
    if _CONTROL_CHARS.search(value):
        errors.add_shape(path, _("Contains control characters."))
    return value


def _bool(data: dict, key: str, path: str, errors: _Errors) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        errors.add_shape(path, _("Must be true or false."))
        return False
    return value


def _list(data: dict, key: str, errors: _Errors) -> list:
    value = data.get(key) or []
    if not isinstance(value, list):
        errors.add_shape(key, _("Must be a list."))
        return []
    if len(value) > MAX_ITEMS:
        errors.add_shape(key, _("At most %(max)d entries.") % {"max": MAX_ITEMS})
        return value[:MAX_ITEMS]
    return value


def _check(payload: Any, defaults: ChannelDefaults) -> tuple[CleanCustomer | None, _Errors]:
    errors = _Errors()
    if not isinstance(payload, dict):
        errors.add_shape("payload", _("Must be a JSON object with the customer's fields."))
        return None, errors
    unknown = sorted(set(payload) - PAYLOAD_KEYS)
    if unknown:
        errors.add_shape("payload", unknown_fields(unknown))

    text = {
        key: _text(payload, key, length, key, errors)
        for key, length in CUSTOMER_TEXT_FIELDS.items()
    }
    party_type = text["party_type"] or defaults.party_type
    if party_type not in _PARTY_TYPES:
        errors.add_shape("party_type", one_of(PartyType.values))
    receipt = text["receipt_preference"] or defaults.receipt_preference
    if receipt not in _RECEIPT_PREFERENCES:
        errors.add_shape("receipt_preference", one_of(ReceiptPreference.values))

    if party_type == PartyType.ORGANIZATION and not text["organization_name"]:
        errors.add_rule("organization_name", _("An organization needs a name."))
    if party_type == PartyType.PERSON and not (text["first_name"] or text["last_name"]):
        errors.add_rule("last_name", _("A person needs a first or last name."))
    currency = (text["currency"] or defaults.currency).upper()
    if not is_currency(currency):
        errors.add_rule(
            "currency", _("%(value)r is not an ISO 4217 currency code.") % {"value": currency}
        )
    elif defaults.currencies and currency not in (*defaults.currencies, defaults.currency):
        errors.add_rule(
            "currency",
            _("%(value)r is not a currency HQ allows at this store (%(allowed)s).")
            % {"value": currency, "allowed": ", ".join(defaults.currencies)},
        )
    language = (text["language"] or defaults.language).lower()
    if not _LANGUAGE.match(language):
        errors.add_rule(
            "language", _("%(value)r is not a language tag such as en-us.") % {"value": language}
        )
    group = text["customer_group"] or defaults.customer_group
    if not _GROUP.match(group):
        errors.add_rule("customer_group", _("Use letters, digits, '-' and '_'."))
    elif defaults.customer_groups and group not in (
        *defaults.customer_groups,
        defaults.customer_group,
    ):
        errors.add_rule(
            "customer_group",
            _("%(value)r is not a customer group HQ defines (%(known)s).")
            % {"value": group, "known": ", ".join(defaults.customer_groups)},
        )

    if text["title"] and not _TITLE.match(text["title"]):
        errors.add_rule("title", _("A title such as Mr., Ms., Dr. (letters, dots and spaces)."))
    addresses = _addresses(
        _list(payload, "addresses", errors),
        errors,
        purpose=_purpose_for(party_type),
        country=defaults.country,
    )
    contacts = _contacts(_list(payload, "contacts", errors), errors, region=defaults.region)
    receipt_email = text["receipt_email"]
    if receipt_email:
        try:
            _email_validator(receipt_email)
        except ValidationError:
            errors.add_rule("receipt_email", _not_email(receipt_email))
    elif receipt in (ReceiptPreference.EMAIL, ReceiptPreference.BOTH):
        # Emailed receipts go to the customer's email unless another one is given (none:
        # the store prints them until the customer gives one).
        receipt_email = next((c.value for c in contacts if c.kind == "email" and c.is_primary), "")
    affiliations = _affiliations(_list(payload, "affiliations", errors), defaults, errors)
    attributes = _attributes(_list(payload, "attributes", errors), errors)
    attributes = tuple(
        _typed_attributes(
            dict(attributes), defaults.attribute_definitions, errors, creating=True
        ).items()
    )

    if errors.shape or errors.rules:
        return None, errors
    return (
        CleanCustomer(
            party_type=party_type,
            first_name=text["first_name"],
            middle_name=text["middle_name"],
            last_name=text["last_name"],
            organization_name=text["organization_name"],
            customer_group=group,
            currency=currency,
            language=language,
            receipt_preference=receipt,
            title=text["title"],
            receipt_email=receipt_email,
            addresses=addresses,
            contacts=contacts,
            affiliations=affiliations,
            attributes=attributes,
        ),
        errors,
    )


def _purpose_for(party_type: str) -> str:
    """D365's address purpose for a new customer's address: by its type."""
    return AddressPurpose.BUSINESS if party_type == PartyType.ORGANIZATION else AddressPurpose.HOME


def _addresses(
    items: list, errors: _Errors, *, purpose: str = AddressPurpose.HOME, country: str = ""
) -> tuple[CleanAddress, ...]:
    result: list[CleanAddress] = []
    for i, item in enumerate(items):
        path = f"addresses[{i}]"
        if not isinstance(item, dict):
            errors.add_shape(path, _("Must be an object."))
            continue
        text = {
            key: _text(item, key, length, f"{path}.{key}", errors)
            for key, length in ADDRESS_TEXT_FIELDS.items()
        }
        purpose = text["purpose"] or purpose
        if not text["country"]:
            text["country"] = country  # the store's, as D365 takes it
        if purpose not in _PURPOSES:
            errors.add_shape(f"{path}.purpose", one_of(AddressPurpose.values))
        async_id = None
        if item.get("async_id"):
            try:
                async_id = uuid.UUID(str(item["async_id"]))
            except ValueError:
                errors.add_shape(f"{path}.async_id", _("Must be a GUID."))
        for required in ("street", "city", "country"):
            if not text[required]:
                errors.add_rule(f"{path}.{required}", _("Required."))
        country = _country_alpha3(text["country"]) if text["country"] else None
        if text["country"] and country is None:
            errors.add_rule(f"{path}.country", _not_country(text["country"]))
        result.append(
            CleanAddress(
                async_id=async_id,
                purpose=purpose,
                is_primary=_bool(item, "is_primary", f"{path}.is_primary", errors),
                name=text["name"],
                street=text["street"],
                city=text["city"],
                state=text["state"],
                zip_code=text["zip_code"],
                country=country or "",
            )
        )
    if sum(a.is_primary for a in result) > 1:
        errors.add_rule("addresses", _("Only one address can be primary."))
    if result and not any(a.is_primary for a in result):
        first = result[0]
        result[0] = CleanAddress(**{**first.__dict__, "is_primary": True})
    return tuple(result)


def _opt_in(item: dict, path: str, errors: _Errors) -> tuple[bool, datetime.datetime | None]:
    opted = _bool(item, "marketing_opt_in", f"{path}.marketing_opt_in", errors)
    when = item.get("opt_in_at")
    if not opted or when in (None, ""):
        return opted, None
    if isinstance(when, datetime.datetime):
        return True, when
    try:
        return True, datetime.datetime.fromisoformat(str(when))
    except ValueError:
        errors.add_shape(f"{path}.opt_in_at", _("A date and time in ISO 8601."))
        return True, None


def _contacts(
    items: list, errors: _Errors, *, region: str | None = None
) -> tuple[CleanContact, ...]:
    result: list[CleanContact] = []
    for i, item in enumerate(items):
        path = f"contacts[{i}]"
        if not isinstance(item, dict):
            errors.add_shape(path, _("Must be an object."))
            continue
        kind = _text(item, "kind", 5, f"{path}.kind", errors)
        value = _text(item, "value", 254, f"{path}.value", errors)
        is_primary = _bool(item, "is_primary", f"{path}.is_primary", errors)
        if kind not in _CONTACT_KINDS:
            errors.add_shape(f"{path}.kind", _("Must be 'email' or 'phone'."))
            continue
        if not value:
            errors.add_rule(f"{path}.value", _("Required."))
            continue
        if kind == ContactKind.EMAIL:
            try:
                _email_validator(value)
            except ValidationError:
                errors.add_rule(f"{path}.value", _not_email(value))
            normalized = normalize_email(value)
        else:
            normalized, problem = phone_checked(value, region)
            if problem:
                errors.add_rule(f"{path}.value", problem)
        opted, when = _opt_in(item, path, errors)
        result.append(CleanContact(kind, value, normalized, is_primary, opted, when))
    for kind in _CONTACT_KINDS:
        of_kind = [i for i, c in enumerate(result) if c.kind == kind]
        primaries = [i for i in of_kind if result[i].is_primary]
        if len(primaries) > 1:
            errors.add_rule("contacts", _("Only one %(kind)s can be primary.") % {"kind": kind})
        elif of_kind and not primaries:
            result[of_kind[0]] = dataclasses.replace(result[of_kind[0]], is_primary=True)
    return tuple(result)


def _affiliations(items: list, defaults: ChannelDefaults, errors: _Errors) -> tuple[str, ...]:
    names: dict[str, None] = dict.fromkeys(defaults.affiliations)
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            errors.add_shape(f"affiliations[{i}]", _("Must be a non-empty name."))
        elif len(item.strip()) > 60:
            errors.add_shape(f"affiliations[{i}]", _("At most 60 characters."))
        elif refused := unknown_affiliation(item.strip(), defaults):
            errors.add_rule(f"affiliations[{i}]", refused)
        else:
            names[item.strip()] = None
    return tuple(names)


def unknown_affiliation(name: str, defaults: ChannelDefaults) -> str:
    """Why `name` may not be used, or "" (HQ defines it, or defines none)."""
    known = defaults.known_affiliations
    if known is None or name in known or name in defaults.affiliations:
        return ""
    return _("%(value)r is not an affiliation HQ defines.") % {"value": name}


def _attributes(items: list, errors: _Errors) -> tuple[tuple[str, str], ...]:
    result: dict[str, str] = {}
    for i, item in enumerate(items):
        path = f"attributes[{i}]"
        if not isinstance(item, dict):
            errors.add_shape(path, _("Must be an object with name and value."))
            continue
        name = _text(item, "name", 60, f"{path}.name", errors)
        value = _text(item, "value", 200, f"{path}.value", errors)
        if not name:
            errors.add_shape(f"{path}.name", _("Required."))
        elif name in result:
            errors.add_shape(
                f"{path}.name", _("Attribute %(name)r appears twice.") % {"name": name}
            )
        else:
            result[name] = value
    return tuple(result.items())


def customer_payload_shape_errors(payload: Any) -> dict[str, list[str]]:
    """Errors that make a payload unstorable; the POS refuses these at once."""
    _, errors = _check(payload, ChannelDefaults())
    return errors.shape


def customer_payload_clean(payload: Any, *, defaults: ChannelDefaults) -> CleanCustomer:
    """The payload with inherited defaults applied, or CustomerValidationError."""
    clean, errors = _check(payload, defaults)
    if clean is None:
        raise CustomerValidationError(errors.all())
    return clean


EDITABLE_FIELDS = {
    "title": 20,
    "first_name": 60,
    "middle_name": 60,
    "last_name": 60,
    "organization_name": 120,
    "customer_group": 20,
    "currency": 3,
    "language": 10,
    "receipt_preference": 5,
    "receipt_email": 254,
    "email": 254,
    "phone": 254,
}


# An edit's lists (D365 10.0.29 edits attributes and affiliations asynchronously too): each
# attribute set to a value, or removed with an empty one; affiliations added or removed.
EDIT_LIST_FIELDS = ("attributes", "add_affiliations", "remove_affiliations")
# Consent to marketing given or withdrawn later, on the primary email or phone; the time is
# the store's, when it recorded the edit.
OPT_IN_FIELDS = {"email_marketing_opt_in": "email", "phone_marketing_opt_in": "phone"}


def customer_changes_shape_errors(changes: Any) -> dict[str, list[str]]:
    """Shape of an edit: known editable fields, text within length, well-formed lists."""
    errors = _Errors()
    if not isinstance(changes, dict) or not changes:
        errors.add_shape("changes", _("Must be a JSON object with at least one field to change."))
        return errors.shape
    editable = set(EDITABLE_FIELDS) | set(EDIT_LIST_FIELDS) | set(OPT_IN_FIELDS)
    unknown = sorted(set(changes) - editable)
    if unknown:
        errors.add_shape(
            "changes",
            _("Cannot edit %(fields)s; editable: %(editable)s.")
            % {
                "fields": ", ".join(map(str, unknown)),
                "editable": ", ".join(sorted(editable)),
            },
        )
    for key in set(changes) & set(EDITABLE_FIELDS):
        _text(changes, key, EDITABLE_FIELDS[key], key, errors)
    for key in set(changes) & set(OPT_IN_FIELDS):
        _bool(changes, key, key, errors)
    if "attributes" in changes:
        _attributes(_list(changes, "attributes", errors), errors)
    for key in ("add_affiliations", "remove_affiliations"):
        if key in changes:
            _affiliations_shape(_list(changes, key, errors), key, errors)
    return errors.shape


def _affiliations_shape(items: list, path: str, errors: _Errors) -> tuple[str, ...]:
    names: dict[str, None] = {}
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            errors.add_shape(f"{path}[{i}]", _("Must be a non-empty name."))
        elif len(item.strip()) > 60:
            errors.add_shape(f"{path}[{i}]", _("At most 60 characters."))
        else:
            names[item.strip()] = None
    return tuple(names)


def customer_changes_door_errors(
    changes: Any, *, current: dict | None, defaults: ChannelDefaults | None = None
) -> dict[str, list[str]]:
    """What HQ would certainly refuse in an edit, checked at the POS (customer_changes_at_door)."""
    return customer_changes_at_door(changes, current=current, defaults=defaults)[0]


def customer_changes_at_door(
    changes: Any, *, current: dict | None, defaults: ChannelDefaults | None = None
) -> tuple[dict[str, list[str]], dict | None]:
    """An edit checked at the POS: (errors, cleaned).

    Each changed field is judged by the rules of a new customer, and the name rule on the
    edited customer when its current names are known (a pending customer's record, or the
    copy of a synced one). A broken field the edit does not touch is HQ's to report, not a
    reason to refuse the edit. `cleaned` is the edit as HQ will keep it (typed attributes,
    trimmed text), for the store to record; None when the customer's other fields did not
    pass (then the edit's own fields did, and HQ cleans it again)."""
    shape = customer_changes_shape_errors(changes)
    if shape:
        return shape, None
    try:  # names unknown: a stand-in, so only the changed fields are judged
        cleaned = customer_changes_clean(
            changes,
            current=current or {"last_name": "-", "party_type": "person"},
            defaults=defaults,
        )
    except CustomerValidationError as exc:
        relevant = set(changes)
        if relevant & {"first_name", "middle_name", "last_name", "organization_name"}:
            relevant |= {"last_name", "organization_name"}
        return {
            path: messages
            for path, messages in exc.errors.items()
            if re.split(r"[\[.]", path)[0] in relevant
        }, None
    return {}, cleaned


def customer_changes_clean(
    changes: Any, *, current: dict, defaults: ChannelDefaults | None = None
) -> dict:
    """Validate an edit against the customer it changes; returns the normalized changes.

    `current` is the customer as a payload (see customers.customer_as_payload): the edit is
    applied to it and the whole result must pass the same rules as a new customer.
    """
    shape = customer_changes_shape_errors(changes)
    if shape:
        raise CustomerValidationError(shape)
    merged = {
        k: v
        for k, v in current.items()
        if k not in ("addresses", "contacts", "attributes", "affiliations")
    }
    changed_kinds = [key for key in ("email", "phone") if key in changes]
    new_contacts = [
        {"kind": kind, "value": (changes[kind] or "").strip(), "is_primary": True}
        for kind in changed_kinds
        if (changes[kind] or "").strip()
    ]
    kept = [
        c
        for c in current.get("contacts") or []
        if not (c["kind"] in changed_kinds and c.get("is_primary"))
    ]
    merged["contacts"] = new_contacts + kept
    for key, value in changes.items():
        if key not in ("email", "phone") and key not in EDIT_LIST_FIELDS + tuple(OPT_IN_FIELDS):
            merged[key] = (value or "").strip()
    opt_in_errors = {
        key: [_("There is no %(kind)s to agree to marketing on.") % {"kind": kind}]
        for key, kind in OPT_IN_FIELDS.items()
        if changes.get(key) is True and not any(c["kind"] == kind for c in merged["contacts"])
    }
    if opt_in_errors:
        raise CustomerValidationError(opt_in_errors)
    defaults = defaults or ChannelDefaults()
    added = changes.get("add_affiliations") or []
    unknown = {
        f"add_affiliations[{i}]": [refused]
        for i, name in enumerate(added)
        if isinstance(name, str) and (refused := unknown_affiliation(name.strip(), defaults))
    }
    if unknown:
        raise CustomerValidationError(unknown)
    clean, errors = _check(merged, defaults.master_data())
    if clean is None:
        renamed: dict[str, list[str]] = {}
        for path, messages in errors.all().items():
            for index, contact in enumerate(new_contacts):
                if path.startswith(f"contacts[{index}]"):
                    path = contact["kind"]
            renamed.setdefault(path, []).extend(messages)
        raise CustomerValidationError(renamed)
    result: dict = {}
    for key in changes:
        if key in ("email", "phone"):
            result[key] = (changes[key] or "").strip()
        elif key == "attributes":
            typed_errors = _Errors()
            typed = _typed_attributes(
                dict(_attributes(changes[key], typed_errors)),
                defaults.attribute_definitions,
                typed_errors,
                creating=False,
            )
            if typed_errors.rules:
                raise CustomerValidationError(typed_errors.rules)
            result[key] = [{"name": name, "value": value} for name, value in typed.items()]
        elif key in ("add_affiliations", "remove_affiliations"):
            result[key] = list(_affiliations_shape(changes[key], key, _Errors()))
        elif key in OPT_IN_FIELDS:
            result[key] = changes[key]
        else:
            result[key] = getattr(clean, key)
    return result


def address_door_errors(address: Any) -> dict[str, list[str]]:
    """An added address by HQ's rules (shape and content), at the POS."""
    try:
        address_clean(address)
    except CustomerValidationError as exc:
        return exc.errors
    return {}


def address_shape_errors(address: Any) -> dict[str, list[str]]:
    errors = _Errors()
    _addresses([address], errors)
    return {k.replace("addresses[0]", "address"): v for k, v in errors.shape.items()}


def address_clean(address: Any) -> CleanAddress:
    errors = _Errors()
    (clean,) = _addresses([address], errors) or (None,)
    if errors.shape or errors.rules:
        raise CustomerValidationError(
            {k.replace("addresses[0]", "address"): v for k, v in errors.all().items()}
        )
    return CleanAddress(**{**clean.__dict__, "is_primary": bool(address.get("is_primary"))})


ADDRESS_EDITABLE = (*ADDRESS_TEXT_FIELDS, "is_primary")


def address_values(address) -> dict:
    """An address row (HQ's or a store's: the columns are the same) as an edit judges it
    and its old values record it: the editable fields and its id."""
    return {
        "async_id": str(address.async_id),
        **{key: getattr(address, key) for key in ADDRESS_EDITABLE},
    }


def address_changes_shape_errors(changes: Any) -> dict[str, list[str]]:
    errors = _Errors()
    if not isinstance(changes, dict) or not changes:
        errors.add_shape("changes", _("Must be a JSON object with at least one field to change."))
        return errors.shape
    unknown = sorted(set(changes) - set(ADDRESS_EDITABLE))
    if unknown:
        errors.add_shape("changes", unknown_fields(unknown))
    for key in set(changes) & set(ADDRESS_TEXT_FIELDS):
        _text(changes, key, ADDRESS_TEXT_FIELDS[key], key, errors)
    if "is_primary" in changes:
        _bool(changes, "is_primary", "is_primary", errors)
    return errors.shape


def address_changes_clean(changes: Any, *, current: dict) -> dict:
    """An address edit, judged on the whole address it leaves (HQ's rules of an added one);
    returns the changed fields, normalized (a country as alpha-3)."""
    shape = address_changes_shape_errors(changes)
    if shape:
        raise CustomerValidationError(shape)
    merged = {key: current.get(key) or "" for key in ADDRESS_TEXT_FIELDS}
    merged["is_primary"] = bool(current.get("is_primary"))
    merged.update(changes)
    try:
        clean = address_clean(merged)
    except CustomerValidationError as exc:
        raise CustomerValidationError(
            {path.replace("address.", "", 1): messages for path, messages in exc.errors.items()}
        ) from None
    return {key: getattr(clean, key) for key in changes}


PARTNER_TEXT_FIELDS = {
    "company_name": 120,
    "tax_id": 30,
    "contact_first_name": 60,
    "contact_last_name": 60,
    "email": 254,
    "phone": 254,
    "street": 200,
    "city": 60,
    "zip_code": 20,
    "country": 3,
    "requested_customer_group": 20,
    "comment": 1000,
}
_TAX_ID = re.compile(r"^[A-Z0-9-]{5,30}$")


@dataclass(frozen=True)
class CleanPartnerRequest:
    company_name: str
    tax_id: str
    contact_first_name: str
    contact_last_name: str
    email: str
    normalized_email: str
    phone: str
    address: dict
    requested_customer_group: str
    comment: str


def _partner_check(payload: Any) -> tuple[CleanPartnerRequest | None, _Errors]:
    errors = _Errors()
    if not isinstance(payload, dict):
        errors.add_shape("payload", _("Must be a JSON object with the request's fields."))
        return None, errors
    unknown = sorted(set(payload) - set(PARTNER_TEXT_FIELDS))
    if unknown:
        errors.add_shape("payload", unknown_fields(unknown))
    text = {key: _text(payload, key, n, key, errors) for key, n in PARTNER_TEXT_FIELDS.items()}
    if not text["company_name"]:
        errors.add_rule("company_name", _("Required."))
    tax_id = text["tax_id"].upper().replace(" ", "")
    if not _TAX_ID.match(tax_id):
        errors.add_rule("tax_id", _("5 to 30 letters, digits or '-'."))
    if not text["contact_last_name"]:
        errors.add_rule("contact_last_name", _("The contact person needs a last name."))
    try:
        _email_validator(text["email"])
    except ValidationError:
        errors.add_rule("email", _not_email(text["email"]))
    if text["phone"]:
        problem = phone_problem(text["phone"], phone_region(text["country"]))
        if problem:
            errors.add_rule("phone", problem)
    country = ""
    if text["country"]:
        country = _country_alpha3(text["country"]) or ""
        if not country:
            errors.add_rule("country", _not_country(text["country"]))
    group = text["requested_customer_group"]
    if group and not _GROUP.match(group):
        errors.add_rule("requested_customer_group", _("Use letters, digits, '-' and '_'."))
    if errors.shape or errors.rules:
        return None, errors
    address = {}
    if text["street"] or text["city"]:
        address = {
            "street": text["street"],
            "city": text["city"],
            "zip_code": text["zip_code"],
            "country": country,
        }
    return (
        CleanPartnerRequest(
            company_name=text["company_name"],
            tax_id=tax_id,
            contact_first_name=text["contact_first_name"],
            contact_last_name=text["contact_last_name"],
            email=text["email"],
            normalized_email=normalize_email(text["email"]),
            phone=text["phone"],
            address=address,
            requested_customer_group=group,
            comment=text["comment"],
        ),
        errors,
    )


def partner_request_shape_errors(payload: Any) -> dict[str, list[str]]:
    return _partner_check(payload)[1].shape


def partner_request_clean(payload: Any) -> CleanPartnerRequest:
    clean, errors = _partner_check(payload)
    if clean is None:
        raise CustomerValidationError(errors.all())
    return clean
