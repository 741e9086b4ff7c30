"""`Authorization: Api-Key <key>`: a POS register's key, bound to one channel."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from hqcommerce.models import DeviceKey

KEYWORD = "Api-Key"


class Device:
    """The principal behind a device key: it acts for its channel only, never as staff."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, key: DeviceKey):
        self.key = key
        self.channel = key.channel
        self.pk = self.id = f"device:{key.pk}"

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def __str__(self) -> str:
        return f"device {self.key.name} ({self.channel.code})"


class DeviceKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].decode("latin-1") != KEYWORD:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send 'Authorization: %(keyword)s <key>'.") % {"keyword": KEYWORD}
            )
        try:
            key = DeviceKey.objects.get_from_key(parts[1].decode("latin-1"))
        except (DeviceKey.DoesNotExist, UnicodeDecodeError):
            raise exceptions.AuthenticationFailed(_("Unknown or revoked device key.")) from None
        if key.has_expired:
            raise exceptions.AuthenticationFailed(_("This device key has expired."))
        key = DeviceKey.objects.select_related("channel__profile", "channel__default_customer").get(
            pk=key.pk
        )
        return Device(key), key

    def authenticate_header(self, request) -> str:
        return KEYWORD


class DeviceKeyScheme(OpenApiAuthenticationExtension):
    target_class = "hqcommerce.api.authentication.DeviceKeyAuthentication"
    name = "DeviceKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": f"A POS register's key: `{KEYWORD} <key>` (create_device_key).",
        }
