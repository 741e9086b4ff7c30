"""SQLite with fair turns at its single write lock.

A background job commits many short write transactions in a row. A POS request waiting for
the lock sleeps in SQLite's busy handler (1, 2, 5 ... 25, 50, 100 ms steps) and, if the job
starts its next transaction at once, keeps missing the gap. So a near-real-time job run
pauses briefly after each commit (HQ_SQLITE_JOB_YIELD_MS; see services/jobs._fair_writes),
and the waiting request gets its turn. Web requests never pause. PostgreSQL has row locks
and needs none of this.
"""

from __future__ import annotations

import time

from django.db.backends.sqlite3 import base
from django.db.backends.sqlite3.base import Database


class DatabaseWrapper(base.DatabaseWrapper):
    # Seconds to pause after each commit; set by the job runner for the run's duration.
    yield_after_commit: float = 0.0
    # How often a transaction waiting for the write lock tries again.
    LOCK_POLL_SECONDS = 0.001

    def _commit(self):
        super()._commit()
        if self.yield_after_commit:
            time.sleep(self.yield_after_commit)

    def _start_transaction_under_autocommit(self):
        """BEGIN IMMEDIATE, waiting for the write lock in 1 ms steps.

        SQLite's own busy handler sleeps in growing steps (up to 100 ms), so a request
        often wakes long after the lock was free, and a job's next transaction takes it
        first. Polling finely hands the lock over within a millisecond of its release.
        The connection's busy timeout stays the limit of the whole wait.
        """
        if self.transaction_mode != "IMMEDIATE":
            return super()._start_transaction_under_autocommit()
        conn = self.connection
        timeout_ms = conn.execute("PRAGMA busy_timeout").fetchone()[0]
        deadline = time.monotonic() + timeout_ms / 1000
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            while True:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    return
                except Database.OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() >= deadline:
                        raise
                time.sleep(self.LOCK_POLL_SECONDS)
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")
