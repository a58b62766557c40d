"""Writes to people: staff, line management, absence, training, teams."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from auditloop.common.errors import DomainError
from auditloop.people.models import Absence, AuditorTraining, Person


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
