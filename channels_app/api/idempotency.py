"""Idempotency-Key: a retried request gets the first response and creates nothing.

A key is remembered for HQ_IDEMPOTENCY_TTL_HOURS (24, as Stripe does); a request that
reuses a key after that is a new request, and the purge job deletes the expired records.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response

from channels_app.models import IdempotencyRecord, Store
from channels_app.services.retention import idempotency_expired_before

from .exceptions import Unprocessable
from .permissions import request_device_key

HEADER = "Idempotency-Key"


def _scope(request, channel: Store) -> str:
    """Whose key it is: a device's (one channel), or a back-office user's for one channel, so
    the same key sent for another store is another request, never a replay of the first."""
    key = request_device_key(request)
    if key is not None:
        return f"device:{key.prefix}"
    return f"user:{request.user.pk}:{channel.code}"


def _replay(record: IdempotencyRecord, request_hash: str) -> Response:
    if record.request_hash != request_hash:
        raise Unprocessable(
            _("%(header)s %(key)r was used for another request; send a new key.")
            % {"header": HEADER, "key": record.key}
        )
    return Response(
        record.response, status=record.status_code, headers={"Idempotent-Replay": "true"}
    )


def idempotent(
    request, *, channel: Store, endpoint: str, perform: Callable[[], Response]
) -> Response:
    """Run `perform` once per (caller, key); its work and the stored response commit together
    in the store's channel database, so a concurrent retry either waits and replays, or
    finds the stored response."""
    key = request.headers.get(HEADER)
    if key is None:
        return perform()
    if not 1 <= len(key) <= 255:
        raise exceptions.ValidationError({HEADER: [_("Between 1 and 255 characters.")]})
    scope = _scope(request, channel)
    digest = hashlib.sha256(
        (endpoint + json.dumps(request.data, sort_keys=True, default=str)).encode()
    ).hexdigest()
    alias = channel._state.db
    records = IdempotencyRecord.objects.using(alias)
    existing = records.filter(scope=scope, key=key).first()
    expired_before = idempotency_expired_before()
    if existing is not None and existing.created_at >= expired_before:
        return _replay(existing, digest)
    try:
        with transaction.atomic(using=alias):
            if existing is not None:  # expired: forgotten with the new request's commit
                records.filter(pk=existing.pk, created_at__lt=expired_before).delete()
            response = perform()
            records.create(
                scope=scope,
                key=key,
                endpoint=endpoint,
                request_hash=digest,
                status_code=response.status_code,
                response=response.data,
            )
    except IntegrityError:
        return _replay(records.get(scope=scope, key=key), digest)
    return response
