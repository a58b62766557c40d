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


def _wanted(values: Mapping[str, Any], keep_service: bool) -> dict[str, Any]:
    unknown = set(values) - CASE_VALUE_FIELDS
    if unknown:
        raise ValueError(f"case_upsert cannot set {sorted(unknown)}")
    return {k: v for k, v in values.items() if not (keep_service and k in _STAGE_FIELDS)}


def _new_case(reference: str, service: Service, source: str, wanted: Mapping[str, Any]) -> Case:
    case = Case(reference=reference, service=service, source=source, **wanted)
    case.status = Case.Status.CLOSED if case.closed_on else Case.Status.OPEN
    return case


def _change(case: Case, service: Service, wanted: Mapping[str, Any], keep_service: bool
            ) -> list[str]:
    """Set what the file says on a case read from the register; the fields it changed."""
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
    return changed


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
    RegisterBatch.case_upsert does the same for many cases at once.
    """
    wanted = _wanted(values, keep_service)
    case = Case.objects.select_for_update().filter(reference=reference).first()
    if case is None:
        case = _new_case(reference, service, source, wanted)
        case.save()
        if themes:
            case.themes.set(themes)
        return CaseChange(case, created=True, closed=case.status == Case.Status.CLOSED)
    was_open = case.status == Case.Status.OPEN
    changed = _change(case, service, wanted, keep_service)
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


class _Writes:
    """How the rules below write: at once, a statement each (one service call), or gathered
    in memory by RegisterBatch and written a few statements at a time (an import)."""

    def order(self, involvement: Involvement) -> int:
        """Which of two rows starting the same day is the later: the one saved later."""
        return involvement.pk or 0

    def create(self, case: Case, person_id: int, role: str, started_on: dt.date,
               ended_on: dt.date | None) -> Involvement:
        return Involvement.objects.create(case=case, person_id=person_id, role=role,
                                          started_on=started_on, ended_on=ended_on)

    def involvement_ended(self, involvement: Involvement) -> None:
        involvement.save(update_fields=["ended_on", "updated_at"])

    def case_saved(self, case: Case, fields: Sequence[str]) -> None:
        case.save(update_fields=[*fields, "updated_at"])


_NOW = _Writes()


def _open_holder(rows: Iterable[Involvement], writes: _Writes = _NOW) -> int | None:
    """The person on the latest open involvement among one role's rows, or nobody."""
    open_rows = [r for r in rows if r.ended_on is None]
    latest = max(open_rows, key=lambda r: (r.started_on, writes.order(r)), default=None)
    return latest.person_id if latest else None


def _set_holder(case: Case, role: str, rows: Iterable[Involvement],
                writes: _Writes = _NOW) -> None:
    """Case.key_worker / team_manager follow the open involvement of their role."""
    attr = HOLDER_FIELDS[role]
    holder = _open_holder(rows, writes)
    if getattr(case, f"{attr}_id") != holder:
        setattr(case, f"{attr}_id", holder)
        writes.case_saved(case, [attr])


def _end(involvement: Involvement, on: dt.date, writes: _Writes = _NOW) -> None:
    involvement.ended_on = max(involvement.started_on, on)
    writes.involvement_ended(involvement)


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


def _record(case: Case, person_id: int, role: str, started_on: dt.date,
            ended_on: dt.date | None, rows: list[Involvement],
            writes: _Writes = _NOW) -> InvolvementChange:
    """involvement_record's work on the role's rows, read once by the caller."""
    single = role in HOLDER_FIELDS
    end = ended_on
    if end is None and case.status == Case.Status.CLOSED and case.closed_on:
        end = max(started_on, case.closed_on)
    if end is None and single:
        later = min((r for r in rows if r.started_on > started_on and r.person_id != person_id),
                    key=lambda r: r.started_on, default=None)
        if later is not None:
            end = max(started_on, later.started_on - ONE_DAY)
    inv = next((r for r in rows if r.person_id == person_id and r.started_on == started_on),
               None)
    change = InvolvementChange(inv)
    if inv is None:
        inv = writes.create(case, person_id, role, started_on, end)
        rows.append(inv)
        change = InvolvementChange(inv, created=True)
    elif inv.ended_on != end:
        inv.ended_on = end
        writes.involvement_ended(inv)
        change.changed = True
    if single and inv.ended_on is None:
        for other in rows:
            if other is not inv and other.ended_on is None and other.started_on <= started_on:
                _end(other, started_on - ONE_DAY, writes)
                change.ended += 1
    if single:
        _set_holder(case, role, rows, writes)
    return change


