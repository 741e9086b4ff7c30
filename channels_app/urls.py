"""A scale unit's URL conf (settings_scale_unit): the POS API and its schema, nothing of HQ's
(no admin, no jobs, no synchronization status)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

# The POS API's description (public: it holds no data); HQ's URL conf mounts these too.
schema_urlpatterns = [
    path(
        "api/schema/",
        SpectacularAPIView.as_view(permission_classes=[AllowAny]),
        name="schema",
    ),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="schema", permission_classes=[AllowAny]),
        name="swagger-ui",
    ),
]

urlpatterns = [path("api/v1/", include("channels_app.api.urls")), *schema_urlpatterns]
