"""Crash points: where the crash tests kill a job with SIGKILL, exactly between reading one
database and writing the other (the bridge's riskiest moment). HQ_CRASH_AT names the point;
it is never set outside tests, and a point costs one dictionary lookup."""

from __future__ import annotations

import os
import signal

PJOB_BETWEEN_CHANNEL_READ_AND_HQ_WRITE = "pjob:after-channel-read"
DISTRIBUTION_BETWEEN_HQ_READ_AND_CHANNEL_WRITE = "1010:after-hq-read"
CONFIGURATION_BETWEEN_HQ_READ_AND_CHANNEL_WRITE = "1070:after-hq-read"
PURGE_AFTER_FIRST_BATCH = "purge:after-batch"


def crash_point(name: str) -> None:
    if os.environ.get("HQ_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
