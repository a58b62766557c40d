"""The audit programme: cycles (monthly, or one-off programmes), the cases chosen for them
and why, the allocation of auditors, the notices sent and the QA meeting's minutes.

The audit itself (and who audits it) belongs to the audits app: a cycle points at the
audits it created, never the other way round.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from auditloop.audits.models import Audit
from auditloop.cases.models import Case
from auditloop.common.models import BaseModel
from auditloop.common.workflow import Workflow, WorkflowModel
from auditloop.notifications.models import Notification
from auditloop.people.models import Person
from auditloop.standards.models import ToolVersion


class Cycle(BaseModel, WorkflowModel):
    """One round of audits: a month of the council's programme, or a one-off programme
    (thematic, multi-agency, external, inspection preparation) with its own selection and
    allocation."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", "Monthly audit cycle"
        THEMATIC = "thematic", "Thematic audit"
        MULTI_AGENCY = "multi_agency", "Multi-agency audit"
        EXTERNAL = "external", "External audit"
        INSPECTION = "inspection", "Inspection preparation audit"
        SERVICE = "service", "A service's or agency's own audit"

    class Status(models.TextChoices):
        PLANNING = "planning", "Choosing cases"
        CASES_CONFIRMED = "cases_confirmed", "Cases confirmed"
        ALLOCATED = "allocated", "Auditors allocated"
        REVIEWED = "reviewed", "Audits discussed"
        CLOSED = "closed", "Closed"

    class ThemeSource(models.TextChoices):
        NONE = "", "No theme"
        PLAN = "plan", "The year's theme plan"
        QA_MEETING = "qa_meeting", "The prevalent issue at the last QA meeting"
        CHOSEN = "chosen", "Chosen by the QA manager"
        PROPOSAL = "proposal", "A proposed themed audit, accepted by the QA manager"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.MONTHLY)
    name = models.CharField(max_length=200, blank=True,
                            help_text="A one-off programme's name; monthly cycles use the month.")
    year = models.PositiveSmallIntegerField()
    number = models.PositiveSmallIntegerField(null=True, blank=True,
                                              help_text="The cycle's number in the year.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNING)
    theme = models.CharField(max_length=200, blank=True)
    theme_source = models.CharField(max_length=12, choices=ThemeSource.choices, blank=True,
                                    default=ThemeSource.NONE)
    theme_reason = models.CharField(max_length=500, blank=True)
    # The filters the case proposal form starts from (programme.proposals.FILTER_KEYS: the
    # form's own field names), set by an accepted themed-audit proposal.
    selection_filter = models.JSONField(default=dict, blank=True)
    period_start = models.DateField()
    period_end = models.DateField()
    audit_starts_on = models.DateField()
    audits_due_on = models.DateField()
    meeting_on = models.DateField(null=True, blank=True)
    allocations_due_on = models.DateField(null=True, blank=True)
    notices_due_on = models.DateField(null=True, blank=True)
    tool_version = models.ForeignKey(ToolVersion, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+")
    # One-off programmes: a lead auditor, and their own pool of auditors (roles).
    lead_auditor = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    auditor_roles = models.JSONField(default=list, blank=True)
    follow_up_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="follow_ups")
    meeting_attendance = models.TextField(blank=True)
    prevalent_issue = models.CharField(max_length=300, blank=True)
    prevalent_issue_sets_next_theme = models.BooleanField(default=False)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    # The cycle's steps: the list of cases may be opened again until auditors are allocated;
    # after that it only moves on. Each move writes the cycle's history (a CycleEvent whose
    # `what` the service gives, with the reason as its detail).
    workflow = Workflow(Status, noun="cycle", allowed_from={
        Status.CASES_CONFIRMED: {Status.PLANNING},
        Status.PLANNING: {Status.CASES_CONFIRMED},
        Status.ALLOCATED: {Status.CASES_CONFIRMED},
        Status.REVIEWED: {Status.ALLOCATED},
        Status.CLOSED: {Status.REVIEWED},
    }, groups={
        "planning": {Status.PLANNING},
        "cases_confirmed": {Status.CASES_CONFIRMED},
        # The list of cases may still change (add, swap, take off).
        "before_allocation": {Status.PLANNING, Status.CASES_CONFIRMED},
        "allocated": {Status.ALLOCATED},
        "allocated_or_later": {Status.ALLOCATED, Status.REVIEWED, Status.CLOSED},
        "reviewed": {Status.REVIEWED},
        "reviewed_or_later": {Status.REVIEWED, Status.CLOSED},
        "closed": {Status.CLOSED},
    }, history=lambda cycle, old, new, actor, reason, what="": _cycle_history(
        cycle, new, actor, reason, what))

    class Meta:
        ordering = ["-year", "-number", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], condition=Q(kind="monthly"),
                                    name="monthly_cycle_once"),
            models.CheckConstraint(condition=Q(audits_due_on__gte=models.F("audit_starts_on")),
                                   name="cycle_audits_due_after_start"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        if self.kind != self.Kind.MONTHLY:
            return self.name or f"{self.get_kind_display()} {self.year}"
        return f"{self.period_start:%B %Y} cycle"

    @property
    def is_monthly(self) -> bool:
        return self.kind == self.Kind.MONTHLY

    @property
    def is_planning(self) -> bool:
        return self.status_in("planning")

    @property
    def is_cases_confirmed(self) -> bool:
        return self.status_in("cases_confirmed")

    @property
    def is_before_allocation(self) -> bool:
        return self.status_in("before_allocation")

    @property
    def is_allocated(self) -> bool:
        return self.status_in("allocated")

    @property
    def is_allocated_or_later(self) -> bool:
        return self.status_in("allocated_or_later")

    @property
    def is_reviewed(self) -> bool:
        return self.status_in("reviewed")

    @property
    def is_reviewed_or_later(self) -> bool:
        return self.status_in("reviewed_or_later")

    @property
    def is_closed(self) -> bool:
        return self.status_in("closed")


class CycleEvent(models.Model):
    """The cycle's history: each step, who took it and when."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    what = models.CharField(max_length=300)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["cycle", "at", "id"]

    def __str__(self) -> str:
        return f"{self.cycle_id}: {self.what}"


def _cycle_history(cycle: Cycle, new: str, actor: Person | None, reason: str,
                   what: str) -> CycleEvent:
    return CycleEvent.objects.create(
        cycle=cycle, actor=actor, what=(what or Cycle.Status(new).label)[:300], detail=reason)


class IndicatorTheme(BaseModel):
    """A theme raised by a performance indicator, with its reason (004)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="indicator_themes")
    theme = models.CharField(max_length=200)
    indicator = models.CharField(max_length=300)
    reason = models.TextField()
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["cycle", "created_at"]

    def __str__(self) -> str:
        return self.theme


