from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from hqcommerce.api.rts import realtime_call

urlpatterns = [
    path("admin/", admin.site.urls),
    # HQ's real-time service: the scale units' one door to HQ (channels_app/hq.py).
    path("api/rts/v1/<slug:operation>/", realtime_call, name="rts"),
    path("api/v1/", include("hqcommerce.api.urls")),
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
