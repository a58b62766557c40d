"""Writes to the case register: cases, who holds them and their events."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from auditloop.cases.models import Case, CaseEvent, Involvement, Theme
from auditloop.common.errors import DomainError
from auditloop.people.models import Person, Service

logger = logging.getLogger(__name__)

ONE_DAY = dt.timedelta(days=1)
# Roles one person holds at a time; Case.key_worker / team_manager mirror the open row.
HOLDER_FIELDS: dict[str, str] = {
    Involvement.Role.KEY_WORKER: "key_worker",
    Involvement.Role.TEAM_MANAGER: "team_manager",
}
CASE_VALUE_FIELDS = frozenset({
    "child_identifier", "family_identifier", "date_of_birth", "gender", "ethnicity",
    "disability", "agency_type", "opened_on", "plan_started_on", "step", "closed_on",
    "team", "locality",
})
# Fields a partial return (903, CIN census) may not change on a case another service holds.
_STAGE_FIELDS = ("opened_on", "plan_started_on", "closed_on", "step")


# ---------------------------------------------------------------- cases


@dataclass
class CaseChange:
    case: Case
    created: bool = False
    changed: bool = False
    closed: bool = False  # closed by this change


def _differs(case: Case, key: str, value: Any) -> bool:
    if key in ("team", "locality"):
        return getattr(case, f"{key}_id") != (value.pk if isinstance(value, Model) else None)
    return bool(getattr(case, key) != value)


@transaction.atomic
def case_upsert(
    *,
    reference: str,
    service: Service,
    values: Mapping[str, Any],
    themes: Sequence[Theme] | None = None,
    source: str = "",
    keep_service: bool = False,
) -> CaseChange:
    """Create or update a case from what a file says; fields it does not give are kept.

    The status follows the closing date. Nothing is saved when nothing changed, so that a
    file imported twice leaves the register as it was. `keep_service` keeps the service,
    dates and status (a partial return speaking of a case another service holds).
    """
    unknown = set(values) - CASE_VALUE_FIELDS
    if unknown:
        raise ValueError(f"case_upsert cannot set {sorted(unknown)}")
    wanted = {k: v for k, v in values.items() if not (keep_service and k in _STAGE_FIELDS)}
    case = Case.objects.select_for_update().filter(reference=reference).first()
    if case is None:
        case = Case(reference=reference, service=service, source=source, **wanted)
        case.status = Case.Status.CLOSED if case.closed_on else Case.Status.OPEN
        case.save()
        if themes:
            case.themes.set(themes)
        return CaseChange(case, created=True, closed=case.status == Case.Status.CLOSED)
    was_open = case.status == Case.Status.OPEN
    changed = [k for k, v in wanted.items() if _differs(case, k, v)]
    for key in changed:
        setattr(case, key, wanted[key])
    if not keep_service:
        if case.service_id != service.pk:
            case.service = service
            changed.append("service")
        status = Case.Status.CLOSED if case.closed_on else Case.Status.OPEN
        if case.status != status:
            case.status = status
            changed.append("status")
    themes_changed = False
    if themes is not None:
        have = set(case.themes.values_list("pk", flat=True))
        if have != {t.pk for t in themes}:
            case.themes.set(themes)
            themes_changed = True
    if changed:
        case.source = source
        case.save(update_fields=[*changed, "source", "updated_at"])
    closed_now = was_open and case.status == Case.Status.CLOSED
    if closed_now:
        _end_open_involvements(case, case.closed_on or timezone.localdate())
    return CaseChange(case, changed=bool(changed) or themes_changed, closed=closed_now)


@transaction.atomic
def case_close(*, case: Case, closed_on: dt.date, detail: str = "", source: str = "") -> bool:
    """Close an open case (a complete list no longer has it); False if it was closed."""
    if case.status == Case.Status.CLOSED:
        return False
    case.status = Case.Status.CLOSED
    case.closed_on = max(closed_on, case.opened_on) if case.opened_on else closed_on
    case.source = source or case.source
    case.save(update_fields=["status", "closed_on", "source", "updated_at"])
    _end_open_involvements(case, case.closed_on)
    event_record(case=case, kind=CaseEvent.Kind.CLOSURE, occurred_on=case.closed_on,
                 detail=detail)
    return True


# ---------------------------------------------------------------- who holds a case


@dataclass
class InvolvementChange:
    involvement: Involvement | None
    created: bool = False
    changed: bool = False
    ended: int = 0  # other involvements this ended


def _open_holder(rows: Iterable[Involvement]) -> int | None:
    """The person on the latest open involvement among one role's rows, or nobody."""
    open_rows = [r for r in rows if r.ended_on is None]
    latest = max(open_rows, key=lambda r: (r.started_on, r.pk or 0), default=None)
    return latest.person_id if latest else None


def _set_holder(case: Case, role: str, rows: Iterable[Involvement]) -> None:
    """Case.key_worker / team_manager follow the open involvement of their role."""
    attr = HOLDER_FIELDS[role]
    holder = _open_holder(rows)
    if getattr(case, f"{attr}_id") != holder:
        setattr(case, f"{attr}_id", holder)
        case.save(update_fields=[attr, "updated_at"])


def _end(involvement: Involvement, on: dt.date) -> None:
    involvement.ended_on = max(involvement.started_on, on)
    involvement.save(update_fields=["ended_on", "updated_at"])


def _end_open_involvements(case: Case, on: dt.date) -> int:
    ended = 0
    for inv in case.involvements.filter(ended_on__isnull=True):
        _end(inv, on)
        ended += 1
    for role in HOLDER_FIELDS:
        _set_holder(case, role, [])
    return ended