class CaseRequest(BaseModel, WorkflowModel):
    """A request for a case to be audited, or a manager's nomination: never random."""

    class Kind(models.TextChoices):
        EARLY_HELP_OFFICER = "early_help_officer", "Requested by an early help officer"
        TAF = "taf", "The Team Around the Family asked for help: progress is not being made"
        COMPLAINT = "complaint", "A complaint"
        REVIEW = "review", "A case review or learning review"
        TEAM_MANAGER = "team_manager", "Nominated by a team manager for the month's theme"
        SERVICE_MANAGER = "service_manager", (
            "Nominated by a service manager to showcase good practice")
        OTHER = "other", "Another request"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a cycle"
        INCLUDED = "included", "Included in a cycle"
        WITHDRAWN = "withdrawn", "Withdrawn"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = models.TextField()
    good_practice = models.BooleanField(default=False)
    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    cycle = models.ForeignKey(Cycle, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="requests",
                              help_text="The cycle it is for; empty means the next one.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)

    # A request waits for a cycle until a confirmed list includes it or its maker withdraws
    # it. Each move is kept as a status change.
    workflow = Workflow(Status, noun="request", allowed_from={
        Status.INCLUDED: {Status.OPEN},
        Status.WITHDRAWN: {Status.OPEN},
    }, groups={"open": {Status.OPEN}, "included": {Status.INCLUDED}})

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: case {self.case_id}"

    @property
    def is_nomination(self) -> bool:
        return self.kind in (self.Kind.TEAM_MANAGER, self.Kind.SERVICE_MANAGER)

    @property
    def is_open(self) -> bool:
        return self.status_in("open")

    @property
    def is_included(self) -> bool:
        return self.status_in("included")


class SelectionDraw(models.Model):
    """One proposal of a cycle's cases. The seed, the eligible population (case ids with
    their stratum and soft preferences, as they were) and what was asked are stored, so
    anyone can re-run the draw and get the same list (sampling.draw)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="draws")
    seed = models.BigIntegerField()
    method = models.CharField(max_length=20)
    asked = models.JSONField(default=dict, help_text="What the QA manager asked for.")
    # [[case_id, stratum, flags], ...] sorted by case id; flags: sampling.AVOID | FAVOUR
    population = models.JSONField(default=list)
    random_count = models.PositiveIntegerField()
    stratified = models.BooleanField(default=False)
    chosen = models.JSONField(default=list, help_text="The draw's case ids, in draw order.")
    left_out = models.JSONField(default=dict, help_text="Why cases were left out: counts.")
    previously_audited = models.JSONField(default=list, blank=True)
    previously_audited_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"Draw {self.pk} for cycle {self.cycle_id}"


class CycleCase(BaseModel, WorkflowModel):
    """A case on a cycle's list, with the reason it is there."""

    class Source(models.TextChoices):
        PLANNED = "planned", "Re-audit or revisit due"
        REQUESTED = "requested", "Requested"
        NOMINATED = "nominated", "Nominated"
        DRIFT = "drift", "Drift"
        RANDOM = "random", "Chosen at random"
        PREVIOUSLY_AUDITED = "previously_audited", "Audited before, to test improvement"
        CHOSEN = "chosen", "Chosen by the QA manager"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        CONFIRMED = "confirmed", "Confirmed"
        SWAPPED_OUT = "swapped_out", "Swapped out"
        REMOVED = "removed", "Left out"
        # Its audit was not submitted when the cycle closed: the next cycle takes it up.
        CARRIED = "carried", "Carried into the next cycle"


    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="cases")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=20, choices=Source.choices)
    reason = models.CharField(max_length=500)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROPOSED)
    position = models.PositiveIntegerField(default=0)
    draw = models.ForeignKey(SelectionDraw, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    planned_audit = models.ForeignKey(Audit, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+")
    request = models.ForeignKey(CaseRequest, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    replaces = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="replaced_by")
    change_reason = models.CharField(max_length=500, blank=True,
                                     help_text="Why it was swapped out or left out.")
    changed_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    changed_at = models.DateTimeField(null=True, blank=True)
    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", help_text="The audit made at allocation.")

    # A proposed case is confirmed with the list (and proposed again if the list is opened
    # again); a case on the list may be swapped out or left out, and a confirmed case whose
    # audit was not submitted when the cycle closed is carried. A move records on the row
    # who made it, when and why.
    workflow = Workflow(Status, noun="case on the list", allowed_from={
        Status.CONFIRMED: {Status.PROPOSED},
        Status.PROPOSED: {Status.CONFIRMED},
        Status.SWAPPED_OUT: {Status.PROPOSED, Status.CONFIRMED},
        Status.REMOVED: {Status.PROPOSED, Status.CONFIRMED},
        Status.CARRIED: {Status.CONFIRMED},
    }, groups={
        "current": {Status.PROPOSED, Status.CONFIRMED},
        "proposed": {Status.PROPOSED},
        "left_the_list": {Status.SWAPPED_OUT, Status.REMOVED, Status.CARRIED},
    }, history=lambda row, old, new, actor, reason: _cycle_case_history(row, actor, reason))

    class Meta:
        ordering = ["cycle", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "case"],
                                    condition=Q(status__in=["proposed", "confirmed"]),
                                    name="cycle_case_once_while_current"),
        ]
        indexes = [models.Index(fields=["cycle", "status"]), models.Index(fields=["audit"])]

    def __str__(self) -> str:
        return f"Case {self.case_id} in cycle {self.cycle_id}"

    @property
    def is_current(self) -> bool:
        return self.status_in("current")

    @property
    def is_proposed(self) -> bool:
        return self.status_in("proposed")


