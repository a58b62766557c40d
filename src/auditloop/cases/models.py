"""The case register: cases, who held or oversaw them, dated events, and imports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from auditloop.common.models import BaseModel
from auditloop.common.workflow import Workflow, WorkflowModel
from auditloop.people.models import Locality, Person, Service, Team


class Theme(BaseModel):
    """A theme a case carries (neglect, domestic abuse, young carers...), for themed audits."""

    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Case(BaseModel):
    """A child's (or family's) case as held in the council's case management system."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Step(models.TextChoices):
        NONE = "", "Neither"
        STEP_DOWN = "step_down", "Stepped down from social care"
        STEP_UP = "step_up", "Stepped up to social care"

    reference = models.CharField(max_length=64, unique=True)
    child_identifier = models.CharField(max_length=64, blank=True, db_index=True)
    family_identifier = models.CharField(max_length=64, blank=True, db_index=True)
    date_of_birth = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=40, blank=True)
    ethnicity = models.CharField(max_length=80, blank=True)
    disability = models.CharField(max_length=20, blank=True)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="cases")
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases"
    )
    locality = models.ForeignKey(
        Locality, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases"
    )
    # The current holders, kept in step with Involvement by the services.
    key_worker = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    team_manager = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    agency_type = models.CharField(max_length=120, blank=True)
    opened_on = models.DateField(null=True, blank=True)
    plan_started_on = models.DateField(null=True, blank=True)
    step = models.CharField(max_length=16, choices=Step.choices, default=Step.NONE, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    themes = models.ManyToManyField(Theme, blank=True, related_name="cases")
    source = models.CharField(max_length=40, blank=True, help_text="The import that last set it.")

    class Meta:
        ordering = ["reference"]
        indexes = [
            # The register's default page: open cases by reference (benchmarks/RESULTS.md).
            models.Index(fields=["status", "reference"]),
            models.Index(fields=["status", "service"]),
            models.Index(fields=["team", "status"]),
            models.Index(fields=["locality", "status"]),
            models.Index(fields=["key_worker"]),
            models.Index(fields=["team_manager"]),
            # The home page's counts of open cases and of those with no key worker, read
            # from the index alone, for every case and for an Early Help officer's
            # (benchmarks/RESULTS.md, the home pages).
            models.Index(fields=["status", "key_worker", "service"]),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        """Still open in the case management system (imports set it; no workflow moves it)."""
        return self.status == self.Status.OPEN


class Involvement(BaseModel):
    """Who held or oversaw a case, and when. Open-ended while ended_on is empty."""

    class Role(models.TextChoices):
        KEY_WORKER = "key_worker", "Key worker / lead professional"
        TEAM_MANAGER = "team_manager", "Team manager"
        SERVICE_MANAGER = "service_manager", "Service manager"
        IRO = "iro", "IRO / CP Chair"
        OTHER = "other", "Other professional"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="involvements")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="involvements")
    role = models.CharField(max_length=20, choices=Role.choices)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["case", "started_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "person", "role", "started_on"], name="involvement_once"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="involvement_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "case"]),
            models.Index(fields=["case", "role", "started_on", "ended_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.role} on {self.case} from {self.started_on}"


class CaseEvent(BaseModel):
    """A dated event on a case: drift rules, Tier 1 quality control and indicators read these."""

    class Kind(models.TextChoices):
        CONTACT = "contact", "Contact"
        REFERRAL = "referral", "Referral"
        ASSESSMENT_STARTED = "assessment_started", "Assessment started"
        ASSESSMENT_COMPLETED = "assessment_completed", "Assessment completed"
        ASSESSMENT_UPDATED = "assessment_updated", "Assessment updated"
        PLAN_STARTED = "plan_started", "Plan started"
        PLAN_ENDED = "plan_ended", "Plan ended"
        REVIEW = "review", "Review"
        TAF_MEETING = "taf_meeting", "Team Around the Family meeting"
        CORE_GROUP = "core_group", "Core group meeting"
        STATUTORY_VISIT = "statutory_visit", "Statutory visit"
        SECTION_47 = "section_47", "Section 47 enquiry"
        ICPC = "icpc", "Initial child protection conference"
        PLACEMENT = "placement", "Placement started"
        IRO_CONTACT = "iro_contact", "IRO visit or contact"
        STEP_DOWN = "step_down", "Stepped down"
        STEP_UP = "step_up", "Stepped up"
        CLOSURE = "closure", "Closure"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    occurred_on = models.DateField()
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["case", "occurred_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "occurred_on"], name="event_once")
        ]
        indexes = [models.Index(fields=["kind", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.case} {self.kind} {self.occurred_on}"


class ImportJob(BaseModel, WorkflowModel):
    """One import of one or more files, run as a background task; the page polls it."""

    class Format(models.TextChoices):
        MONTHLY = "monthly", "auditloop monthly layout (CSV or XLSX)"
        ANNEX_A = "annex_a", "Ofsted Annex A workbook"
        SSDA903 = "ssda903", "SSDA903 children looked after return"
        CIN_CENSUS = "cin_census", "Children in Need census (XML)"
        STAFF = "staff", "Staff list (CSV or XLSX)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        SUCCEEDED = "succeeded", "Imported"
        PARTIAL = "partial", "Imported, with rows left out"
        FAILED = "failed", "Not imported"

    format = models.CharField(max_length=16, choices=Format.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    accept_valid_rows = models.BooleanField(default=False)
    complete_snapshot = models.BooleanField(default=False)
    # The character set its CSV files were declared in (common.spreadsheets.ENCODINGS).
    encoding = models.CharField(max_length=16, default="utf-8")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]

    S = Status
    workflow = Workflow(Status, noun="import", allowed_from={
        S.RUNNING: {S.QUEUED},
        S.SUCCEEDED: {S.RUNNING},
        S.PARTIAL: {S.RUNNING},
        S.FAILED: {S.QUEUED, S.RUNNING},
    }, groups={
        "waiting": {S.QUEUED},
        "finished": {S.SUCCEEDED, S.PARTIAL, S.FAILED},
    })
    TAG_COLOURS = {S.QUEUED: "grey", S.RUNNING: "blue", S.SUCCEEDED: "green",
                   S.PARTIAL: "yellow", S.FAILED: "red"}

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.format}, {self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status_in("finished")

    @property
    def is_waiting(self) -> bool:
        return self.status_in("waiting")

    @property
    def tag_colour(self) -> str:
        return self.TAG_COLOURS[self.Status(self.status)]


class ImportFile(models.Model):
    """An uploaded file, kept in the database with its import (not in a public folder)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255)
    content = models.BinaryField()

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------- what the returns record
# The statutory returns' own rows, kept per child so that the indicators can be computed
# from them (the CIN census's referrals, assessments, section 47 enquiries and plans; the
# SSDA903's episodes, missing table and care leavers' status; Annex A's contacts). Each is
# keyed by its case and its start date, so a file imported again updates, never repeats.


class ReturnRow(BaseModel):
    """What every kept row of a return has: the case, and the return that last set it."""

    class Origin(models.TextChoices):
        ANNEX_A = "annex_a", "Ofsted Annex A"
        SSDA903 = "ssda903", "SSDA903"
        CIN_CENSUS = "cin_census", "Children in Need census"

    origin = models.CharField(max_length=16, choices=Origin.choices)

    class Meta:
        abstract = True


class Referral(ReturnRow):
    """A referral to children's social care (CIN census CINreferralDate, ReferralSource,
    ReferralNFA; Annex A List 3 Date of referral, Referral Source, Referral NFA?, Number of
    Referrals in Last 12 Months)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    referred_on = models.DateField()
    source = models.CharField(max_length=40, blank=True)
    no_further_action = models.BooleanField(null=True)
    referrals_in_12_months = models.PositiveSmallIntegerField(null=True)
    closed_on = models.DateField(null=True)  # the census's CINclosureDate
    closure_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["case", "referred_on"]
        constraints = [models.UniqueConstraint(fields=["case", "referred_on"],
                                               name="referral_once")]
        indexes = [models.Index(fields=["referred_on"])]

    def __str__(self) -> str:
        return f"{self.case} referral {self.referred_on}"


class Assessment(ReturnRow):
    """A social work assessment (CIN census AssessmentActualStartDate,
    AssessmentAuthorisationDate; Annex A List 4 Continuous Assessment Start Date, Date of
    Authorisation, and whether the child needed social care support)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    started_on = models.DateField()
    authorised_on = models.DateField(null=True)
    needs_support = models.BooleanField(null=True)

    class Meta:
        ordering = ["case", "started_on"]
        constraints = [models.UniqueConstraint(fields=["case", "started_on"],
                                               name="assessment_once")]
        indexes = [models.Index(fields=["authorised_on"])]

    def __str__(self) -> str:
        return f"{self.case} assessment {self.started_on}"


class Section47Enquiry(ReturnRow):
    """A section 47 enquiry and its initial conference (CIN census S47ActualStartDate,
    DateOfInitialCPC, ICPCnotRequired; Annex A List 5)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="section_47s")
    started_on = models.DateField()
    conference_on = models.DateField(null=True)
    conference_not_required = models.BooleanField(null=True)
    plan_from_conference = models.BooleanField(null=True)

    class Meta:
        ordering = ["case", "started_on"]
        constraints = [models.UniqueConstraint(fields=["case", "started_on"],
                                               name="section_47_once")]
        indexes = [models.Index(fields=["conference_on"])]

    def __str__(self) -> str:
        return f"{self.case} section 47 {self.started_on}"


class ProtectionPlan(ReturnRow):
    """A child protection plan (CIN census CPPstartDate, CPPendDate, NumberOfPreviousCPP,
    categories of abuse; Annex A List 7, with its police powers question)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="protection_plans")
    started_on = models.DateField()
    ended_on = models.DateField(null=True)
    previous_plans = models.PositiveSmallIntegerField(null=True)
    initial_category = models.CharField(max_length=40, blank=True)
    latest_category = models.CharField(max_length=40, blank=True)
    # Annex A: subject to an emergency protection order or police powers in six months.
    emergency_protection = models.BooleanField(null=True)

    class Meta:
        ordering = ["case", "started_on"]
        constraints = [models.UniqueConstraint(fields=["case", "started_on"],
                                               name="protection_plan_once")]
        indexes = [models.Index(fields=["started_on"]), models.Index(fields=["ended_on"])]

    def __str__(self) -> str:
        return f"{self.case} protection plan {self.started_on}"


class CareEpisode(ReturnRow):
    """An SSDA903 episode: a period under one legal status in one placement (CHILD, DECOM,
    RNE, LS, CIN, PLACE, PLACE_PROVIDER, DEC, REC, REASON_PLACE_CHANGE)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="care_episodes")
    started_on = models.DateField()
    ended_on = models.DateField(null=True)
    reason_new = models.CharField(max_length=4)  # RNE: S started care; P, T, B, U moves
    legal_status = models.CharField(max_length=10, blank=True)
    need = models.CharField(max_length=10, blank=True)
    placement = models.CharField(max_length=10, blank=True)
    provider = models.CharField(max_length=10, blank=True)
    reason_ended = models.CharField(max_length=10, blank=True)
    reason_place_change = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["case", "started_on"]
        constraints = [models.UniqueConstraint(fields=["case", "started_on"],
                                               name="care_episode_once")]

    def __str__(self) -> str:
        return f"{self.case} episode {self.started_on}"


class MissingEpisode(ReturnRow):
    """A time missing or away from placement (SSDA903 Missing: MISSING, MIS_START,
    MIS_END)."""

    class Kind(models.TextChoices):
        MISSING = "M", "Missing"
        AWAY = "A", "Away from placement without authorisation"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="missing_episodes")
    kind = models.CharField(max_length=1, choices=Kind.choices)
    started_on = models.DateField()
    ended_on = models.DateField(null=True)

    class Meta:
        ordering = ["case", "started_on"]
        constraints = [models.UniqueConstraint(fields=["case", "kind", "started_on"],
                                               name="missing_episode_once")]
        indexes = [models.Index(fields=["started_on"])]

    def __str__(self) -> str:
        return f"{self.case} {self.kind} {self.started_on}"


