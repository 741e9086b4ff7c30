"""Conversion at scale: P-job, customer sync and 1010 timed separately, against a baseline.

Builds N async customers over 20 channels (each with an address, an email, a phone and an
attribute) with the POS bulk helper, then times each job, and in the same run a raw
`executemany` insert, in one transaction, of N customer + address + 2 contact rows into the
HQ tables (the physical floor for writing that data; rolled back afterwards). Each size runs
in its own process so peak RSS is that size's.

    python bench/conversion.py --sizes 10000,100000 [--database-url URL] [--write-doc]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

sys.path.insert(0, os.path.dirname(__file__))
from _harness import ROOT, bench_env, reset_postgres, update_benchmarks_doc  # noqa: E402

CHANNELS = 20


def one_size(n: int) -> dict:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from channels_app.services.bulk import async_customers_bulk_create
    from hqcommerce.models import Channel, FunctionalityProfile
    from hqcommerce.services.configuration import channel_configuration_push
    from hqcommerce.services.customer_sync import customer_sync_run
    from hqcommerce.services.distribution import distribution_run
    from hqcommerce.services.upload import pjob_run

    call_command("migrate_all", verbosity=0)
    profile = FunctionalityProfile.objects.create(name="Bench", create_customer_async=True)
    channels = [
        Channel.objects.create(code=f"B{i:02d}", name=f"B{i}", profile=profile)
        for i in range(CHANNELS)
    ]
    channel_configuration_push(channels=channels)  # the stores in their channel database
    t0 = time.perf_counter()
    per = n // CHANNELS
    for c_index, channel in enumerate(channels):
        for start in range(0, per, 2000):
            async_customers_bulk_create(
                channel=channel,
                rows=[
                    {
                        "first_name": f"F{c_index}-{i}",
                        "last_name": "Bench",
                        "addresses": [{"street": f"Street {i}", "city": "Madrid", "country": "ES"}],
                        "contacts": [
                            {"kind": "email", "value": f"c{c_index}.{i}@bench.example"},
                            {"kind": "phone", "value": f"+34 6{c_index:02d}{i:06d}"},
                        ],
                        "attributes": [{"name": "Segment", "value": "bench"}],
                    }
                    for i in range(start, min(start + 2000, per))
                ],
            )
    build = time.perf_counter() - t0
    peak_after = {"build": _peak_rss_mb()}
    timings = {}
    sql_stats = _SqlStats() if os.environ.get("BENCH_SQL") else None
    for name, job in (("pjob", pjob_run), ("sync", customer_sync_run), ("1010", distribution_run)):
        t = time.perf_counter()
        if os.environ.get("BENCH_PROFILE") == name:
            import cProfile

            with cProfile.Profile() as prof:
                result = job()
            prof.dump_stats(f"/tmp/bench-{name}.prof")
        elif sql_stats is not None:
            with connection.execute_wrapper(sql_stats):
                result = job()
            sql_stats.report(name)
        else:
            result = job()
        timings[name] = time.perf_counter() - t
        peak_after[name] = _peak_rss_mb()
        assert result.failed == 0, (name, result.errors[:3])

    # Baseline: the same number of customer, address and contact rows, raw, one transaction.
    # Rows are generated as executemany consumes them, through the driver's own cursor (Django's
    # SQLite wrapper tee()s the parameters, keeping them all), so the baseline's rows do not
    # swell the run's peak RSS at the larger size.
    t = time.perf_counter()
    with transaction.atomic():
        connection.ensure_connection()
        cursor = connection.connection.cursor()
        now = connection.ops.adapt_datetimefield_value(datetime.now(UTC))

        def sql(text: str) -> str:  # the driver's own placeholder style
            return (
                text.replace("%s", "?").replace("%%", "%")
                if connection.vendor == "sqlite"
                else text
            )

        try:
            cursor.executemany(
                sql(
                    "INSERT INTO hqcommerce_customer (account_number, party_type, first_name, middle_name, last_name, "
                    "organization_name, customer_group, currency, language, receipt_preference, tax_id, replication_version, "
                    "created_at, modified_at, title, receipt_email) "
                    "VALUES (%s, 'person', %s, '', 'Bench', '', 'RETAIL', 'USD', 'en-us', 'print', '', %s, %s, %s, '', '')"
                ),
                ((f"BASE{i:09d}", f"F{i}", 10**12 + i, now, now) for i in range(n)),
            )
            cursor.execute(
                sql(
                    "SELECT min(id), max(id) FROM hqcommerce_customer WHERE account_number LIKE 'BASE%%'"
                )
            )
            first, last = cursor.fetchone()
            assert last - first + 1 == n, "baseline ids not contiguous"
            ids = range(first, last + 1)  # one transaction, one sequence: contiguous ids
            cursor.executemany(
                sql(
                    "INSERT INTO hqcommerce_customeraddress (customer_id, async_id, purpose, is_primary, name, street, city, state, zip_code, country) "
                    "VALUES (%s, %s, 'home', true, '', 'Street', 'Madrid', '', '', 'ESP')"
                ),
                ((i, uuid.uuid4().hex) for i in ids),
            )
            cursor.executemany(
                sql(
                    "INSERT INTO hqcommerce_customercontact (customer_id, kind, value, normalized_value, is_primary, marketing_opt_in) VALUES (%s, %s, %s, %s, true, false)"
                ),
                itertools.chain(
                    ((i, "email", f"b{i}@x.es", f"b{i}@x.es") for i in ids),
                    ((i, "phone", f"+34{i}", f"34{i}") for i in ids),
                ),
            )
        finally:
            cursor.close()
        baseline = time.perf_counter() - t
        transaction.set_rollback(True)
    pipeline = sum(timings.values())
    return {
        "n": n,
        "build_s": build,
        **{f"{k}_s": v for k, v in timings.items()},
        "pipeline_s": pipeline,
        "baseline_s": baseline,
        "ratio": pipeline / baseline,
        "us_per_customer": pipeline / n * 1e6,
        "peak_rss_mb": _peak_rss_mb(),
        "peak_rss_mb_after": peak_after,
    }


class _SqlStats:
    """`BENCH_SQL=1`: seconds per statement shape, printed to stderr after each step."""

    def __init__(self) -> None:
        self.totals: dict[str, list[float]] = {}

    def __call__(self, execute, sql, params, many, context):
        import re

        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            shape = re.sub(r"(%s|\?|\d+)(, *(%s|\?|\d+))+", "…", str(sql))[:160]
            entry = self.totals.setdefault(shape, [0.0, 0])
            entry[0] += time.perf_counter() - t
            entry[1] += 1

    def report(self, step: str) -> None:
        top = sorted(self.totals.items(), key=lambda kv: -kv[1][0])[:12]
        print(f"--- {step}: SQL seconds by statement", file=sys.stderr)
        for shape, (seconds, count) in top:
            print(f"{seconds:8.2f}s {count:6d}x  {shape}", file=sys.stderr)
        self.totals.clear()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--write-doc", action="store_true")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one)))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    if any(s < CHANNELS or s > 1_000_000 for s in sizes):
        parser.error(f"sizes between {CHANNELS} and 1,000,000")
    db = "PostgreSQL" if (args.database_url or "").startswith("postgres") else "SQLite"
    rows = []
    for n in sizes:
        if db == "PostgreSQL":
            reset_postgres(args.database_url)
        env = bench_env(args.database_url, HQ_AUTO_CONVERT="0", HQ_JOB_BATCH_SIZE="1000")
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n)],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.PIPE,  # stderr passes through (BENCH_SQL)
            text=True,
        ).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]))
    lines = [
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores, {db}, "
        f"{CHANNELS} channels; each customer with an address, an email, a phone and an attribute. "
        "The stores share one channel database (as the stores of one scale unit do), so 1010 "
        "writes one copy of each customer, which every store sees.",
        "",
        "| customers | P-job s | sync s | 1010 s | pipeline s | baseline s | pipeline / baseline | µs per customer | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']} | {r['pjob_s']:.1f} | {r['sync_s']:.1f} | {r['1010_s']:.1f} | {r['pipeline_s']:.1f} | "
            f"{r['baseline_s']:.2f} | {r['ratio']:.1f} | {r['us_per_customer']:.0f} | {r['peak_rss_mb']:.0f} |"
        )
    if len(rows) >= 2:
        small, big = rows[0], rows[-1]
        lines += [
            "",
            f"Per-customer cost {big['n']} vs {small['n']}: {big['us_per_customer'] / small['us_per_customer']:.2f}x; "
            f"peak RSS: {big['peak_rss_mb'] / small['peak_rss_mb']:.2f}x.",
        ]
    lines += [
        "",
        "Targets: pipeline ≤ 4× baseline; per-customer cost at the larger size ≤ 1.2× the smaller; peak RSS ≤ 1.5×.",
    ]
    if args.write_doc:
        # `make bench` (sizes that finish in minutes) and `make bench-large` (100k) keep
        # separate sections, so neither overwrites the other's figures.
        large = max(r["n"] for r in rows) >= 100_000
        section = f"Conversion at 100k ({db})" if large else f"Conversion ({db})"
        update_benchmarks_doc(section, "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
