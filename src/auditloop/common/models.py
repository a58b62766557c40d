"""The base model and the access log that every view of a child's record writes to."""

from typing import Any, ClassVar

from django.conf import settings
from django.db import models


class BaseModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class MadeByTheWorker:
    """The state of a file the background worker makes (a report's version, a large
    export): the model's `state` field takes its `State` choices, which include QUEUED,
    RUNNING, READY and FAILED, and its `error` field says why it failed. `worker_task` is
    the module path of the task that makes it, given the row's id (how the queue names it).

    A job the worker stopped making (killed part way) would stay QUEUED or RUNNING for ever:
    `fail_if_stuck` marks it FAILED, saying so (common.worker_files), when it is shown or
    asked for again."""

    State: ClassVar[Any]
    worker_task: ClassVar[str]
    state: str
    error: str

    def fail_if_stuck(self) -> bool:
        """Mark this job FAILED if the background worker stopped making it; returns whether
        this call marked it."""
        from auditloop.common.worker_files import fail_if_stuck

        return fail_if_stuck(self)

    @property
    def is_working(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def is_ready(self) -> bool:
        return self.state == self.State.READY

    @property
    def is_failed(self) -> bool:
        return self.state == self.State.FAILED


class AccessLog(models.Model):
    """Who looked at which record, when, from where and why.

    Rows cannot be changed or deleted: database triggers refuse it on SQLite and PostgreSQL
    (migration 0002), so not even code that bypasses the ORM can rewrite the record.
    `at` is stored in UTC. `request_id` is the id the server log carries for the same request
    (common.middleware.RequestIdMiddleware). A refused request is a DENIED row naming what
    was asked for.
    """

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        LIST = "list", "Listed"
        SEARCH = "search", "Found in a search"
        EXPORT = "export", "Exported"
        DOWNLOAD = "download", "Downloaded"
        DENIED = "denied", "Refused"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=True
    )
    action = models.CharField(max_length=16, choices=Action.choices, default=Action.VIEW)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=32, blank=True, db_index=True)
    # Why, for exports (asked of the person) and for command-line access (--reason).
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.object_type}:{self.object_id} at {self.at}"


class AccessLogPurge(models.Model):
    """One run of `auditloop purge_access_log`: the access-log rows older than `before` were
    deleted (`removed` of them), when, by which database role and which system account.

    Append-only like the access log (migration 0005's triggers; the application role may
    only add and read rows): the record of a purge outlives the rows it removed.
    """

    at = models.DateTimeField(auto_now_add=True)
    before = models.DateField()
    removed = models.PositiveBigIntegerField()
    database_user = models.CharField(max_length=150)
    system_user = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.removed} access-log rows before {self.before} removed at {self.at}"


class UsedFormToken(models.Model):
    """A create form's one-off token that has been used, and the record it made
    (common.idempotency): its unique token is what stops a repeated post making a second
    record."""

    token = models.CharField(max_length=64, unique=True)
    model = models.CharField(max_length=100)  # app_label.modelname of the record made
    object_id = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.model}:{self.object_id} at {self.at}"


class StatusChange(models.Model):
    """One change of state of a record with a workflow (common.workflow): who, when, from,
    to and why. Written only by Workflow.move."""

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT,
                                     related_name="+")
    object_id = models.CharField(max_length=64)
    from_status = models.CharField(max_length=32)
    to_status = models.CharField(max_length=32)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} {self.from_status} -> {self.to_status}"
