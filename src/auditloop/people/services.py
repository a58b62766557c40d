"""Writes to people: staff, line management, absence, training, teams."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction

from auditloop.common.errors import DomainError
from auditloop.people.models import (
    Absence,
    AuditorTraining,
    JobTitle,
    JobTitleRole,
    Person,
    PersonRole,
    User,
)


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
    *, person: Person, kind: str, starts_on: dt.date, ends_on: dt.date
) -> Absence:
    if ends_on < starts_on:
        raise DomainError("The last day of absence must be on or after the first day.",
                          field="ends_on")
    return Absence.objects.create(person=person, kind=kind, starts_on=starts_on, ends_on=ends_on)


@transaction.atomic
def training_record(
    *, person: Person, status: str, recorded_on: dt.date, note: str = ""
) -> AuditorTraining:
    return AuditorTraining.objects.create(
        person=person, status=status, recorded_on=recorded_on, note=note
    )


@transaction.atomic
def person_save(*, person: Person, manager: Person | None, extra_roles: list[str]) -> Person:
    """Create or update a staff record, its line manager (loops refused) and extra roles."""
    # The form has already put the new manager on the instance: save the old one first, so
    # that a refused loop leaves nothing changed.
    person.line_manager_id = (
        Person.objects.filter(pk=person.pk).values_list("line_manager_id", flat=True).first()
        if person.pk else None
    )
    person.save()
    person_set_line_manager(person=person, manager=manager)
    person_set_roles(person=person, roles=extra_roles)
    return person


@transaction.atomic
def person_set_roles(*, person: Person, roles: list[str]) -> None:
    wanted = set(roles)
    person.role_rows.exclude(role__in=wanted).delete()
    have = set(person.role_rows.values_list("role", flat=True))
    PersonRole.objects.bulk_create([PersonRole(person=person, role=r) for r in wanted - have])
    person.__dict__.pop("roles", None)


@transaction.atomic
def job_title_save(*, job_title: JobTitle, roles: list[str]) -> JobTitle:
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