def _cycle_case_history(row: CycleCase, actor: Person | None, reason: str) -> None:
    row.change_reason = reason[:500]
    row.changed_by = actor
    row.changed_at = timezone.now()
    row.save(update_fields=["change_reason", "changed_by", "changed_at", "updated_at"])


class CoordinatorContact(BaseModel, WorkflowModel):
    """000: a plan open longer than the threshold means contacting its coordinator, not an
    audit. A task for the early help officers (or the QA manager)."""

    class Status(models.TextChoices):
        OPEN = "open", "To do"
        DONE = "done", "Done"

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="contacts")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    coordinator = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    months_open = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    done_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    workflow = Workflow(Status, noun="contact", allowed_from={Status.DONE: {Status.OPEN}},
                        groups={"done": {Status.DONE}})

    class Meta:
        ordering = ["cycle", "case"]
        constraints = [models.UniqueConstraint(fields=["cycle", "case"],
                                               name="coordinator_contact_once")]

    def __str__(self) -> str:
        return f"Contact the coordinator of case {self.case_id}"

    @property
    def is_done(self) -> bool:
        return self.status_in("done")


class AllocationRun(WorkflowModel):
    """One proposal of who audits what, from the solver: its seed, the problem it was given
    (so it can be solved again) and what it found."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        CONFIRMED = "confirmed", "Confirmed"
        SUPERSEDED = "superseded", "Replaced by a newer proposal"

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="allocation_runs")
    seed = models.BigIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROPOSED)
    problem = models.JSONField(default=dict)
    objective = models.IntegerField(null=True, blank=True)
    seconds = models.FloatField(default=0)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)

    # A proposal is confirmed once, or replaced by a newer one (or by opening the list
    # again); after either it is kept only as a record.
    workflow = Workflow(Status, noun="proposal", allowed_from={
        Status.CONFIRMED: {Status.PROPOSED},
        Status.SUPERSEDED: {Status.PROPOSED},
    }, groups={"proposed": {Status.PROPOSED}, "confirmed": {Status.CONFIRMED}})

    class Meta:
        ordering = ["cycle", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"Allocation {self.pk} for cycle {self.cycle_id}"

    @property
    def is_proposed(self) -> bool:
        return self.status_in("proposed")

    @property
    def is_confirmed(self) -> bool:
        return self.status_in("confirmed")


class AllocationLine(models.Model):
    """Who the proposal gives one case to, and why a case could not be given to anyone."""

    run = models.ForeignKey(AllocationRun, on_delete=models.CASCADE, related_name="lines")
    cycle_case = models.ForeignKey(CycleCase, on_delete=models.CASCADE, related_name="+")
    proposed_ids = models.JSONField(default=list, help_text="The solver's choice.")
    auditor_ids = models.JSONField(default=list, help_text="The choice now, after overrides.")
    shadow_ids = models.JSONField(default=list, blank=True)
    blocked = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["run", "cycle_case__position", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "cycle_case"],
                                               name="allocation_line_once")]

    def __str__(self) -> str:
        return f"Line for cycle case {self.cycle_case_id}"


class AllocationOverride(models.Model):
    """The QA manager changed the proposal. Breaking a rule (an absence, training) needs a
    reason; a conflict of interest is refused (audits.conflicts)."""

    line = models.ForeignKey(AllocationLine, on_delete=models.CASCADE, related_name="overrides")
    from_ids = models.JSONField(default=list)
    to_ids = models.JSONField(default=list)
    conflicts = models.JSONField(default=list, blank=True,
                                 help_text="The conflicts of interest overridden, in words.")
    reason = models.TextField(blank=True)
    by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                           related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["line", "at", "id"]

    def __str__(self) -> str:
        return f"Override of line {self.line_id}"


class CycleNotice(WorkflowModel):
    """A batch of notices for a cycle, sent by a background task (the page polls it)."""

    class Kind(models.TextChoices):
        ALLOCATION = "allocation", "Allocations to auditors"
        AUDIT_SELECTED = "audit_selected", "Notice to those who hold or oversee the cases"
        REMINDER = "reminder", "Reminders to auditors before the due date"
        OVERDUE = "overdue", "Overdue audits to the QA manager"
        AUDIT_REPORT = "audit_report", "Audit reports to the practitioners' managers"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to send"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Not sent"

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    queued_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    queued_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    sent_count = models.PositiveIntegerField(default=0)
    late = models.BooleanField(default=False, help_text="Sent after the framework's deadline.")
    late_reason = models.TextField(blank=True, help_text="Why it went out late.")
    message = models.CharField(max_length=500, blank=True)

    # The background task takes a waiting batch, then marks it sent or not sent; asking
    # again queues a new batch.
    workflow = Workflow(Status, noun="batch of notices", allowed_from={
        Status.SENDING: {Status.QUEUED},
        Status.SENT: {Status.SENDING},
        Status.FAILED: {Status.SENDING},
    }, groups={"waiting": {Status.QUEUED, Status.SENDING},
               "finished": {Status.SENT, Status.FAILED}, "sent": {Status.SENT}})

    class Meta:
        ordering = ["cycle", "-queued_at", "-id"]
        indexes = [models.Index(fields=["cycle", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for cycle {self.cycle_id}"

    @property
    def is_finished(self) -> bool:
        return self.status_in("finished")

    @property
    def is_sent(self) -> bool:
        return self.status_in("sent")


class NoticeSent(models.Model):
    """One notice to one person, so that sending again never tells anyone twice."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=CycleNotice.Kind.choices)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=60, help_text="What it was about: an audit, a due date.")
    notification = models.ForeignKey(Notification, on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "kind", "person", "key"],
                                               name="notice_sent_once")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.person_id} ({self.key})"


