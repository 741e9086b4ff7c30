from django.utils.translation import gettext_lazy as _

from hqcommerce.management.jobcommand import JobCommand
from hqcommerce.models.jobs import JobKind


class Command(JobCommand):
    help = _("Synchronize customers and channel requests: create HQ customers from staging.")
    kind = JobKind.CUSTOMER_SYNC

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--retry-failed", action="store_true", help=_("Also retry records that failed before.")
        )

    def job_options(self, options) -> dict:
        return {"retry_failed": options["retry_failed"]}
