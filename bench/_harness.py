"""Shared bench plumbing: a private database, the app under gunicorn, django-q2 workers.

Everything runs on this machine's loopback; every loop is bounded in count and time.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_env(database_url: str | None, **extra: str) -> dict[str, str]:
    var = tempfile.mkdtemp(prefix="hq-bench-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hqcommerce.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE": "0",  # plain HTTP on loopback
        "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "HQ_VAR_DIR": var,
        "HQ_LOG_LEVEL": "WARNING",
        "HQ_API_RATE": "1000000/min",
        **extra,
    }
    if database_url:
        env["DATABASE_URL"] = database_url
        if database_url.startswith("postgres"):
            # HQ and the channel database are separate databases, as in production.
            env["CHANNEL_DATABASE_URLS"] = f"DEFAULT={channel_database_url(database_url)}"
    return env


def channel_database_url(database_url: str) -> str:
    """The bench's channel database beside HQ's: the same server, `<name>_channel`."""
    return f"{database_url}_channel"


def manage(env: dict, *args: str, capture: bool = False) -> str:
    proc = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return proc.stdout if capture else ""


def reset_postgres(database_url: str) -> None:
    """Empty the bench's HQ and channel databases (throw-away ones; the channel database is
    created beside HQ's when missing)."""
    import psycopg

    server, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        for db in (name, f"{name}_channel"):
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone():
                conn.execute(f'CREATE DATABASE "{db}"')
    for url in (database_url, channel_database_url(database_url)):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")


@contextmanager
def running_app(env: dict, *, workers: int = 2, qclusters: int = 1):
    """gunicorn (N workers) + django-q2 cluster(s) + the trigger watcher; yields the base
    URL."""
    port = free_port()
    procs = [
        subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "hqcommerce.wsgi",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            process_group=0,
        )
    ]
    procs += [
        subprocess.Popen(
            [PYTHON, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            process_group=0,
        )
        for _ in range(qclusters)
    ]
    # The trigger watcher: near-real-time conversions are found by polling the channel
    # databases (it does nothing with HQ_AUTO_CONVERT off).
    procs.append(
        subprocess.Popen(
            [PYTHON, "manage.py", "watch_triggers"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            process_group=0,
        )
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/schema/", timeout=10)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError("the app did not start") from None
                time.sleep(0.3)
        yield base
    finally:
        # Each server runs in its own process group (same session, so the same scheduling
        # group): a qcluster stopped mid-task leaves its worker child running the task, whose
        # open transaction would block the next run's reset of the database.
        for p in procs:
            p.terminate()
        for p in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=15)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def call(
    method: str, url: str, key: str, body: dict | None = None, headers: dict | None = None
) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    # A device key, or a whole scheme ("Token ...") for a staff user.
    request.add_header("Authorization", key if " " in key else f"Api-Key {key}")
    request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def percentile(values: list[float], p: float) -> float:
    import math

    values = sorted(values)
    return values[max(math.ceil(p * len(values)) - 1, 0)] if values else float("nan")


def update_benchmarks_doc(section: str, body: str) -> None:
    """Replace (or add) one `## section` of docs/benchmarks.md."""
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    header = f"## {section}"
    parts = text.split("\n## ")
    kept = [parts[0]] + [p for p in parts[1:] if not p.startswith(section)]
    path.write_text("\n## ".join(kept).rstrip() + f"\n\n{header}\n\n{body.strip()}\n")