def _check_involvement(role: str, started_on: dt.date, ended_on: dt.date | None) -> None:
    if role not in Involvement.Role.values:
        raise DomainError(f"{role} is not a role on a case.", field="role")
    if ended_on is not None and ended_on < started_on:
        raise DomainError("The end date must be on or after the start date.", field="ended_on")


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
    _check_involvement(role, started_on, ended_on)
    return _record(case, person.pk, role, started_on, ended_on, _role_rows(case, role))


def _holder_set(case: Case, role: str, person_id: int | None, on: dt.date,
                rows: list[Involvement], writes: _Writes = _NOW) -> InvolvementChange | None:
    """case_holder_set's work on the role's rows, read once by the caller."""
    if case.status == Case.Status.CLOSED:
        if person_id is None or any(r.person_id == person_id for r in rows):
            return None
        end = case.closed_on or on
        start = min(case.opened_on or end, end)
        return _record(case, person_id, role, start, end, rows, writes)
    open_rows = [r for r in rows if r.ended_on is None]
    current = max(open_rows, key=lambda r: (r.started_on, writes.order(r)), default=None)
    if person_id is None:
        if current is None:
            return None
        for inv in open_rows:
            _end(inv, on - ONE_DAY, writes)
        _set_holder(case, role, rows, writes)
        return InvolvementChange(current, changed=True, ended=len(open_rows))
    if current is not None and current.person_id == person_id:
        _set_holder(case, role, rows, writes)  # in case the field had drifted from the rows
        return None
    start = on
    if (current is None and case.opened_on and case.opened_on <= on
            and not any(r.ended_on and r.ended_on >= case.opened_on for r in rows)):
        start = case.opened_on
    if current is not None and current.started_on > start:
        start = current.started_on
    return _record(case, person_id, role, start, None, rows, writes)


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
    return _holder_set(case, role, person.pk if person is not None else None, on,
                       _role_rows(case, role))


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


# ---------------------------------------------------------------- many cases at once

_BATCH = 500  # rows a statement carries: SQLite limits how many values one query may carry


def _chunks(items: Sequence[Any], size: int = _BATCH) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


