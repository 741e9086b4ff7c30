"""POS register keys: one channel each, stored hashed, shown once."""

from __future__ import annotations

from django.utils.translation import gettext as _

from hqcommerce.models import DeviceKey

from .errors import InputValidationError
from .jobs import channels_resolve


def device_key_create(*, channel_code: str, name: str) -> tuple[DeviceKey, str]:
    name = (name or "").strip()
    if not 1 <= len(name) <= 50:
        raise InputValidationError({"name": [_("1 to 50 characters.")]})
    (channel,) = channels_resolve([channel_code])
    return DeviceKey.objects.create_key(name=name, channel=channel)


def device_key_revoke(*, key: DeviceKey) -> None:
    DeviceKey.objects.filter(pk=key.pk).update(revoked=True)
