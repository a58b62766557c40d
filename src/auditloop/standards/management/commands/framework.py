"""`auditloop framework apply-scheduled`: apply the scheduled setting changes now due.

Run it daily from the scheduler (cron, a systemd timer). Opening the framework settings page
applies due changes too, so nothing waits for it; running it twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from auditloop.standards import selectors, services, settings_spec


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"“{text}” is not a date: write it as YYYY-MM-DD.") from exc


class Command(BaseCommand):
    help = "The framework settings: apply the scheduled changes that are due."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        apply = sub.add_parser(
            "apply-scheduled",
            help="Apply every scheduled change due by today that has not been applied.")
        apply.add_argument("--today", default="",
                           help="The day to apply changes for, YYYY-MM-DD (default: today).")

    def handle(self, *args: Any, **options: Any) -> None:
        today = _date(options["today"]) if options["today"] else timezone.localdate()
        applied = services.framework_scheduled_changes_apply(today=today)
        for change in applied:
            label = settings_spec.SETTINGS[change.setting].label
            state = "changed" if change.applied_change_id else "already had this value"
            self.stdout.write(f"{change.effective_on}: {label} ({state})")
        self.stdout.write(f"{len(applied)} scheduled changes applied for {today}.")
        stuck = [c for c in selectors.scheduled_changes_waiting() if c.is_due(today)]
        for change in stuck:
            self.stderr.write(f"{change.effective_on}: {change.setting} could not be applied: "
                              f"{change.problem}")
        if stuck:
            raise CommandError(f"{len(stuck)} scheduled changes are due but could not be "
                               "applied: change the settings they conflict with, or cancel "
                               "them on the framework settings page.")
