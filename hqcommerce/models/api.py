"""What the REST API keeps: device keys (one per POS register) and idempotency records."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey


class DeviceKey(AbstractAPIKey):
    """A POS register's API key, bound to exactly one channel. Stored hashed; shown once."""

    channel = models.ForeignKey(
        "hqcommerce.Channel", on_delete=models.CASCADE, related_name="device_keys"
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "device API key"
        verbose_name_plural = "device API keys"

    def __str__(self) -> str:
        return f"{self.name} @ {self.channel_id} ({self.prefix}…)"


class IdempotencyRecord(models.Model):
    """The first response to a request sent with an Idempotency-Key, for its retries."""

    scope = models.CharField(max_length=80, help_text="The device or user that sent the key.")
    key = models.CharField(max_length=255)
    endpoint = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField(encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
