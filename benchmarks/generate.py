"""Generate a demo council (the large one by default) into a benchmark database, timing it.

    .venv/bin/python benchmarks/generate.py                      # large, temp SQLite file
    .venv/bin/python benchmarks/generate.py --database-url postgres://postgres@127.0.0.1:5432/auditloop_bench

Migrates the database, removes a demo council made before, then generates and reports the
wall time, CPU time and the process's peak resident memory (resource.getrusage).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import default_database_url, describe_database, setup_django  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large", choices=["small", "standard", "large"])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reference-date", type=dt.date.fromisoformat,
                        default=dt.date(2026, 3, 31),
                        help="Fixed so that runs are comparable. Default: 2026-03-31.")
    parser.add_argument("--database-url", default=default_database_url())
    args = parser.parse_args()

    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    from auditloop.cases.models import Case, CaseEvent, Involvement
    from auditloop.demo.generator import demo_council_exists, generate_council, reset_council

    print(f"Database: {describe_database()}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"Migrate: {time.perf_counter() - started:.1f} s")
    if demo_council_exists():
        started = time.perf_counter()
        reset_council()
        print(f"Removed the previous demo council: {time.perf_counter() - started:.1f} s")

    rss_before = peak_rss_mb()
    cpu = time.process_time()
    started = time.perf_counter()
    summary = generate_council(scale=args.scale, seed=args.seed,
                               reference_date=args.reference_date)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    analysed = ""
    if connection.vendor == "postgresql":
        # What autovacuum would do soon after a bulk load; the register's plans depend on it.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        analysed = f" (then ANALYZE: {time.perf_counter() - started:.1f} s)"
    c = summary.counts
    print(f"Scale: {args.scale}, seed {args.seed}, reference date {args.reference_date}")
    print(f"Generated in {wall:.1f} s wall, {cpu:.1f} s CPU in this process{analysed}")
    print(f"Peak resident memory: {peak_rss_mb():.0f} MB (before generating: {rss_before:.0f} MB)")
    print(f"Staff {c['staff']:,}, teams {c['teams']}, cases {c['cases']:,} "
          f"({c['open_cases']:,} open), involvements {c['involvements']:,}, "
          f"events {c['events']:,}, absences {c['absences']:,}")
    print(f"Rows now: cases {Case.objects.count():,}, involvements "
          f"{Involvement.objects.count():,}, events {CaseEvent.objects.count():,}")


if __name__ == "__main__":
    main()
