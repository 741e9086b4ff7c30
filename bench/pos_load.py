"""POS latency while a big conversion runs: the point of async mode is that the POS never
waits on HQ.

gunicorn (2 workers), 8 concurrent clients creating async customers for --seconds: p50/p99
latency and throughput, first idle, then while a conversion queued with
`convert_async_customers --queue` works through a backlog of --backlog customers in the
django-q2 worker, as the product runs it (worker at nice HQ_WORKER_NICE); in the same run, the throughput of a
trivial authenticated endpoint (GET /api/v1/health/) as the framework's ceiling, in blocks
alternating with the idle creates.

    python bench/pos_load.py [--seconds 30] [--backlog 100000] [--blocks 6] [--database-url URL] [--write-doc]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _harness import (
    bench_env,
    call,
    manage,
    percentile,
    reset_postgres,
    running_app,
    update_benchmarks_doc,
)  # noqa: E402

CLIENTS = 8

SETUP = """
import json
from channels_app.services.bulk import async_customers_bulk_create
from hqcommerce.models import Channel, FunctionalityProfile
from hqcommerce.services.configuration import channel_configuration_push
from hqcommerce.services.devices import device_key_create
profile, _ = FunctionalityProfile.objects.get_or_create(name="Bench async", defaults={"create_customer_async": True})
pos, _ = Channel.objects.get_or_create(code="POS01", defaults={"name": "POS", "profile": profile})
backlog, _ = Channel.objects.get_or_create(code="BACKLOG", defaults={"name": "Backlog", "profile": profile})
channel_configuration_push(channels=[pos, backlog])
for start in range(0, %(backlog)d, 2000):
    async_customers_bulk_create(channel=backlog, rows=[
        {"first_name": f"B{i}", "last_name": "Backlog", "contacts": [{"kind": "email", "value": f"b{i}@bench.example"}]}
        for i in range(start, min(start + 2000, %(backlog)d))
    ])
print(json.dumps({"key": device_key_create(channel_code="POS01", name="LOAD")[1]}))
"""


RUNNING = """
from hqcommerce.models import JobRun
run = JobRun.objects.filter(kind="convert").order_by("-pk").first()
print(run.status if run else "none")
"""


def conversion_status(env: dict) -> str:
    return manage(env, "shell", "-c", RUNNING, capture=True).strip().splitlines()[-1]


def load(base: str, key: str, seconds: float, *, create: bool) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def client(n: int) -> None:
        nonlocal errors
        i = 0
        while time.monotonic() < end:
            i += 1
            t0 = time.monotonic()
            if create:
                status, _ = call(
                    "POST",
                    f"{base}/api/v1/customers/",
                    key,
                    {"first_name": f"L{n}-{i}", "last_name": "Load"},
                )
                ok = status == 201
            else:
                status, _ = call("GET", f"{base}/api/v1/health/", key)
                ok = status == 200
            with lock:
                if ok:
                    latencies.append((time.monotonic() - t0) * 1000)
                else:
                    errors += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"latencies": latencies, "errors": errors, "seconds": time.monotonic() - started}


def summary(*blocks: dict) -> dict:
    """One phase's figures from its blocks (requests/s over the time they ran)."""
    latencies = [ms for block in blocks for ms in block["latencies"]]
    return {
        "requests": len(latencies),
        "errors": sum(block["errors"] for block in blocks),
        "rps": len(latencies) / sum(block["seconds"] for block in blocks),
        "p50_ms": percentile(latencies, 0.5),
        "p99_ms": percentile(latencies, 0.99),
    }


def ceiling_and_idle(base: str, key: str, seconds: float, blocks: int) -> tuple[dict, dict]:
    """The trivial endpoint and idle creates in alternating blocks (A B B A A B ...), so a
    drift in this shared machine's speed during the run weighs on both alike: measured one
    after the other, the ratio of the two moved by 10 points between runs of the same code."""
    ceiling, idle = [], []
    per_block = seconds / blocks
    for n in range(2 * blocks):
        create = (n % 4) in (1, 2)
        (idle if create else ceiling).append(load(base, key, per_block, create=create))
    return summary(*ceiling), summary(*idle)


@contextmanager
def hq_unreachable(env: dict, database_url: str | None):
    """HQ's database refuses connections for real: PostgreSQL `ALLOW_CONNECTIONS false` with
    its sessions terminated; SQLite's file swapped for a directory of the same name, which
    SQLite cannot open. The stores' channel database stays up."""
    if database_url and database_url.startswith("postgres"):
        import psycopg

        server, _, name = database_url.rpartition("/")
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [name],
            )
            try:
                yield
            finally:
                admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        return
    path = Path(env["HQ_VAR_DIR"]) / "db.sqlite3"
    away = path.with_name("db.sqlite3.away")
    path.rename(away)
    path.mkdir()
    try:
        yield
    finally:
        path.rmdir()
        away.rename(path)


