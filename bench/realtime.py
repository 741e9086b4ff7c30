"""Near-real-time conversion: creation at one store to account number everywhere.

POS clients (one per store) create async customers over the API at a steady total rate;
a poller using *another* store's device key looks each temporary id up until it shows the
account number. Reports p50/p95/max of that latency, the pipeline runs the trigger queued,
and POS create p99 with the trigger on and off. Runs against gunicorn (2 workers) and one
django-q2 worker on this machine.

    python bench/realtime.py [--rates 10,50] [--seconds 60] [--stores 4] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import threading
import time
from datetime import UTC, datetime

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

SETUP = """
import json
from hqcommerce.models import Channel, FunctionalityProfile
from hqcommerce.services.devices import device_key_create
profile, _ = FunctionalityProfile.objects.get_or_create(name="Bench async", defaults={"create_customer_async": True})
keys = {}
for n in range(1, %(stores)d + 1):
    store, _ = Channel.objects.get_or_create(code=f"BENCH{n:02d}", defaults={"name": f"Bench {n}", "profile": profile})
    keys[store.code] = device_key_create(channel_code=store.code, name="BENCH")[1]
print(json.dumps(keys))
"""

COUNT_RUNS = """
from hqcommerce.models import JobRun
print(JobRun.objects.filter(kind="convert", triggered_by="auto", steps__isnull=False).distinct().count())
"""


def one_run(
    *, rate: float, seconds: int, stores: int, database_url: str | None, trigger: bool
) -> dict:
    if database_url and database_url.startswith("postgres"):
        reset_postgres(database_url)
    env = bench_env(database_url, HQ_AUTO_CONVERT="1" if trigger else "0", Q_WORKERS="1")
    manage(env, "migrate", "--noinput", "-v0")
    keys = json.loads(
        manage(env, "shell", "-c", SETUP % {"stores": stores}, capture=True)
        .strip()
        .splitlines()[-1]
    )
    codes = sorted(keys)
    created: dict[str, float] = {}
    create_ms: list[float] = []
    latencies: dict[str, float] = {}
    lock = threading.Lock()
    stop = threading.Event()

    with running_app(env, workers=2) as base:

        def client(code: str) -> None:
            interval = len(codes) / rate
            next_at = time.monotonic()
            n = 0
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                n += 1
                t0 = time.monotonic()
                status, body = call(
                    "POST",
                    f"{base}/api/v1/customers/",
                    keys[code],
                    {
                        "first_name": f"Bench{n}",
                        "last_name": code,
                        "contacts": [
                            {"kind": "email", "value": f"{code.lower()}.{n}@bench.example"}
                        ],
                    },
                )
                t1 = time.monotonic()
                if status == 201:
                    with lock:
                        created[body["async_id"]] = t1
                        create_ms.append((t1 - t0) * 1000)
                next_at += interval
                time.sleep(max(0.0, next_at - time.monotonic()))

        def poller() -> None:
            # Look each temp id up from the next store over: "findable at the others".
            while not stop.is_set():
                with lock:
                    pending = [g for g in created if g not in latencies]
                for guid in pending[:200]:
                    status, body = call("GET", f"{base}/api/v1/customers/{guid}/", keys[codes[-1]])
                    if status == 200 and body.get("status") == "synced":
                        with lock:
                            latencies[guid] = time.monotonic() - created[guid]
                time.sleep(0.2)

        threads = [threading.Thread(target=client, args=(c,)) for c in codes[:-1] or codes]
        watcher = threading.Thread(target=poller)
        watcher.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if trigger:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and len(latencies) < len(created):
                time.sleep(0.5)
        stop.set()
        watcher.join()
    runs = int(manage(env, "shell", "-c", COUNT_RUNS, capture=True).strip().splitlines()[-1])
    lat = list(latencies.values())
    return {
        "rate": rate,
        "seconds": seconds,
        "stores": stores,
        "trigger": trigger,
        "created": len(created),
        "converted": len(lat),
        "p50_s": percentile(lat, 0.5),
        "p95_s": percentile(lat, 0.95),
        "max_s": max(lat) if lat else float("nan"),
        "create_p99_ms": percentile(create_ms, 0.99),
        "create_p50_ms": percentile(create_ms, 0.5),
        "pipeline_runs": runs,
        "runs_per_channel_per_2s": runs / max(len(codes) - 1, 1) / (seconds / 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rates", default="10,50")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--stores", type=int, default=4)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--write-doc", action="store_true")
    args = parser.parse_args()
    if not 2 <= args.stores <= 50 or not 1 <= args.seconds <= 600:
        parser.error("--stores 2..50 and --seconds 1..600")
    db = "PostgreSQL" if (args.database_url or "").startswith("postgres") else "SQLite"
    rows = []
    for rate in [float(r) for r in args.rates.split(",")]:
        off = one_run(
            rate=rate,
            seconds=args.seconds,
            stores=args.stores,
            database_url=args.database_url,
            trigger=False,
        )
        on = one_run(
            rate=rate,
            seconds=args.seconds,
            stores=args.stores,
            database_url=args.database_url,
            trigger=True,
        )
        row = {
            **on,
            "create_p99_off_ms": off["create_p99_ms"],
            "p99_ratio_on_off": on["create_p99_ms"] / off["create_p99_ms"],
        }
        rows.append(row)
        print(json.dumps(row, indent=2))
    lines = [
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores, {db}, "
        f"gunicorn 2 workers + 1 django-q2 worker, {args.stores} stores ({args.stores - 1} creating, 1 looking up), "
        f"{args.seconds} s per rate. Latency: from the 201 to the temp id showing its account number at another store.",
        "",
        "| rate/s | created | converted | p50 s | p95 s | max s | pipeline runs | runs/channel/2 s | create p99 on / off ms | ratio |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['rate']:g} | {r['created']} | {r['converted']} | {r['p50_s']:.2f} | {r['p95_s']:.2f} | {r['max_s']:.2f} "
            f"| {r['pipeline_runs']} | {r['runs_per_channel_per_2s']:.2f} | {r['create_p99_ms']:.0f} / {r['create_p99_off_ms']:.0f} "
            f"| {r['p99_ratio_on_off']:.2f} |"
        )
    lines += [
        "",
        "Targets: p95 ≤ 10 s at 50/s; create p99 with the trigger ≤ 1.5× without; ≤ 1 run per channel per 2 s.",
    ]
    if args.write_doc:
        update_benchmarks_doc(f"Near-real-time conversion ({db})", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
