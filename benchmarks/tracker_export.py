"""Time the central tracker's exports on the large council, to choose how many rows an export
may have and still be made in the request (audits.tracker_exports.INLINE_ROWS), and show what
a larger one costs the request once it goes to the background worker.

    .venv/bin/python benchmarks/generate.py            # first: the large council
    .venv/bin/python benchmarks/tracker_export.py --runs 5

It adds the tracker's audits the first time, as benchmarks/tracker.py does (the same
seed_audits), and freezes time at the council's reference date. It times, for the QA
manager's view of every audited case:

- the work an inline export does (counting the rows, reading them, writing the workbook or
  CSV file and stamping it) for the first N rows, so the cost per row is seen;
- the export request itself through Django's test client (the reason posted): with every
  row made inline (the limit raised above the row count), and as it is now, queued;
- the background task that makes the large workbook.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import default_database_url, describe_database, setup_django  # noqa: E402


def timed(work: Callable[[], Any], runs: int) -> tuple[float, float, float]:
    """Median, fastest and slowest wall time in ms, after one run to warm up."""
    work()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=default_database_url())
    parser.add_argument("--audits", type=int, default=2400)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    setup_django(args.database_url)
    import time_machine
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings
    from tracker import REFERENCE, seed_audits  # benchmarks/tracker.py

    from auditloop.audits import tracker
    from auditloop.audits import tracker_exports as tx
    from auditloop.audits.tracker_export_models import TrackerExport
    from auditloop.common.exports import ExportStamp
    from auditloop.people.models import User

    call_command("migrate", verbosity=0)
    print(f"Database: {describe_database()}")
    with (time_machine.travel(dt.datetime(2026, 3, 31, 12, 0, tzinfo=dt.UTC), tick=True),
          override_settings(EXPORT_RATE_LIMIT=10_000)):
        audits, actions = seed_audits(args.audits, random.Random(args.seed))
        print(f"Tracker data: {audits:,} audits, {actions:,} audit actions")
        user = User.objects.get(username="demo-qa_manager")
        filters = tracker.TrackerFilters()
        total = tx.export_row_count(view="cases", user=user, filters=filters, today=REFERENCE)
        print(f"Rows in the QA manager's export of every audited case: {total:,}")
        print()
        print("| Work | Rows | Median ms | Fastest ms | Slowest ms | ms a row |")
        print("|---|---:|---:|---:|---:|---:|")

        def inline(fmt: str, n: int) -> Callable[[], bytes]:
            def work() -> bytes:
                tx.export_row_count(view="cases", user=user, filters=filters, today=REFERENCE)
                rows = tx.export_rows(view="cases", user=user, filters=filters,
                                      today=REFERENCE)
                return tx.export_file(fmt, itertools.islice(rows, n), view="cases",
                                      stamp=ExportStamp.now(user))
            return work

        for fmt in ("xlsx", "csv"):
            for n in (250, 500, 1000, 2000, total):
                if n > total:
                    continue
                median, fast, slow = timed(inline(fmt, n), args.runs)
                print(f"| Inline {fmt.upper()} work, first {n:,} rows | {n:,} | {median:,.0f} "
                      f"| {fast:,.0f} | {slow:,.0f} | {median / n:.2f} |")

        client = Client()
        client.force_login(user)
        reason = {"reason": "Benchmark"}
        url = "/audits/tracker/export.xlsx?view=cases"

        def request() -> Any:
            response = client.post(url, reason)
            assert response.status_code in (200, 302), response.status_code
            return response

        with override_settings(TRACKER_EXPORT_INLINE_ROWS=total):
            median, fast, slow = timed(request, args.runs)
        print(f"| Request, every row made inline (XLSX) | {total:,} | {median:,.0f} "
              f"| {fast:,.0f} | {slow:,.0f} | {median / total:.2f} |")
        before = set(TrackerExport.objects.values_list("pk", flat=True))
        median, fast, slow = timed(request, args.runs)
        print(f"| Request, queued for the worker (XLSX) | {total:,} | {median:,.0f} "
              f"| {fast:,.0f} | {slow:,.0f} | |")
        queued = list(TrackerExport.objects.exclude(pk__in=before).order_by("pk")
                      .values_list("pk", flat=True))

        times = []
        for pk in queued[:args.runs]:
            started = time.perf_counter()
            tx.export_make(pk)
            times.append((time.perf_counter() - started) * 1000)
        made = TrackerExport.objects.get(pk=queued[0])
        assert made.is_ready, made.error
        print(f"| Background task (XLSX, {len(bytes(made.data or b'')) / 1024:,.0f} KB) "
              f"| {made.rows_total:,} | {statistics.median(times):,.0f} | {min(times):,.0f} "
              f"| {max(times):,.0f} | {statistics.median(times) / made.rows_total:.2f} |")
        # What the benchmark made is its own: remove it.
        TrackerExport.objects.filter(requested_by=user).delete()


if __name__ == "__main__":
    main()
