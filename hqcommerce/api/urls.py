"""HQ's /api/v1/: the POS API (the store side's, channels_app.api) for the one-machine
default, plus HQ's own synchronization status and jobs."""

from django.urls import path

from channels_app.api.urls import not_found_urlpatterns, pos_urlpatterns

from . import views

app_name = "api"

urlpatterns = [
    *pos_urlpatterns,
    path("sync-status/", views.SyncStatusView.as_view(), name="sync-status"),
    path("jobs/", views.JobCreateView.as_view(), name="job-create"),
    path("jobs/<int:pk>/", views.JobDetailView.as_view(), name="job-detail"),
    *not_found_urlpatterns,
]
