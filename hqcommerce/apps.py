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

        import hqcommerce.db.lookups  # noqa: F401  (registers the `__any` lookup)
        from hqcommerce.services.access import groups_ensure
        from hqcommerce.worker import on_worker_spawn

        # Permissions appear in each app's post_migrate, so the groups follow every one of them.
        post_migrate.connect(groups_ensure, dispatch_uid="hqcommerce_groups")
        # Job workers run at a lower CPU priority than the web server (see worker.py).
        post_spawn.connect(on_worker_spawn, dispatch_uid="hqcommerce_worker_nice")
