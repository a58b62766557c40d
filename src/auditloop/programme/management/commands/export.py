"""`auditloop export cases|staff|involvements|allocations [--cycle ID] [--output FILE]`: CSV.

`cases`, `involvements` and `staff` write the register in the import layouts (the monthly
layout's Cases and Involvements tables, the staff list), so an export can be imported again.
`allocations` writes who audits what: one row per auditor of each audit a cycle made, ended
assignments included (with why they ended), for every cycle or the one `--cycle` names.
Cells that a spreadsheet would run as a formula are prefixed with an apostrophe.

The command lives in `programme`, the lowest app that can see every kind it writes.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from auditloop.cases.exports import EXPORTS, write_register
from auditloop.programme.exports import write_allocations
from auditloop.programme.models import Cycle

KINDS = [*sorted(EXPORTS), "allocations"]


class Command(BaseCommand):
    help = ("Write the case register, the staff list or who audits what as CSV, the register "
            "in the import layouts.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=KINDS, help="What to write: " + ", ".join(KINDS))
        parser.add_argument("--cycle", type=int,
                            help="allocations only: this cycle (its id) instead of every cycle.")
        parser.add_argument("--output", "-o", help="The file to write (default: the screen).")

    def handle(self, *args: Any, **options: Any) -> None:
        what = options["what"]
        if what == "allocations":
            cycle = None
            if options["cycle"] is not None:
                cycle = Cycle.objects.filter(pk=options["cycle"]).first()
                if cycle is None:
                    raise CommandError(f"There is no cycle {options['cycle']}. See "
                                       "`auditloop cycle list`.")

            def write(out: Any) -> int:
                return write_allocations(out, cycle=cycle)
        else:
            if options["cycle"] is not None:
                raise CommandError("--cycle only goes with `export allocations`. Leave it out "
                                   f"to export {what}.")

            def write(out: Any) -> int:
                return write_register(out, what)
        if not options["output"]:
            write(self.stdout)
            return
        try:
            # With a byte order mark, so that Excel reads the names' accents right.
            with open(options["output"], "w", encoding="utf-8-sig", newline="") as out:
                count = write(out)
        except OSError as exc:
            raise CommandError(f"Could not write {options['output']}: {exc.strerror}. Check "
                               "the folder exists and you may write to it.") from exc
        self.stderr.write(f"Wrote {count:,} row{'' if count == 1 else 's'} to "
                          f"{options['output']}.")
