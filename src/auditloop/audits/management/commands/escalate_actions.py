"""`auditloop escalate_actions`: escalate overdue audit actions as the framework's
overdue_action_escalation says (001 2.21, 002). Run it once a day from cron or a systemd
timer; running it again the same day tells nobody twice.

    auditloop escalate_actions                 escalate now, in this process
    auditloop escalate_actions --queue         put the work on the queue for db_worker
    auditloop escalate_actions --date 2026-07-01 --json
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from auditloop.audits.overdue import escalation_steps, overdue_actions_escalate


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date: use YYYY-MM-DD") from exc


class Command(BaseCommand):
    help = ("Tell the people the framework names that audit actions are overdue: each "
            "escalation step once per action.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=_date, default=None,
                            help="The day to count from (default: today).")
        parser.add_argument("--queue", action="store_true",
                            help="Queue the work for `auditloop db_worker` instead.")
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["queue"]:
            if options["date"]:
                raise CommandError("--queue always counts from the day the worker runs it: "
                                   "leave out --date.")
            from auditloop.audits.tasks import escalate_overdue_actions

            result = escalate_overdue_actions.enqueue()
            self.stdout.write(f"Queued the escalation of overdue actions ({result.id}).")
            return
        if not escalation_steps():
            self.stdout.write("The framework names no escalation steps for overdue actions: "
                              "nothing to do.")
            return
        report = overdue_actions_escalate(today=options["date"] or timezone.localdate())
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
            return
        n, told = len(report.escalated), report.people_told
        self.stdout.write(f"{n} escalation step{'' if n == 1 else 's'} taken; {told} "
                          f"{'person' if told == 1 else 'people'} told.")
        for e in report.told_nobody:
            self.stderr.write(f"Action {e.action_id} (audit {e.audit_id}): the {e.after_days}-day "
                              f"step names {', '.join(e.to) or 'nobody'}, which means nobody "
                              "for this case. Check the case's managers or the framework's "
                              "setting.")
