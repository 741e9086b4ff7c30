"""The one door from a store to HQ: the real-time service call of a sync-mode store.

channels_app never imports HQ's code. Two implementations answer the same protocol with plain
values (customer snapshots as 1010 would bring them, order and card numbers):

- HQ_REALTIME_URL set (a scale unit deployed on its own): `HttpHQService` makes one HTTP
  request to HQ's real-time service (D365's RTS), authenticated with the scale unit's service
  key, within one total deadline of HQ_REALTIME_TIMEOUT_SECONDS. The store holds no HQ
  database credentials.
- unset (the embedded one-machine default): the in-process service named by
  CHANNELS_HQ_SERVICE, which works on HQ's database in one bounded transaction.

Either way, when HQ cannot be reached in time it raises HQUnavailableError, and the POS falls
back to async mode as D365's POS does; a refusal by HQ's rules raises the same domain error
(CustomerValidationError, UnknownCustomerError, ...) as the in-process call would.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from decimal import Decimal
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import errors
from .sales import CleanSale

logger = logging.getLogger(__name__)


class HQRealtimeService(Protocol):
    """Every call names the store it is made for (`channel_id`), so HQ applies that store's
    defaults and rules and checks that the caller may act for it."""

    def customer_create(self, *, channel_id: int, payload: dict, async_id: uuid.UUID) -> dict: ...

    def customer_update(self, *, channel_id: int, account_number: str, changes: dict) -> dict: ...

    def address_add(self, *, channel_id: int, account_number: str, address: dict) -> dict: ...

    def address_update(
        self, *, channel_id: int, account_number: str, address_id: uuid.UUID, changes: dict
    ) -> dict: ...

    def address_delete(
        self, *, channel_id: int, account_number: str, address_id: uuid.UUID
    ) -> dict: ...

    def sales_order_create(
        self, *, channel_id: int, sale: CleanSale, account_number: str
    ) -> str: ...

    def loyalty_card_issue(self, *, channel_id: int, account_number: str) -> dict: ...

    def partner_request_status(self, *, channel_id: int, async_id: uuid.UUID) -> dict | None: ...


# --- The wire: one operation per protocol method ------------------------------------------------
# {URL segment: (method, {argument: kind})}. Both sides read this table: the store to encode a
# call, HQ's real-time endpoint to check and decode one (channel_id is every call's).
OPERATIONS: dict[str, tuple[str, dict[str, str]]] = {
    "customer-create": ("customer_create", {"payload": "object", "async_id": "uuid"}),
    "customer-update": ("customer_update", {"account_number": "text", "changes": "object"}),
    "address-add": ("address_add", {"account_number": "text", "address": "object"}),
    "address-update": (
        "address_update",
        {"account_number": "text", "address_id": "uuid", "changes": "object"},
    ),
    "address-delete": ("address_delete", {"account_number": "text", "address_id": "uuid"}),
    "sales-order-create": ("sales_order_create", {"account_number": "text", "sale": "sale"}),
    "loyalty-card-issue": ("loyalty_card_issue", {"account_number": "text"}),
    "partner-request-status": ("partner_request_status", {"async_id": "uuid"}),
}
OPERATION_OF = {method: name for name, (method, _args) in OPERATIONS.items()}


class WireError(ValueError):
    """A real-time request body that does not match its operation (HQ answers 400)."""


def _json_default(value: Any) -> Any:
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def wire_dumps(value: Any) -> bytes:
    return json.dumps(value, default=_json_default, separators=(",", ":")).encode()


def sale_to_wire(sale: CleanSale) -> dict:
    return json.loads(wire_dumps(dataclasses.asdict(sale)))


def sale_from_wire(data: dict) -> CleanSale:
    try:
        return CleanSale(
            transaction_id=str(data["transaction_id"]),
            kind=str(data["kind"]),
            order_mode=str(data["order_mode"]),
            business_date=dt.date.fromisoformat(data["business_date"]),
            customer=str(data["customer"]),
            address_async_id=uuid.UUID(data["address_async_id"])
            if data.get("address_async_id")
            else None,
            currency=str(data["currency"]),
            lines=list(data["lines"]),
            total=Decimal(str(data["total"])),
            fingerprint=str(data["fingerprint"]),
        )
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise WireError(f"sale: {exc}") from None


def wire_arguments(operation: str, body: Any) -> dict:
    """The keyword arguments of `operation`'s method from a request body; WireError if the
    body does not have exactly its arguments with the right kinds."""
    if not isinstance(body, dict):
        raise WireError("The body must be a JSON object.")
    _method, kinds = OPERATIONS[operation]
    expected = {"request_id", "channel_id", *kinds}
    unknown = set(body) - expected
    missing = expected - set(body)
    if unknown or missing:
        raise WireError(f"Unknown: {sorted(unknown)}; missing: {sorted(missing)}.")
    channel_id = body["channel_id"]
    if not isinstance(channel_id, int) or isinstance(channel_id, bool):
        raise WireError("channel_id must be an integer.")
    args: dict[str, Any] = {"channel_id": channel_id}
    for name, kind in kinds.items():
        value = body[name]
        if kind == "uuid":
            try:
                args[name] = uuid.UUID(str(value))
            except ValueError:
                raise WireError(f"{name} must be a UUID.") from None
        elif kind == "text":
            if not isinstance(value, str):
                raise WireError(f"{name} must be text.")
            args[name] = value
        elif kind == "object":
            if not isinstance(value, dict):
                raise WireError(f"{name} must be an object.")
            args[name] = value
        elif kind == "sale":
            if not isinstance(value, dict):
                raise WireError(f"{name} must be an object.")
            args[name] = sale_from_wire(value)
    return args


# The domain errors a refusal may name, most specific first: the store raises the same class
# the in-process call would have, so the POS answers the same status either way.
ERROR_CLASSES: dict[str, type[errors.HQError]] = {
    cls.__name__: cls
    for cls in (
        errors.CustomerValidationError,
        errors.InputValidationError,
        errors.UnknownAddressError,
        errors.UnknownCustomerError,
        errors.PendingCustomerError,
        errors.ConflictError,
        errors.FeatureOffError,
        errors.NumberSequenceExhaustedError,
        errors.StoreNotConfiguredError,
        errors.HQError,
    )
}


def error_to_wire(exc: errors.HQError) -> dict:
    """HQ's refusal as JSON: the nearest class the store knows, and its messages rendered in
    the language the store asked for."""
    kind = next(c.__name__ for c in type(exc).__mro__ if c.__name__ in ERROR_CLASSES)
    body: dict[str, Any] = {"kind": kind, "message": str(exc)}
    if isinstance(exc, errors.InputValidationError):
        body["errors"] = {path: [str(m) for m in messages] for path, messages in exc.errors.items()}
    return body


def error_from_wire(body: Any) -> errors.HQError:
    if not isinstance(body, dict):
        return errors.HQError(_("HQ refused the request."))
    cls = ERROR_CLASSES.get(str(body.get("kind")), errors.HQError)
    if issubclass(cls, errors.InputValidationError):
        field_errors = body.get("errors")
        if isinstance(field_errors, dict) and field_errors:
            return cls({str(k): [str(m) for m in v] for k, v in field_errors.items()})
        return cls({"non_field_errors": [str(body.get("message") or "")]})
    return cls(str(body.get("message") or _("HQ refused the request.")))


# --- The HTTP client ------------------------------------------------------------------------
SERVICE_KEY_KEYWORD = "Service-Key"


class HttpHQService:
    """HQ's real-time service over HTTP: one request per call, one total deadline.

    httpx's timeouts bound each phase (connect, write, each read); the call as a whole is
    bounded by waiting for it on a worker thread at most `timeout` seconds, so a link that
    accepts bytes and answers nothing, or answers a byte at a time, still gives up in time.
    A thread left behind ends by httpx's own timeouts. HQ's rules refusing the call (4xx) are
    raised as the domain error HQ named; anything else (timeout, refused connection, 5xx, a
    key HQ does not accept) is HQUnavailableError, and the POS falls back to async mode.
    """

    def __init__(self, *, url: str, key: str, timeout: float, workers: int = 32):
        import httpx

        self.url = url.rstrip("/")
        self.timeout = timeout
        self._headers = {
            "Authorization": f"{SERVICE_KEY_KEYWORD} {key}",
            "Content-Type": "application/json",
        }
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=workers, max_keepalive_connections=workers),
        )
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hq-rts")
        self._httpx = httpx

    def _post(self, operation: str, body: bytes, language: str) -> tuple[int, Any]:
        response = self._client.post(
            f"{self.url}/{operation}/",
            content=body,
            headers={**self._headers, "Accept-Language": language},
        )
        try:
            data = response.json()
        except ValueError:
            data = None
        return response.status_code, data

    def call(self, method: str, **kwargs: Any) -> Any:
        operation = OPERATION_OF[method]
        if "sale" in kwargs:
            kwargs["sale"] = sale_to_wire(kwargs["sale"])
        body = wire_dumps({"request_id": str(uuid.uuid4()), **kwargs})
        started = time.monotonic()
        future = self._pool.submit(self._post, operation, body, get_language() or "en")
        try:
            status, data = future.result(timeout=self.timeout)
        except FutureTimeout:
            future.cancel()  # still queued behind stalled calls: never sent
            self._unavailable(operation, f"no answer within {self.timeout:g} s")
        except self._httpx.HTTPError as exc:
            self._unavailable(operation, f"{type(exc).__name__}: {exc}")
        if status == 200 and isinstance(data, dict) and "result" in data:
            return data["result"]
        error = data.get("error") if isinstance(data, dict) else None
        if status in (400, 404, 409, 422) and isinstance(error, dict):
            raise error_from_wire(error)
        if status in (401, 403):
            logger.error(
                "HQ refused this scale unit's service key (%s); check HQ_REALTIME_KEY", status
            )
        elapsed = time.monotonic() - started
        self._unavailable(operation, f"HTTP {status} after {elapsed:.2f} s")

    @staticmethod
    def _unavailable(operation: str, reason: str):
        logger.warning("HQ real-time %s failed (%s); falling back to async mode", operation, reason)
        raise errors.HQUnavailableError(_("HQ's real-time service is unreachable."))

    def __getattr__(self, method: str):
        if method not in OPERATION_OF:
            raise AttributeError(method)
        return lambda **kwargs: self.call(method, **kwargs)


@cache
def hq_service() -> HQRealtimeService:
    """The configured implementation, made once per process."""
    url = getattr(settings, "HQ_REALTIME_URL", "")
    if url:
        return HttpHQService(
            url=url,
            key=settings.HQ_REALTIME_KEY,
            timeout=settings.HQ_REALTIME_TIMEOUT_SECONDS,
        )
    return import_string(settings.CHANNELS_HQ_SERVICE)
