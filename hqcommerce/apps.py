from django.apps import AppConfig


class HqCommerceConfig(AppConfig):
    name = "hqcommerce"
    verbose_name = "HQ (headquarters)"
    default_auto_field = "django.db.models.BigAutoField"
