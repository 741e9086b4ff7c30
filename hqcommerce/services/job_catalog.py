"""Every job kind's service, loaded at start (HqCommerceConfig.ready) so each registers
itself with the job runtime (services/jobs.job_service). The runtime never imports them."""

from . import (  # noqa: F401
    configuration,
    customer_sync,
    distribution,
    order_sync,
    pipeline,
    purge,
    statements,
    upload,
)
