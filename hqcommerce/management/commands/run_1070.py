from django.utils.translation import gettext_lazy as _

from hqcommerce.management.jobcommand import JobCommand
from hqcommerce.models.jobs import JobKind


class Command(JobCommand):
    help = _(
        "1070 (Channel configuration): send each store's settings, default-customer values "
        "and device keys to its channel database."
    )
    kind = JobKind.CHANNEL_CONFIGURATION
