"""One error shape for every error: domain errors become API errors, which
drf-standardized-errors renders as {"type", "errors": [{"code", "detail", "attr"}]}."""

from __future__ import annotations

import re

from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext_lazy as _
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import exceptions, serializers, status

from channels_app.errors import (
    ConflictError,
    HQError,
    HQUnavailableError,
    InputValidationError,
    PendingCustomerError,
    UnknownChannelError,
    UnknownCustomerError,
)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = _("The request conflicts with the current state.")


class PendingSync(Conflict):
    default_code = "pending_sync"


class HQUnavailable(exceptions.APIException):
    """HQ did not answer a call only HQ can answer (a synchronous order, a loyalty card):
    the store keeps working, this one request waits for HQ."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "hq_unavailable"
    default_detail = _("HQ cannot be reached right now; try again in a moment.")


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"
    default_detail = _("The request cannot be processed.")


def api_path(path: str) -> str:
    """A domain error's field path as the API names fields: "contacts[0].value" is
    "contacts.0.value", as the serializers' own errors read."""
    return _INDEX.sub(r".\1", path)


_INDEX = re.compile(r"\[(\d+)\]")


def flat_errors(detail, prefix: str = "") -> dict[str, list]:
    """A serializer's nested errors by dotted field path (drf-standardized-errors' attr)."""
    if isinstance(detail, dict):
        found: dict[str, list] = {}
        for key, value in detail.items():
            found.update(flat_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return found
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        found = {}
        for index, value in enumerate(detail):
            if value:
                found.update(flat_errors(value, f"{prefix}.{index}" if prefix else str(index)))
        return found
    return {prefix or "non_field_errors": list(detail) if isinstance(detail, list) else [detail]}


WHOLE_BODY = ("payload", "non_field_errors")


def merged_errors(shape: dict, rules: dict[str, list]) -> dict[str, list]:
    """The shape check's errors, and HQ's rules' errors on every field the shape check
    found nothing wrong with (on it, or on what holds or is held by it)."""
    merged = flat_errors(shape)
    for path, messages in rules.items():
        if path in WHOLE_BODY:
            continue  # about the body as a whole (unknown fields): the shape check said it
        path = api_path(path)
        overlaps = any(
            path == known or path.startswith(known + ".") or known.startswith(path + ".")
            for known in merged
        )
        if not overlaps:
            merged[path] = [str(message) for message in messages]
    return merged


def as_api_exception(exc: Exception) -> Exception:
    if isinstance(exc, InputValidationError):
        return exceptions.ValidationError({api_path(k): v for k, v in exc.errors.items()})
    if isinstance(exc, UnknownChannelError):
        return exceptions.ValidationError({"channels": [str(exc)]})
    if isinstance(exc, UnknownCustomerError):
        return exceptions.NotFound(str(exc))
    if isinstance(exc, PendingCustomerError):
        return PendingSync(str(exc))
    if isinstance(exc, ConflictError):
        return Conflict(str(exc))
    if isinstance(exc, HQUnavailableError):
        return HQUnavailable(str(exc))
    if isinstance(exc, HQError):
        return exceptions.ValidationError({"non_field_errors": [str(exc)]})
    if isinstance(exc, RequestDataTooBig):
        from .parsers import PayloadTooLarge

        return PayloadTooLarge()
    return exc


class DomainExceptionHandler(ExceptionHandler):
    """drf-standardized-errors' handler, taught our domain errors."""

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        return super().convert_known_exceptions(as_api_exception(exc))


class _ClientError(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ValidationErrorResponse(serializers.Serializer):
    """400: field errors (`attr` is the field path, e.g. contacts.0.value) or a parse error."""

    type = serializers.ChoiceField(choices=["validation_error", "client_error"])
    errors = _ClientError(many=True)


class ClientErrorResponse(serializers.Serializer):
    """409 (conflict / pending sync), 413 (body too large), 422 (idempotency key reused)."""

    type = serializers.ChoiceField(choices=["client_error"])
    errors = _ClientError(many=True)


class HQUnavailableResponse(serializers.Serializer):
    """503: HQ did not answer a call only HQ can answer (a synchronous order, a loyalty
    card); the store's own work goes on. Try again later."""

    type = serializers.ChoiceField(choices=["server_error"])
    errors = _ClientError(many=True)
