from hqcommerce.management.jobcommand import JobCommand
from hqcommerce.models.jobs import JobKind


class Command(JobCommand):
    help = "P-job: upload the channels' async customers to HQ staging."
    kind = JobKind.PJOB
