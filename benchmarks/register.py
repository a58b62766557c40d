"""Time the case register's pages on a generated council, as a QA manager and a team manager.

    .venv/bin/python benchmarks/generate.py            # first: the large council
    .venv/bin/python benchmarks/register.py --runs 30

Uses Django's test client in-process against the benchmark database (no web server, so
the times are Django's and the database's, not the network's). Each page is fetched a few
times to warm up, then --runs times; the median and 95th percentile are reported, with the
number of queries and the slowest query of one extra, instrumented run.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import default_database_url, describe_database, setup_django  # noqa: E402


@dataclass
class Result:
    user: str
    page: str
    median_ms: float
    p95_ms: float
    queries: int
    sql_ms: float
    slowest_ms: float
    slowest_sql: str
    rows: str


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=default_database_url())
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()

    setup_django(args.database_url)
    from django.test import Client

    from auditloop.cases.models import Case
    from auditloop.people.models import User

    print(f"Database: {describe_database()}")
    print(f"Cases in the register: {Case.objects.count():,}")
    results: list[Result] = []

    for username in ("demo-qa_manager", "demo-team_manager"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        for label, rows, fetch in pages_for(username, client):
            results.append(measure(username, label, rows, fetch, args.runs, args.warmup))

    print()
    print("| User | Page | Rows | Median ms | p95 ms | Queries | SQL ms | Slowest query ms |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r.user} | {r.page} | {r.rows} | {r.median_ms:.1f} | {r.p95_ms:.1f} | "
              f"{r.queries} | {r.sql_ms:.1f} | {r.slowest_ms:.1f} |")
    print()
    print("Slowest query of each page (instrumented run):")
    for r in results:
        sql = re.sub(r"^SELECT .*? FROM ", "SELECT ... FROM ", r.slowest_sql)
        sql = re.sub(r"'[^']{20,}'", "'...'", sql)  # session data and the like
        print(f"- {r.user}, {r.page}: {r.slowest_ms:.1f} ms: {sql[:500]}")


Page = tuple[str, str, Callable[[], Any]]  # label, what it shows, fetch it


def pages_for(username: str, client: Any) -> list[Page]:
    from django.db.models import Count

    from auditloop.cases import selectors
    from auditloop.cases.models import Case
    from auditloop.people.models import Service, User

    user = User.objects.get(username=username)
    visible = selectors.cases_for_user(user=user)
    visible_open = visible.filter(status=Case.Status.OPEN).count()
    # The case page at its heaviest: the visible case with the most events.
    busiest = (
        Case.objects.filter(pk__in=visible.values("pk"))
        .annotate(n=Count("events")).order_by("-n", "pk").values_list("pk", "n").first()
    )
    assert busiest is not None, f"{username} sees no cases: generate the council first"
    deep_page = max(1, visible_open // 50 // 2)
    sample = visible.order_by("-pk").values_list("reference", flat=True).first()
    child_protection = Service.objects.get(kind=Service.Kind.CP)
    return [
        ("Case list: open cases (the default)", f"{visible_open:,} rows",
         lambda: client.get("/cases/")),
        (f"Case list: open cases, page {deep_page}", f"offset {(deep_page - 1) * 50:,}",
         lambda: client.get(f"/cases/?status=open&page={deep_page}")),
        ("Case list: all statuses, Child Protection", "",
         lambda: client.get(f"/cases/?status=&service={child_protection.pk}")),
        ("Case list: find by reference (POST)", "1 row",
         lambda: client.post("/cases/", {"reference": sample})),
        ("Case page: the visible case with most events", f"{busiest[1]} events",
         lambda: client.get(f"/cases/{busiest[0]}/")),
    ]


def measure(username: str, label: str, rows: str, fetch: Callable[[], Any], runs: int,
            warmup: int) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        response = fetch()
        assert response.status_code == 200, (label, response.status_code)
    times: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        fetch()
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        fetch()
    timed = [(float(q["time"]) * 1000, q["sql"]) for q in queries.captured_queries]
    slowest = max(timed, default=(0.0, ""))
    return Result(
        user=username, page=label, median_ms=statistics.median(times),
        p95_ms=percentile(times, 0.95), queries=len(timed),
        sql_ms=sum(t for t, _ in timed), slowest_ms=slowest[0], slowest_sql=slowest[1],
        rows=rows,
    )


if __name__ == "__main__":
    main()