def _role_rows(case: Case, role: str) -> list[Involvement]:
    return list(Involvement.objects.filter(case=case, role=role))


def _record(case: Case, person: Person, role: str, started_on: dt.date,
            ended_on: dt.date | None, rows: list[Involvement]) -> InvolvementChange:
    """involvement_record's work on the role's rows, read once by the caller."""
    single = role in HOLDER_FIELDS
    end = ended_on
    if end is None and case.status == Case.Status.CLOSED and case.closed_on:
        end = max(started_on, case.closed_on)
    if end is None and single:
        later = min((r for r in rows if r.started_on > started_on and r.person_id != person.pk),
                    key=lambda r: r.started_on, default=None)
        if later is not None:
            end = max(started_on, later.started_on - ONE_DAY)
    inv = next((r for r in rows if r.person_id == person.pk and r.started_on == started_on),
               None)
    change = InvolvementChange(inv)
    if inv is None:
        inv = Involvement.objects.create(case=case, person=person, role=role,
                                         started_on=started_on, ended_on=end)
        rows.append(inv)
        change = InvolvementChange(inv, created=True)
    elif inv.ended_on != end:
        inv.ended_on = end
        inv.save(update_fields=["ended_on", "updated_at"])
        change.changed = True
    if single and inv.ended_on is None:
        for other in rows:
            if other is not inv and other.ended_on is None and other.started_on <= started_on:
                _end(other, started_on - ONE_DAY)
                change.ended += 1
    if single:
        _set_holder(case, role, rows)
    return change


@transaction.atomic
def involvement_record(
    *,
    case: Case,
    person: Person,
    role: str,
    started_on: dt.date,
    ended_on: dt.date | None = None,
) -> InvolvementChange:
    """Record that a person held (or oversaw) a case from a date, perhaps to a date.

    One key worker and one team manager at a time: a new holder's start ends the previous
    holder's involvement the day before, and an open row older than a later holder's start
    is ended the same way. Case.key_worker and team_manager follow the open rows. On a
    closed case an open row ends on the closing date.
    """
    if role not in Involvement.Role.values:
        raise DomainError(f"{role} is not a role on a case.", field="role")
    if ended_on is not None and ended_on < started_on:
        raise DomainError("The end date must be on or after the start date.", field="ended_on")
    return _record(case, person, role, started_on, ended_on, _role_rows(case, role))


@transaction.atomic
def case_holder_set(
    *, case: Case, role: str, person: Person | None, on: dt.date
) -> InvolvementChange | None:
    """The file's current key worker (or team manager) of a case, as of `on`.

    The same holder changes nothing; a new one starts on `on` (or when the case opened, if
    nobody has held it since), ending the previous holder the day before; nobody means the
    case is now unallocated. On a closed case the named person is recorded as having held
    it until it closed, unless they already have a row.
    """
    if role not in HOLDER_FIELDS:
        raise DomainError(f"{role} is held by several people at once.", field="role")
    rows = _role_rows(case, role)
    if case.status == Case.Status.CLOSED:
        if person is None or any(r.person_id == person.pk for r in rows):
            return None
        end = case.closed_on or on
        start = min(case.opened_on or end, end)
        return _record(case, person, role, start, end, rows)
    open_rows = [r for r in rows if r.ended_on is None]
    current = max(open_rows, key=lambda r: (r.started_on, r.pk), default=None)
    if person is None:
        if current is None:
            return None
        for inv in open_rows:
            _end(inv, on - ONE_DAY)
        _set_holder(case, role, rows)
        return InvolvementChange(current, changed=True, ended=len(open_rows))
    if current is not None and current.person_id == person.pk:
        _set_holder(case, role, rows)  # in case the field had drifted from the rows
        return None
    start = on
    if (current is None and case.opened_on and case.opened_on <= on
            and not any(r.ended_on and r.ended_on >= case.opened_on for r in rows)):
        start = case.opened_on
    if current is not None and current.started_on > start:
        start = current.started_on
    return _record(case, person, role, start, None, rows)


# ---------------------------------------------------------------- events


@transaction.atomic
def events_record(*, events: Sequence[tuple[Case, str, dt.date, str]]) -> int:
    """Record dated events, once per case, kind and date; returns how many were new.

    An event already recorded keeps its detail unless it had none.
    """
    if not events:
        return 0
    case_ids = {c.pk for c, _, _, _ in events}
    existing: dict[tuple[int, str, dt.date], CaseEvent] = {}
    ids = sorted(case_ids)
    for i in range(0, len(ids), 500):  # SQLite limits how many values one query may carry
        for ev in CaseEvent.objects.filter(case_id__in=ids[i:i + 500]):
            existing[(ev.case_id, ev.kind, ev.occurred_on)] = ev
    new: dict[tuple[int, str, dt.date], CaseEvent] = {}
    for case, kind, on, detail in events:
        if kind not in CaseEvent.Kind.values:
            raise DomainError(f"{kind} is not an event auditloop records.", field="kind")
        key = (case.pk, kind, on)
        if key in existing:
            ev = existing[key]
            if not ev.detail and detail:
                ev.detail = detail[:200]
                ev.save(update_fields=["detail", "updated_at"])
        elif key not in new:
            new[key] = CaseEvent(case=case, kind=kind, occurred_on=on, detail=detail[:200])
    CaseEvent.objects.bulk_create(new.values(), batch_size=500)
    return len(new)


def event_record(*, case: Case, kind: str, occurred_on: dt.date, detail: str = "") -> bool:
    """Record one dated event; False if the case already had that kind of event that day."""
    return events_record(events=[(case, kind, occurred_on, detail)]) == 1


# ---------------------------------------------------------------- import jobs
