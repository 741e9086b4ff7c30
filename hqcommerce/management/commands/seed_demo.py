from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy as _

from channels_app.errors import InputValidationError
from hqcommerce.management.base import ProjectCommand
from hqcommerce.models import Channel
from hqcommerce.services.demo import demo_seed, demo_sync_store


class Command(ProjectCommand):
    help = _("Create async-mode demo stores with async customers created through the POS service.")

    def add_arguments(self, parser):
        parser.add_argument("--channels", type=int, default=3)
        parser.add_argument("--async-customers", type=int, default=60)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty", action="store_true", help=_("Do nothing when channels already exist.")
        )
        parser.add_argument(
            "--sync-store-in",
            metavar="DATABASE",
            help=_(
                "Only add a sync-mode store to this channel database (code DATABASE01), for a "
                "scale unit's real-time calls; nothing else is seeded."
            ),
        )

    def handle(self, *args, **options):
        if options["channels"] < 1 or options["async_customers"] < 0:
            raise CommandError(
                _("--channels must be at least 1 and --async-customers at least 0."), returncode=2
            )
        if options["sync_store_in"]:
            try:
                store = demo_sync_store(database_code=options["sync_store_in"])
            except InputValidationError as exc:
                raise CommandError(str(exc), returncode=2) from exc
            self.stdout.write(
                _("Sync-mode store %(code)s is in channel database %(database)s.")
                % {"code": store.code, "database": store.channel_database.code}
            )
            return
        if options["if_empty"] and Channel.objects.exists():
            self.stdout.write(_("Channels exist already; demo data not seeded."))
            return
        summary = demo_seed(
            channels=options["channels"],
            async_customers=options["async_customers"],
            seed=options["seed"],
        )
        self.stdout.write(
            _(
                "Seeded %(channels)s channel(s) and %(async_customers)s async "
                "customer(s) (%(invalid)s invalid, %(likely_duplicates)s likely "
                "duplicates), %(sales)s sale(s) and %(partner_requests)s business "
                "partner request(s)."
            )
            % {
                "channels": summary.channels,
                "async_customers": summary.async_customers,
                "invalid": summary.invalid,
                "likely_duplicates": summary.likely_duplicates,
                "sales": summary.sales,
                "partner_requests": summary.partner_requests,
            }
        )
