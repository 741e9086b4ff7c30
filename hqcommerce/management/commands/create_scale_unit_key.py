from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy as _

from channels_app.errors import InputValidationError
from hqcommerce.management.base import ProjectCommand
from hqcommerce.services.devices import scale_unit_key_create


class Command(ProjectCommand):
    help = _(
        "Create a scale unit's service key for HQ's real-time service and print it (shown "
        "only once). The scale unit sets it as HQ_REALTIME_KEY."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--database",
            required=True,
            metavar="CODE",
            help=_("The channel database (CHANNEL_DATABASE_URLS code) the scale unit serves."),
        )
        parser.add_argument("--name", required=True, metavar="NAME", help=_("Which server."))

    def handle(self, *args, **options):
        try:
            key, secret = scale_unit_key_create(
                database_code=options["database"], name=options["name"]
            )
        except InputValidationError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stderr.write(
            _(
                "Service key %(name)r for channel database %(code)s; store it now, it is not "
                "shown again. Set it as HQ_REALTIME_KEY on the scale unit."
            )
            % {"name": key.name, "code": key.channel_database.code}
        )
        self.stdout.write(secret)
