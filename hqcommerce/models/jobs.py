"""Job runs: one row per execution of a job, whatever started it.

django-q2 has no progress API, so the services write progress and counts here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from channels_app.errors import stored_message


class JobKind(models.TextChoices):
    PJOB = "pjob", _("P-job (upload)")
    CUSTOMER_SYNC = "customer_sync", _("Synchronize customers and channel requests")
    DISTRIBUTION = "distribution", _("1010 (Customers)")
    CONVERT = "convert", _("Convert async customers (P-job + sync + 1010)")
    ORDER_SYNC = "order_sync", _("Synchronize orders")
    STATEMENT_POSTING = "statement_posting", _("Statement posting (EOD)")
    CHANNEL_CONFIGURATION = "configuration", _("1070 (Channel configuration)")
    PURGE = "purge", _("Purge history (retention)")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    PARTIALLY_FAILED = "partially_failed", _("Partially failed")
    FAILED = "failed", _("Failed")


FINISHED_STATUSES = (JobStatus.SUCCEEDED, JobStatus.PARTIALLY_FAILED, JobStatus.FAILED)


class TriggeredBy(models.TextChoices):
    USER = "user", _("User (admin)")
    COMMAND = "command", _("Management command")
    SCHEDULE = "schedule", _("Schedule")
    API = "api", _("API")
    PIPELINE = "pipeline", _("Convert pipeline")
    AUTO = "auto", _("Auto (near-real-time trigger)")


class JobRun(models.Model):
    kind = models.CharField(max_length=20, choices=JobKind.choices, verbose_name=_("kind"))
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="steps",
        verbose_name=_("parent"),
    )
    channel_codes = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Channel filter; empty means every channel."),
        verbose_name=_("channel codes"),
    )
    dry_run = models.BooleanField(default=False, verbose_name=_("dry run"))
    options = models.JSONField(default=dict, blank=True, verbose_name=_("options"))
    status = models.CharField(
        max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED, verbose_name=_("status")
    )
    progress_done = models.PositiveIntegerField(default=0, verbose_name=_("progress done"))
    progress_total = models.PositiveIntegerField(default=0, verbose_name=_("progress total"))
    processed = models.PositiveIntegerField(default=0, verbose_name=_("processed"))
    created = models.PositiveIntegerField(default=0, verbose_name=_("created"))
    skipped = models.PositiveIntegerField(default=0, verbose_name=_("skipped"))
    failed = models.PositiveIntegerField(default=0, verbose_name=_("failed"))
    queued_at = models.DateTimeField(auto_now_add=True, verbose_name=_("queued at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    heartbeat_at = models.DateTimeField(null=True, blank=True, verbose_name=_("heartbeat at"))
    triggered_by = models.CharField(
        max_length=10, choices=TriggeredBy.choices, verbose_name=_("triggered by")
    )
    triggered_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("triggered by user"),
    )
    # A POS register that asked for the run over the API: its store, name and key prefix.
    triggered_by_device = models.CharField(
        max_length=80, blank=True, editable=False, verbose_name=_("triggered by device")
    )
    task_id = models.CharField(_("django-q2 task id"), max_length=32, blank=True)
    error_summary = models.TextField(blank=True, verbose_name=_("error summary"))
    # The same lines as messages (channels_app.errors.Message), for each reader's language.
    error_detail = models.JSONField(
        null=True, blank=True, editable=False, verbose_name=_("error summary (as messages)")
    )
    worker_host = models.CharField(
        max_length=255, blank=True, editable=False, verbose_name=_("worker host")
    )
    worker_pid = models.PositiveIntegerField(
        null=True, blank=True, editable=False, verbose_name=_("worker process id")
    )
    unreachable = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Channel databases this run could not reach, with the reason."),
        verbose_name=_("unreachable channel databases"),
    )
    removed = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Purge history: rows removed per table (a dry run: rows it would remove)."),
        verbose_name=_("rows removed"),
    )

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-queued_at", "-pk"]
        permissions = [("run_sync_jobs", "Can run sync jobs")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=JobKind.values), name="jobrun_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=JobStatus.values), name="jobrun_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(progress_done__lte=F("progress_total")) | Q(progress_total=0),
                name="jobrun_progress_within_total",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=FINISHED_STATUSES) | Q(finished_at__isnull=False),
                name="jobrun_finished_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=JobStatus.FAILED) | ~Q(error_summary=""),
                name="jobrun_failed_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["kind", "status"], name="jobrun_kind_status_idx")]

    def __str__(self) -> str:
        status = self.get_status_display()
        if self.dry_run:  # a dry run says so wherever it is named
            status = gettext("%(status)s, dry run") % {"status": status}
        return f"#{self.pk} {self.get_kind_display()} ({status})"

    def error_lines(self) -> list:
        """The error summary's lines, as messages to render in the active language (runs
        from before they were kept as messages: their text)."""
        if self.error_detail:
            return [stored_message(line) for line in self.error_detail]
        return [line for line in self.error_summary.splitlines() if line]

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def duration_seconds(self) -> float | None:
        if not self.started_at:
            return None
        from django.utils import timezone

        end = self.finished_at or timezone.now()
        return (end - self.started_at).total_seconds()


class JobLock(models.Model):
    """Held by a running job for each channel it works on: the same job never runs twice at
    once for a channel, whichever processes start it. Released when the run ends; a run whose
    worker died is marked failed by the stale check and its locks go with it."""

    kind = models.CharField(max_length=20, choices=JobKind.choices, verbose_name=_("kind"))
    channel_code = models.CharField(max_length=20, verbose_name=_("channel code"))
    job_run = models.ForeignKey(
        JobRun, on_delete=models.CASCADE, related_name="locks", verbose_name=_("job run")
    )
    acquired_at = models.DateTimeField(auto_now_add=True, verbose_name=_("acquired at"))

    class Meta:
        verbose_name = _("job lock")
        verbose_name_plural = _("job locks")
        constraints = [
            models.UniqueConstraint(fields=["kind", "channel_code"], name="joblock_one_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.kind}@{self.channel_code} by #{self.job_run_id}"
