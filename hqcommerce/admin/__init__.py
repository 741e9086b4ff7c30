"""Back office in the Django admin. Job actions queue work through django-q2; records the
jobs own are read-only; the sync status page lets staff correct and retry failed records."""

from . import customers, devices, jobs, organization, sales, staging  # noqa: F401 (registrations)
