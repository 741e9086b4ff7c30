"""Domain errors: each message names the record and says what the user can do about it."""

from __future__ import annotations

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


class InputValidationError(HQError):
    """Input breaks a rule. `errors` maps a field path to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(self.summary())

    def summary(self) -> str:
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in self.errors.items())


class CustomerValidationError(InputValidationError):
    """A customer payload breaks a rule."""


class NumberSequenceExhaustedError(HQError):
    pass


class UnknownCustomerError(HQError):
    """The channel knows no customer by that account number or temporary id."""


class PendingCustomerError(HQError):
    """The customer has no account number yet, and the operation needs one."""


class ConflictError(HQError):
    """The same idempotency key was used before with different data."""
