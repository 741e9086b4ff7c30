"""The POS API, served by the store side (a scale unit, or HQ's server on one machine).

Thin views: check the shape, find the store, call a store service, shape the answer. Every
view works on the store's channel database alone; what only HQ can answer goes through the
real-time service (channels_app.hq)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_app.errors import CustomerValidationError
from channels_app.models import Store
from channels_app.selectors import (
    CURSOR_PATTERN,
    channel_customer_view,
    channel_customers_page,
    cursor_decode,
    partner_request_view,
    store_by_code,
)
from channels_app.services.pos import (
    partner_request_with_decision,
    pos_address_add,
    pos_address_delete,
    pos_address_rule_errors,
    pos_address_update,
    pos_customer_create,
    pos_customer_rule_errors,
    pos_customer_update,
    pos_customer_update_rule_errors,
    pos_loyalty_card_issue,
    pos_partner_request_create,
    pos_transaction_record,
)

from . import serializers as s
from .exceptions import merged_errors
from .idempotency import HEADER, idempotent
from .permissions import RUN_JOBS, request_device_key

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    {"type": "string", "minLength": 1, "maxLength": 255},
    OpenApiParameter.HEADER,
    description="Retry with the same key and body to get the first response; nothing is "
    "created twice. The same key with another body answers 422.",
)
CHANNEL_PARAMETER = OpenApiParameter(
    "channel",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    description="Back-office users: the channel (e.g. STORE01). Devices always use their own.",
)


# What back-office users need, per method (permissions.IsDeviceOrPermittedStaff): reading a
# store's customers, recording an edit of one.
VIEW_CUSTOMERS = ("channels_app.view_asynccustomer", "channels_app.view_channelcustomer")
EDIT_CUSTOMERS = ("channels_app.add_asynccustomeredit",)


class ChannelScopedMixin:
    """Every channel-scoped view resolves its channel here: a device only ever sees its own;
    another channel's records are simply not found (404)."""

    def scoped_channels(self, request) -> list[str] | None:
        key = request_device_key(request)
        return [key.channel.code] if key is not None else None

    def request_channel(self, request, code: str | None = None) -> Store:
        """The store the request works on, as its channel database knows it."""
        key = request_device_key(request)
        if key is not None:
            if code and code.strip().upper() != key.channel.code:
                raise exceptions.NotFound(_("Channel %(code)r not found.") % {"code": code})
            return key.channel
        code = code or request.query_params.get("channel")
        if not code:
            raise exceptions.ValidationError(
                {"channel": [_("Back-office users name the channel.")]}
            )
        store = store_by_code(code.strip().upper())
        if store is None:
            raise exceptions.NotFound(_("Channel %(code)r not found.") % {"code": code})
        return store


def _customer_or_404(channel: Store, ref: str) -> dict:
    view = channel_customer_view(channel=channel, ref=ref)
    if view is None:
        raise exceptions.NotFound(
            _("No customer %(ref)r in channel %(code)s.") % {"ref": ref, "code": channel.code}
        )
    return view


