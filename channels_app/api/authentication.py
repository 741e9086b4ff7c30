"""`Authorization: Api-Key <key>`: a POS register's key, bound to one channel.

The key is checked against the channel databases (where HQ wrote it through, or 1070 brought
it), never HQ's: a register authenticates while HQ is down. The database a key prefix was
found in is remembered per process, so a request makes one indexed read.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import (
    BaseAuthentication,
    TokenAuthentication,
    get_authorization_header,
)

from channels_app.databases import channel_database_aliases
from channels_app.models import StoreDeviceKey

from .throttling import cache_or

KEYWORD = "Api-Key"


class Device:
    """The principal behind a device key: it acts for its channel only, never as staff."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, key: StoreDeviceKey):
        self.key = key
        self.channel = key.channel
        self.pk = self.id = f"device:{key.pk}"

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def __str__(self) -> str:
        return f"device {self.key.name} ({self.channel.code})"


# {key prefix: alias of the channel database that holds it}
_where: dict[str, str] = {}


def _find(secret: str) -> StoreDeviceKey | None:
    prefix = secret.partition(".")[0]
    aliases = list(channel_database_aliases().values())
    known = _where.get(prefix)
    if known in aliases:
        aliases.remove(known)
        aliases.insert(0, known)
    for alias in aliases:
        try:
            key = (
                StoreDeviceKey.objects.db_manager(alias)
                .get_usable_keys()
                .select_related("channel")
                .filter(prefix=prefix)
                .first()
            )
        except (OperationalError, InterfaceError):
            continue  # that database is down: its stores cannot work anyway
        if key is not None:
            _where[prefix] = alias
            return key if key.is_valid(secret) else None
    return None


# "Last used" is kept to this resolution: one write per key per interval, not per request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def _note_use(key: StoreDeviceKey) -> None:
    """Stamp the key's last use in its channel database, at most once per resolution; best
    effort: a busy or unreachable database never fails the request for it."""
    now = timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION:
        return
    try:
        StoreDeviceKey.objects.using(key._state.db).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION),
            pk=key.pk,
        ).update(last_used_at=now)
    except (OperationalError, InterfaceError):
        return
    key.last_used_at = now


def _failures_key(request) -> str:
    return f"api-auth-failures:{request.META.get('REMOTE_ADDR', '')}"


def guarded(request, authenticate):
    """Run a scheme's check of the credentials `request` sent, counting its refusals per
    address: an address that sent HQ_API_AUTH_FAILURES_PER_MINUTE wrong keys or tokens gets
    429 until the minute is over, so guessing keys costs a minute per few dozen tries."""
    failures = cache_or(0, lambda: cache.get(_failures_key(request), 0))
    if failures >= settings.HQ_API_AUTH_FAILURES_PER_MINUTE:
        raise exceptions.Throttled(wait=60)
    try:
        return authenticate()
    except exceptions.AuthenticationFailed:
        _count_failure(request)
        raise


def _count_failure(request) -> None:
    key = _failures_key(request)

    def count() -> None:
        if not cache.add(key, 1, timeout=60):
            try:
                cache.incr(key)
            except ValueError:  # expired in between
                cache.add(key, 1, timeout=60)

    cache_or(None, count)


class DeviceKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].decode("latin-1") != KEYWORD:
            return None
        return guarded(request, lambda: self._authenticate(parts))

    def _authenticate(self, parts):
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send 'Authorization: %(keyword)s <key>'.") % {"keyword": KEYWORD}
            )
        try:
            secret = parts[1].decode("latin-1")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Unknown or revoked device key.")) from None
        key = _find(secret)
        if key is None:
            raise exceptions.AuthenticationFailed(_("Unknown or revoked device key."))
        if key.has_expired:
            raise exceptions.AuthenticationFailed(_("This device key has expired."))
        _note_use(key)
        return Device(key), key

    def authenticate_header(self, request) -> str:
        return KEYWORD


class ThrottledTokenAuthentication(TokenAuthentication):
    """DRF's token for back-office scripts, with the same count of wrong tokens per address."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        parent = super().authenticate
        return guarded(request, lambda: parent(request))


class DeviceKeyScheme(OpenApiAuthenticationExtension):
    target_class = "channels_app.api.authentication.DeviceKeyAuthentication"
    name = "DeviceKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": f"A POS register's key: `{KEYWORD} <key>` (create_device_key).",
        }
