"""B2B partner onboarding: requests from channels become prospects that staff approve."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class ProspectStatus(models.TextChoices):
    NEW = "new", "New"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Prospect(models.Model):
    """A company that asked a channel to buy as a business customer; approval makes it one."""

    channel = models.ForeignKey(
        "hqcommerce.Channel", on_delete=models.PROTECT, related_name="prospects"
    )
    async_id = models.UUIDField("request id", unique=True)
    company_name = models.CharField(max_length=120)
    tax_id = models.CharField("tax / registration id", max_length=30, db_index=True)
    contact_first_name = models.CharField(max_length=60, blank=True)
    contact_last_name = models.CharField(max_length=60)
    email = models.CharField(max_length=254)
    normalized_email = models.CharField(max_length=254, db_index=True)
    phone = models.CharField(max_length=254, blank=True)
    address = models.JSONField(default=dict, blank=True)
    requested_customer_group = models.CharField(max_length=20, blank=True)
    comment = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=ProspectStatus.choices, default=ProspectStatus.NEW
    )
    possible_duplicate = models.CharField(
        max_length=200, blank=True, help_text="Which customer or prospect it may duplicate."
    )
    customer = models.OneToOneField(
        "hqcommerce.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prospect",
    )
    rejection_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
