"""HQ's own API views: synchronization status and jobs. The POS API is the store side's
(channels_app.api), mounted beside these on HQ's server."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_app.api.permissions import request_device_key
from channels_app.api.views import ChannelScopedMixin
from hqcommerce.models import JobRun
from hqcommerce.models.jobs import JobKind, TriggeredBy
from hqcommerce.selectors import sync_status
from hqcommerce.services.access import RUN_JOBS_PERMISSION
from hqcommerce.services.jobs import job_enqueue, job_enqueue_for_device

from . import serializers as s


class SyncStatusView(ChannelScopedMixin, APIView):
    staff_permissions = {"GET": ("hqcommerce.view_asyncstagingrecord",)}

    @extend_schema(responses=s.SyncStatusOutput(many=True))
    def get(self, request):
        """Per channel: where its async customers, orders and statements stand."""
        rows = sync_status(channels=self.scoped_channels(request))
        return Response(s.SyncStatusOutput([r.as_dict() for r in rows], many=True).data)


# What a POS register may start for its own store: the conversion's steps and order sync.
# Nothing irreversible (statement posting, purge) and nothing for every store (1010, 1070).
DEVICE_JOB_KINDS = (JobKind.PJOB, JobKind.CUSTOMER_SYNC, JobKind.CONVERT, JobKind.ORDER_SYNC)


class JobCreateView(ChannelScopedMixin, APIView):
    staff_permissions = {"POST": (RUN_JOBS_PERMISSION,)}

    @extend_schema(request=s.JOB_INPUT_SCHEMA, responses={202: s.JobRunOutput})
    def post(self, request):
        """Queue a job; poll its URL for progress. A device may only name its own channel."""
        data = s.JobInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        kind = s.API_JOB_KINDS[v["kind"]]
        channels = v.get("channels") or None
        options = {}
        if v.get("retry_failed"):
            options["retry_failed"] = True
        if v.get("business_date"):
            options["business_date"] = v["business_date"].isoformat()
        key = request_device_key(request)
        if key is not None:
            if kind not in DEVICE_JOB_KINDS:
                raise exceptions.PermissionDenied(
                    _("A register may start %(kinds)s; %(kind)s is the back office's.")
                    % {
                        "kinds": ", ".join(s.JOB_KIND_NAMES[k] for k in DEVICE_JOB_KINDS),
                        "kind": v["kind"],
                    }
                )
            if channels and {c.strip().upper() for c in channels} != {key.channel.code}:
                raise exceptions.PermissionDenied(
                    _("A device can run jobs for its own channel only.")
                )
            run, _created = job_enqueue_for_device(
                kind=kind,
                channel_code=key.channel.code,
                dry_run=v["dry_run"],
                options=options,
                device=f"{key.channel.code} / {key.name} ({key.prefix})",
            )
        else:
            run = job_enqueue(
                kind=kind,
                channels=channels,
                dry_run=v["dry_run"],
                options=options,
                triggered_by=TriggeredBy.API,
                user=request.user,
            )
        run.refresh_from_db()
        return Response(
            s.JobRunOutput(run, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": reverse("api:job-detail", args=[run.pk])},
        )


class JobDetailView(ChannelScopedMixin, APIView):
    staff_permissions = {"GET": ("hqcommerce.view_jobrun",)}

    @extend_schema(responses=s.JobRunOutput)
    def get(self, request, pk: int):
        """A job run's status, progress, counts and errors."""
        runs = JobRun.objects.all()
        key = request_device_key(request)
        if key is not None:
            runs = runs.filter(channel_codes=[key.channel.code])
        run = runs.filter(pk=pk).first()
        if run is None:
            raise exceptions.NotFound(_("No job run %(pk)s.") % {"pk": pk})
        return Response(s.JobRunOutput(run, context={"request": request}).data)
