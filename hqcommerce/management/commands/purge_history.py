from django.utils.translation import gettext_lazy as _

from hqcommerce.management.jobcommand import JobCommand
from hqcommerce.models.jobs import JobKind


class Command(JobCommand):
    help = _(
        "Purge history: delete, in short batches, finished history older than "
        "HQ_RETENTION_DAYS (completed staging records, posted sales, job runs, mapped channel "
        "records) and idempotency records older than HQ_IDEMPOTENCY_TTL_HOURS. Unresolved and "
        "still referenced rows stay. --dry-run counts what it would remove."
    )
    kind = JobKind.PURGE
