"""Business partner onboarding: prospects from channel requests, approved or rejected by staff.

The sync job turns uploaded requests into prospects (same staging, validation, last error
and retry rules as customers). Approval creates an organization customer with its contact
person through `customers_create`, so it takes an account number from the number sequence
and 1010 distributes it like any customer.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from channels_app.errors import HQError, Message, message, message_json
from channels_app.validation import CleanAddress, CleanContact, CleanCustomer, CleanPartnerRequest
from hqcommerce.models import Customer, Prospect
from hqcommerce.models.partners import ProspectStatus

from .customers import NewCustomer, channel_defaults, customers_create


class ProspectDecisionError(HQError):
    pass


def prospect_duplicate_hint(clean: CleanPartnerRequest, *, exclude_async_id=None) -> Message | str:
    """Name the customer or prospect this request may duplicate (same tax id or email)."""
    customer = (
        Customer.objects.filter(
            Q(tax_id=clean.tax_id) | Q(contacts__normalized_value=clean.normalized_email)
        )
        .order_by("pk")
        .first()
    )
    if customer is not None:
        return message(gettext_noop("customer %(account)s (%(name)s)")) % {
            "account": customer.account_number,
            "name": customer.display_name,
        }
    prospect = (
        Prospect.objects.filter(Q(tax_id=clean.tax_id) | Q(normalized_email=clean.normalized_email))
        .exclude(async_id=exclude_async_id)
        .order_by("pk")
        .first()
    )
    if prospect is not None:
        return message(gettext_noop("prospect %(company)s (%(id)s)")) % {
            "company": prospect.company_name,
            "id": str(prospect.async_id),
        }
    return ""


def prospect_create(*, channel, async_id, clean: CleanPartnerRequest) -> Prospect:
    """Idempotent on the request's GUID."""
    existing = Prospect.objects.filter(async_id=async_id).first()
    if existing is not None:
        return existing
    duplicate = prospect_duplicate_hint(clean, exclude_async_id=async_id)
    return Prospect.objects.create(
        channel=channel,
        async_id=async_id,
        company_name=clean.company_name,
        tax_id=clean.tax_id,
        contact_first_name=clean.contact_first_name,
        contact_last_name=clean.contact_last_name,
        email=clean.email,
        normalized_email=clean.normalized_email,
        phone=clean.phone,
        address=clean.address,
        requested_customer_group=clean.requested_customer_group,
        comment=clean.comment,
        possible_duplicate=str(duplicate),
        possible_duplicate_detail=message_json(duplicate) if duplicate else None,
    )


def prospect_approve(*, prospect: Prospect, user=None) -> Customer:
    with transaction.atomic():
        prospect = (
            Prospect.objects.select_for_update().select_related("channel").get(pk=prospect.pk)
        )
        if prospect.status != ProspectStatus.NEW:
            raise ProspectDecisionError(
                _(
                    "Prospect %(company_name)s is %(status)s already; only new prospects can "
                    "be approved."
                )
                % {
                    "company_name": prospect.company_name,
                    "status": prospect.get_status_display().lower(),
                }
            )
        defaults = channel_defaults(prospect.channel)
        contacts = [CleanContact("email", prospect.email, prospect.normalized_email, True)]
        if prospect.phone:
            from channels_app.validation import normalize_phone

            contacts.append(
                # Read in the store's country, as every other path into HQ reads a phone.
                CleanContact(
                    "phone", prospect.phone, normalize_phone(prospect.phone, defaults.region), True
                )
            )
        addresses = ()
        if prospect.address.get("street") and prospect.address.get("country"):
            addresses = (
                CleanAddress(
                    async_id=None,
                    purpose="business",
                    is_primary=True,
                    name=prospect.company_name,
                    street=prospect.address["street"],
                    city=prospect.address.get("city", ""),
                    state="",
                    zip_code=prospect.address.get("zip_code", ""),
                    country=prospect.address["country"],
                ),
            )
        data = CleanCustomer(
            party_type="organization",
            first_name="",
            middle_name="",
            last_name="",
            organization_name=prospect.company_name,
            customer_group=prospect.requested_customer_group or defaults.customer_group,
            currency=defaults.currency,
            language=defaults.language,
            receipt_preference="email",
            addresses=addresses,
            contacts=tuple(contacts),
            affiliations=(),
            attributes=(),
            tax_id=prospect.tax_id,
            contact_persons=(
                (
                    prospect.contact_first_name,
                    prospect.contact_last_name,
                    prospect.email,
                    prospect.phone,
                ),
            ),
        )
        (customer,) = customers_create(
            items=[NewCustomer(channel=prospect.channel, async_id=None, data=data)]
        )
        prospect.status = ProspectStatus.APPROVED
        prospect.customer = customer
        prospect.decided_by = user if user is not None and user.is_authenticated else None
        prospect.decided_at = timezone.now()
        prospect.save()
    return customer


def prospect_reject(*, prospect: Prospect, reason: str, user=None) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise ProspectDecisionError(_("Give a reason for the rejection."))
    with transaction.atomic():
        prospect = Prospect.objects.select_for_update().get(pk=prospect.pk)
        if prospect.status != ProspectStatus.NEW:
            raise ProspectDecisionError(
                _(
                    "Prospect %(company_name)s is %(status)s already; only new prospects can "
                    "be rejected."
                )
                % {
                    "company_name": prospect.company_name,
                    "status": prospect.get_status_display().lower(),
                }
            )
        prospect.status = ProspectStatus.REJECTED
        prospect.rejection_reason = reason
        prospect.decided_by = user if user is not None and user.is_authenticated else None
        prospect.decided_at = timezone.now()
        prospect.save()
