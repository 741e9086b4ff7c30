from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy as _

from hqcommerce.management.base import ProjectCommand
from hqcommerce.services.schedules import schedules_install


class Command(ProjectCommand):
    help = _("Install the recurring P-job, customer sync and 1010 schedules (idempotent).")

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=int, default=settings.HQ_SCHEDULE_MINUTES)

    def handle(self, *args, **options):
        try:
            installed = schedules_install(minutes=options["minutes"])
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        for schedule, created in installed:
            state = _("installed") if created else _("kept (already there)")
            every = (
                _("%(minutes)s min") % {"minutes": schedule.minutes}
                if schedule.minutes
                else _("day")
            )
            self.stdout.write(
                _("%(name)s: every %(every)s, %(state)s")
                % {"name": schedule.name, "every": every, "state": state}
            )
