from django.conf import settings
from django.core.management import call_command
from django.utils.translation import gettext_lazy as _

from hqcommerce.management.base import ProjectCommand


class Command(ProjectCommand):
    help = _(
        "Migrate HQ's database and every channel database (CHANNEL_DATABASE_URLS): "
        "`migrate`, then `migrate --database channel_<code>` for each, and the cache table "
        "of each."
    )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        for alias in ["default", *settings.CHANNEL_DATABASES.values()]:
            if verbosity:
                self.stdout.write(_("Migrating %(alias)s") % {"alias": alias})
            call_command("migrate", database=alias, interactive=False, verbosity=verbosity)
            # The rate limits' shared counters (settings.CACHES), HQ's and each scale unit's.
            call_command("createcachetable", database=alias, verbosity=verbosity)
