"""Time computing every indicator for the large council: 24 months of referrals (the demo's,
as the CIN census would bring them) on the large demo council, with the drift thresholds of
000 and 003 and the demo's statutory visit intervals set, then every registered
indicator (from the returns and from auditloop's own audits and actions) computed for every
month in every scope (the council, each service, each locality), the signals raised from
the series, a month computed again (updated in place), and the peak memory.

    .venv/bin/python benchmarks/indicators.py                 # SQLite, in the temp folder
    .venv/bin/python benchmarks/indicators.py --database-url postgres://postgres@127.0.0.1:5432/auditloop_bench

The council is generated the first time (as benchmarks/generate.py does), and the referrals
are written once; later runs reuse both and time the computing only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import default_database_url, describe_database, setup_django  # noqa: E402

REFERENCE = dt.date(2026, 3, 31)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=default_database_url())
    parser.add_argument("--scale", default="large")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.core.management import call_command

    from auditloop.cases.models import Case, Referral
    from auditloop.common.dates import add_months
    from auditloop.demo import indicators as demo_indicators
    from auditloop.demo.generator import demo_council_exists, generate_council
    from auditloop.demo.structure import DEMO_SOURCE
    from auditloop.indicators import registry, services, signals
    from auditloop.indicators.models import Indicator, IndicatorValue, Signal

    call_command("migrate", "--no-input", verbosity=0)
    print(f"Database: {describe_database()}; {os.cpu_count()} CPUs; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not demo_council_exists():
        started = time.perf_counter()
        generate_council(scale=args.scale, seed=args.seed, reference_date=REFERENCE)
        print(f"Council generated in {time.perf_counter() - started:.1f} s")
    cases = Case.objects.filter(source=DEMO_SOURCE).count()
    first = add_months(REFERENCE.replace(day=1), -demo_indicators.MONTHS)
    last = add_months(REFERENCE.replace(day=1), -1)
    if not Referral.objects.exists():
        started = time.perf_counter()
        demo_indicators.write_referrals(random.Random(args.seed), REFERENCE)
        print(f"Referrals written in {time.perf_counter() - started:.1f} s")
    # The drift thresholds of 000 and 003 and the demo's visit intervals, so that the
    # register's own indicators (drift, TAF reviews, plans, statutory visits) count.
    from auditloop.standards.models import FrameworkSettingChange
    from auditloop.standards.services import framework_settings_set

    framework_settings_set(values={
        "taf_interval_weeks_min": 4, "taf_interval_weeks_max": 6,
        "taf_interval_weeks_acceptable": 8, "initial_review_weeks_after_taf": 6,
        "plan_open_audit_months": 9, "plan_open_contact_coordinator_months": 12},
        actor=None, source=FrameworkSettingChange.Source.COMMAND, reason="benchmark")
    demo_indicators.set_visit_intervals()
    referrals = Referral.objects.count()
    scopes = len(registry.scopes())
    print(f"{cases:,} cases, {referrals:,} referrals, {len(registry.registered())} indicators, "
          f"{scopes} scopes, months {first:%B %Y} to {last:%B %Y}")

    # From nothing: every indicator, every month, every scope; then the signals.
    IndicatorValue.objects.all().delete()
    Signal.objects.all().delete()
    started = time.perf_counter()
    report = services.compute_months(first, last)
    whole = time.perf_counter() - started
    values = IndicatorValue.objects.count()
    print(f"| Every indicator, {len(report.months)} months, every scope, then the signals | "
          f"{whole:.1f} s | {values:,} values, {report.signals} signals | "
          f"{peak_mb():.0f} MB peak |")
    started = time.perf_counter()
    services.compute_month(last)
    print(f"| The last month again (updated in place) | {time.perf_counter() - started:.1f} s "
          f"| {IndicatorValue.objects.count() - values} values added | |")
    started = time.perf_counter()
    signals.detect_all(list(Indicator.objects.filter(active=True)))
    print(f"| The signals alone, every series | {time.perf_counter() - started:.1f} s | "
          f"{Signal.objects.count()} signals kept | |")


if __name__ == "__main__":
    main()
