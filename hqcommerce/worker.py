"""Background workers yield the CPU to POS requests.

Async mode exists so the POS never waits on headquarters. On a small machine the web server
and the django-q2 workers share the cores, so a worker converting a backlog competes with
the requests of the stores. Each worker process lowers its own scheduling priority when it
starts (HQ_WORKER_NICE, a Unix nice value; 0 leaves it alone): the kernel then runs a
waiting request first, and the jobs use whatever CPU the requests leave.
"""

from __future__ import annotations

import logging
import os

from django.conf import settings

logger = logging.getLogger(__name__)


def worker_priority_lower() -> int | None:
    """Lower this process's priority to HQ_WORKER_NICE (never raise it); returns the value
    it runs at, or None when left alone."""
    target = settings.HQ_WORKER_NICE
    if target <= 0 or not hasattr(os, "setpriority"):
        return None
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if current >= target:
        return current
    try:
        os.setpriority(os.PRIO_PROCESS, 0, target)
    except OSError as exc:  # a sandbox may forbid it; the worker still runs
        logger.warning("could not lower the worker's priority: %s", exc)
        return None
    return target


def on_worker_spawn(sender, proc_name: str = "", **kwargs) -> None:
    """django-q2's post_spawn: runs in each new worker process, before its first task."""
    worker_priority_lower()
