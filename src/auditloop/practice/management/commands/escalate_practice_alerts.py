"""`auditloop escalate_practice_alerts`: tell the service manager, then the head of service,
of practice alerts the team manager has not answered by the date wanted. Run it once a day
beside `auditloop escalate_actions`; running it again tells nobody twice.

    auditloop escalate_practice_alerts              escalate now, in this process
    auditloop escalate_practice_alerts --queue      put the work on the queue for db_worker
    auditloop escalate_practice_alerts --date 2026-07-01
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from auditloop.practice.services import practice_alerts_escalate


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date: use YYYY-MM-DD") from exc


class Command(BaseCommand):
    help = "Escalate practice alerts not answered by their date: each step once per alert."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=_date, default=None,
                            help="The day to count from (default: today).")
        parser.add_argument("--queue", action="store_true",
                            help="Queue the work for `auditloop db_worker` instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["queue"]:
            if options["date"]:
                raise CommandError("--queue always counts from the day the worker runs it: "
                                   "leave out --date.")
            from auditloop.practice.tasks import escalate_practice_alerts

            result = escalate_practice_alerts.enqueue()
            self.stdout.write(f"Queued the escalation of practice alerts ({result.id}).")
            return
        rows = practice_alerts_escalate(today=options["date"] or timezone.localdate())
        told = sum(1 for r in rows if r.told_id)
        self.stdout.write(f"{len(rows)} escalation step{'' if len(rows) == 1 else 's'} "
                          f"taken; {told} {'person' if told == 1 else 'people'} told.")
        for r in rows:
            if r.told_id is None:
                self.stderr.write(f"Practice alert {r.alert_id}: step {r.step} found nobody "
                                  "above the team manager to tell. Check the line managers.")
