"""Domain errors: each message names the record and says what the user can do about it."""

from __future__ import annotations

import re

from django.utils.translation import gettext
from django.utils.translation import gettext as _


class HQError(Exception):
    """Base class for errors a user can act on."""


class ConfigurationError(HQError):
    pass


class UnknownChannelError(HQError):
    def __init__(self, codes: list[str]):
        self.codes = codes
        super().__init__(
            _(
                "Unknown channel code(s): %(codes)s. Use the codes listed under HQ › "
                "Channels (e.g. STORE01)."
            )
            % {"codes": ", ".join(codes)}
        )


class StoreNotConfiguredError(HQError):
    """A store HQ knows that its channel database has not received yet (1070 brings it)."""


class HQUnavailableError(HQError):
    """The real-time call to HQ failed; the POS falls back to async creation."""


class Message:
    """A message kept as its English template (the catalog's msgid: its code) and its
    parameters, and rendered in the language active where it is shown: a stored failure
    reads in the operator's language in the admin and in the device's over the API, whatever
    language the worker that wrote it ran in.

    `message("... %(value)r ...") % {"value": v}` is written like gettext's `_()`, so the
    catalogs pick the template up; a parameter may itself be a message."""

    __slots__ = ("template", "params")

    def __init__(self, template: str, params: dict | None = None):
        self.template = str(template)
        self.params = params

    def __mod__(self, params: dict) -> Message:
        return Message(self.template, params)

    def __str__(self) -> str:
        text = gettext(self.template)
        if self.params is None:
            return text
        return text % {key: _rendered(value) for key, value in self.params.items()}

    def __repr__(self) -> str:
        return f"Message({self.template!r}, {self.params!r})"

    def __eq__(self, other) -> bool:
        if isinstance(other, Message):
            return (self.template, self.params) == (other.template, other.params)
        return isinstance(other, str) and str(self) == other

    def __hash__(self) -> int:
        return hash(self.template)

    def __contains__(self, text: str) -> bool:
        return text in str(self)


message = Message  # `from channels_app.errors import message as _` in modules that store them


# A job run's error line: the record (a temporary id, "record 12", "order STORE01/T1") and
# why; the back office links the record. Kept as messages like the rest (job-run detail).
RECORD_ERROR = "%(record)s: %(error)s"


def record_error(record, error) -> Message:
    return Message(RECORD_ERROR, {"record": str(record), "error": error})


class FieldErrors:
    """Messages by the field path they name ("contacts[0].value"), rendered as one line
    with each path in words ("Contacts 1, value")."""

    __slots__ = ("errors",)

    def __init__(self, errors: dict[str, list]):
        self.errors = errors

    def __str__(self) -> str:
        return "; ".join(
            f"{field_label(path)}: {' '.join(_rendered(m) for m in messages)}"
            for path, messages in self.errors.items()
        )


def field_label(path: str) -> str:
    """A payload path in the reader's words: "addresses[1].country" is "Addresses 2,
    country"; an unknown path stays as it is."""
    from channels_app.validation import FIELD_LABELS

    match = re.match(r"^(\w+)(?:\[(\d+)\])?(?:\.(\w+))?$", path)
    if match is None:
        return path
    name, index, field = match.groups()
    parts = [str(FIELD_LABELS.get(name, name.replace("_", " ")))]
    if index is not None:
        parts[0] += f" {int(index) + 1}"
    if field:
        parts.append(str(FIELD_LABELS.get(field, field.replace("_", " "))))
    return ", ".join(parts)


def _rendered(value):
    if isinstance(value, Message | FieldErrors):
        return str(value)
    if isinstance(value, dict) and ("code" in value or "fields" in value):
        return str(stored_message(value))
    return value


def message_json(value) -> object:
    """A message (or plain text) as JSON to store beside its English text."""
    if isinstance(value, Message):
        params = None
        if value.params is not None:
            params = {key: message_json(v) for key, v in value.params.items()}
        return {"code": value.template, "params": params}
    if isinstance(value, FieldErrors):
        return {"fields": [[p, [message_json(m) for m in ms]] for p, ms in value.errors.items()]}
    return value if isinstance(value, int | float | dict | type(None)) else str(value)


def stored_message(data) -> Message | FieldErrors | str:
    """The message stored as JSON by message_json, ready to render."""
    if isinstance(data, dict) and "code" in data:
        params = data.get("params")
        if params is not None:
            params = {key: stored_message(v) for key, v in params.items()}
        return Message(data["code"], params)
    if isinstance(data, dict) and "fields" in data:
        return FieldErrors({path: [stored_message(m) for m in ms] for path, ms in data["fields"]})
    return data if data is not None else ""


class InputValidationError(HQError):
    """Input breaks a rule. `errors` maps a field path to its messages."""

    def __init__(self, errors: dict[str, list]):
        self.errors = errors
        super().__init__(self.summary())

    def summary(self) -> str:
        return str(self.detail())

    def detail(self) -> FieldErrors:
        return FieldErrors(self.errors)


class CustomerValidationError(InputValidationError):
    """A customer payload breaks a rule."""


class NumberSequenceExhaustedError(HQError):
    pass


class UnknownCustomerError(HQError):
    """The channel knows no customer by that account number or temporary id."""


class UnknownAddressError(UnknownCustomerError):
    """The customer has no address by that id in this channel's data."""


class FeatureOffError(HQError):
    """A feature switch HQ has turned off does not allow this (channels_app/features.py)."""


class PendingCustomerError(HQError):
    """The customer has no account number yet, and the operation needs one."""


class ConflictError(HQError):
    """The same idempotency key was used before with different data."""


def address_limit_error(count: int) -> ConflictError:
    """A customer at HQ_CUSTOMER_MAX_ADDRESSES: at the POS's door and in HQ alike."""
    return ConflictError(
        _(
            "This customer has %(count)s addresses, the most a customer may have "
            "(HQ_CUSTOMER_MAX_ADDRESSES); delete one first."
        )
        % {"count": count}
    )
