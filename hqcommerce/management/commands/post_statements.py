import datetime as dt

from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy as _

from hqcommerce.management.jobcommand import EXIT_BAD_ARGS, JobCommand
from hqcommerce.models.jobs import JobKind


class Command(JobCommand):
    help = _(
        "Statement posting (EOD): post cash-and-carry sales per channel and business date, "
        "after synchronizing the async customers and addresses they reference."
    )
    kind = JobKind.STATEMENT_POSTING

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--date", help=_("Only this business date (YYYY-MM-DD)."))

    def job_options(self, options) -> dict:
        if not options["date"]:
            return {}
        try:
            return {"business_date": dt.date.fromisoformat(options["date"]).isoformat()}
        except ValueError:
            raise CommandError(
                _("--date %(date)r is not a date as YYYY-MM-DD.") % {"date": options["date"]},
                returncode=EXIT_BAD_ARGS,
            ) from None
