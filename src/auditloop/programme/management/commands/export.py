"""`auditloop export_allocations [--cycle ID] [--output FILE]`: who audits what, as CSV.

`auditloop export allocations` runs this too. One row per auditor of each audit a cycle
made, ended assignments included (with why they ended). Cells that a spreadsheet would
run as a formula are prefixed with an apostrophe.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from auditloop.programme.exports import write_allocations
from auditloop.programme.models import Cycle


class Command(BaseCommand):
    help = "Write who audits what as CSV: every cycle, or one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cycle", type=int, help="Only this cycle (its id).")
        parser.add_argument("--output", "-o", help="The file to write (default: the screen).")

    def handle(self, *args: Any, **options: Any) -> None:
        cycle = None
        if options["cycle"] is not None:
            cycle = Cycle.objects.filter(pk=options["cycle"]).first()
            if cycle is None:
                raise CommandError(f"There is no cycle {options['cycle']}. See `auditloop "
                                   "cycle list`.")
        if not options["output"]:
            write_allocations(self.stdout, cycle=cycle)
            return
        try:
            # With a byte order mark, so that Excel reads the names' accents right.
            with open(options["output"], "w", encoding="utf-8-sig", newline="") as out:
                count = write_allocations(out, cycle=cycle)
        except OSError as exc:
            raise CommandError(f"Could not write {options['output']}: {exc.strerror}. Check "
                               "the folder exists and you may write to it.") from exc
        self.stderr.write(f"Wrote {count:,} row{'' if count == 1 else 's'} to "
                          f"{options['output']}.")