class MeetingItem(BaseModel):
    """One audit on the QA meeting's agenda, and its minutes (001: impact, how needs were
    met, strengths, development)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="agenda")
    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(default=0)
    minutes_allotted = models.PositiveSmallIntegerField(null=True, blank=True)
    impact = models.TextField(blank=True)
    needs_met = models.TextField(blank=True)
    strengths = models.TextField(blank=True)
    development = models.TextField(blank=True)
    actions_agreed = models.TextField(blank=True)
    discussed_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    report_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cycle", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["cycle", "audit"],
                                               name="meeting_item_once")]

    def __str__(self) -> str:
        return f"Audit {self.audit_id} on the agenda of cycle {self.cycle_id}"


# ------------------------------------------------------------------ closing the loop (002, 004)


class ThemeRevisit(BaseModel, WorkflowModel):
    """002: "areas audited will be revisited by the Practice improvement Team on a rolling
    programme ... A period of 6 months will allow time for any learning and changes in
    practice to embed". One row per themed cycle and theme, due the framework's number of
    months after the cycle's period; starting it plans revisit audits of the same cases."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        STARTED = "started", "Revisit audits planned"
        CANCELLED = "cancelled", "Cancelled"

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="revisits")
    theme = models.CharField(max_length=200)
    # The months the framework said when it was scheduled: a later change of the setting
    # does not move a date the QA manager has already planned around.
    months = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    started_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    # Starting and cancelling are moves of the workflow; postponing changes only the date,
    # and only a scheduled revisit may be postponed. Each move is written to its events.
    workflow = Workflow(Status, noun="revisit", allowed_from={
        Status.STARTED: {Status.SCHEDULED},
        Status.CANCELLED: {Status.SCHEDULED},
    }, groups={"scheduled": {Status.SCHEDULED}},
        history=lambda revisit, old, new, actor, reason: _revisit_history(
            revisit, new, actor, reason))

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["cycle", "theme"],
                                               name="theme_revisit_once")]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"Revisit of {self.theme} (cycle {self.cycle_id})"

    @property
    def is_scheduled(self) -> bool:
        return self.status_in("scheduled")


