"""`auditloop retention`: remove the records past the framework's retention periods and
record the run (governance.retention). Run it once a day from cron or a systemd timer;
running it again the same day removes nothing more.

    auditloop retention              remove now, in this process, and print the run
    auditloop retention --dry-run    list what would go; nothing is removed or recorded
    auditloop retention --queue      put the run on the queue for db_worker
    auditloop retention --runs 5     print the last five runs
"""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from auditloop.governance.models import RetentionRun
from auditloop.governance.retention import Line, retention_apply, retention_plan


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for the process's user (some containers)
        return ""


class Command(BaseCommand):
    help = ("Remove the records kept longer than the framework's retention periods, and "
            "say how much of the access log the owner should remove.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true",
                            help="List what would go: nothing is removed or recorded.")
        parser.add_argument("--queue", action="store_true",
                            help="Queue the run for `auditloop db_worker` instead.")
        parser.add_argument("--runs", type=int, default=None, metavar="N",
                            help="Print the last N runs and stop.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["runs"] is not None:
            self._print_runs(options["runs"])
            return
        if options["queue"]:
            if options["dry_run"]:
                raise CommandError("--dry-run runs here and now: leave out --queue.")
            from auditloop.governance.tasks import retention_run

            result = retention_run.enqueue()
            self.stdout.write(f"Queued the retention run ({result.id}).")
            return
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing is removed or recorded.")
            self._print_lines(retention_plan(), would=True)
            return
        run, lines = retention_apply(source=RetentionRun.Source.COMMAND, ran_by=_operator())
        self.stdout.write(f"Retention run {run.pk}, {_when(run.started_at)}:")
        self._print_lines(lines, would=False)

    def _print_lines(self, lines: list[Line], *, would: bool) -> None:
        for line in lines:
            name = line.record_type.replace("_", " ")
            if line.kept:
                self.stdout.write(f"  {name}: kept (no period), nothing removed")
                continue
            before = _when(line.cutoff)
            if line.reported_only:
                self.stdout.write(f"  {name}: {line.count} row{'' if line.count == 1 else 's'} "
                                  f"from before {before} ({line.period}); the job removes none")
                if line.count:
                    self.stdout.write(f"    The owner removes them with: {line.purge_command}")
                continue
            verb = "would go" if would else "removed"
            self.stdout.write(f"  {name}: {line.count} {verb}, from before {before} "
                              f"({line.period})")

    def _print_runs(self, n: int) -> None:
        runs = RetentionRun.objects.prefetch_related("lines").order_by("-started_at", "-pk")
        shown = list(runs[:max(n, 0)])
        if not shown:
            self.stdout.write("No retention runs yet.")
        for run in shown:
            self.stdout.write(f"Retention run {run.pk}, {_when(run.started_at)}, "
                              f"{run.get_source_display().lower()}"
                              + (f" ({run.ran_by})" if run.ran_by else "") + ":")
            for line in run.lines.all():
                name = line.record_type.replace("_", " ")
                if line.cutoff is None:
                    self.stdout.write(f"  {name}: kept")
                elif line.reported_only:
                    self.stdout.write(f"  {name}: {line.past_period} past {line.period}, "
                                      "for the owner to remove")
                else:
                    self.stdout.write(f"  {name}: {line.removed} removed, from before "
                                      f"{_when(line.cutoff)} ({line.period})")
