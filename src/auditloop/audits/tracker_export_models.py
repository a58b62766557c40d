"""A large tracker export, made by the background worker (audits.tracker_exports).

The row holds what the request asked for (the view, the format, the filters as ids and keys,
the reason given) and, once made, the stamped file itself: in the database, never in public
static or media files. Only the person who asked may see it or download it. The file goes
when the job is past its retention (`RETENTION` after it was made: the worker's next export
and the daily retention run remove it); the job row stays as the record that it was made.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from auditloop.common.models import BaseModel, MadeByTheWorker

# How long a made file is kept for its owner to download (more than once, if they need to).
RETENTION = dt.timedelta(hours=24)


class TrackerExport(MadeByTheWorker, BaseModel):
    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being made"
        READY = "ready", "Ready"
        FAILED = "failed", "Could not be made"
        EXPIRED = "expired", "Removed"

    worker_task = "auditloop.audits.tasks.make_tracker_export"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel workbook (XLSX)"

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                     related_name="+")
    view = models.CharField(max_length=12)  # tracker_views.VIEWS: "cases" or "actions"
    format = models.CharField(max_length=4, choices=Format.choices)
    # The tracker's filters as the query string carries them (ids and keys, no names).
    filters = models.JSONField(default=dict, blank=True)
    # The day the export was asked for: the overdue figures count to it, the file is named
    # after it.
    as_of = models.DateField()
    reason = models.CharField(max_length=300)  # as given, and as the access log has it
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    made_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    data = models.BinaryField(null=True, blank=True)
    downloads = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Tracker export {self.pk} ({self.view}, {self.format})"

    @property
    def is_expired(self) -> bool:
        return self.state == self.State.EXPIRED

    @property
    def percent_done(self) -> int:
        return min(100, round(100 * self.rows_done / self.rows_total)) if self.rows_total else 0

    def filename(self) -> str:
        """No personal data in the name: the view and the day."""
        return f"audit-tracker-{self.view}-{self.as_of.isoformat()}.{self.format}"

    def filter_items(self) -> list[tuple[str, str]]:
        return [(str(k), str(v)) for k, v in (self.filters or {}).items()]
