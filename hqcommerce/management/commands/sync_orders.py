from django.utils.translation import gettext_lazy as _

from hqcommerce.management.jobcommand import JobCommand
from hqcommerce.models.jobs import JobKind


class Command(JobCommand):
    help = _(
        "Synchronize orders: create HQ sales orders from uploaded customer orders, "
        "synchronizing the async customers and addresses they reference."
    )
    kind = JobKind.ORDER_SYNC
