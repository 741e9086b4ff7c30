from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hqcommerce.services.schedules import schedules_install


class Command(BaseCommand):
    help = "Install the recurring P-job, customer sync and 1010 schedules (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=int, default=settings.HQ_SCHEDULE_MINUTES)

    def handle(self, *args, **options):
        try:
            installed = schedules_install(minutes=options["minutes"])
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        for schedule, created in installed:
            state = "installed" if created else "kept (already there)"
            every = f"{schedule.minutes} min" if schedule.minutes else "day"
            self.stdout.write(f"{schedule.name}: every {every}, {state}")
