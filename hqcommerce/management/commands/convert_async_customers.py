from django.utils.translation import gettext_lazy as _

from hqcommerce.management.jobcommand import JobCommand
from hqcommerce.models.jobs import JobKind


class Command(JobCommand):
    help = _("Convert async customers: P-job, then customer sync, then 1010.")
    kind = JobKind.CONVERT
