"""Correcting a staging record as structured, validated fields and rows (D365's status page
edits the record's data; nobody should have to type JSON).

The payload is rebuilt from the fields and rows and must pass HQ's rules again (the sync
job's own module); each rule's message lands on the field or row it names."""

from __future__ import annotations

import copy
import re

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext

from channels_app.errors import CustomerValidationError
from channels_app.validation import (
    ADDRESS_TEXT_FIELDS,
    CUSTOMER_TEXT_FIELDS,
    EDITABLE_FIELDS,
    FIELD_LABELS,
    PARTNER_TEXT_FIELDS,
    address_changes_shape_errors,
    address_clean,
    customer_changes_door_errors,
    customer_changes_shape_errors,
    customer_payload_clean,
    partner_request_clean,
)
from hqcommerce.models import AsyncStagingRecord
from hqcommerce.models.customers import AddressPurpose, ContactKind, PartyType, ReceiptPreference
from hqcommerce.models.staging import StagingOperation, staging_who
from hqcommerce.services.customers import channel_defaults

# A create's own fields, as validation sizes them; the party type first, as on the form.
CUSTOMER_FIELDS = {"party_type": CUSTOMER_TEXT_FIELDS["party_type"], **CUSTOMER_TEXT_FIELDS}
CHOICES = {
    "party_type": PartyType.choices,
    "receipt_preference": ReceiptPreference.choices,
    "purpose": AddressPurpose.choices,
    "kind": ContactKind.choices,
}


def _field(name: str, max_length: int, *, blank_choice: bool = True) -> forms.Field:
    # FIELD_LABELS are the words error messages use mid-sentence; a label starts capitalized.
    label = capfirst(FIELD_LABELS.get(name, name.replace("_", " ")))
    if name in CHOICES:
        choices = ([("", "—")] if blank_choice else []) + list(CHOICES[name])
        initial = None if blank_choice else CHOICES[name][0][0]
        return forms.ChoiceField(label=label, choices=choices, required=False, initial=initial)
    return forms.CharField(label=label, max_length=max_length, required=False, strip=True)


class AddressRow(forms.Form):
    async_id = forms.CharField(required=False, widget=forms.HiddenInput)
    purpose = _field("purpose", 10, blank_choice=False)
    is_primary = forms.BooleanField(label=capfirst(FIELD_LABELS["is_primary"]), required=False)
    name = _field("name", 100)
    street = _field("street", 200)
    city = _field("city", 60)
    state = _field("state", 60)
    zip_code = _field("zip_code", 20)
    country = _field("country", 3)


class ContactRow(forms.Form):
    kind = _field("kind", 5, blank_choice=False)
    value = _field("value", 254)
    is_primary = forms.BooleanField(label=capfirst(FIELD_LABELS["is_primary"]), required=False)


class AffiliationRow(forms.Form):
    name = _field("name", 60)


class AttributeRow(forms.Form):
    name = _field("name", 60)
    value = _field("value", 200)


# A create's lists: (payload key, heading, row form).
ROWS = tuple(
    (key, FIELD_LABELS[key], row)
    for key, row in (
        ("addresses", AddressRow),
        ("contacts", ContactRow),
        ("affiliations", AffiliationRow),
        ("attributes", AttributeRow),
    )
)
# An edit's lists (in its `changes`): attributes set, affiliations added or removed.
EDIT_ROWS = tuple(
    (key, FIELD_LABELS[key], row)
    for key, row in (
        ("attributes", AttributeRow),
        ("add_affiliations", AffiliationRow),
        ("remove_affiliations", AffiliationRow),
    )
)
NAME_LISTS = ("affiliations", "add_affiliations", "remove_affiliations")
_PATH = re.compile(r"^(?P<list>\w+)\[(?P<index>\d+)\](?:\.(?P<field>\w+))?$")


def correction_fields(record: AsyncStagingRecord) -> dict[str, int]:
    """The record's single-value fields the form edits, with their sizes."""
    payload = record.payload if isinstance(record.payload, dict) else {}
    if record.operation == StagingOperation.CREATE:
        return CUSTOMER_FIELDS
    if record.operation == StagingOperation.UPDATE:
        changes = payload.get("changes") if isinstance(payload.get("changes"), dict) else {}
        return {key: EDITABLE_FIELDS[key] for key in changes if key in EDITABLE_FIELDS}
    if record.operation == StagingOperation.ADD_ADDRESS:
        return {f"address_{key}": size for key, size in ADDRESS_TEXT_FIELDS.items()}
    if record.operation == StagingOperation.EDIT_ADDRESS:
        changes = payload.get("changes") if isinstance(payload.get("changes"), dict) else {}
        return {
            f"address_{key}": size for key, size in ADDRESS_TEXT_FIELDS.items() if key in changes
        }
    if record.operation == StagingOperation.DELETE_ADDRESS:
        return {}  # nothing to correct: it names an address, and HQ has it or not
    return PARTNER_TEXT_FIELDS


def _lists(record: AsyncStagingRecord, payload: dict) -> tuple[dict, tuple]:
    """Where the record's rows live in its payload, and which lists it has."""
    if record.operation == StagingOperation.CREATE:
        return payload, ROWS
    if record.operation == StagingOperation.UPDATE:
        changes = payload.get("changes") if isinstance(payload.get("changes"), dict) else {}
        return changes, tuple(r for r in EDIT_ROWS if r[0] in changes)
    return {}, ()