@extend_validation_errors(["required"], field_name="channel", methods=["get"])
@extend_validation_errors(["invalid"], field_name="cursor", methods=["get"])
class CustomerListCreateView(ChannelScopedMixin, APIView):
    staff_permissions = {"GET": VIEW_CUSTOMERS, "POST": ("channels_app.add_asynccustomer",)}

    @extend_schema(
        operation_id="customers_list",
        parameters=[
            OpenApiParameter(
                "search",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                description="Part of a name, email, phone, account number or temporary id; "
                "only the first 100 characters count.",
            ),
            OpenApiParameter(
                "cursor",
                {"type": "string", "pattern": CURSOR_PATTERN},
                OpenApiParameter.QUERY,
                description="From the previous page's `next` link.",
            ),
            CHANNEL_PARAMETER,
        ],
        responses=s.CustomerPage,
    )
    def get(self, request):
        """The channel's customers: pending sync first, then synced, cursor-paginated."""
        channel = self.request_channel(request)
        cursor = request.query_params.get("cursor")
        try:
            cursor_decode(cursor)
        except ValueError:
            raise exceptions.ValidationError(
                {"cursor": [_("Not a cursor this API gave.")]}
            ) from None
        search = request.query_params.get("search", "")[:100]
        items, next_cursor = channel_customers_page(channel=channel, search=search, cursor=cursor)
        next_url = None
        if next_cursor:
            query = request.query_params.copy()
            query["cursor"] = next_cursor
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return Response({"next": next_url, "results": s.CustomerOutput(items, many=True).data})

    @extend_schema(
        operation_id="customers_create",
        request=s.CustomerCreateInput,
        responses={201: s.CustomerOutput},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    def post(self, request):
        """Create a customer: sync or async per the store's profile, async when HQ is down."""
        data = s.CustomerCreateInput(data=request.data)
        if not data.is_valid():
            raise exceptions.ValidationError(self._every_error(request, data.errors))
        payload = dict(data.validated_data)
        channel = self.request_channel(request, payload.pop("channel", None))

        def perform() -> Response:
            register = request_device_key(request).name if request_device_key(request) else ""
            result = pos_customer_create(channel=channel, data=payload, register=register)
            # A pending customer's view comes with the result; a synced one is read back.
            view = result.view or _customer_or_404(
                channel, result.account_number or str(result.async_id)
            )
            return Response(s.CustomerOutput(view).data, status=status.HTTP_201_CREATED)

        return idempotent(request, channel=channel, endpoint="customers_create", perform=perform)

    def _every_error(self, request, shape_errors) -> dict:
        """The shape's errors and HQ's rules' errors on the other fields, in one answer."""
        code = request.data.get("channel") if isinstance(request.data, dict) else None
        try:
            channel = self.request_channel(request, code if isinstance(code, str) else None)
        except exceptions.APIException:
            return shape_errors  # which store's rules apply is itself unclear
        return merged_errors(
            shape_errors, pos_customer_rule_errors(channel=channel, data=request.data)
        )


@extend_validation_errors(["required"], field_name="channel", methods=["get"])
class CustomerDetailView(ChannelScopedMixin, APIView):
    staff_permissions = {"GET": VIEW_CUSTOMERS, "PATCH": EDIT_CUSTOMERS}

    @extend_schema(parameters=[CHANNEL_PARAMETER], responses=s.CustomerOutput)
    def get(self, request, ref: str):
        """A customer by account number or temporary id; a mapped temporary id shows
        status "synced" with the account number."""
        return Response(s.CustomerOutput(_customer_or_404(self.request_channel(request), ref)).data)

    @extend_schema(
        parameters=[CHANNEL_PARAMETER], request=s.CustomerUpdateInput, responses=s.CustomerOutput
    )
    def patch(self, request, ref: str):
        """Edit: real-time for a synced customer in a sync-mode store, else queued in order."""
        channel = self.request_channel(request)
        _customer_or_404(channel, ref)
        data = s.CustomerUpdateInput(data=request.data)
        if not data.is_valid():
            rules = pos_customer_update_rule_errors(channel=channel, ref=ref, changes=request.data)
            raise exceptions.ValidationError(merged_errors(data.errors, rules))
        changes = dict(data.validated_data)
        if "attributes" in changes:
            changes["attributes"] = [dict(a) for a in changes["attributes"]]
        result = pos_customer_update(channel=channel, ref=ref, changes=changes)
        view_ref = ref if result.status == "pending_sync" else result.account_number
        return Response(s.CustomerOutput(_customer_or_404(channel, view_ref or ref)).data)


class CustomerAddressView(ChannelScopedMixin, APIView):
    staff_permissions = {"POST": ("channels_app.add_asyncaddress",)}

    @extend_schema(
        operation_id="customers_addresses_create",
        parameters=[CHANNEL_PARAMETER],
        request=s.AddressInput,
        responses={201: s.AddressAdded},
    )
    def post(self, request, ref: str):
        """Add an address (real-time, or queued with its own temporary id)."""
        channel = self.request_channel(request)
        _customer_or_404(channel, ref)
        data = s.AddressInput(data=request.data)
        if not data.is_valid():
            rules = pos_address_rule_errors(channel=channel, ref=ref, address=request.data)
            raise exceptions.ValidationError(merged_errors(data.errors, _own_paths(rules)))
        try:
            result = pos_address_add(channel=channel, ref=ref, address=dict(data.validated_data))
        except CustomerValidationError as exc:
            raise CustomerValidationError(_own_paths(exc.errors)) from None
        body = {
            "status": result.status,
            "async_id": result.async_id,
            "customer": s.CustomerOutput(_customer_or_404(channel, ref)).data,
        }
        return Response(body, status=status.HTTP_201_CREATED)


def _own_paths(errors: dict) -> dict:
    """HQ's rules name an added address's fields "address.country"; this endpoint's body is
    the address itself, so its errors name "country", as its shape's errors do."""
    return {path.removeprefix("address."): messages for path, messages in errors.items()}


class CustomerAddressDetailView(ChannelScopedMixin, APIView):
    """One address by its own id (D365 10.0.29's async address edit and delete)."""

    staff_permissions = {"PATCH": EDIT_CUSTOMERS, "DELETE": EDIT_CUSTOMERS}

    def _answer(self, channel: Store, ref: str, result) -> Response:
        body = {
            "status": result.status,
            "async_id": result.async_id,
            "customer": s.CustomerOutput(_customer_or_404(channel, ref)).data,
        }
        return Response(s.AddressChanged(body).data)

    @extend_schema(
        operation_id="customers_addresses_update",
        parameters=[CHANNEL_PARAMETER],
        request=s.AddressUpdateInput,
        responses={200: s.AddressChanged},
    )
    def patch(self, request, ref: str, address_id):
        """Edit an address: real-time for a synced customer in a sync-mode store, else
        queued in the customer's order of edits."""
        channel = self.request_channel(request)
        _customer_or_404(channel, ref)
        data = s.AddressUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = pos_address_update(
            channel=channel, ref=ref, address_id=address_id, changes=dict(data.validated_data)
        )
        return self._answer(channel, ref, result)

    @extend_schema(
        operation_id="customers_addresses_delete",
        parameters=[CHANNEL_PARAMETER],
        responses={200: s.AddressChanged},
    )
    def delete(self, request, ref: str, address_id):
        """Delete an address: real-time or queued, as an edit is."""
        channel = self.request_channel(request)
        _customer_or_404(channel, ref)
        result = pos_address_delete(channel=channel, ref=ref, address_id=address_id)
        return self._answer(channel, ref, result)


@extend_validation_errors(["required"], field_name="channel", methods=["get"])
class CustomerAttributeListView(ChannelScopedMixin, APIView):
    staff_permissions = {"GET": ("channels_app.view_store",)}

    @extend_schema(parameters=[CHANNEL_PARAMETER], responses=s.AttributeDefinitionOutput(many=True))
    def get(self, request):
        """The customer attributes of the store's attribute groups, as 1070 brought them:
        what a customer's `attributes` may name and how each value is written. Empty: the
        store takes attributes as free text."""
        channel = self.request_channel(request)
        return Response(
            s.AttributeDefinitionOutput(channel.attribute_definitions or [], many=True).data
        )


class LoyaltyCardView(ChannelScopedMixin, APIView):
    staff_permissions = {"POST": (RUN_JOBS,)}

    @extend_schema(
        operation_id="customers_loyalty_cards_create",
        parameters=[IDEMPOTENCY_PARAMETER, CHANNEL_PARAMETER],
        request=s.LoyaltyCardInput,
        responses={201: s.LoyaltyCardOutput},
    )
    def post(self, request, ref: str):
        """Issue a loyalty card (real-time at HQ). A customer pending sync answers 409: the
        card needs the account number the P-job, the sync and 1010 bring back."""
        channel = self.request_channel(request)
        _customer_or_404(channel, ref)
        s.LoyaltyCardInput(data=request.data).is_valid(raise_exception=True)

        def perform() -> Response:
            card = pos_loyalty_card_issue(channel=channel, ref=ref)
            return Response(s.LoyaltyCardOutput(card).data, status=status.HTTP_201_CREATED)

        return idempotent(
            request, channel=channel, endpoint=f"loyalty_cards_create:{ref}", perform=perform
        )


class TransactionCreateView(ChannelScopedMixin, APIView):
    staff_permissions = {"POST": ("channels_app.add_channeltransaction",)}

    @extend_schema(
        operation_id="transactions_create",
        request=s.TransactionInput,
        responses={201: s.TransactionOutput, 200: s.TransactionOutput},
    )
    def post(self, request):
        """Record a sale; a retry with the same transaction id returns the first (200)."""
        data = s.TransactionInput(data=request.data)
        data.is_valid(raise_exception=True)
        payload = dict(data.validated_data)
        channel = self.request_channel(request, payload.pop("channel", None))
        payload["business_date"] = payload["business_date"].isoformat()
        if payload.get("address_async_id"):
            payload["address_async_id"] = str(payload["address_async_id"])
        else:
            payload.pop("address_async_id", None)
        payload["lines"] = [
            {**line, "quantity": str(line["quantity"]), "unit_price": str(line["unit_price"])}
            for line in payload["lines"]
        ]
        before = (
            channel.transactions.using(channel._state.db)
            .filter(transaction_id=payload["transaction_id"])
            .exists()
        )
        sale = pos_transaction_record(channel=channel, data=payload)
        code = status.HTTP_200_OK if before else status.HTTP_201_CREATED
        return Response(s.TransactionOutput(sale).data, status=code)


class PartnerRequestCreateView(ChannelScopedMixin, APIView):
    staff_permissions = {"POST": ("channels_app.add_partnerrequest",)}

    @extend_schema(
        operation_id="partner_requests_create",
        parameters=[IDEMPOTENCY_PARAMETER, CHANNEL_PARAMETER],
        request=s.PartnerRequestInput,
        responses={201: s.PartnerRequestOutput},
    )
    def post(self, request):
        """A company asks to buy as a business customer; HQ makes it a prospect to approve."""
        data = s.PartnerRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        channel = self.request_channel(request)

        def perform() -> Response:
            created = pos_partner_request_create(channel=channel, data=dict(data.validated_data))
            view = partner_request_view(channel=channel, ref=str(created.async_id))
            return Response(s.PartnerRequestOutput(view).data, status=status.HTTP_201_CREATED)

        return idempotent(
            request, channel=channel, endpoint="partner_requests_create", perform=perform
        )


class PartnerRequestDetailView(ChannelScopedMixin, APIView):
    staff_permissions = {"GET": ("channels_app.view_partnerrequest",)}

    @extend_schema(parameters=[CHANNEL_PARAMETER], responses=s.PartnerRequestOutput)
    def get(self, request, ref: str):
        """The request's status and, once approved, the new customer's account number."""
        channel = self.request_channel(request)
        view = partner_request_view(channel=channel, ref=ref)
        if view is not None:
            view = partner_request_with_decision(channel=channel, view=view)
        if view is None:
            raise exceptions.NotFound(
                _("No partner request %(ref)r in channel %(code)s.")
                % {"ref": ref, "code": channel.code}
            )
        return Response(s.PartnerRequestOutput(view).data)


class HealthView(APIView):
    staff_permissions = {"GET": ()}

    @extend_schema(responses={200: s.HealthOutput})
    def get(self, request):
        """Authenticated liveness check (also the framework's ceiling in bench/pos_load.py)."""
        key = request_device_key(request)
        return Response({"ok": True, "channel": key.channel.code if key else None})


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@permission_classes([AllowAny])
def not_found(request, *args, **kwargs):
    raise exceptions.NotFound(_("No API endpoint at %(path)s.") % {"path": request.path})
