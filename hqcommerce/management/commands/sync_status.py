import json

from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy as _

from channels_app.errors import HQError
from hqcommerce.management.base import ProjectCommand
from hqcommerce.selectors import sync_status
from hqcommerce.services.jobs import channels_resolve

COLUMNS = [
    "pending_upload",
    "pending_sync",
    "failed",
    "awaiting_distribution",
    "completed",
    "orders_pending",
    "statements_blocked",
    "partner_requests_pending",
    "prospects_awaiting_approval",
]


class Command(ProjectCommand):
    help = _(
        "Per channel: async customers pending upload, pending sync, failed, awaiting 1010, "
        "done; customer orders pending; statements blocked."
    )

    def add_arguments(self, parser):
        parser.add_argument("--channel", action="append", dest="channels", metavar="CODE")
        parser.add_argument("--json", action="store_true", help=_("Print JSON."))

    def handle(self, *args, **options):
        try:
            channels = channels_resolve(options["channels"]) if options["channels"] else None
        except HQError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        rows = sync_status(channels=channels)
        if options["json"]:
            self.stdout.write(json.dumps([r.as_dict() for r in rows], indent=2))
            return
        header = ["channel", *COLUMNS]
        widths = [max(len(h), 8) for h in header]
        self.stdout.write("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
        for row in rows:
            values = [row.channel, *(str(getattr(row, c)) for c in COLUMNS)]
            self.stdout.write("  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)))