class ThemeRevisitEvent(models.Model):
    """The revisit's history: scheduled, postponed, cancelled, started; who, when, why."""

    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        POSTPONED = "postponed", "Postponed"
        CANCELLED = "cancelled", "Cancelled"
        STARTED = "started", "Started"

    revisit = models.ForeignKey(ThemeRevisit, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    from_due_on = models.DateField(null=True, blank=True)
    to_due_on = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["revisit", "at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} revisit {self.revisit_id}"


def _revisit_history(revisit: ThemeRevisit, new: str, actor: Person | None,
                     reason: str) -> ThemeRevisitEvent:
    return ThemeRevisitEvent.objects.create(
        revisit=revisit, kind=new, actor=actor, reason=reason,
        from_due_on=revisit.due_on if new == ThemeRevisit.Status.CANCELLED else None)


class RevisitCase(models.Model):
    """One case of a started revisit: the earlier audit, and the revisit audit planned for
    it, or none because the case has closed since."""

    revisit = models.ForeignKey(ThemeRevisit, on_delete=models.CASCADE, related_name="cases")
    earlier_audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="+")
    revisit_audit = models.ForeignKey(Audit, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+")
    closed_since = models.BooleanField(default=False)

    class Meta:
        ordering = ["revisit", "id"]
        constraints = [models.UniqueConstraint(fields=["revisit", "earlier_audit"],
                                               name="revisit_case_once")]

    def __str__(self) -> str:
        return f"Audit {self.earlier_audit_id} in revisit {self.revisit_id}"


class LearningSession(BaseModel, WorkflowModel):
    """002: "A reflective audit learning session will be planned each month to consider
    audit outcomes from earlier months", and "following each month's audit, a briefing will
    be delivered to all those involved in the previous months audits"."""

    class Kind(models.TextChoices):
        REFLECTIVE = "reflective_session", "Reflective audit learning session"
        BRIEFING = "post_audit_briefing", "Post-audit briefing"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        RECORDED = "recorded", "Recorded"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    held_on = models.DateField()
    starts_at = models.TimeField(null=True, blank=True)
    place = models.CharField(max_length=300, blank=True)
    online_link = models.URLField(max_length=500, blank=True)
    cycles = models.ManyToManyField(Cycle, related_name="learning_sessions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    outcomes_summary = models.TextField(blank=True)
    good_practice = models.TextField(blank=True)
    insight = models.TextField(blank=True, help_text="Insight from those who were audited.")
    process_feedback = models.TextField(blank=True,
                                        help_text="Feedback on the audit process.")
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    # A session is recorded once it has been held; the record may be corrected later (each
    # save is a move, kept as a status change with who made it).
    workflow = Workflow(Status, noun="session", allowed_from={
        Status.RECORDED: {Status.PLANNED, Status.RECORDED},
    }, groups={"recorded": {Status.RECORDED}})

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "held_on"],
                                               name="learning_session_once_a_day")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.held_on}"

    @property
    def is_recorded(self) -> bool:
        return self.status_in("recorded")


