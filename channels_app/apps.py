from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsAppConfig(AppConfig):
    name = "channels_app"
    verbose_name = _("Channel (store) data")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import channels_app.db.lookups  # noqa: F401  (registers the `__any` lookup)
