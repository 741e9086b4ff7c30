from django.utils.translation import gettext_lazy as _

from hqcommerce.management.jobcommand import JobCommand
from hqcommerce.models.jobs import JobKind


class Command(JobCommand):
    help = _("P-job: upload the channels' async customers to HQ staging.")
    kind = JobKind.PJOB