class RegisterBatch(_Writes):
    """case_upsert, involvement_record and case_holder_set for many cases (an import), by the
    same rules, leaving the same register, but a few statements for each 500 rows instead
    of several for each row.

    Read the cases first (read), make the changes (they are made in memory and nothing is
    written), then write() once, inside the caller's transaction. A case the file leaves as
    it was is compared in memory and not written at all.
    """

    def __init__(self, *, source: str) -> None:
        self.source = source
        self.cases: dict[str, Case] = {}  # by reference: the register's, then the new ones
        self._new: dict[str, Case] = {}
        self._dirty: dict[str, set[str]] = {}  # fields changed on the register's cases
        self._theme_ids: dict[str, set[int]] = {}
        self._themes_set: dict[str, list[Theme]] = {}
        self._rows: dict[str, dict[str, list[Involvement]]] = {}  # reference, role: rows
        self._new_involvements: list[Involvement] = []
        self._place: dict[int, int] = {}  # id() of a new involvement: when it was made
        self._ended: dict[int, Involvement] = {}  # the register's involvements changed

    # -------------------------------------------------------------- reading

    def read(self, references: Iterable[str], *, lock: bool = False) -> None:
        """Read the named cases not read yet, with their themes and involvements, a few
        queries for each 500; `lock` holds them for update until the transaction ends."""
        wanted = sorted(set(references) - set(self.cases))
        through = Case.themes.through
        for chunk in _chunks(wanted):
            found = Case.objects.filter(reference__in=chunk).order_by("pk")
            if lock:
                found = found.select_for_update()
            by_pk: dict[int, Case] = {}
            for case in found:
                by_pk[case.pk] = case
                self.cases[case.reference] = case
                self._rows[case.reference] = {}
                self._theme_ids[case.reference] = set()
            if not by_pk:
                continue
            ids = sorted(by_pk)
            for case_id, theme_id in through.objects.filter(case_id__in=ids).values_list(
                    "case_id", "theme_id"):
                self._theme_ids[by_pk[case_id].reference].add(theme_id)
            for inv in Involvement.objects.filter(case_id__in=ids).order_by("pk"):
                case = by_pk[inv.case_id]
                inv.case = case
                self._rows[case.reference].setdefault(inv.role, []).append(inv)

    def _role_rows(self, reference: str, role: str) -> list[Involvement]:
        return self._rows[reference].setdefault(role, [])

    # -------------------------------------------------------------- changing, in memory

    def case_upsert(self, *, reference: str, service: Service, values: Mapping[str, Any],
                    themes: Sequence[Theme] | None = None, keep_service: bool = False
                    ) -> CaseChange:
        """As case_upsert (the case must have been read, if the register has it)."""
        wanted = _wanted(values, keep_service)
        case = self.cases.get(reference)
        if case is None:
            case = _new_case(reference, service, self.source, wanted)
            self.cases[reference] = self._new[reference] = case
            self._rows[reference] = {}
            self._theme_ids[reference] = set()
            if themes:
                self._set_themes(reference, themes)
            return CaseChange(case, created=True, closed=case.status == Case.Status.CLOSED)
        was_open = case.status == Case.Status.OPEN
        changed = _change(case, service, wanted, keep_service)
        themes_changed = False
        if themes is not None and self._theme_ids[reference] != {t.pk for t in themes}:
            self._set_themes(reference, themes)
            themes_changed = True
        if changed:
            case.source = self.source
            self.case_saved(case, [*changed, "source"])
        closed_now = was_open and case.status == Case.Status.CLOSED
        if closed_now:
            on = case.closed_on or timezone.localdate()
            for rows in self._rows[reference].values():
                for inv in rows:
                    if inv.ended_on is None:
                        _end(inv, on, self)
            for role in HOLDER_FIELDS:
                _set_holder(case, role, [], self)
        return CaseChange(case, changed=bool(changed) or themes_changed, closed=closed_now)

    def _set_themes(self, reference: str, themes: Sequence[Theme]) -> None:
        unique = list({t.pk: t for t in themes}.values())
        self._themes_set[reference] = unique
        self._theme_ids[reference] = {t.pk for t in unique}

    def involvement_record(self, *, reference: str, person_id: int, role: str,
                           started_on: dt.date, ended_on: dt.date | None = None
                           ) -> InvolvementChange:
        """As involvement_record, on a case read or made by this batch."""
        _check_involvement(role, started_on, ended_on)
        return _record(self.cases[reference], person_id, role, started_on, ended_on,
                       self._role_rows(reference, role), self)

    def case_holder_set(self, *, reference: str, role: str, person_id: int | None,
                        on: dt.date) -> InvolvementChange | None:
        """As case_holder_set, on a case read or made by this batch."""
        if role not in HOLDER_FIELDS:
            raise DomainError(f"{role} is held by several people at once.", field="role")
        return _holder_set(self.cases[reference], role, person_id, on,
                           self._role_rows(reference, role), self)

    # -------------------------------------------------------------- _Writes, deferred

    def order(self, involvement: Involvement) -> int:
        if involvement.pk is not None:
            return int(involvement.pk)
        return 2 ** 62 + self._place[id(involvement)]  # saved after every existing row

    def create(self, case: Case, person_id: int, role: str, started_on: dt.date,
               ended_on: dt.date | None) -> Involvement:
        inv = Involvement(case=case, person_id=person_id, role=role, started_on=started_on,
                          ended_on=ended_on)
        self._place[id(inv)] = len(self._new_involvements)
        self._new_involvements.append(inv)
        return inv

    def involvement_ended(self, involvement: Involvement) -> None:
        if involvement.pk is not None:  # a new row is written as it ends up
            self._ended[involvement.pk] = involvement

    def case_saved(self, case: Case, fields: Sequence[str]) -> None:
        if case.pk is not None:  # a new case is written as it ends up
            self._dirty.setdefault(case.reference, set()).update(fields)

    # -------------------------------------------------------------- writing

    def write(self) -> None:
        """Write what changed: new cases, changed cases (grouped by the fields that
        changed), themes, new involvements and ended ones; nothing for unchanged cases."""
        now = timezone.now()
        Case.objects.bulk_create(list(self._new.values()), batch_size=_BATCH)
        groups: dict[tuple[str, ...], list[Case]] = {}
        for reference, fields in self._dirty.items():
            case = self.cases[reference]
            case.updated_at = now
            groups.setdefault(tuple(sorted(fields)), []).append(case)
        for changed, cases in groups.items():
            Case.objects.bulk_update(cases, [*changed, "updated_at"], batch_size=_BATCH)
        through = Case.themes.through
        replaced = [self.cases[r].pk for r in self._themes_set if r not in self._new]
        for chunk in _chunks(replaced):
            through.objects.filter(case_id__in=chunk).delete()
        through.objects.bulk_create(
            [through(case_id=self.cases[r].pk, theme_id=t.pk)
             for r, themes in self._themes_set.items() for t in themes], batch_size=_BATCH)
        Involvement.objects.bulk_create(self._new_involvements, batch_size=_BATCH)
        ended = list(self._ended.values())
        for inv in ended:
            inv.updated_at = now
        Involvement.objects.bulk_update(ended, ["ended_on", "updated_at"], batch_size=_BATCH)
        self._new.clear()
        self._dirty.clear()
        self._themes_set.clear()
        self._new_involvements.clear()
        self._place.clear()
        self._ended.clear()
