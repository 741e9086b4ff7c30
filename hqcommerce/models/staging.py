"""HQ staging of records uploaded by the P-job (D365's RETAILASYNC* tables + sync status)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from channels_app.errors import stored_message


class StagingStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


class StagingOperation(models.TextChoices):
    CREATE = "create", _("Create customer")
    UPDATE = "update", _("Update customer")
    ADD_ADDRESS = "add_address", _("Add address")
    EDIT_ADDRESS = "edit_address", _("Edit address")
    DELETE_ADDRESS = "delete_address", _("Delete address")
    PARTNER_REQUEST = "partner_request", _("Business partner request")


def _primary(contacts, kind: str) -> str:
    found = [c for c in contacts or [] if isinstance(c, dict) and c.get("kind") == kind]
    found.sort(key=lambda c: not c.get("is_primary"))
    return str(found[0].get("value") or "") if found else ""


def staging_who(operation: str, payload) -> dict[str, str]:
    """The name, email and phone a staging record's payload names, for its search columns."""
    payload = payload if isinstance(payload, dict) else {}
    if operation == StagingOperation.PARTNER_REQUEST:
        name = str(payload.get("company_name") or "")
        email, phone = str(payload.get("email") or ""), str(payload.get("phone") or "")
    elif operation == StagingOperation.UPDATE:
        changes = payload.get("changes") if isinstance(payload.get("changes"), dict) else {}
        name = " ".join(
            str(changes.get(k) or "") for k in ("first_name", "last_name", "organization_name")
        )
        email, phone = str(changes.get("email") or ""), str(changes.get("phone") or "")
    elif operation == StagingOperation.CREATE:
        name = " ".join(
            str(payload.get(k) or "") for k in ("first_name", "last_name", "organization_name")
        )
        contacts = payload.get("contacts")
        email, phone = _primary(contacts, "email"), _primary(contacts, "phone")
    else:
        name = email = phone = ""
    return {
        "customer_name": " ".join(name.split())[:250],
        "email": email.strip()[:254],
        "phone": phone.strip()[:254],
    }


def _text(value) -> str:
    if value is None or value == "":
        return "\u2014"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    return str(value)


def change_rows(operation: str, payload, old: dict) -> list[tuple[str, str, str]]:
    """(what, old, new) per changed value; `old` as kept on the record (channels_app's
    customer_old_values or HQ's customer_update)."""
    from channels_app.validation import FIELD_LABELS

    payload = payload if isinstance(payload, dict) else {}
    changes = payload.get("changes") if isinstance(payload.get("changes"), dict) else {}
    rows: list[tuple[str, str, str]] = []
    if operation == StagingOperation.DELETE_ADDRESS:
        return [
            (str(FIELD_LABELS.get(key, key)), _text(value), "\u2014")
            for key, value in old.items()
            if value not in ("", None)
        ]
    if operation not in (StagingOperation.UPDATE, StagingOperation.EDIT_ADDRESS):
        return rows
    old_attributes = old.get("attributes") if isinstance(old.get("attributes"), dict) else {}
    before = old.get("affiliations") if isinstance(old.get("affiliations"), list) else None
    for key, value in changes.items():
        if key == "attributes" and isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    name = str(item.get("name") or "")
                    rows.append(
                        (
                            gettext("attribute %(name)s") % {"name": name},
                            _text(old_attributes.get(name, "")) if old else "?",
                            _text(item.get("value")),
                        )
                    )
        elif key in ("add_affiliations", "remove_affiliations") and isinstance(value, list):
            names = [str(n) for n in value]
            after = set(before or [])
            after = after | set(names) if key == "add_affiliations" else after - set(names)
            rows.append(
                (
                    str(FIELD_LABELS.get(key, key)),
                    ", ".join(before) if before is not None else "?",
                    ", ".join(sorted(after)) if before is not None else ", ".join(names),
                )
            )
        else:
            rows.append(
                (
                    key,
                    _text(old.get(key, "")) if old else "?",
                    _text(value),
                )
            )
    return rows


