"""Settings for the test suite: the real settings with test-friendly environment defaults.

django-q2 runs tasks inline (`sync`), so enqueued jobs finish inside the test.
DATABASE_URL still selects the database, as .ci/run's PostgreSQL pass needs.
"""

import os
from pathlib import Path

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("Q_SYNC", "1")
os.environ.setdefault("HQ_LOG_LEVEL", "WARNING")
# Tests that are about the near-real-time trigger switch it on themselves.
os.environ.setdefault("HQ_AUTO_CONVERT", "0")
os.environ.setdefault("DJANGO_SECURE", "0")
# No pause after job commits (channels_app/db/sqlite3): tests have no POS traffic to let in.
os.environ.setdefault("HQ_SQLITE_JOB_YIELD_MS", "0")
# A live server's request threads close their PostgreSQL sessions when the request ends, so
# none is left open on a test database when it is dropped.
os.environ.setdefault("HQ_DB_CONN_MAX_AGE", "0")

# Two scale units, so every test runs with the data of different stores in different
# databases: DEFAULT and EU. .ci/run's PostgreSQL pass names two PostgreSQL databases.
_var = os.environ.get("HQ_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var"))
os.environ.setdefault(
    "CHANNEL_DATABASE_URLS",
    f"DEFAULT=sqlite:///{_var}/channel-default.sqlite3,EU=sqlite:///{_var}/channel-eu.sqlite3",
)

from .settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

for _alias, _config in DATABASES.items():  # noqa: F405
    if _config["ENGINE"] == "channels_app.db.sqlite3":
        # Files, not memory, so the crash and broker tests' subprocesses share the test
        # databases.
        _config["TEST"] = {"NAME": str(VAR_DIR / f"test-{_alias}.sqlite3")}  # noqa: F405
