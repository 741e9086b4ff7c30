"""The recurring schedules of the jobs (django-q2 Schedule rows): the three conversion jobs,
order sync and 1070 every interval; statement posting and the purge daily, at night."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_noop
from django_q.models import Schedule

from hqcommerce.models.jobs import JobKind

# (name, job, slot): jobs in the same interval start a third of it apart, in this order.
# A name is the schedule's key; the admin shows it translated (admin/auth_labels.py).
SCHEDULED_JOBS = (
    (gettext_noop("P-job (upload async customers)"), JobKind.PJOB, 0),
    (gettext_noop("Synchronize customers and channel requests"), JobKind.CUSTOMER_SYNC, 1),
    (gettext_noop("1010 (Customers)"), JobKind.DISTRIBUTION, 2),
    (gettext_noop("Synchronize orders"), JobKind.ORDER_SYNC, 2),
    # Configuration goes down first, so a store set up since the last cycle can sell.
    (gettext_noop("1070 (Channel configuration)"), JobKind.CHANNEL_CONFIGURATION, 0),
)
# (name, job, hour UTC): at night, purge after posting so posted sales can go.
DAILY_JOBS = (
    (gettext_noop("Statement posting (EOD)"), JobKind.STATEMENT_POSTING, 2),
    (gettext_noop("Purge history (retention)"), JobKind.PURGE, 3),
)


def schedules_install(*, minutes: int) -> list[tuple[Schedule, bool]]:
    """Create any missing schedule; existing ones keep the interval staff set in the admin.

    The three jobs are staggered by a third of the interval (P-job, sync, 1010) so one cycle
    converts a customer, as the seed's procedure runs them in that order. The first cycle
    starts one interval after installation, not at once: on a fresh `make run` the seed's
    procedure can be followed by hand before a schedule does it.
    """
    if minutes < 1:
        raise ValueError("the schedule interval must be at least one minute")
    now = timezone.now()
    installed = []
    for name, kind, slot in SCHEDULED_JOBS:
        schedule, created = Schedule.objects.get_or_create(
            name=name,
            defaults={
                "func": "hqcommerce.tasks.run_scheduled_job",
                "args": repr(str(kind)),
                "schedule_type": Schedule.MINUTES,
                "minutes": minutes,
                "repeats": -1,
                "next_run": now + timedelta(minutes=minutes * (1 + slot / 3)),
            },
        )
        installed.append((schedule, created))
    for name, kind, hour in DAILY_JOBS:
        tomorrow = (now + timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)
        schedule, created = Schedule.objects.get_or_create(
            name=name,
            defaults={
                "func": "hqcommerce.tasks.run_scheduled_job",
                "args": repr(str(kind)),
                "schedule_type": Schedule.DAILY,
                "repeats": -1,
                "next_run": tomorrow,
            },
        )
        installed.append((schedule, created))
    return installed