class LearningInvitation(models.Model):
    """One person invited to a learning session, why, and whether they came."""

    class Reason(models.TextChoices):
        KEY_WORKER = "key_worker", "Key worker of an audited case"
        TEAM_MANAGER = "team_manager", "Team manager of an audited case"
        SERVICE_MANAGER = "service_manager", "Service manager of an audited case"
        AUDITOR = "auditor", "Auditor"

    session = models.ForeignKey(LearningSession, on_delete=models.CASCADE,
                                related_name="invitations")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    reasons = models.JSONField(default=list, help_text="Reason values, most direct first.")
    invited_at = models.DateTimeField(auto_now_add=True)
    notification = models.ForeignKey(Notification, on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="+")
    attended = models.BooleanField(null=True, blank=True)
    attendance_recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True,
                                               blank=True, related_name="+")
    attendance_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "person"],
                                               name="learning_invitation_once")]

    def __str__(self) -> str:
        return f"{self.person_id} invited to session {self.session_id}"

    @property
    def reason_labels(self) -> list[str]:
        return [self.Reason(r).label for r in self.reasons if r in self.Reason.values]


class LearningImprovement(BaseModel):
    """A practice improvement activity co-produced at the session (002), which can be
    kept as a finding or become an action plan (the actions app's; ids kept here)."""

    session = models.ForeignKey(LearningSession, on_delete=models.CASCADE,
                                related_name="improvements")
    text = models.TextField()
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    finding_id = models.PositiveIntegerField(null=True, blank=True)
    action_plan_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["session", "created_at", "id"]

    def __str__(self) -> str:
        return self.text[:80]


