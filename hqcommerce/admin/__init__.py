"""Back office in the Django admin. Job actions queue work through django-q2; records the
jobs own are read-only; the sync status page lets staff correct and retry failed records."""

from . import (  # noqa: F401 (registrations)
    auth_labels,
    customers,
    devices,
    jobs,
    organization,
    partners,
    sales,
    staging,
    tasks,
)
