"""D365's three feature switches for async customers (Feature management), as HQ-wide
Commerce parameters that 1070 copies to every store.

Both places read them: the POS refuses what a switch that is off does not allow (or goes to
HQ in real time), the P-job marks what it uploads under a switch that is off since, and the
sync job holds such a record, pending, until the switch is on again. Nothing is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from channels_app.errors import Message
from channels_app.errors import message as _

ASYNC_ADDRESSES = "async_address_creation"
ENHANCED_CREATION = "enhanced_async_creation"
ASYNC_EDITING = "async_customer_editing"
FEATURES = (ASYNC_ADDRESSES, ENHANCED_CREATION, ASYNC_EDITING)
# D365's own names (Feature management) and the version that brought each.
FEATURE_NAMES = {
    ASYNC_ADDRESSES: _("Enable asynchronous creation for customer addresses"),
    ENHANCED_CREATION: _("Enable enhanced async customer creation"),
    ASYNC_EDITING: _("Enable editing customers in asynchronous mode"),
}
FEATURE_VERSIONS = {
    ASYNC_ADDRESSES: "10.0.22",
    ENHANCED_CREATION: "10.0.24",
    ASYNC_EDITING: "10.0.29",
}


@dataclass(frozen=True)
class FeatureSwitches:
    """All on by default: the behaviour before the switches existed here."""

    async_address_creation: bool = True
    enhanced_async_creation: bool = True
    async_customer_editing: bool = True

    def is_on(self, feature: str) -> bool:
        return bool(getattr(self, feature))

    @classmethod
    def of(cls, source) -> FeatureSwitches:
        """From anything with the three attributes (a Store, HQ's parameters)."""
        return cls(**{feature: bool(getattr(source, feature)) for feature in FEATURES})


def feature_off(feature: str) -> Message:
    return _(
        "This needs the feature “%(feature)s” (D365 %(version)s), which is off in "
        "HQ's Commerce parameters."
    ) % {"feature": FEATURE_NAMES[feature], "version": FEATURE_VERSIONS[feature]}


def operation_feature(operation: str, payload) -> str | None:
    """The switch an uploaded async operation needs (an operation name of HQ's staging)."""
    if operation == "add_address":
        return ASYNC_ADDRESSES
    if operation in ("update", "edit_address", "delete_address"):
        return ASYNC_EDITING
    if operation == "create" and isinstance(payload, dict) and enhanced_content(payload):
        return ENHANCED_CREATION
    return None


def enhanced_content(payload: dict) -> list[str]:
    """What in a new customer only enhanced async creation (10.0.24) allows: a title, a
    second email or phone. Field paths, for the POS's 400."""
    found = []
    if isinstance(payload.get("title"), str) and payload["title"].strip():
        found.append("title")
    contacts = payload.get("contacts")
    seen: set = set()
    for i, contact in enumerate(contacts if isinstance(contacts, list) else []):
        kind = contact.get("kind") if isinstance(contact, dict) else None
        if kind in seen:
            found.append(f"contacts[{i}]")
        seen.add(kind)
    return found


def feature_hold(operation: str, payload, switches: FeatureSwitches) -> Message | None:
    """Why an uploaded record waits (its switch is off at HQ), or None."""
    feature = operation_feature(operation, payload)
    if feature is None or switches.is_on(feature):
        return None
    return _(
        "Held: %(reason)s It is synchronized once the switch is on again; or correct the record."
    ) % {"reason": feature_off(feature)}