class AsyncStagingRecord(models.Model):
    """One uploaded async operation and its synchronization status.

    The unique (channel, async id, sequence) key is what makes the P-job idempotent: a
    re-upload of the same operation is ignored by the database, not by our code.
    """

    channel = models.ForeignKey(
        "hqcommerce.Channel",
        on_delete=models.PROTECT,
        db_index=False,  # led by the composite indexes below
        related_name="staging_records",
        verbose_name=_("channel"),
    )
    async_id = models.UUIDField(_("async customer id"))
    sequence = models.PositiveIntegerField(
        default=0,
        help_text=_("0 for the create; edits follow in order."),
        verbose_name=_("sequence"),
    )
    operation = models.CharField(
        max_length=20,
        choices=StagingOperation.choices,
        default=StagingOperation.CREATE,
        verbose_name=_("operation"),
    )
    payload = models.JSONField(verbose_name=_("payload"))
    target_account = models.CharField(
        max_length=30,
        blank=True,
        help_text=_("For edits/addresses of a synced customer."),
        verbose_name=_("target account"),
    )
    target_async_id = models.UUIDField(
        null=True,
        blank=True,
        help_text=_("For edits/addresses of an async customer."),
        verbose_name=_("target async id"),
    )
    old_values = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("What an update replaced, for the status page."),
        verbose_name=_("old values"),
    )
    source_counter = models.PositiveBigIntegerField(
        help_text=_("The channel's replication counter of the uploaded record."),
        verbose_name=_("source counter"),
    )
    status = models.CharField(
        max_length=10,
        choices=StagingStatus.choices,
        default=StagingStatus.PENDING,
        verbose_name=_("status"),
    )
    last_error = models.TextField(_("last known error"), blank=True)
    # The same error as a message code and its parameters (channels_app.errors.Message),
    # which each page renders in its reader's language; `last_error` is the worker's text.
    last_error_detail = models.JSONField(
        null=True, blank=True, editable=False, verbose_name=_("last known error (as a message)")
    )
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    operation_time = models.DateTimeField(
        help_text=_("When the POS recorded the operation."), verbose_name=_("operation time")
    )
    uploaded_at = models.DateTimeField(auto_now_add=True, verbose_name=_("uploaded at"))
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("completed at"))
    account_number = models.CharField(_("customer account"), max_length=30, blank=True)
    # Who the record is about, copied out of the payload so the status page can show and
    # search them (staging_who); for an edit or an added address, what the edit carries.
    customer_name = models.CharField(_("name"), max_length=250, blank=True)
    email = models.CharField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=254, blank=True)
    customer = models.ForeignKey(
        "hqcommerce.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staging_records",
        verbose_name=_("customer"),
    )
    possible_duplicate_of = models.ForeignKey(
        "hqcommerce.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("possible duplicate of"),
    )
    prospect = models.ForeignKey(
        "hqcommerce.Prospect",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staging_records",
        verbose_name=_("prospect"),
    )

    class Meta:
        verbose_name = _("customer synchronization status")
        verbose_name_plural = _("customer synchronization statuses")
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "async_id", "sequence"], name="staging_unique_operation"
            ),
            models.CheckConstraint(
                condition=Q(status__in=StagingStatus.values), name="staging_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=StagingStatus.COMPLETED)
                | (
                    Q(customer__isnull=False)
                    & Q(completed_at__isnull=False)
                    & ~Q(account_number="")
                )
                | (
                    Q(operation=StagingOperation.PARTNER_REQUEST)
                    & Q(prospect__isnull=False)
                    & Q(completed_at__isnull=False)
                ),
                name="staging_completed_has_result",
            ),
            models.CheckConstraint(
                condition=~Q(status=StagingStatus.FAILED) | ~Q(last_error=""),
                name="staging_failed_has_error",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "id"], name="staging_claim_idx"),
            models.Index(fields=["channel", "status"], name="staging_channel_status_idx"),
        ]

    def __str__(self) -> str:
        """Its customer's name first (the page's title); the id only when there is no name."""
        who = self.customer_name or self.target_display
        return f"{self.get_operation_display()} {who} ({self.get_status_display()})"

    @property
    def target_display(self) -> str:
        if self.operation == StagingOperation.CREATE:
            return str(self.async_id)
        return self.target_account or str(self.target_async_id)

    @property
    def error_text(self) -> str:
        """The last error in the active language (records from before messages were kept
        as codes show their stored text)."""
        if self.last_error_detail is None:
            return self.last_error
        return str(stored_message(self.last_error_detail))

    @property
    def changes(self) -> list[tuple[str, str, str]]:
        """The change as (what, old value, new value) rows: an edit's fields, attributes
        and affiliations, or an address edit's or delete's fields (the status page's grid)."""
        return change_rows(self.operation, self.payload, self.old_values or {})

    @property
    def description(self) -> str:
        """A one-line description of the change, like D365's status page shows."""
        payload = self.payload if isinstance(self.payload, dict) else {}
        lines = "; ".join(
            f"{what}: {old} \u2192 {new}" if self.old_values else f"{what} \u2192 {new}"
            for what, old, new in self.changes
        )
        if self.operation == StagingOperation.UPDATE:
            return gettext("Update %(customer)s: %(changes)s") % {
                "customer": self.target_display,
                "changes": lines,
            }
        if self.operation == StagingOperation.EDIT_ADDRESS:
            return gettext("Edit address %(address)s of %(customer)s: %(changes)s") % {
                "address": str(payload.get("address_id") or "")[:8],
                "customer": self.target_display,
                "changes": lines,
            }
        if self.operation == StagingOperation.DELETE_ADDRESS:
            old = self.old_values or {}
            where = ", ".join(str(old.get(k) or "") for k in ("street", "city", "country"))
            return gettext("Delete address %(address)s of %(customer)s: %(where)s") % {
                "address": str(payload.get("address_id") or "")[:8],
                "customer": self.target_display,
                "where": where.strip(", ") or "?",
            }
        if self.operation == StagingOperation.PARTNER_REQUEST:
            company = payload.get("company_name") or gettext("(no company name)")
            return gettext("Partner request from %(company)s") % {"company": company}
        if self.operation == StagingOperation.ADD_ADDRESS:
            address = payload.get("address") or {}
            where = ", ".join(str(address.get(k) or "") for k in ("street", "city", "country"))
            return gettext("Add address to %(customer)s: %(address)s") % {
                "customer": self.target_display,
                "address": where,
            }
        name = " ".join(
            str(payload.get(k) or "") for k in ("first_name", "last_name", "organization_name")
        ).strip()
        return gettext("Create customer %(name)s") % {"name": name or gettext("(no name)")}

    description.fget.short_description = _("description")
