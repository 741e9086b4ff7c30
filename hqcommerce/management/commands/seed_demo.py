from django.core.management.base import BaseCommand, CommandError

from hqcommerce.models import Channel
from hqcommerce.services.demo import demo_seed


class Command(BaseCommand):
    help = "Create async-mode demo stores with async customers created through the POS service."

    def add_arguments(self, parser):
        parser.add_argument("--channels", type=int, default=3)
        parser.add_argument("--async-customers", type=int, default=60)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when channels already exist."
        )

    def handle(self, *args, **options):
        if options["channels"] < 1 or options["async_customers"] < 0:
            raise CommandError(
                "--channels must be at least 1 and --async-customers at least 0.", returncode=2
            )
        if options["if_empty"] and Channel.objects.exists():
            self.stdout.write("Channels exist already; demo data not seeded.")
            return
        summary = demo_seed(
            channels=options["channels"],
            async_customers=options["async_customers"],
            seed=options["seed"],
        )
        self.stdout.write(
            f"Seeded {summary.channels} channel(s) and {summary.async_customers} async "
            f"customer(s) ({summary.invalid} invalid, {summary.likely_duplicates} likely "
            f"duplicates) and {summary.sales} sale(s)."
        )
