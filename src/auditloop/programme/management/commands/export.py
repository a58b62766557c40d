"""`auditloop export cases|staff|involvements|allocations [--cycle ID] [--output FILE]
[--as USERNAME --reason "..."]`: CSV.

`cases`, `involvements` and `staff` write the register in the import layouts (the monthly
layout's Cases and Involvements tables, the staff list), so an export can be imported again.
`allocations` writes who audits what: one row per auditor of each audit a cycle made, ended
assignments included (with why they ended), for every cycle or the one `--cycle` names.
Cells that a spreadsheet would run as a formula are prefixed with an apostrophe.

`cases`, `involvements` and `allocations` hold children's records, so they need `--as` (the
username of the person exporting, who must hold the capability to export the register) and
`--reason`: each case exported gets an EXPORT row in the access log with the reason and the
path "auditloop export <what>". The files themselves stay in their layouts (no line saying
who exported them, so they can be imported again): the access log is the record.

The command lives in `programme`, the lowest app that can see every kind it writes.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from auditloop.audits.models import AuditAssignment
from auditloop.cases.exports import EXPORTS, write_register
from auditloop.cases.models import Case, Involvement
from auditloop.common.access import log_access_outside_request
from auditloop.common.models import AccessLog
from auditloop.people.roles import Capability
from auditloop.programme.exports import write_allocations
from auditloop.programme.models import Cycle, CycleCase

KINDS = [*sorted(EXPORTS), "allocations"]
# The exports that hold children's records: who and why are asked for and logged.
CHILD_LEVEL = ("cases", "involvements", "allocations")


def _exporter(what: str, username: str | None, reason: str | None) -> Any:
    if not username or not (reason or "").strip():
        raise CommandError(
            f"`export {what}` writes children's records, so say who is exporting and why: "
            f'add --as YOUR_USERNAME --reason "why you need it". Both go in the access log.')
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"There is no user {username}. Give your own username, the one "
                           "you sign in with.")
    if not user.is_active or not user.has_capability(  # type: ignore[attr-defined]
            Capability.EXPORT_REGISTER):
        raise CommandError(f"{username} may not export the case register: their roles do "
                           "not include it. Ask the QA manager to check their roles.")
    return user


def _case_ids(what: str, cycle: Cycle | None) -> list[int]:
    """The cases the export holds, for the access log."""
    if what == "cases":
        return list(Case.objects.order_by("pk").values_list("pk", flat=True))
    if what == "involvements":
        return list(Involvement.objects.order_by("case_id").values_list("case_id", flat=True)
                    .distinct())
    links = CycleCase.objects.filter(audit__isnull=False)
    if cycle is not None:
        links = links.filter(cycle=cycle)
    return list(AuditAssignment.objects.filter(audit_id__in=links.values("audit_id"))
                .order_by("audit__case_id").values_list("audit__case_id", flat=True)
                .distinct())


class Command(BaseCommand):
    help = ("Write the case register, the staff list or who audits what as CSV, the register "
            "in the import layouts.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=KINDS, help="What to write: " + ", ".join(KINDS))
        parser.add_argument("--cycle", type=int,
                            help="allocations only: this cycle (its id) instead of every cycle.")
        parser.add_argument("--output", "-o", help="The file to write (default: the screen).")
        parser.add_argument("--as", dest="as_user", metavar="USERNAME",
                            help="cases, involvements and allocations: who is exporting (their "
                                 "username); they must be allowed to export the register.")
        parser.add_argument("--reason",
                            help="cases, involvements and allocations: why, for the access "
                                 "log.")

    def handle(self, *args: Any, **options: Any) -> None:
        what = options["what"]
        user = (_exporter(what, options["as_user"], options["reason"])
                if what in CHILD_LEVEL else None)
        cycle = None
        if what == "allocations":
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
        case_ids = _case_ids(what, cycle) if user is not None else []
        if not options["output"]:
            write(self.stdout)
            self._log(user, what, case_ids, options["reason"])
            return
        try:
            # With a byte order mark, so that Excel reads the names' accents right.
            with open(options["output"], "w", encoding="utf-8-sig", newline="") as out:
                count = write(out)
        except OSError as exc:
            raise CommandError(f"Could not write {options['output']}: {exc.strerror}. Check "
                               "the folder exists and you may write to it.") from exc
        self._log(user, what, case_ids, options["reason"])
        self.stderr.write(f"Wrote {count:,} row{'' if count == 1 else 's'} to "
                          f"{options['output']}.")

    def _log(self, user: Any, what: str, case_ids: list[int], reason: str | None) -> None:
        if user is None:
            return
        log_access_outside_request(user, object_type="case", object_ids=case_ids,
                                   action=AccessLog.Action.EXPORT,
                                   reason=(reason or "").strip(),
                                   path=f"auditloop export {what}")
