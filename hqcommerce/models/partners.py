"""B2B partner onboarding: requests from channels become prospects that staff approve."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ProspectStatus(models.TextChoices):
    NEW = "new", _("New")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Prospect(models.Model):
    """A company that asked a channel to buy as a business customer; approval makes it one."""

    channel = models.ForeignKey(
        "hqcommerce.Channel",
        on_delete=models.PROTECT,
        related_name="prospects",
        verbose_name=_("channel"),
    )
    async_id = models.UUIDField(_("request id"), unique=True)
    company_name = models.CharField(max_length=120, verbose_name=_("company name"))
    tax_id = models.CharField(_("tax / registration id"), max_length=30, db_index=True)
    contact_first_name = models.CharField(
        max_length=60, blank=True, verbose_name=_("contact first name")
    )
    contact_last_name = models.CharField(max_length=60, verbose_name=_("contact last name"))
    email = models.CharField(max_length=254, verbose_name=_("email"))
    normalized_email = models.CharField(
        max_length=254, db_index=True, verbose_name=_("normalized email")
    )
    phone = models.CharField(max_length=254, blank=True, verbose_name=_("phone"))
    address = models.JSONField(default=dict, blank=True, verbose_name=_("address"))
    requested_customer_group = models.CharField(
        max_length=20, blank=True, verbose_name=_("requested customer group")
    )
    comment = models.TextField(blank=True, verbose_name=_("comment"))
    status = models.CharField(
        max_length=10,
        choices=ProspectStatus.choices,
        default=ProspectStatus.NEW,
        verbose_name=_("status"),
    )
    possible_duplicate = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("Which customer or prospect it may duplicate."),
        verbose_name=_("possible duplicate"),
    )
    # The same as a message code and parameters, shown in each reader's language.
    possible_duplicate_detail = models.JSONField(
        null=True, blank=True, editable=False, verbose_name=_("possible duplicate (as a message)")
    )
    customer = models.OneToOneField(
        "hqcommerce.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prospect",
        verbose_name=_("customer"),
    )
    rejection_reason = models.TextField(blank=True, verbose_name=_("rejection reason"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("prospect")
        verbose_name_plural = _("prospects")
        ordering = ["-created_at", "-pk"]
        permissions = [("approve_partners", "Can approve business partners")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ProspectStatus.values), name="prospect_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=ProspectStatus.APPROVED) | Q(customer__isnull=False),
                name="prospect_approved_has_customer",
            ),
            models.CheckConstraint(
                condition=~Q(status=ProspectStatus.REJECTED)
                | (~Q(rejection_reason="") & Q(customer__isnull=True)),
                name="prospect_rejected_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.get_status_display()})"
