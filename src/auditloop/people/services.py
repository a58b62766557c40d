"""Writes to people: staff, line management, absence, training, and the council's structure
(services, teams, localities, job titles)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from auditloop.common.errors import DomainError
from auditloop.people.models import (
    Absence,
    AuditorTraining,
    JobTitle,
    JobTitleRole,
    Locality,
    Person,
    PersonRole,
    Service,
    Team,
    User,
)
from auditloop.people.roles import Capability, Role


def _require_manage_staff(actor: User) -> None:
    """Staff records and the structure are changed only by those who may manage staff,
    whoever calls."""
    if not actor.has_capability(Capability.MANAGE_STAFF):
        raise PermissionDenied("Only people who manage staff can change staff records and the "
                               "structure.")


def line_manager_refusal[K](
    person: K, manager: K | None, *, manager_of: Callable[[K], K | None],
    name: Callable[[K], str] = str,
) -> str | None:
    """Why `person` may not report to `manager`, or None if they may.

    Line management is a tree: nobody manages themselves or someone above them. It works on
    any key (a Person, a staff number) so the staff import can check its planned tree
    before it writes anything.
    """
    if manager is None:
        return None
    if manager == person:
        return f"{name(person)} cannot be their own line manager."
    seen = {person}
    current: K | None = manager
    while current is not None:
        if current in seen:
            return (
                f"{name(manager)} is already managed (directly or further down) by "
                f"{name(person)}, so {name(person)} cannot report to them. Change "
                f"{name(manager)}'s line manager first."
            )
        seen.add(current)
        current = manager_of(current)
    return None


@transaction.atomic
def person_set_line_manager(*, person: Person, manager: Person | None) -> Person:
    """Set who manages a person. Line management is a tree: a loop is refused."""
    problem = line_manager_refusal(person, manager, manager_of=lambda p: p.line_manager)
    if problem:
        raise DomainError(problem, field="line_manager")
    person.line_manager = manager
    person.save(update_fields=["line_manager", "updated_at"])
    return person


@transaction.atomic
def absence_record(
    *, person: Person, actor: User, kind: str, starts_on: dt.date, ends_on: dt.date
) -> Absence:
    _require_manage_staff(actor)
    if ends_on < starts_on:
        raise DomainError("The last day of absence must be on or after the first day.",
                          field="ends_on")
    return Absence.objects.create(person=person, kind=kind, starts_on=starts_on, ends_on=ends_on)


@transaction.atomic
def training_record(
    *, person: Person, actor: User, status: str, recorded_on: dt.date, note: str = ""
) -> AuditorTraining:
    _require_manage_staff(actor)
    return AuditorTraining.objects.create(
        person=person, status=status, recorded_on=recorded_on, note=note
    )


@transaction.atomic
def person_save(
    *, person: Person | None = None, actor: User, staff_number: str, full_name: str,
    email: str = "", job_title: JobTitle | None = None, team: Team | None = None,
    line_manager: Person | None = None, agency: str = "", agency_type: str = "",
    is_active: bool = True, extra_roles: list[str], username: str = "",
    entra_subject: str = "",
) -> Person:
    """Add or change a member of staff: their record, line manager (in post, no loops),
    roles beyond their job title and sign-in. A refusal leaves nothing changed."""
    _require_manage_staff(actor)
    person = person or Person()
    staff_number = staff_number.strip()
    taken = Person.objects.filter(staff_number=staff_number)
    if person.pk:
        taken = taken.exclude(pk=person.pk)
    if taken.exists():
        raise DomainError(
            f"Staff number {staff_number} is already on another member of staff's record. "
            "Check the number, or change that record instead.",
            field="staff_number",
        )
    current_manager_id = (
        Person.objects.filter(pk=person.pk).values_list("line_manager_id", flat=True).first()
        if person.pk else None
    )
    if (line_manager is not None and not line_manager.is_active
            and line_manager.pk != current_manager_id):
        raise DomainError(
            f"{line_manager.full_name} no longer works here, so cannot be a line manager. "
            "Choose someone in post.",
            field="line_manager",
        )
    unknown = set(extra_roles) - set(Role.values)
    if unknown:
        raise DomainError("Choose the roles from the list.", field="extra_roles")
    person.staff_number, person.full_name, person.email = staff_number, full_name, email
    person.job_title, person.team = job_title, team
    person.agency, person.agency_type, person.is_active = agency, agency_type, is_active
    # The line manager changes only through person_set_line_manager, which refuses loops.
    person.line_manager_id = current_manager_id
    person.save()
    person_set_line_manager(person=person, manager=line_manager)
    person_set_roles(person=person, roles=extra_roles)
    person_set_sign_in(person=person, username=username, entra_subject=entra_subject,
                       entra_issuer=settings.ENTRA_SERVER_URL)
    return person


@transaction.atomic
def person_set_roles(*, person: Person, roles: list[str]) -> None:
    wanted = set(roles)
    person.role_rows.exclude(role__in=wanted).delete()
    have = set(person.role_rows.values_list("role", flat=True))
    PersonRole.objects.bulk_create([PersonRole(person=person, role=r) for r in wanted - have])
    person.__dict__.pop("roles", None)


def _name_is_free[M: models.Model](
    model: type[M], instance: M | None, name: str, noun: str
) -> str:
    """The name, trimmed, if no other row of the model has it (in any letter case)."""
    name = name.strip()
    if not name:
        raise DomainError(f"Enter the {noun}'s name.", field="name")
    others = model._default_manager.filter(name__iexact=name)
    if instance is not None and instance.pk:
        others = others.exclude(pk=instance.pk)
    if others.exists():
        raise DomainError(
            f"There is already a {noun} called {name}. Choose another name, or change "
            f"that {noun} instead.",
            field="name",
        )
    return name


@transaction.atomic
def locality_save(*, locality: Locality | None = None, actor: User, name: str) -> Locality:
    """Add a locality, or rename one. Names are unique whatever their letter case."""
    _require_manage_staff(actor)
    locality = locality or Locality()
    locality.name = _name_is_free(Locality, locality, name, "locality")
    locality.save()
    return locality


@transaction.atomic
def service_save(
    *, service: Service | None = None, actor: User, name: str, kind: str
) -> Service:
    """Add a service of the council, or change its name or kind."""
    _require_manage_staff(actor)
    if kind not in Service.Kind.values:
        raise DomainError("Choose the kind of service from the list.", field="kind")
    service = service or Service()
    service.name = _name_is_free(Service, service, name, "service")
    service.kind = kind
    service.save()
    return service


@transaction.atomic
def team_save(
    *, team: Team | None = None, actor: User, name: str, service: Service,
    locality: Locality | None, agency: str = "",
) -> Team:
    """Add a team, or change its name, service, locality or partner agency."""
    _require_manage_staff(actor)
    team = team or Team()
    team.name = _name_is_free(Team, team, name, "team")
    team.service, team.locality, team.agency = service, locality, agency.strip()
    team.save()
    return team


@transaction.atomic
def job_title_save(
    *, job_title: JobTitle | None = None, actor: User, name: str, roles: list[str]
) -> JobTitle:
    """Add a job title, or change its name and the roles it gives everyone who holds it."""
    _require_manage_staff(actor)
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise DomainError("Choose the roles from the list.", field="roles")
    job_title = job_title or JobTitle()
    job_title.name = _name_is_free(JobTitle, job_title, name, "job title")
    job_title.save()
    wanted = set(roles)
    job_title.role_rows.exclude(role__in=wanted).delete()
    have = set(job_title.role_rows.values_list("role", flat=True))
    JobTitleRole.objects.bulk_create(
        [JobTitleRole(job_title=job_title, role=r) for r in wanted - have]
    )
    return job_title


@transaction.atomic
def user_link_entra(*, user: User, issuer: str, subject: str) -> User:
    """Link a sign-in to a Microsoft Entra identity (issuer + subject); blank unlinks.
    E-mail addresses are never used to match: they are reassigned when people leave."""
    issuer, subject = issuer.strip(), subject.strip()
    if subject:
        taken = (User.objects.filter(oidc_issuer=issuer, oidc_subject=subject)
                 .exclude(pk=user.pk).first())
        if taken:
            raise DomainError(f"That Microsoft identity is linked to {taken.username}. "
                              "Unlink it first.", field="entra_subject")
    else:
        issuer = ""
    user.oidc_issuer, user.oidc_subject = issuer, subject
    user.save(update_fields=["oidc_issuer", "oidc_subject"])
    return user


@transaction.atomic
def person_set_sign_in(*, person: Person, username: str, entra_subject: str,
                       entra_issuer: str) -> User | None:
    """Give a member of staff a sign-in (or change it). A new sign-in has no password: staff
    sign in with Microsoft, or an operator sets a password with `auditloop changepassword`."""
    username = username.strip()
    if not username:
        if entra_subject.strip():
            raise DomainError("Give a sign-in name to link a Microsoft account.",
                              field="username")
        return person.user
    user = person.user
    others = User.objects.filter(username=username)
    clash = (others.exclude(pk=user.pk) if user else others).first()
    if clash:
        raise DomainError(f"The sign-in name {username} is taken. Choose another.",
                          field="username")
    if user is None:
        user = User(username=username)
        user.set_unusable_password()
        user.save()
        person.user = user
        person.save(update_fields=["user", "updated_at"])
    elif user.username != username:
        user.username = username
        user.save(update_fields=["username"])
    return user_link_entra(user=user, issuer=entra_issuer, subject=entra_subject)
