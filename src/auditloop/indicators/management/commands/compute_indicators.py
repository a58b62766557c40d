"""`auditloop compute_indicators`: compute the indicators for a month (by default the last
complete month) in every scope, the whole council, each service and each locality, and
store them; computing a month again updates it in place. Run it monthly (after the returns
are imported) from cron or a systemd timer.

    auditloop compute_indicators                          the last complete month
    auditloop compute_indicators --month 2026-10
    auditloop compute_indicators --from 2025-11 --to 2026-10   a year of history
    auditloop compute_indicators --indicator audits_good_or_better --json
    auditloop compute_indicators --queue                  for `auditloop db_worker`
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from auditloop.indicators import registry, services
from auditloop.indicators.registry import Period


def _month(value: str) -> Period:
    try:
        return Period.parse(value)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


class Command(BaseCommand):
    help = ("Compute the indicators for a month in every scope and store them (again: the "
            "month is updated in place).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", type=_month, default=None,
                            help="The month, YYYY-MM (default: the last complete month).")
        parser.add_argument("--from", dest="first", type=_month, default=None,
                            help="The first month of a range, YYYY-MM.")
        parser.add_argument("--to", dest="last", type=_month, default=None,
                            help="The last month of a range, YYYY-MM (with --from).")
        parser.add_argument("--indicator", action="append", default=None,
                            help="Only this indicator (its key); repeat for more.")
        parser.add_argument("--list", action="store_true",
                            help="List the registered indicators and stop.")
        parser.add_argument("--queue", action="store_true",
                            help="Queue the work for `auditloop db_worker` instead.")
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for d in registry.registered():
                self.stdout.write(f"{d.key}: {d.name} ({d.kind}, {d.polarity})")
            return
        if options["month"] and (options["first"] or options["last"]):
            raise CommandError("Give --month, or --from and --to, not both.")
        if bool(options["first"]) != bool(options["last"]):
            raise CommandError("Give both --from and --to.")
        first = options["first"] or options["month"] or Period.month(
            timezone.localdate()).shift(-1)
        last = options["last"] or first
        if last < first:
            raise CommandError("--to is before --from.")
        known = {d.key for d in registry.registered()}
        unknown = set(options["indicator"] or ()) - known
        if unknown:
            raise CommandError(f"No indicator registered as {', '.join(sorted(unknown))}; "
                               "see --list.")
        if options["queue"]:
            if options["indicator"]:
                raise CommandError("--queue computes every indicator: leave out --indicator.")
            from auditloop.indicators.tasks import compute_indicators

            for month in registry.months(first, last):
                result = compute_indicators.enqueue(month.key)
                self.stdout.write(f"Queued {month.label} ({result.id}).")
            return
        report = services.compute_months(first, last, keys=options["indicator"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
            return
        n = len(report.months)
        self.stdout.write(f"{report.values} value{'' if report.values == 1 else 's'} stored "
                          f"for {n} month{'' if n == 1 else 's'} ({first.label}"
                          f"{'' if n == 1 else ' to ' + last.label}); {report.signals} new "
                          f"signal{'' if report.signals == 1 else 's'}.")
