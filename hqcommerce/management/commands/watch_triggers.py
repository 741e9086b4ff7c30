from django.conf import settings
from django.utils.translation import gettext_lazy as _

from hqcommerce.management.base import ProjectCommand
from hqcommerce.services.realtime import auto_convert_watch


class Command(ProjectCommand):
    help = _(
        "Near-real-time conversion: poll the channel databases for stores that asked for a "
        "conversion and queue it (run_all starts this beside the worker)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seconds",
            type=float,
            default=None,
            help=_("Stop after this many seconds. Default: run until stopped."),
        )

    def handle(self, *args, **options):
        self.stdout.write(
            _("Watching the channel databases for conversion requests every %(seconds)s s.")
            % {"seconds": settings.HQ_TRIGGER_POLL_SECONDS}
        )
        self.stdout.flush()
        try:
            auto_convert_watch(seconds=options["seconds"])
        except KeyboardInterrupt:  # Ctrl-C on `make run`: stop quietly, as the others do
            return