class CareLeaverStatus(ReturnRow):
    """A care leaver's latest status (Annex A List 9 LA in Touch, Type of Accommodation,
    Suitability of Accommodation, Activity Status; SSDA903 OC3 IN_TOUCH, ACTIV, ACCOM)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE,
                                related_name="care_leaver_status")
    in_touch = models.BooleanField(null=True)
    in_touch_code = models.CharField(max_length=40, blank=True)
    accommodation = models.CharField(max_length=80, blank=True)
    suitable = models.BooleanField(null=True)
    activity = models.CharField(max_length=80, blank=True)

    def __str__(self) -> str:
        return f"{self.case} care leaver status"


class Contact(ReturnRow):
    """A contact to the front door (Annex A List 1 Date of Contact, Contact Source). Most
    contacts never become a case, so a contact holds the child's identifier and is linked
    to the case with that reference when there is one."""

    child_identifier = models.CharField(max_length=64)
    contacted_on = models.DateField()
    source = models.CharField(max_length=80, blank=True)
    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="contacts")

    class Meta:
        ordering = ["contacted_on", "child_identifier"]
        constraints = [models.UniqueConstraint(
            fields=["child_identifier", "contacted_on", "source"], name="contact_once")]
        indexes = [models.Index(fields=["contacted_on"])]

    def __str__(self) -> str:
        return f"Contact {self.contacted_on}"
