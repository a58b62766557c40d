"""Time the home page of every demo role on a generated council, and what each panel costs.

    .venv/bin/python benchmarks/generate.py            # first: the large council
    .venv/bin/python benchmarks/home_pages.py --runs 30
    .venv/bin/python benchmarks/home_pages.py --runs 30 --with-audits   # tracker.py's audits

Uses Django's test client in-process against the benchmark database (no web server), signed
in as each `demo-<role>` user in turn. Each home page is fetched --warmup times, then --runs
times; the median and 95th percentile are reported, with the queries of one extra,
instrumented run (their number, their total time and the slowest, timed here with
perf_counter around each execute, so SQLite's are not rounded to the millisecond). The
minimal view (/healthz, signed in as the first user) is timed the same way first: the floor
every signed-in request pays. Then each home-page panel provider (common.attention) is
called on its own for each user (a quarter of --runs times, at least 3), and the costliest
panels are listed with their median ms and queries.

Time is frozen at the council's reference date (generate.py's default, 31 March 2026), as
tracker.py does, so "today" is the day the council was generated for. The large council has
no audits unless --with-audits adds tracker.py's (2,400 audits and their actions, written
once per database; tracker.py adds the same).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import default_database_url, describe_database, setup_django  # noqa: E402

REFERENCE = dt.datetime(2026, 3, 31, 12, 0, tzinfo=dt.UTC)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass
class Queries:
    timed: list[tuple[float, str]] = field(default_factory=list)

    @property
    def total_ms(self) -> float:
        return sum(t for t, _ in self.timed)

    def slowest(self, n: int) -> list[tuple[float, str]]:
        return sorted(self.timed, key=lambda q: -q[0])[:n]


@contextmanager
def captured() -> Iterator[Queries]:
    """Every query run inside, with its own wall time in ms."""
    from django.db import connection

    found = Queries()

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool,
                context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            found.timed.append(((time.perf_counter() - started) * 1000, sql))

    with connection.execute_wrapper(wrapper):
        yield found


def short(sql: str) -> str:
    sql = re.sub(r"^SELECT .*? FROM ", "SELECT ... FROM ", sql, flags=re.S)
    sql = re.sub(r"'[^']{20,}'", "'...'", sql)
    sql = re.sub(r"(%s, ){5,}%s", "%s, ... %s", sql)
    sql = re.sub(r"(\d+, ){5,}\d+", "<ids>", sql)
    return sql[:400]


@dataclass
class PageResult:
    user: str
    median_ms: float
    p95_ms: float
    queries: Queries
    panels: list[str]


def measure_page(client: Any, runs: int, warmup: int, path: str = "/"
                 ) -> tuple[float, float, Queries, str]:
    for _ in range(warmup):
        response = client.get(path)
        assert response.status_code == 200, response.status_code
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    with captured() as queries:
        response = client.get(path)
    return (statistics.median(times), percentile(times, 0.95), queries,
            response.content.decode())


def measure_providers(user: Any, runs: int) -> list[tuple[str, float, int, float]]:
    """(provider, median ms, queries, slowest query ms) for each panel provider."""
    from auditloop.common import attention

    rows = []
    for provider in attention._providers:  # noqa: SLF001 - the benchmark looks inside
        name = f"{provider.__module__.removeprefix('auditloop.')}.{provider.__name__}"
        provider(user)  # warm
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            provider(user)
            times.append((time.perf_counter() - started) * 1000)
        with captured() as queries:
            provider(user)
        rows.append((name, statistics.median(times), len(queries.timed),
                     max((t for t, _ in queries.timed), default=0.0)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=default_database_url())
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--with-audits", action="store_true",
                        help="add tracker.py's 2,400 audits first (once per database)")
    parser.add_argument("--users", default="",
                        help="comma-separated demo usernames (default: every demo-<role>)")
    parser.add_argument("--slowest", type=int, default=3,
                        help="slowest queries to print for each page")
    args = parser.parse_args()

    os.environ.setdefault("LOG_LEVEL", "WARNING")  # not a line per request
    setup_django(args.database_url)
    import time_machine
    from django.test import Client

    import auditloop
    from auditloop.cases.models import Case
    from auditloop.people.models import User

    print(f"Code: {Path(auditloop.__file__).parent}")
    print(f"Database: {describe_database()}")
    print(f"Cases in the register: {Case.objects.count():,} "
          f"({Case.objects.filter(status=Case.Status.OPEN).count():,} open)")
    with time_machine.travel(REFERENCE, tick=True):
        if args.with_audits:
            from tracker import seed_audits

            started = time.perf_counter()
            audits, actions = seed_audits(2400, random.Random(2026))
            print(f"Audits (tracker.py's): {audits:,} audits, {actions:,} audit actions "
                  f"({time.perf_counter() - started:.1f} s)")
        from auditloop.audits.models import Audit

        print(f"Audits in the database: {Audit.objects.count():,}")
        names = [u for u in args.users.split(",") if u] or list(
            User.objects.filter(username__startswith="demo-", is_active=True)
            .order_by("username").values_list("username", flat=True))
        results: list[PageResult] = []
        # The floor: the minimal view (/healthz), signed in, through every middleware.
        client = Client()
        client.force_login(User.objects.get(username=names[0]))
        median, p95, queries, _ = measure_page(client, args.runs, args.warmup, "/healthz")
        floor = PageResult(f"{names[0]}: minimal view (/healthz)", median, p95, queries, [])
        provider_rows: list[tuple[str, str, float, int, float]] = []
        for username in names:
            user = User.objects.get(username=username)
            client = Client()
            client.force_login(user)
            median, p95, queries, body = measure_page(client, args.runs, args.warmup)
            titles = re.findall(r'<h2 class="govuk-heading-m"[^>]*>\s*([^<]+?)\s*</h2>', body)
            results.append(PageResult(username, median, p95, queries, titles))
            # The panels on their own, with the user as the request sees it.
            user = User.objects.get(username=username)
            for name, ms, count, slowest in measure_providers(user, max(3, args.runs // 4)):
                provider_rows.append((username, name, ms, count, slowest))

    load = os.getloadavg()
    print(f"Load average after the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{args.runs} timed runs after {args.warmup} to warm up")
    print()
    print("| User | Median ms | p95 ms | Queries | SQL ms | Slowest query ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in [floor, *results]:
        slowest = r.queries.slowest(1)
        print(f"| {r.user} | {r.median_ms:.1f} | {r.p95_ms:.1f} | {len(r.queries.timed)} | "
              f"{r.queries.total_ms:.1f} | {slowest[0][0] if slowest else 0:.1f} |")
    print()
    print("Panel providers costing over 2 ms (median of their own runs):")
    for user, name, ms, count, slowest in sorted(provider_rows, key=lambda r: -r[2]):
        if ms >= 2:
            print(f"- {user}: {name}: {ms:.1f} ms, {count} queries, slowest {slowest:.1f} ms")
    print()
    print("Slowest queries of each page (instrumented run):")
    for r in results:
        for ms, sql in r.queries.slowest(args.slowest):
            print(f"- {r.user}: {ms:.1f} ms: {short(sql)}")


if __name__ == "__main__":
    main()
