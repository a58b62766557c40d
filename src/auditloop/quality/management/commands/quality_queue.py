"""`auditloop quality_queue`: put new CAF assessments, TAF meetings and closures into the
Tier 1 quality-control queue. Run it after each import, or every few minutes from cron."""

from typing import Any

from django.core.management.base import BaseCommand

from auditloop.quality.checklist import quality_tools_by_kind
from auditloop.quality.services import quality_checks_create_for_new_events


class Command(BaseCommand):
    help = ("Put every new record of an Early Help case that the framework's quality-control "
            "tool applies to into the Tier 1 quality-control queue.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not quality_tools_by_kind():
            self.stdout.write("The framework has no quality-control tool: nothing to queue.")
            return
        added = quality_checks_create_for_new_events()
        self.stdout.write(f"{added:,} record{'' if added == 1 else 's'} joined the "
                          "quality-control queue.")
