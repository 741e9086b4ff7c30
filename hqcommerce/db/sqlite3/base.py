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


class DatabaseWrapper(base.DatabaseWrapper):
    # Seconds to pause after each commit; set by the job runner for the run's duration.
    yield_after_commit: float = 0.0

    def _commit(self):
        super()._commit()
        if self.yield_after_commit:
            time.sleep(self.yield_after_commit)
