"""Information governance's own records: each run of the retention job, what it removed
and up to when (governance.retention). Read by the information governance lead on the
operator pages and printed by `auditloop retention`."""

from django.db import models


class RetentionRun(models.Model):
    """One run of the retention job: when, from where, and a line for each kind of record."""

    class Source(models.TextChoices):
        COMMAND = "command", "Command line"
        TASK = "task", "Background task"

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=12, choices=Source.choices)
    # Who ran it: the server account that ran the command, or the scheduled task's name.
    # Never a person's name from the register.
    ran_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"Retention run {self.pk} at {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def removed(self) -> int:
        return sum(line.removed for line in self.lines.all())


class RetentionRunLine(models.Model):
    """A kind of record in one run: its period, the cutoff (records from before it go) and
    how many went. For the access log, which the job never removes, `past_period` counts the
    rows the owner should remove and `removed` stays 0."""

    run = models.ForeignKey(RetentionRun, on_delete=models.CASCADE, related_name="lines")
    record_type = models.CharField(max_length=30)
    period = models.CharField(max_length=20)
    cutoff = models.DateTimeField(null=True, blank=True)  # empty: kept (no period)
    removed = models.PositiveIntegerField(default=0)
    past_period = models.PositiveIntegerField(default=0)
    reported_only = models.BooleanField(default=False)

    class Meta:
        ordering = ["run", "pk"]
        constraints = [models.UniqueConstraint(fields=["run", "record_type"],
                                               name="retention_line_once_a_run")]

    def __str__(self) -> str:
        return f"{self.record_type}: {self.removed} removed"
