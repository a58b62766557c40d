"""Writes to people: staff, line management, absence, training, teams."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from auditloop.common.errors import DomainError
from auditloop.people.models import (
    Absence,
    AuditorTraining,
    JobTitle,
    JobTitleRole,
    Person,
    PersonRole,
)


def _would_loop(person: Person, manager: Person | None) -> bool:
    seen = {person.pk}
    current = manager
    while current is not None:
        if current.pk in seen:
            return True
        seen.add(current.pk)
        current = current.line_manager
    return False


@transaction.atomic
def person_set_line_manager(*, person: Person, manager: Person | None) -> Person:
    """Set who manages a person. Line management is a tree: a loop is refused."""
    if manager is not None and manager.pk == person.pk:
        raise DomainError(f"{person} cannot be their own line manager.", field="line_manager")
    if manager is not None and _would_loop(person, manager):
        raise DomainError(
            f"{manager} is already managed (directly or further down) by {person}, so "
            f"{person} cannot report to them. Change {manager}'s line manager first.",
            field="line_manager",
        )
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
