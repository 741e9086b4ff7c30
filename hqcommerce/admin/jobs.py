"""Job runs: status, progress, counts, who started them; the page follows a running job."""

from __future__ import annotations

import re

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_q.models import Task

from hqcommerce.models import AsyncStagingRecord, JobRun
from hqcommerce.models.staging import StagingOperation
from hqcommerce.services.purge import removed_lines

from .base import ReadOnlyAdmin, change_link


def progress_bar(run: JobRun) -> str:
    total = run.progress_total or 0
    percent = (
        100
        if run.is_finished and total == 0
        else int(100 * run.progress_done / total)
        if total
        else 0
    )
    return format_html(
        '<progress class="job-progress" value="{}" max="100" title="{}%"></progress> {}/{}',
        percent,
        percent,
        run.progress_done,
        run.progress_total,
    )


def job_run_status(run: JobRun) -> dict:
    """What the job run page polls while the job runs."""
    return {
        "id": run.pk,
        "status": run.status,
        "status_display": run.get_status_display(),
        "finished": run.is_finished,
        "progress_done": run.progress_done,
        "progress_total": run.progress_total,
        "processed": run.processed,
        "created": run.created,
        "skipped": run.skipped,
        "failed": run.failed,
        "duration_seconds": run.duration_seconds,
        "error_summary": run.error_summary,
    }


class StepInline(admin.TabularInline):
    model = JobRun
    fk_name = "parent"
    extra = 0
    can_delete = False
    fields = ["step_link", "kind", "status", "processed", "created", "skipped", "failed"]
    readonly_fields = fields
    verbose_name = _("step")
    verbose_name_plural = _("steps")

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("pk")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("run"))
    def step_link(self, obj: JobRun) -> str:
        return change_link(obj, f"#{obj.pk}")


_ERROR_SUBJECT = re.compile(
    r"^(?:(?P<guid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
    r"|#(?P<pk>[0-9]+)): (?P<text>.*)$"
)


def _error_lines(lines) -> list[str]:
    """Error lines in the reader's language; a record a line names (a temporary id, or
    "#<staging record>") reads as its customer's name, links to the status page and shows
    the id on hover."""
    matches = [(str(line), _ERROR_SUBJECT.match(str(line))) for line in lines]
    guids = {m["guid"] for _line, m in matches if m and m["guid"]}
    pks = {int(m["pk"]) for _line, m in matches if m and m["pk"]}
    names_by_guid, names_by_pk = {}, {}
    if guids or pks:
        named = AsyncStagingRecord.objects.filter(
            Q(async_id__in=guids, operation=StagingOperation.CREATE) | Q(pk__in=pks)
        ).values_list("pk", "async_id", "customer_name")
        for pk, async_id, name in named:
            names_by_pk[pk] = name
            names_by_guid[str(async_id)] = name
    return [_error_line(line, match, names_by_guid, names_by_pk) for line, match in matches]


