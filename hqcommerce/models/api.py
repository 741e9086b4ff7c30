"""What the REST API keeps: device keys (one per POS register) and idempotency records."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey


class DeviceKey(AbstractAPIKey):
    """A POS register's API key, bound to exactly one channel. Stored hashed; shown once."""

    # The package's fields, redeclared only so their labels are translatable.
    prefix = models.CharField(max_length=8, unique=True, editable=False, verbose_name=_("prefix"))
    created = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))
    name = models.CharField(
        max_length=50,
        blank=False,
        default=None,
        verbose_name=_("register name"),
        help_text=_("The POS register this key belongs to (50 characters at most)."),
    )
    revoked = models.BooleanField(
        blank=True,
        default=False,
        verbose_name=_("revoked"),
        help_text=_("A revoked key is refused at once; this cannot be undone."),
    )
    expiry_date = models.DateTimeField(
        blank=True,
        null=True,
        verbose_name=_("expires"),
        help_text=_("After this moment the key is refused."),
    )

    channel = models.ForeignKey(
        "hqcommerce.Channel",
        on_delete=models.CASCADE,
        related_name="device_keys",
        verbose_name=_("channel"),
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("device API key")
        verbose_name_plural = _("device API keys")

    def __str__(self) -> str:
        return f"{self.name} @ {self.channel_id} ({self.prefix}…)"


class IdempotencyRecord(models.Model):
    """The first response to a request sent with an Idempotency-Key, for its retries."""

    scope = models.CharField(
        max_length=80, help_text=_("The device or user that sent the key."), verbose_name=_("scope")
    )
    key = models.CharField(max_length=255, verbose_name=_("key"))
    endpoint = models.CharField(max_length=100, verbose_name=_("endpoint"))
    request_hash = models.CharField(max_length=64, verbose_name=_("request hash"))
    status_code = models.PositiveSmallIntegerField(verbose_name=_("status code"))
    response = models.JSONField(encoder=DjangoJSONEncoder, verbose_name=_("response"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
