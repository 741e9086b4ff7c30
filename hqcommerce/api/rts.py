"""HQ's real-time service over HTTP (D365's Real-time Service): what a sync-mode store asks of
HQ while its POS waits, one request per operation.

`POST /api/rts/v1/<operation>/` with `Authorization: Service-Key <key>` (a scale unit's
key, bound to one channel database) and a JSON body: `request_id`, `channel_id` (a store of
that channel database) and the operation's arguments (channels_app.hq.OPERATIONS). HQ does
all of the work in one transaction of its own database, bounded by
HQ_REALTIME_TIMEOUT_SECONDS, and keeps the answer by request id in the same transaction, so
a retried request gets the first answer and nothing is created twice.

Answers are plain JSON: 200 `{"result": ...}`; a refusal by HQ's rules 400/404/409/422
`{"error": {"kind", "message", "errors"?}}` (the store raises the same domain error); 401
or 403 for a key that may not make the call; 503 when HQ's own database does not answer.
"""

from __future__ import annotations

import hashlib
import json
import uuid

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from channels_app import hq
from channels_app.errors import (
    HQError,
    HQUnavailableError,
    InputValidationError,
    PendingCustomerError,
    UnknownCustomerError,
)
from channels_app.services.retention import idempotency_expired_before
from hqcommerce.models import Channel, RealtimeRequest, ScaleUnitKey
from hqcommerce.services import realtime_service

STATUS_OF_REFUSAL = (
    (InputValidationError, 400),
    (UnknownCustomerError, 404),
    (PendingCustomerError, 409),
)


def _error(status: int, message: str, kind: str = "request") -> JsonResponse:
    return JsonResponse({"error": {"kind": kind, "message": message}}, status=status)


def _service_key(request: HttpRequest) -> ScaleUnitKey | None:
    keyword, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if keyword != hq.SERVICE_KEY_KEYWORD or not secret or "\x00" in secret:
        return None
    prefix = secret.partition(".")[0]
    key = (
        ScaleUnitKey.objects.get_usable_keys()
        .filter(prefix=prefix)
        .select_related("channel_database")
        .first()
    )
    if key is None or key.has_expired or not key.is_valid(secret):
        return None
    return key


def _refusal(exc: HQError) -> JsonResponse:
    status = next((code for cls, code in STATUS_OF_REFUSAL if isinstance(exc, cls)), 422)
    return JsonResponse({"error": hq.error_to_wire(exc)}, status=status)


def _replay(record: RealtimeRequest, digest: str) -> JsonResponse:
    if record.request_hash != digest:
        return _error(422, _("This request id was used for another request."))
    response = JsonResponse(record.response, status=record.status_code)
    response["Idempotent-Replay"] = "true"
    return response


@csrf_exempt
def realtime_call(request: HttpRequest, operation: str) -> JsonResponse:
    if operation not in hq.OPERATIONS:
        return _error(404, _("No real-time operation %(name)r.") % {"name": operation})
    if request.method != "POST":
        response = _error(405, _("Use POST."))
        response["Allow"] = "POST"
        return response
    key = _service_key(request)
    if key is None:
        response = _error(401, _("Unknown, revoked or expired scale unit service key."))
        response["WWW-Authenticate"] = hq.SERVICE_KEY_KEYWORD
        return response
    try:
        body = json.loads(request.body)
        args = hq.wire_arguments(operation, body)
        request_id = uuid.UUID(str(body["request_id"]))
    except (ValueError, hq.WireError) as exc:
        return _error(400, str(exc))
    channel = Channel.objects.filter(
        pk=args["channel_id"], channel_database_id=key.channel_database_id
    ).first()
    if channel is None:
        return _error(
            403,
            _("Channel %(id)s is not a store of channel database %(code)s.")
            % {"id": args["channel_id"], "code": key.channel_database.code},
        )
    digest = hashlib.sha256(operation.encode() + b"\0" + request.body).hexdigest()
    existing = RealtimeRequest.objects.filter(request_id=request_id).first()
    if existing is not None and existing.created_at >= idempotency_expired_before():
        return _replay(existing, digest)
    method, _kinds = hq.OPERATIONS[operation]
    try:
        with transaction.atomic():
            if existing is not None:  # expired: forgotten with this request's commit
                existing.delete()
            result = getattr(realtime_service, method)(**args)
            answer = json.loads(hq.wire_dumps({"result": result}))
            RealtimeRequest.objects.create(
                request_id=request_id,
                operation=operation,
                request_hash=digest,
                status_code=200,
                response=answer,
            )
    except HQUnavailableError as exc:
        return _error(503, str(exc), kind="HQUnavailableError")
    except HQError as exc:
        return _refusal(exc)
    except IntegrityError:  # the same request, committed first by a concurrent retry?
        record = RealtimeRequest.objects.filter(request_id=request_id).first()
        if record is None:
            return _error(409, _("The request conflicts with HQ's data."), kind="ConflictError")
        return _replay(record, digest)
    return JsonResponse(answer)
