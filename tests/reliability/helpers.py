"""Run management commands in subprocesses against the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_database_url(alias: str = "default") -> str:
    from django.db import connections

    s = connections[alias].settings_dict
    if connections[alias].vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def test_channel_database_urls() -> str:
    from django.conf import settings

    return ",".join(
        f"{code}={test_database_url(alias)}" for code, alias in settings.CHANNEL_DATABASES.items()
    )


def subprocess_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "CHANNEL_DATABASE_URLS": test_channel_database_urls(),
        "DJANGO_SETTINGS_MODULE": "hqcommerce.settings_test",
        "HQ_LOG_LEVEL": "ERROR",
        **extra,
    }


def start(*args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=subprocess_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_ctrl_c_as_in_a_terminal,
    )


def _ctrl_c_as_in_a_terminal() -> None:
    """A process started in the background of a shell without job control (CI's) inherits
    SIGINT ignored, and Python then installs no KeyboardInterrupt handler: Ctrl-C would do
    nothing. The commands get SIGINT as a terminal gives it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextmanager
def database_down(alias: str = "default") -> Iterator[None]:
    """Make a database unreachable for real, then bring it back.

    PostgreSQL: `ALTER DATABASE ... ALLOW_CONNECTIONS false` and every session of it
    terminated, so open connections drop and new ones are refused. SQLite: the connection
    is closed and pointed at a file that cannot be opened. Use it in transactional tests:
    the test's own transaction on that database is gone with its connection.
    """
    from django.db import connections

    connection = connections[alias]
    if connection.vendor == "postgresql":
        import psycopg

        settings = connection.settings_dict
        name = settings["NAME"]
        params = {
            "dbname": "postgres",
            "host": settings.get("HOST") or "127.0.0.1",
            "port": settings.get("PORT") or 5432,
            "user": settings.get("USER") or "postgres",
            "autocommit": True,
        }
        if settings.get("PASSWORD"):
            params["password"] = settings["PASSWORD"]
        with psycopg.connect(**params) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            try:
                yield
            finally:
                admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
                connection.close()
        return
    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = "/nonexistent-hq-commerce-dir/unreachable.sqlite3"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
