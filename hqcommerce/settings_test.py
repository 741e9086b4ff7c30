"""Settings for the test suite: the real settings with test-friendly environment defaults.

django-q2 runs tasks inline (`sync`), so enqueued jobs finish inside the test.
DATABASE_URL still selects the database, as .ci/run's PostgreSQL pass needs.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("Q_SYNC", "1")
os.environ.setdefault("HQ_LOG_LEVEL", "WARNING")
# Tests that are about the near-real-time trigger switch it on themselves.
os.environ.setdefault("HQ_AUTO_CONVERT", "0")
os.environ.setdefault("DJANGO_SECURE", "0")
# No pause after job commits (hqcommerce/db/sqlite3): tests have no POS traffic to let in.
os.environ.setdefault("HQ_SQLITE_JOB_YIELD_MS", "0")

from .settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "hqcommerce.db.sqlite3":  # noqa: F405
    # A file, not memory, so the crash and broker tests' subprocesses share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}  # noqa: F405
