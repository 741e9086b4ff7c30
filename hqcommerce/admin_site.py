"""The admin site with the backlog dashboard."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from channels_app.errors import HQError
from hqcommerce import charts
from hqcommerce.admin_confirm import CONFIRM_FIRST, confirmation_page, confirmed
from hqcommerce.models import JobRun
from hqcommerce.models.jobs import JobKind, TriggeredBy
from hqcommerce.selectors import (
    channel_databases_status,
    conversion_latency,
    converted_per_hour,
    dashboard_backlog,
    history_growth,
)
from hqcommerce.services.access import can_run_jobs
from hqcommerce.services.jobs import job_enqueue

DASHBOARD_JOBS = [
    (JobKind.CONVERT, _("Convert")),
    (JobKind.ORDER_SYNC, _("Sync orders")),
    (JobKind.STATEMENT_POSTING, _("Post statements")),
]


class HQAdminSite(admin.AdminSite):
    site_header = _("HQ Commerce back office")
    site_title = _("HQ Commerce")
    index_title = _("Headquarters")
    site_url = None  # a back office has no public site to view

    # The index lists HQ's own sections first, then the channel data, then the rest.
    APP_ORDER = ("hqcommerce", "channels_app")

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        rank = {label: i for i, label in enumerate(self.APP_ORDER)}
        apps = sorted(apps, key=lambda app: rank.get(app["app_label"], len(rank)))
        status_url = reverse("admin:channel_databases", current_app=self.name)
        for app in apps:  # "Channel databases" opens their status (each row links its form)
            for model in app["models"]:
                if model["object_name"] == "ChannelDatabase" and model["admin_url"]:
                    model["admin_url"] = status_url
        monitoring = self._monitoring(request)
        if app_label is None and monitoring["models"]:
            apps.insert(0, monitoring)
        return apps

    def _monitoring(self, request) -> dict:
        """The pages the README names first, as one section of the sidebar and the index
        (they are views of the site, not models, so Django's app list has no place for them)."""
        links = []
        if request.user.has_perms(self.DASHBOARD_PERMISSIONS):
            links.append(("dashboard", _("Synchronization dashboard")))
        if request.user.has_perm("hqcommerce.view_channeldatabase"):
            links.append(("channel_databases", _("Channel database status")))
        return {
            "name": _("Monitoring"),
            "app_label": "monitoring",
            "app_url": reverse(f"admin:{links[0][0]}", current_app=self.name) if links else "",
            "has_module_perms": bool(links),
            "models": [
                {
                    "name": label,
                    "object_name": name,
                    "admin_url": reverse(f"admin:{name}", current_app=self.name),
                    "add_url": None,
                    "view_only": True,
                    "perms": {"view": True},
                }
                for name, label in links
            ],
        }

    def each_context(self, request):
        """Every page's header links to the dashboard and the channel databases' status, and
        offers the language switch (base_site.html)."""
        context = super().each_context(request)
        # The sidebar's own Monitoring section (get_app_list made it for available_apps).
        monitoring = next(
            (app for app in context["available_apps"] if app["app_label"] == "monitoring"),
            {"models": []},
        )
        staff = request.user.is_active and request.user.is_staff
        context["monitoring_links"] = (
            [(m["admin_url"], m["name"]) for m in monitoring["models"]] if staff else []
        )
        return context

    def get_urls(self):
        return [
            path("dashboard/", self.admin_view(self.dashboard_view), name="dashboard"),
            path("dashboard/run/", self.admin_view(self.dashboard_run_view), name="dashboard_run"),
            path(
                "channel-databases/",
                self.admin_view(self.channel_databases_view),
                name="channel_databases",
            ),
            *super().get_urls(),
        ]

    # What the dashboard shows: backlogs and failures (staging records), job runs, the channel
    # databases and their errors. Staff without these see no page (read-only staff have them).
    DASHBOARD_PERMISSIONS = (
        "hqcommerce.view_asyncstagingrecord",
        "hqcommerce.view_jobrun",
        "hqcommerce.view_channeldatabase",
    )

    def index(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_see_dashboard": request.user.has_perms(self.DASHBOARD_PERMISSIONS),
        }
        return super().index(request, extra_context)

    def dashboard_view(self, request):
        if not request.user.has_perms(self.DASHBOARD_PERMISSIONS):
            raise PermissionDenied
        hours = 72
        # Each channel database is read once per page: the backlog skips those found down.
        databases = channel_databases_status()
        backlog = dashboard_backlog(
            known_down={db.alias: db.error for db in databases if not db.reachable}
        )
        down = {db.alias: db.error for db in databases if not db.reachable}
        now = timezone.now()
        rows = [
            {
                "channel": item.status.channel,
                "stages": item.stages,
                "oldest_pending_at": item.oldest_pending_at,
                "oldest_age": now - item.oldest_pending_at if item.oldest_pending_at else None,
                "unreachable": item.status.unreachable,
            }
            for item in backlog
        ]
        context = {
            **self.each_context(request),
            "title": gettext("Synchronization dashboard"),
            "databases": databases,
            "databases_down": [db.code for db in databases if not db.reachable],
            "fallbacks": sum(db.realtime_fallbacks for db in databases),
            "last_fallback_at": max(
                (db.last_fallback_at for db in databases if db.last_fallback_at), default=None
            ),
            "rows": rows,
            "stage_names": [name for name, _count in backlog[0].stages] if backlog else [],
            "backlog_chart": charts.stacked_bars([(r["channel"], r["stages"]) for r in rows]),
            "converted_chart": charts.columns(converted_per_hour(hours=hours, now=now)),
            "hours": hours,
            "latency": conversion_latency(hours=1, now=now, known_down=down),
            "growth": history_growth(known_down=down),
            "retention_days": settings.HQ_RETENTION_DAYS,
            "idempotency_hours": settings.HQ_IDEMPOTENCY_TTL_HOURS,
            "recent_runs": JobRun.objects.filter(parent__isnull=True).order_by("-pk")[:8],
            "can_run_jobs": can_run_jobs(request),
            "dashboard_jobs": DASHBOARD_JOBS,
        }
        return TemplateResponse(request, "admin/hqcommerce/dashboard.html", context)

    def channel_databases_view(self, request):
        """Per channel database: reachable or not, its last upload and download, the lag."""
        if not request.user.has_perm("hqcommerce.view_channeldatabase"):
            raise PermissionDenied
        context = {
            **self.each_context(request),
            "title": gettext("Channel databases"),
            "databases": channel_databases_status(),
        }
        return TemplateResponse(request, "admin/hqcommerce/channel_databases.html", context)

    def dashboard_run_view(self, request):
        return require_POST(self._dashboard_run)(request)

    def _dashboard_run(self, request):
        if not can_run_jobs(request):
            raise PermissionDenied
        kind = request.POST.get("kind", "")
        channel = request.POST.get("channel") or None
        if kind not in {k for k, _label in DASHBOARD_JOBS}:
            messages.error(request, gettext("Unknown job %(kind)r.") % {"kind": kind})
            return HttpResponseRedirect(reverse("admin:dashboard"))
        if kind in CONFIRM_FIRST and not confirmed(request):
            return confirmation_page(
                request,
                self,
                title=gettext("Post statements"),
                question=CONFIRM_FIRST[kind],
                items=[(channel or gettext("every channel"), None)],
                confirm_label=gettext("Yes, post"),
                cancel_url=reverse("admin:dashboard"),
                hidden=[("kind", kind), ("channel", channel or "")],
            )
        try:
            run = job_enqueue(
                kind=kind,
                channels=[channel] if channel else None,
                triggered_by=TriggeredBy.USER,
                user=request.user,
            )
        except HQError as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(reverse("admin:dashboard"))
        messages.success(
            request,
            gettext("Queued job run #%(id)s (%(kind)s).")
            % {"id": run.pk, "kind": run.get_kind_display()},
        )
        return HttpResponseRedirect(reverse("admin:hqcommerce_jobrun_change", args=[run.pk]))