def idle_and_hq_down(
    base: str, key: str, env: dict, database_url: str | None, seconds: float, blocks: int
) -> tuple[dict, dict]:
    """Creates with HQ up and with HQ's database unreachable, in alternating blocks."""
    up, down = [], []
    per_block = seconds / blocks
    for n in range(2 * blocks):
        if (n % 4) in (1, 2):
            with hq_unreachable(env, database_url):
                down.append(load(base, key, per_block, create=True))
        else:
            up.append(load(base, key, per_block, create=True))
    return summary(*up), summary(*down)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--backlog", type=int, default=100_000)
    parser.add_argument("--blocks", type=int, default=6, help="blocks per phase, alternating")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--write-doc", action="store_true")
    args = parser.parse_args()
    if not 1 <= args.seconds <= 300 or not 1000 <= args.backlog <= 1_000_000:
        parser.error("--seconds 1..300, --backlog 1000..1000000")
    if not 1 <= args.blocks <= args.seconds:
        parser.error("--blocks 1..--seconds")
    db = "PostgreSQL" if (args.database_url or "").startswith("postgres") else "SQLite"
    if db == "PostgreSQL":
        reset_postgres(args.database_url)
    env = bench_env(args.database_url, HQ_AUTO_CONVERT="0", HQ_JOB_BATCH_SIZE="500")
    manage(env, "migrate_all", "-v0")
    key = json.loads(
        manage(env, "shell", "-c", SETUP % {"backlog": args.backlog}, capture=True)
        .strip()
        .splitlines()[-1]
    )["key"]
    with running_app(env, workers=2, qclusters=1) as base:
        ceiling, idle = ceiling_and_idle(base, key, args.seconds, args.blocks)
        hq_up, hq_down = idle_and_hq_down(
            base, key, env, args.database_url, args.seconds, args.blocks
        )
        manage(env, "convert_async_customers", "--channel", "BACKLOG", "--queue", "-v0")
        deadline = time.monotonic() + 30
        while conversion_status(env) in ("none", "queued"):
            if time.monotonic() > deadline:
                raise RuntimeError("the worker did not start the conversion")
            time.sleep(0.5)
        busy = summary(load(base, key, args.seconds, create=True))
        still_running = conversion_status(env) == "running"
    result = {
        "ceiling": ceiling,
        "idle": idle,
        "during_conversion": busy,
        "hq_up": hq_up,
        "hq_down": hq_down,
        "conversion_still_running": still_running,
    }
    print(json.dumps(result, indent=2))
    lines = [
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores, {db}, gunicorn 2 workers, "
        f"{CLIENTS} clients, {args.seconds:g} s each (the ceiling and idle phases in {args.blocks} alternating blocks each); backlog of {args.backlog} async customers converted by the django-q2 worker "
        f"during the third phase (still converting at its end: {'yes' if still_running else 'no'}).",
        "",
        "| phase | requests/s | p50 ms | p99 ms | errors |",
        "|---|---|---|---|---|",
        f"| GET /api/v1/health/ (ceiling) | {ceiling['rps']:.0f} | {ceiling['p50_ms']:.1f} | {ceiling['p99_ms']:.1f} | {ceiling['errors']} |",
        f"| POST /customers/ idle | {idle['rps']:.0f} | {idle['p50_ms']:.1f} | {idle['p99_ms']:.1f} | {idle['errors']} |",
        f"| POST /customers/ during conversion | {busy['rps']:.0f} | {busy['p50_ms']:.1f} | {busy['p99_ms']:.1f} | {busy['errors']} |",
        f"| POST /customers/ HQ up (alternating with the next) | {hq_up['rps']:.0f} | {hq_up['p50_ms']:.1f} | {hq_up['p99_ms']:.1f} | {hq_up['errors']} |",
        f"| POST /customers/ HQ's database unreachable | {hq_down['rps']:.0f} | {hq_down['p50_ms']:.1f} | {hq_down['p99_ms']:.1f} | {hq_down['errors']} |",
        "",
        f"HQ down / up: p99 {hq_down['p99_ms'] / hq_up['p99_ms']:.2f}, throughput {hq_down['rps'] / hq_up['rps']:.2f} "
        "(target: p99 ≤ 1.2, throughput ≥ 1/1.2). The async store's POS never touches HQ.",
        "",
        f"p99 during conversion / idle: {busy['p99_ms'] / idle['p99_ms']:.2f} (target ≤ 2); "
        f"create throughput / ceiling: {idle['rps'] / ceiling['rps']:.0%} (target ≥ 50%).",
    ]
    if args.write_doc:
        update_benchmarks_doc(f"POS load ({db})", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
