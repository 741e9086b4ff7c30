"""POS register keys: one channel each, stored hashed, shown once.

HQ creates and revokes them; each change is written through to the store's channel
database at once when it answers (where the POS authenticates), else at the next 1070.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from channels_app.errors import InputValidationError
from hqcommerce.models import ChannelDatabase, DeviceKey, ScaleUnitKey

from .configuration import channel_configuration_push
from .jobs import channels_resolve


def device_key_create(*, channel_code: str, name: str) -> tuple[DeviceKey, str]:
    name = (name or "").strip()
    if not 1 <= len(name) <= 50:
        raise InputValidationError({"name": [_("1 to 50 characters.")]})
    (channel,) = channels_resolve([channel_code])
    key, secret = DeviceKey.objects.create_key(name=name, channel=channel)
    channel_configuration_push(channels=[channel])
    return key, secret


def device_key_revoke(*, key: DeviceKey) -> None:
    DeviceKey.objects.filter(pk=key.pk).update(revoked=True)
    channel_configuration_push(channels=[key.channel])


def scale_unit_key_create(*, database_code: str, name: str) -> tuple[ScaleUnitKey, str]:
    """A scale unit's service key for HQ's real-time service: it acts for the stores of one
    channel database. Shown once; HQ keeps only its hash."""
    name = (name or "").strip()
    if not 1 <= len(name) <= 50:
        raise InputValidationError({"name": [_("1 to 50 characters.")]})
    code = (database_code or "").strip().upper()
    database = ChannelDatabase.objects.filter(code=code).first()
    if database is None:
        known = ", ".join(ChannelDatabase.objects.values_list("code", flat=True))
        raise InputValidationError(
            {
                "database": [
                    _("No channel database %(code)r; known: %(known)s.")
                    % {"code": code, "known": known}
                ]
            }
        )
    return ScaleUnitKey.objects.create_key(name=name, channel_database=database)


def scale_unit_key_kept(*, database_code: str, path) -> str:
    """The secret of a service key for a scale unit started on this machine (run_all
    --scale-unit): made once and kept in `path` (readable by its owner only), made again if
    HQ no longer accepts it (revoked, expired or deleted)."""
    from pathlib import Path

    path = Path(path)
    if path.exists():
        secret = path.read_text().strip()
        prefix = secret.partition(".")[0]
        key = ScaleUnitKey.objects.get_usable_keys().filter(prefix=prefix).first()
        if key is not None and key.is_valid(secret) and not key.has_expired:
            return secret
    _key, secret = scale_unit_key_create(database_code=database_code, name=f"local {path.stem}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(secret + "\n")
    return secret
