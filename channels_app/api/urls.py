"""The POS API's routes: mounted under /api/v1/ by HQ's URL conf (one machine) and by a
scale unit's (channels_app.urls), which mounts nothing else."""

from django.urls import path, re_path

from . import views

app_name = "api"

pos_urlpatterns = [
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
    path("health/", views.HealthView.as_view(), name="health"),
]
# Anything else under the API answers a JSON 404 in the common error shape, not HTML.
not_found_urlpatterns = [re_path(r"^", views.not_found, name="not-found")]

urlpatterns = pos_urlpatterns + not_found_urlpatterns
