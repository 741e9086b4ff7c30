from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from channels_app.urls import schema_urlpatterns
from hqcommerce.api.rts import realtime_call

# The back office's icon (browsers ask every page for it): the admin's own check mark.
FAVICON = RedirectView.as_view(url=static("admin/img/icon-yes.svg"), permanent=True)

urlpatterns = [
    path("favicon.ico", FAVICON),
    path("admin/", admin.site.urls),
    # The admin header's language switch (Django's set_language; the choice is a cookie).
    path("i18n/", include("django.conf.urls.i18n")),
    # HQ's real-time service: the scale units' one door to HQ (channels_app/hq.py).
    path("api/rts/v1/<slug:operation>/", realtime_call, name="rts"),
    path("api/v1/", include("hqcommerce.api.urls")),
    *schema_urlpatterns,
]