# ------------------------------------------------------------- proposed themed audits (004)


class ThemeProposal(BaseModel, WorkflowModel):
    """A themed audit proposed by what the council hears or measures: complaints' themes
    (002), a performance indicator's signal (004: "hypothesise about practice and then test
    the hypothesis through the audit process"). The QA manager accepts it (it becomes a
    cycle's theme and selection filter) or dismisses it with a reason. `about` is an opaque
    key of what raised it ("indicator:12", "complaints:neglect:2026"), never a name."""

    class Source(models.TextChoices):
        COMPLAINTS = "complaints", "Complaints"
        INDICATOR = "indicator", "A performance indicator"
        PRACTICE = "practice", "Observations of practice"
        OTHER = "other", "Another source"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Waiting for a decision"
        ACCEPTED = "accepted", "Accepted"
        DISMISSED = "dismissed", "Dismissed"

    source = models.CharField(max_length=20, choices=Source.choices)
    about = models.CharField(max_length=100)
    theme = models.CharField(max_length=200)
    hypothesis = models.TextField()
    selection_filter = models.JSONField(default=dict, blank=True)
    # The cycle it is proposed for: the next one with no proposal on it (proposals.py).
    # People and cycles are SET_NULL: the decision's record outlives a deleted cycle or person.
    cycle = models.ForeignKey(Cycle, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="theme_proposals")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    decided_by = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    dismissal_reason = models.TextField(blank=True)

    # Decided once: accepted or dismissed (with a reason), each kept as a status change.
    workflow = Workflow(Status, noun="proposed themed audit", allowed_from={
        Status.ACCEPTED: {Status.PROPOSED},
        Status.DISMISSED: {Status.PROPOSED},
    }, groups={"open": {Status.PROPOSED}, "decided": {Status.ACCEPTED, Status.DISMISSED}})

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["source", "about"],
                                               condition=Q(status="proposed"),
                                               name="theme_proposal_one_open")]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"Proposed themed audit {self.pk}: {self.theme}"

    @property
    def is_open(self) -> bool:
        return self.status_in("open")

    @property
    def is_accepted(self) -> bool:
        return self.status == self.Status.ACCEPTED
