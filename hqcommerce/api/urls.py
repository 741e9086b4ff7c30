from django.urls import path, re_path

from . import views

app_name = "api"

urlpatterns = [
    path("customers/", views.CustomerListCreateView.as_view(), name="customer-list"),
    path("customers/<str:ref>/", views.CustomerDetailView.as_view(), name="customer-detail"),
    path(
        "customers/<str:ref>/addresses/",
        views.CustomerAddressView.as_view(),
        name="customer-addresses",
    ),
    path(
        "customers/<str:ref>/addresses/<uuid:address_id>/",
        views.CustomerAddressDetailView.as_view(),
        name="customer-address-detail",
    ),
    path(
        "customers/<str:ref>/loyalty-cards/",
        views.LoyaltyCardView.as_view(),
        name="customer-loyalty-cards",
    ),
    path(
        "customer-attributes/",
        views.CustomerAttributeListView.as_view(),
        name="customer-attributes",
    ),
    path("transactions/", views.TransactionCreateView.as_view(), name="transaction-create"),
    path(
        "partner-requests/", views.PartnerRequestCreateView.as_view(), name="partner-request-list"
    ),
    path(
        "partner-requests/<str:ref>/",
        views.PartnerRequestDetailView.as_view(),
        name="partner-request-detail",
    ),
    path("sync-status/", views.SyncStatusView.as_view(), name="sync-status"),
    path("health/", views.HealthView.as_view(), name="health"),
    path("jobs/", views.JobCreateView.as_view(), name="job-create"),
    path("jobs/<int:pk>/", views.JobDetailView.as_view(), name="job-detail"),
    # Anything else under the API answers a JSON 404 in the common error shape, not HTML.
    re_path(r"^", views.not_found, name="not-found"),
]
