"""`auditloop report <kind> --period ... --format pdf|docx|xlsx`: any report from the
command line, made now from today's data (a draft's figures: no commentary, not published).

    auditloop report monthly --period 2026-03 --format pdf
    auditloop report quarterly --period 2026-Q1 --format docx --output q1.docx
    auditloop report annual --period 2025-26 --format xlsx
    auditloop report service --period 2026-03 --service "Early Help" --format pdf
    auditloop report programme --programme 12 --format pdf
    auditloop report --list
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from auditloop.insight import kinds as report_kinds
from auditloop.insight import render
from auditloop.insight.figures import Scope
from auditloop.people.models import Locality, Service, Team
from auditloop.programme.models import Cycle

FORMATS = ("pdf", "docx", "xlsx", "html")


class Command(BaseCommand):
    help = "Make any report (monthly, quarterly, annual...) as a PDF, Word or XLSX file."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("kind", nargs="?", help="Which report: see --list.")
        parser.add_argument("--list", action="store_true", help="List the reports.")
        parser.add_argument("--period", default="",
                            help="2026-03 (a month, or the year to date to it), 2026-Q1, "
                                 "2025-26. Default: the last whole period.")
        parser.add_argument("--format", choices=FORMATS, default="pdf")
        parser.add_argument("--output", default="",
                            help="The file to write. Default: a name from the report and "
                                 "period, in this folder.")
        parser.add_argument("--service", default="", help="A service's name.")
        parser.add_argument("--team", default="", help="A team's name.")
        parser.add_argument("--locality", default="", help="A locality's name.")
        parser.add_argument("--tool", default="", help="An audit tool's key.")
        parser.add_argument("--theme", default="", help="A theme, as the cycles name it.")
        parser.add_argument("--programme", type=int, default=None,
                            help="A one-off programme's number (for the programme report).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"] or not options["kind"]:
            for k in report_kinds.kinds().values():
                needs = f" (needs --{k.needs})" if k.needs else ""
                self.stdout.write(f"{k.key:14} {k.name}{needs}: {k.description}")
            if not options["list"]:
                raise CommandError("Name the report to make (see the list above).")
            return
        try:
            kind = report_kinds.kind(options["kind"])
        except KeyError as exc:
            raise CommandError(str(exc.args[0])) from None
        cycle_id = None
        if kind.period == report_kinds.PeriodType.PROGRAMME:
            cycle = Cycle.objects.filter(pk=options["programme"] or 0).first()
            if cycle is None:
                raise CommandError("Give the programme's number with --programme (its "
                                   "number is in the address of its page).")
            cycle_id = cycle.pk
            period = report_kinds.Period.between(cycle.period_start, cycle.period_end,
                                                 f"programme-{cycle.pk}")
        else:
            try:
                period = (report_kinds.Period.parse(kind.period, options["period"])
                          if options["period"] else
                          report_kinds.Period.latest(kind.period, timezone.localdate()))
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        service = _named(Service, options["service"], "service")
        team = _named(Team, options["team"], "team")
        locality = _named(Locality, options["locality"], "locality")
        if kind.needs == "team" and team is None:
            raise CommandError("This report is a team's: give the team with --team.")
        if kind.needs == "service" and service is None:
            raise CommandError("This report is a service's: give it with --service.")
        scope = Scope(start=period.start, end=period.end, service_id=service,
                      team_id=team, locality_id=locality, tool_key=options["tool"],
                      theme=options["theme"], cycle_id=cycle_id)
        doc = report_kinds.build(kind.key, report_kinds.Context(scope=scope, period=period))
        fmt = options["format"]
        data = (render.html(doc).encode() if fmt == "html"
                else {"pdf": render.pdf, "docx": render.docx, "xlsx": render.xlsx}[fmt](doc))
        out = Path(options["output"] or render.filename(doc, fmt))
        out.write_bytes(data)
        self.stdout.write(f"{kind.name}, {period.label}: written to {out} "
                          f"({len(data):,} bytes).")


def _named(model: Any, name: str, noun: str) -> int | None:
    if not name:
        return None
    found = model.objects.filter(name__iexact=name.strip()).values_list("pk", flat=True)
    if not found:
        raise CommandError(f"There is no {noun} called {name!r}.")
    return int(found[0])
