from django.utils.translation import gettext_lazy as _

from hqcommerce.management.jobcommand import JobCommand
from hqcommerce.models.jobs import JobKind


class Command(JobCommand):
    help = _("1010 (Customers): distribute new and changed HQ customers to the channels.")
    kind = JobKind.DISTRIBUTION
