"""Users, staff, roles, teams, services, localities, line management, absence, training."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from auditloop.common.models import BaseModel
from auditloop.people.roles import Capability, Role, capabilities_for


class User(AbstractUser):
    """A sign-in. Staff details live on Person; a user without a Person has no roles.

    Microsoft Entra ID users are matched on issuer + subject, never on e-mail.
    """

    oidc_issuer = models.CharField(max_length=300, blank=True)
    oidc_subject = models.CharField(max_length=300, blank=True)
    is_demo = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["oidc_issuer", "oidc_subject"],
                condition=~Q(oidc_subject=""),
                name="user_unique_oidc_identity",
            )
        ]

    @cached_property
    def person_or_none(self) -> Person | None:
        try:
            return self.person
        except Person.DoesNotExist:
            return None

    @cached_property
    def roles(self) -> frozenset[str]:
        person = self.person_or_none
        return person.roles if person and person.is_active else frozenset()

    @cached_property
    def capabilities(self) -> frozenset[Capability]:
        return capabilities_for(self.roles)

    def has_capability(self, capability: str) -> bool:
        return capability in self.capabilities

    def has_role(self, role: str) -> bool:
        return role in self.roles


class Locality(BaseModel):
    """A district or area of the county; 000 audits "from across the County"."""

    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "localities"

    def __str__(self) -> str:
        return self.name


class Service(BaseModel):
    """A service of the council (Early Help, Child in Need, Children in Care...)."""

    class Kind(models.TextChoices):
        EARLY_HELP = "early_help", "Early Help"
        FRONT_DOOR = "front_door", "Front door (MASH, referral and assessment)"
        CIN = "cin", "Child in Need"
        CP = "cp", "Child Protection"
        CLA = "cla", "Children in care"
        CARE_LEAVER = "care_leaver", "Care leavers"
        ADOPTION = "adoption", "Adoption"
        FOSTERING = "fostering", "Fostering"  # 002: joins the audit cycle in early 2023
        YJS = "yjs", "Youth Justice"
        OTHER = "other", "Other"

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(BaseModel):
    name = models.CharField(max_length=120, unique=True)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="teams")
    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, related_name="teams", null=True, blank=True
    )
    agency = models.CharField(
        max_length=120, blank=True, help_text="Leave blank for the council's own teams."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class JobTitle(BaseModel):
    """A council's own job title, mapped onto the fixed roles."""

    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows.all())


class JobTitleRole(models.Model):
    job_title = models.ForeignKey(JobTitle, on_delete=models.CASCADE, related_name="role_rows")
    role = models.CharField(max_length=32, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job_title", "role"], name="jobtitle_role_once")
        ]

    def __str__(self) -> str:
        return f"{self.job_title}: {self.get_role_display()}"


class Person(BaseModel):
    """A member of staff, the council's or a partner agency's."""

    staff_number = models.CharField(max_length=40, unique=True)
    user = models.OneToOneField(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="person"
    )
    full_name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    job_title = models.ForeignKey(
        JobTitle, on_delete=models.PROTECT, null=True, blank=True, related_name="people"
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    agency = models.CharField(
        max_length=120, blank=True, help_text="Partner agency; blank for council staff."
    )
    agency_type = models.CharField(
        max_length=120, blank=True, help_text="For example health visitor, school, police."
    )
    line_manager = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["full_name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.full_name

    @property
    def is_partner_agency(self) -> bool:
        return bool(self.agency)

    @cached_property
    def roles(self) -> frozenset[str]:
        extra = {r.role for r in self.role_rows.all()}
        return frozenset(extra | (set(self.job_title.roles) if self.job_title else set()))

    def role_labels(self) -> list[str]:
        return [Role(r).label for r in sorted(self.roles)]


class PersonRole(models.Model):
    """A role held beyond what the job title gives (e.g. trained auditor, panel member)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="role_rows")
    role = models.CharField(max_length=32, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "role"], name="person_role_once")]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_role_display()}"


class Absence(BaseModel):
    class Kind(models.TextChoices):
        LEAVE = "leave", "Leave"
        SICKNESS = "sickness", "Sickness"
        OTHER = "other", "Other"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="absences")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.LEAVE)
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="absence_ends_after_start",
                violation_error_message=(
                    "The last day of absence must be on or after the first day."
                ),
            )
        ]
        indexes = [models.Index(fields=["person", "starts_on", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.person} {self.kind} {self.starts_on}–{self.ends_on}"

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        return self.starts_on <= end and self.ends_on >= start


class AuditorTraining(BaseModel):
    """One entry in an auditor's record: trained, shadowing, accredited (audit champion)."""

    class Status(models.TextChoices):
        SHADOWING = "shadowing", "Shadowing"
        TRAINED = "trained", "Trained"
        ACCREDITED = "accredited", "Accredited (audit champion)"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="training")
    status = models.CharField(max_length=16, choices=Status.choices)
    recorded_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["person", "-recorded_on", "-id"]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_status_display()} on {self.recorded_on}"


class SignInEvent(models.Model):
    """One sign-in event: who (or which username was tried), what happened, when (UTC), from
    where and in which request. Never a password, code or secret. Written only through
    `people.signin_events.record`; read by the information governance lead."""

    class Kind(models.TextChoices):
        SIGNED_IN = "signed_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Wrong username or password"
        LOCKED_OUT = "locked_out", "Locked out after too many wrong passwords"
        TWO_FACTOR_PASSED = "two_factor_passed", "Two-factor code accepted"
        TWO_FACTOR_FAILED = "two_factor_failed", "Two-factor code refused"
        TWO_FACTOR_ADDED = "two_factor_added", "Authenticator app set up"
        TWO_FACTOR_REMOVED = "two_factor_removed", "Authenticator app removed"
        RECOVERY_CODES_CHANGED = "recovery_codes_changed", "New recovery codes made"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        PASSWORD_RESET = "password_reset", "Password reset"
        PASSWORD_RESET_ASKED = "password_reset_asked", "Password reset asked for"
        EMAIL_CHANGED = "email_changed", "E-mail address changed"
        SIGNED_OUT = "signed_out", "Signed out"
        IDLE_TIMEOUT = "idle_timeout", "Signed out after being idle"
        SESSION_LIMIT = "session_limit", "Signed out at the session time limit"
        SESSION_ENDED = "session_ended", "Session ended from another session"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    # The username typed, for a failed sign-in to an unknown account (never a password).
    username = models.CharField(max_length=150, blank=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.user_id or self.username} at {self.at}"


class UserSession(models.Model):
    """A signed-in session, so a person can see and end their own sessions and a session can
    be held to the absolute time limit. The session key is stored hashed (SHA-256): the
    table cannot be used to take over a session."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64, unique=True)
    started_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # The browser, in words ("Chrome on Windows"), not the raw user-agent string.
    browser = models.CharField(max_length=100, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_because = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "ended_at"])]

    def __str__(self) -> str:
        return f"session of {self.user_id} from {self.started_at}"
