from django.apps import AppConfig


class ChannelsAppConfig(AppConfig):
    name = "channels_app"
    verbose_name = "Channel (store) data"
    default_auto_field = "django.db.models.BigAutoField"
