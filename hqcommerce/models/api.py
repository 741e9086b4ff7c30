"""Device keys (one per POS register): HQ is where they are created and revoked; each is
written through to its store's channel database, where the POS authenticates."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey

from channels_app.keys import PrefixKeyManager


class LabelledKey(AbstractAPIKey):
    """The package's key fields, redeclared only so their labels are translatable; named by
    its prefix (PrefixKeyManager). Stored hashed; shown once."""

    prefix = models.CharField(max_length=8, unique=True, editable=False, verbose_name=_("prefix"))
    created = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))
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

    objects = PrefixKeyManager()

    class Meta(AbstractAPIKey.Meta):
        abstract = True


class DeviceKey(LabelledKey):
    """A POS register's API key, bound to exactly one channel."""

    name = models.CharField(
        max_length=50,
        blank=False,
        default=None,
        verbose_name=_("register name"),
        help_text=_("The POS register this key belongs to (50 characters at most)."),
    )
    channel = models.ForeignKey(
        "hqcommerce.Channel",
        on_delete=models.CASCADE,
        related_name="device_keys",
        verbose_name=_("channel"),
    )

    class Meta(LabelledKey.Meta):
        verbose_name = _("device API key")
        verbose_name_plural = _("device API keys")

    def __str__(self) -> str:
        return f"{self.name} – {self.channel.code} ({self.prefix}…)"


class ScaleUnitKey(LabelledKey):
    """A scale unit's service key for HQ's real-time service (D365's RTS): the store side's
    only credential to HQ. Bound to one channel database, it may act for that database's
    stores only."""

    name = models.CharField(
        max_length=50,
        blank=False,
        default=None,
        verbose_name=_("name"),
        help_text=_("Which scale unit (server) holds this key (50 characters at most)."),
    )
    channel_database = models.ForeignKey(
        "hqcommerce.ChannelDatabase",
        on_delete=models.CASCADE,
        related_name="service_keys",
        verbose_name=_("channel database"),
    )

    class Meta(LabelledKey.Meta):
        verbose_name = _("scale unit service key")
        verbose_name_plural = _("scale unit service keys")

    def __str__(self) -> str:
        return f"{self.name} – {self.channel_database.code} ({self.prefix}…)"


class RealtimeRequest(models.Model):
    """One real-time service call HQ has answered, by the request id the scale unit sent: a
    retry gets the first answer and HQ does the work once. Written in the transaction that
    did the work; forgotten after HQ_IDEMPOTENCY_TTL_HOURS (purge_history)."""

    request_id = models.UUIDField(unique=True, verbose_name=_("request id"))
    operation = models.CharField(max_length=40, verbose_name=_("operation"))
    request_hash = models.CharField(max_length=64, verbose_name=_("request hash"))
    status_code = models.PositiveSmallIntegerField(verbose_name=_("status code"))
    response = models.JSONField(verbose_name=_("response"))
    created_at = models.DateTimeField(
        auto_now_add=True, db_index=True, verbose_name=_("created at")
    )

    class Meta:
        verbose_name = _("real-time request")
        verbose_name_plural = _("real-time requests")

    def __str__(self) -> str:
        return f"{self.operation} {self.request_id}"
