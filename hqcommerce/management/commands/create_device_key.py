from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy as _

from channels_app.errors import HQError
from hqcommerce.management.base import ProjectCommand
from hqcommerce.services.devices import device_key_create


class Command(ProjectCommand):
    help = _("Create a POS register's API key for one channel and print it (shown only once).")

    def add_arguments(self, parser):
        parser.add_argument("--channel", required=True, metavar="CODE")
        parser.add_argument("--name", required=True, metavar="REGISTER")

    def handle(self, *args, **options):
        try:
            key, secret = device_key_create(channel_code=options["channel"], name=options["name"])
        except HQError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stderr.write(
            _(
                "Key for register %(name)r at %(code)s; store it now, it is not shown "
                "again. Send it as 'Authorization: Api-Key <key>'."
            )
            % {"name": key.name, "code": key.channel.code}
        )
        self.stdout.write(secret)