class StagingCorrectionForm(forms.ModelForm):
    """Every part of the record's data as fields and rows; saving stores the rebuilt payload
    only if it passes HQ's rules."""

    class Meta:
        model = AsyncStagingRecord
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        record = self.instance
        self.payload = copy.deepcopy(record.payload) if isinstance(record.payload, dict) else {}
        current = self._values()
        for name, size in correction_fields(record).items():
            key = name.removeprefix("address_")
            self.fields[name] = _field(key, size, blank_choice=key != "purpose")
            value = current.get(name)
            self.fields[name].initial = "" if value is None else value
        self.formsets = {}
        holder, rows = _lists(record, self.payload)
        for key, heading, row in rows:
            items = holder.get(key)
            items = items if isinstance(items, list) else []  # a broken upload: no rows
            initial = [
                {"name": item} if key in NAME_LISTS else dict(item)
                for item in items
                if isinstance(item, str if key in NAME_LISTS else dict)
            ]
            formset = forms.formset_factory(row, extra=1, can_delete=True)(
                data=self.data or None, initial=initial, prefix=key
            )
            formset.heading = heading
            self.formsets[key] = formset

    def _values(self) -> dict:
        operation = self.instance.operation
        if operation == StagingOperation.UPDATE:
            return self.payload.get("changes") or {}
        if operation == StagingOperation.EDIT_ADDRESS:
            changes = self.payload.get("changes") or {}
            return {f"address_{key}": value for key, value in changes.items()}
        if operation == StagingOperation.ADD_ADDRESS:
            address = self.payload.get("address") or {}
            return {f"address_{key}": value for key, value in address.items()}
        return self.payload

    def full_clean(self):
        super().full_clean()
        if not self.is_bound:
            return
        rows_valid = all(formset.is_valid() for formset in self.formsets.values())
        if not rows_valid:
            self.add_error(None, gettext("Correct the rows marked below."))
        elif not self.errors:
            self._rebuild_and_check()

    def _rebuild_and_check(self) -> None:
        payload = copy.deepcopy(self.payload)
        operation = self.instance.operation
        scalars = {
            name: self.cleaned_data.get(name, "") for name in correction_fields(self.instance)
        }
        if operation == StagingOperation.UPDATE:
            changes = payload.get("changes") if isinstance(payload.get("changes"), dict) else {}
            payload["changes"] = {**changes, **scalars}
        elif operation == StagingOperation.EDIT_ADDRESS:
            changes = payload.get("changes") if isinstance(payload.get("changes"), dict) else {}
            changes.update({name.removeprefix("address_"): v for name, v in scalars.items()})
            payload["changes"] = changes
        elif operation == StagingOperation.DELETE_ADDRESS:
            pass
        elif operation == StagingOperation.ADD_ADDRESS:
            address = dict(payload.get("address") or {})
            address.update({name.removeprefix("address_"): v for name, v in scalars.items()})
            payload["address"] = address
        else:
            payload.update(scalars)
        kept: dict[str, list[forms.Form]] = {}
        holder = _lists(self.instance, payload)[0]
        for key, formset in self.formsets.items():
            kept[key] = [
                form
                for form in formset.forms
                if form.has_changed() or form.initial
                if not form.cleaned_data.get("DELETE")
            ]
            holder[key] = [self._row(key, form.cleaned_data) for form in kept[key]]
        try:
            self._check(payload)
        except CustomerValidationError as exc:
            for path, messages in exc.errors.items():
                for message in messages:
                    self._place(path, message, kept)
            return
        self.payload = payload

    @staticmethod
    def _row(key: str, data: dict):
        if key in NAME_LISTS:
            return data.get("name", "")
        row = {name: value for name, value in data.items() if name != "DELETE"}
        if "async_id" in row and not row["async_id"]:
            del row["async_id"]
        return row

    def _check(self, payload: dict) -> None:
        operation = self.instance.operation
        if operation == StagingOperation.CREATE:
            customer_payload_clean(payload, defaults=channel_defaults(self.instance.channel))
        elif operation == StagingOperation.UPDATE:
            errors = customer_changes_shape_errors(payload.get("changes"))
            if not errors:  # each changed field by HQ's rules, attributes by their types
                errors = customer_changes_door_errors(
                    payload.get("changes"),
                    current=None,
                    defaults=channel_defaults(self.instance.channel),
                )
            if errors:
                raise CustomerValidationError(errors)
        elif operation == StagingOperation.EDIT_ADDRESS:
            errors = address_changes_shape_errors(payload.get("changes"))
            if errors:
                raise CustomerValidationError(errors)
        elif operation == StagingOperation.DELETE_ADDRESS:
            return
        elif operation == StagingOperation.ADD_ADDRESS:
            address_clean(payload.get("address"))
        else:
            partner_request_clean(payload)

    def _place(self, path: str, message: str, kept: dict[str, list[forms.Form]]) -> None:
        """A rule's message on the field or row it names, else on the form."""
        if path.startswith("address."):
            path = "address_" + path.removeprefix("address.")
        if path in self.fields:
            self.add_error(path, message)
            return
        match = _PATH.match(path)
        if match and match["list"] in kept and int(match["index"]) < len(kept[match["list"]]):
            row = kept[match["list"]][int(match["index"])]
            field = match["field"] if match["field"] in row.fields else None
            row.add_error(field, message)
            self.add_error(None, gettext("Correct the rows marked below."))
            return
        heading = dict((key, heading) for key, heading, _row in ROWS + EDIT_ROWS).get(path)
        self.add_error(None, f"{heading}: {message}" if heading else message)

    def save(self, commit=True):
        record = super().save(commit=False)
        record.payload = self.payload
        for name, value in staging_who(record.operation, record.payload).items():
            if value or record.operation == StagingOperation.CREATE:
                setattr(record, name, value)
        if commit:
            record.save()
        return record
