"""Time the reports on the large council with ten years of audits: the monthly report's
figures (insight.figures.monthly), its charts drawn afresh and from the cache, the whole page,
the figures of a year and of all ten years at once; and the annual QA report as the
background worker makes it (its document, then its PDF, Word document and XLSX), with the
peak memory of each.

    .venv/bin/python benchmarks/generate.py            # first: the large council
    .venv/bin/python benchmarks/reports.py --runs 10

The large council has no audits of its own, so this script adds them the first time it runs
on a database: --per-month audits (default 100, a large council's month) in each of the
--years years (default 10) before the reference date, bulk-written, graded on 002's scale
with a share good or better that drifts upward, and 000's impact score on a third of them.
Pages are fetched in-process with Django's test client, as the other scripts do.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import default_database_url, describe_database, setup_django  # noqa: E402

MARK = "Benchmark: reports"
REFERENCE = dt.date(2026, 3, 31)


def seed(per_month: int, years: int, rng: random.Random) -> int:
    from django.db import transaction
    from django.utils import timezone

    from auditloop.audits.models import Audit
    from auditloop.cases.models import Case
    from auditloop.common.dates import add_months
    from auditloop.standards.models import ToolVersion
    from auditloop.standards.services import preset_apply

    done = Audit.objects.filter(reason=MARK).count()
    if done:
        return done
    preset_apply(key="002-six-key-areas")
    version = ToolVersion.objects.filter(tool__key="002-six-key-areas").order_by("-number")[0]
    cases = list(Case.objects.values_list("pk", flat=True).order_by("pk"))
    grades = ["outstanding", "good", "requires_improvement", "inadequate"]
    months = years * 12
    with transaction.atomic():
        rows = []
        for m in range(months):
            first = add_months(REFERENCE.replace(day=1), -(months - 1 - m))
            lift = m / months * 20  # good or better drifts from about 50% to 70%
            for _ in range(per_month):
                day = first + dt.timedelta(days=rng.randint(0, 27))
                grade = rng.choices(grades, [8, 42 + lift, 40 - lift, 10])[0]
                rows.append(Audit(
                    case_id=rng.choice(cases), tool_version=version, reason=MARK,
                    status=Audit.Status.CLOSED, period_start=day - dt.timedelta(days=180),
                    period_end=day, overall_grade=grade, final_grade=grade,
                    impact_score=rng.randint(2, 10) if rng.random() < 0.33 else None,
                    submitted_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10)))))
        Audit.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def timed(run: Callable[[], Any], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=default_database_url())
    parser.add_argument("--per-month", type=int, default=100)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    setup_django(args.database_url)
    import time_machine
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from auditloop.common import charts
    from auditloop.insight import figures
    from auditloop.people.models import User

    print(f"Database: {describe_database()}")
    with time_machine.travel(dt.datetime(2026, 4, 15, 12, 0, tzinfo=dt.UTC), tick=True):
        started = time.perf_counter()
        count = seed(args.per_month, args.years, random.Random(args.seed))
        print(f"Audits: {count:,} ({time.perf_counter() - started:.1f} s to make or find)")
        march = figures.Scope(start=dt.date(2026, 3, 1), end=REFERENCE)
        with CaptureQueriesContext(connection) as queries:
            result = figures.monthly(march)
        print(f"March 2026: {len(result.audits)} audits, good or better {result.good}; "
              f"{len(queries)} queries")
        rows = [("Figures of the month (24 months of trend)",
                 *timed(lambda: figures.monthly(march), args.runs))]

        def draw_fresh() -> None:
            charts._cached.cache_clear()
            assert result.good_trend is not None
            charts.draw(result.good_trend, title="Audits good or better each month",
                        as_percent=True)

        rows.append(("One chart drawn afresh (SVG)", *timed(draw_fresh, args.runs)))
        draw_fresh()
        rows.append(("The same chart from the cache", *timed(
            lambda: charts.draw(result.good_trend,  # type: ignore[arg-type]
                                title="Audits good or better each month", as_percent=True),
            args.runs)))
        client = Client()
        client.force_login(User.objects.get(username="demo-qa_manager"))

        def page(fresh: bool) -> None:
            if fresh:
                charts._cached.cache_clear()
            response = client.get("/reports/monthly/?month=2026-03")
            assert response.status_code == 200

        rows.append(("The page, charts drawn afresh", *timed(lambda: page(True), args.runs)))
        rows.append(("The page, charts from the cache", *timed(lambda: page(False),
                                                               args.runs)))
        year = figures.Scope(start=dt.date(2025, 4, 1), end=REFERENCE)
        rows.append(("A year's graded audits (12 months)", *timed(
            lambda: figures.graded_audits(year), args.runs)))
        decade = figures.Scope(start=dt.date(2016, 4, 1), end=REFERENCE)
        rows.append(("Ten years' graded audits, distributions and trend", *timed(
            lambda: (a := figures.graded_audits(decade), figures.distributions(a),
                     figures.good_trend(a, figures.months_between(decade.start,
                                                                   decade.end))),
            max(1, args.runs // 2))))
        annual = annual_report(max(1, args.runs // 5))
    print()
    print("| what | median | slowest |")
    print("|---|---:|---:|")
    for label, median, slowest in rows:
        print(f"| {label} | {median:,.0f} ms | {slowest:,.0f} ms |")
    print()
    print("The annual QA report for 2025-26, as the worker makes it:")
    print("| step | median | slowest | peak Python memory |")
    print("|---|---:|---:|---:|")
    for label, median, slowest, peak_mb in annual:
        print(f"| {label} | {median:,.0f} ms | {slowest:,.0f} ms | {peak_mb:,.0f} MB |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nPeak memory (maximum resident set): {peak:.0f} MB")


def annual_report(runs: int) -> list[tuple[str, float, float, float]]:
    """The annual report for the financial year 2025-26 over the whole council: building
    its document (figures, section grades, themes, quarter by quarter, trends, the six
    questions), each file, and the whole of insight.tasks.make_version on a real Report."""
    import tracemalloc

    from django.db import transaction

    from auditloop.insight import kinds, render, services
    from auditloop.insight.models import Report, ReportVersion
    from auditloop.insight.tasks import make_version

    period = kinds.Period.financial_year(2025)
    context = kinds.Context(scope=figures_scope(period), period=period)

    def measured(run: Callable[[], Any]) -> tuple[float, float, float]:
        tracemalloc.start()
        median, slowest = timed(run, runs)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return median, slowest, peak / 1024 / 1024

    out: list[tuple[str, float, float, float]] = []
    doc = kinds.build("annual", context)
    out.append(("Its document (figures and charts' points)",
                *measured(lambda: kinds.build("annual", context))))
    out.append(("Its PDF (WeasyPrint, charts as SVG)", *measured(lambda: render.pdf(doc))))
    out.append(("Its Word document (charts as PNG)", *measured(lambda: render.docx(doc))))
    out.append(("Its spreadsheet (XLSX)", *measured(lambda: render.xlsx(doc))))

    def whole() -> None:
        with transaction.atomic():
            Report.objects.filter(kind="annual", period_key=period.key).delete()
            report, _ = services.report_open(kind="annual", period=period, actor=None)
        make_version(ReportVersion.objects.get(report=report, number=0).pk)
        assert ReportVersion.objects.get(report=report, number=0).is_ready

    out.append(("The whole background task (document and three files)", *measured(whole)))
    return out


def figures_scope(period: Any) -> Any:
    from auditloop.insight import figures

    return figures.Scope(start=period.start, end=period.end)


if __name__ == "__main__":
    main()
