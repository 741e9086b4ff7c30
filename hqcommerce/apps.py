from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class HQAdminConfig(AdminConfig):
    """The admin with the synchronization dashboard (replaces django.contrib.admin)."""

    default_site = "hqcommerce.admin_site.HQAdminSite"


class HqCommerceConfig(AppConfig):
    name = "hqcommerce"
    verbose_name = _("HQ (headquarters)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django_q.signals import post_spawn

        import hqcommerce.services.job_catalog  # noqa: F401  (each job registers its service)
        from hqcommerce.worker import on_worker_spawn

        # Permissions appear in each app's post_migrate, so the groups follow the last one's
        # (by then every app's permissions exist), and only where they live: HQ's database.
        post_migrate.connect(_groups_after_last_app, dispatch_uid="hqcommerce_groups")
        # A ChannelDatabase row for each entry of CHANNEL_DATABASE_URLS.
        post_migrate.connect(_channel_databases_ensure, dispatch_uid="hqcommerce_channel_dbs")
        # Job workers run at a lower CPU priority than the web server (see worker.py).
        post_spawn.connect(on_worker_spawn, dispatch_uid="hqcommerce_worker_nice")


def _groups_after_last_app(sender, using: str = "default", **kwargs) -> None:
    from django.apps import apps

    from hqcommerce.services.access import groups_ensure

    if using == "default" and sender.label == list(apps.get_app_configs())[-1].label:
        groups_ensure()


def _channel_databases_ensure(sender, using: str = "default", **kwargs) -> None:
    if sender.name != "hqcommerce" or using != "default":
        return
    from django.conf import settings

    from hqcommerce.models import ChannelDatabase

    for code in settings.CHANNEL_DATABASES:
        ChannelDatabase.objects.using(using).get_or_create(
            code=code, defaults={"name": code.title() if code != "DEFAULT" else "Default"}
        )
