"""Import throughput of the monthly layout beside the database's own bulk load of the same rows.

    .venv/bin/python benchmarks/generate.py --database-url postgres://postgres@127.0.0.1:5432/auditloop_bench
    .venv/bin/python benchmarks/imports.py --database-url postgres://postgres@127.0.0.1:5432/auditloop_bench

Needs the large council's staff and teams (generate.py first). Writes a cases.csv of
`--rows` new cases (references BENCH-000001 on, none of them in the register, each with a
service, team, locality, key worker and team manager of the council's), then times:

- the import of those new cases, as `auditloop import monthly cases.csv` runs it (one job,
  in this process, not the background worker);
- the same file again, unchanged;
- the floor: the same rows loaded into a plain table of text columns by the database's own
  bulk load (PostgreSQL's COPY FROM STDIN; on SQLite, executemany of one INSERT), with no
  checks at all.

The imported cases are deleted at the end, so the script can run again on the same database.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import default_database_url, describe_database, setup_django  # noqa: E402

PREFIX = "BENCH-"
HEADER = ["Case reference", "Child identifier", "Family identifier", "Date of birth", "Gender",
          "Service", "Team", "Locality", "Key worker staff number",
          "Team manager staff number", "Open date"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def cases_csv(rows: int, rng: random.Random) -> bytes:
    """`rows` new cases, each held by a worker of a team of the council's, in that team's
    service and managed by the worker's manager where there is one."""
    from auditloop.people.models import Locality, Person

    workers = list(Person.objects.filter(team__isnull=False, team__service__isnull=False)
                   .select_related("team__service", "line_manager")
                   .exclude(staff_number="").order_by("pk"))
    if not workers:
        raise SystemExit("No staff in teams: run benchmarks/generate.py first.")
    localities = list(Locality.objects.values_list("name", flat=True)) or [""]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for i in range(1, rows + 1):
        worker = workers[i % len(workers)]
        born = dt.date(2008, 1, 1) + dt.timedelta(days=rng.randrange(17 * 365))
        opened = dt.date(2025, 4, 1) + dt.timedelta(days=rng.randrange(360))
        writer.writerow([
            f"{PREFIX}{i:06d}", f"BC{i:07d}", f"BF{i // 2:07d}", born.strftime("%d/%m/%Y"),
            rng.choice(["Female", "Male"]), worker.team.service.kind, worker.team.name,
            rng.choice(localities), worker.staff_number,
            worker.line_manager.staff_number if worker.line_manager else "",
            opened.strftime("%d/%m/%Y"),
        ])
    return out.getvalue().encode()


def run_import(data: bytes) -> tuple[float, dict]:
    from auditloop.cases import services
    from auditloop.common.spreadsheets import UploadedFile

    started = time.perf_counter()
    job = services.import_job_create(format="monthly", files=[UploadedFile("cases.csv", data)],
                                     created_by=None, accept_valid_rows=False,
                                     complete_snapshot=False, encoding="utf-8",
                                     run_in_background=False)
    job = services.import_job_run(job=job)
    seconds = time.perf_counter() - started
    if job.status != "succeeded":
        raise SystemExit(f"The import did not succeed ({job.status}): "
                         f"{job.summary} {job.problems[:5]}")
    return seconds, job.summary or {}


def bulk_floor(data: bytes) -> float:
    """The same rows into a plain table of text columns by the database's own bulk load."""
    from django.db import connection, transaction

    columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_import_floor")
        cursor.execute(f"CREATE TABLE bench_import_floor ({columns})")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy("COPY bench_import_floor FROM STDIN "
                                    "WITH (FORMAT csv, HEADER true)") as copy:
                copy.write(data)
        else:
            rows = list(csv.reader(io.StringIO(data.decode())))[1:]
            marks = ", ".join("?" for _ in HEADER)
            cursor.cursor.executemany(f"INSERT INTO bench_import_floor VALUES ({marks})", rows)
    seconds = time.perf_counter() - started
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_import_floor")
    return seconds


def remove_imported() -> None:
    from auditloop.cases.models import Case, ImportJob

    Case.objects.filter(reference__startswith=PREFIX).delete()
    ImportJob.objects.filter(created_by=None, format="monthly").delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=default_database_url())
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    setup_django(args.database_url)
    from django.core.management import call_command

    print(f"Database: {describe_database()}")
    call_command("migrate", verbosity=0, interactive=False)
    remove_imported()
    data = cases_csv(args.rows, random.Random(args.seed))
    print(f"cases.csv: {args.rows:,} rows, {len(data) / 1e6:.1f} MB")

    floor = bulk_floor(data)
    print(f"Bulk load floor: {floor:.2f} s, {args.rows / floor:,.0f} rows a second")
    new, summary = run_import(data)
    print(f"Import, new cases: {new:.1f} s, {args.rows / new:,.0f} rows a second "
          f"({summary.get('cases_created')} cases added)")
    again, summary = run_import(data)
    print(f"Import, unchanged: {again:.1f} s, {args.rows / again:,.0f} rows a second "
          f"({summary.get('cases_created')} added, {summary.get('cases_updated')} changed)")
    print(f"New import as a share of the floor's rows a second: {floor / new:.2%}; "
          f"unchanged re-import {new / again:.1f} times as fast as the new")
    print(f"Peak memory: {peak_rss_mb():.0f} MB")
    remove_imported()


if __name__ == "__main__":
    main()