def _error_line(line: str, match, names_by_guid: dict, names_by_pk: dict) -> str:
    if match is None:
        return line
    if match["guid"]:
        url = reverse("admin:hqcommerce_asyncstagingrecord_changelist") + f"?q={match['guid']}"
        ident = match["guid"]
        label = names_by_guid.get(ident) or ident
    else:
        url = reverse("admin:hqcommerce_asyncstagingrecord_change", args=[match["pk"]])
        ident = gettext("record %(pk)s") % {"pk": match["pk"]}
        label = names_by_pk.get(int(match["pk"])) or ident
    return format_html('<a href="{}" title="{}">{}</a>: {}', url, ident, label, match["text"])


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    # The key columns fit 1366 px: the counts share one column, a dry run is marked in it.
    list_display = [
        "number",
        "kind",
        "status",
        "progress",
        "results",
        "channels",
        "when",
    ]
    list_display_links = ["number", "kind"]
    list_filter = ["kind", "status", "triggered_by", "dry_run"]
    list_select_related = ["triggered_by_user"]
    search_fields = ["=id", "task_id", "error_summary"]
    date_hierarchy = "queued_at"
    inlines = [StepInline]
    # What an operator reads first; the worker's task and heartbeat fold away.
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("kind", "status", "dry_run"),
                    "progress",
                    ("processed", "created", "skipped", "failed"),
                    "channels",
                    "options_display",
                    ("triggered", "parent"),
                    ("queued_at", "started_at", "finished_at", "duration"),
                    "rows_removed",
                    "errors",
                ]
            },
        ),
        (_("Technical details"), {"classes": ["collapse"], "fields": ["task", "heartbeat_at"]}),
    ]
    readonly_fields = [
        "kind",
        "status",
        "dry_run",
        "progress",
        "processed",
        "created",
        "skipped",
        "failed",
        "channels",
        "options_display",
        "triggered",
        "parent",
        "queued_at",
        "started_at",
        "finished_at",
        "heartbeat_at",
        "duration",
        "task",
        "rows_removed",
        "errors",
    ]
    change_form_template = "admin/hqcommerce/jobrun/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("triggered_by_user", "parent")

    def get_inlines(self, request, obj=None):
        """Steps only for a run made of steps (Convert's chain): a single job has none."""
        if obj is None or not JobRun.objects.filter(parent=obj).exists():
            return []
        return super().get_inlines(request, obj)

    @admin.display(description=_("progress"))
    def progress(self, obj: JobRun) -> str:
        return progress_bar(obj)

    @admin.display(description="#", ordering="pk")
    def number(self, obj: JobRun) -> str:
        return f"#{obj.pk}"

    @admin.display(description=_("queued at"), ordering="queued_at")
    def when(self, obj: JobRun) -> str:
        queued = date_format(timezone.localtime(obj.queued_at), "SHORT_DATETIME_FORMAT")
        took = self.duration(obj)
        if not took:
            return queued
        return format_html('{}<br><small class="quiet">{}</small>', queued, took)

    @admin.display(description=_("results"))
    def results(self, obj: JobRun) -> str:
        counts = gettext("%(processed)s processed, %(created)s created, %(failed)s failed") % {
            "processed": obj.processed,
            "created": obj.created,
            "failed": obj.failed,
        }
        if not obj.dry_run:
            return counts
        return format_html(
            '<strong class="dry-run">{}</strong><br>{}',
            gettext("Dry run: nothing was written"),
            counts,
        )

    @admin.display(description=_("error summary"))
    def errors(self, obj: JobRun) -> str:
        """One line per error; the record it names links to its row on the status page."""
        lines = obj.error_lines()
        if not lines:
            return "–"
        return format_html_join("\n", "<p>{}</p>", ((line,) for line in _error_lines(lines)))

    @admin.display(description=_("options"))
    def options_display(self, obj: JobRun) -> str:
        """The run's options in words, the records it was limited to as links."""
        options = obj.options or {}
        parts = []
        if options.get("record_ids"):
            parts.append(
                format_html(
                    "{} {}",
                    gettext("Only these records:"),
                    format_html_join(
                        ", ",
                        '<a href="{}">#{}</a>',
                        (
                            (reverse("admin:hqcommerce_asyncstagingrecord_change", args=[pk]), pk)
                            for pk in options["record_ids"]
                        ),
                    ),
                )
            )
        if options.get("retry_failed"):
            parts.append(gettext("Failed records retried too."))
        if options.get("business_date"):
            parts.append(
                gettext("Business date %(date)s only.") % {"date": options["business_date"]}
            )
        return format_html_join(mark_safe("<br>"), "{}", ((p,) for p in parts)) or "–"

    @admin.display(description=_("channels"))
    def channels(self, obj: JobRun) -> str:
        return ", ".join(obj.channel_codes) or gettext("all")

    @admin.display(description=_("triggered by"))
    def triggered(self, obj: JobRun) -> str:
        who = obj.get_triggered_by_display()
        return f"{who}: {obj.triggered_by_user}" if obj.triggered_by_user else who

    @admin.display(description=_("duration"))
    def duration(self, obj: JobRun) -> str:
        seconds = obj.duration_seconds
        return "" if seconds is None else f"{number_format(seconds, 1)} s"

    @admin.display(description=_("rows removed"))
    def rows_removed(self, obj: JobRun) -> str:
        """The purge's count per table (a dry run's: what it would remove)."""
        if not obj.removed:
            return "–"
        return format_html_join(mark_safe("<br>"), "{}: {}", removed_lines(obj.removed))

    @admin.display(description=_("django-q2 task"))
    def task(self, obj: JobRun) -> str:
        if not obj.task_id:
            return (
                gettext("(run inline)")
                if obj.started_at
                else gettext("(not handed to a worker yet)")
            )
        task = Task.objects.filter(id=obj.task_id).only("success").first()
        if task is None:
            return obj.task_id
        model = "success" if task.success else "failure"
        url = reverse(f"admin:django_q_{model}_change", args=[obj.task_id])
        return format_html('<a href="{}">{}</a>', url, obj.task_id)

    def get_urls(self):
        return [
            path(
                "<int:pk>/status/",
                self.admin_site.admin_view(self.status_view),
                name="hqcommerce_jobrun_status",
            ),
            *super().get_urls(),
        ]

    def status_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return JsonResponse(job_run_status(get_object_or_404(JobRun, pk=pk)))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["status_url"] = reverse("admin:hqcommerce_jobrun_status", args=[obj.pk])
            context["job_finished"] = obj.is_finished
        return super().render_change_form(request, context, add, change, form_url, obj)
