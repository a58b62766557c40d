"""Writes to the case register: cases, who holds them, their events, and imports."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from auditloop.cases.importers import CASE_FORMATS
from auditloop.cases.importers.base import UNSET, ParsedCases, Problem, UploadedFile, normalise_name
from auditloop.cases.importers.plan import CasePlan, plan_case_import
from auditloop.cases.models import Case, CaseEvent, ImportFile, ImportJob, Involvement, Theme
from auditloop.common.errors import DomainError, ImportFileError
from auditloop.people import importers as staff_importers
from auditloop.people.models import Locality, Person, Service, User

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
# The job page's progress is saved at most this often (seconds) while rows are checked.
PROGRESS_INTERVAL = 0.5
GENERIC_FAILURE = (
    "Something went wrong while importing, and nothing was imported. Try again; if it "
    "happens again, tell the service's support team the import number."
)


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


@transaction.atomic
def import_job_create(
    *,
    format: str,  # the job's field name, as the issue names the argument
    files: Sequence[UploadedFile],
    created_by: User | None,
    accept_valid_rows: bool = False,
    complete_snapshot: bool = False,
    run_in_background: bool = True,
) -> ImportJob:
    """Keep the uploaded files with a queued job and start the import once saved.

    The command line runs the job itself (run_in_background=False).
    """
    if format not in ImportJob.Format.values:
        raise DomainError("Choose what kind of file you are importing.", field="format")
    if not files:
        raise DomainError("Choose a file to import.", field="files")
    job = ImportJob.objects.create(
        format=format, created_by=created_by, accept_valid_rows=accept_valid_rows,
        complete_snapshot=complete_snapshot,
    )
    ImportFile.objects.bulk_create(
        [ImportFile(job=job, name=f.name[-255:], content=f.content) for f in files]
    )
    if run_in_background:
        from auditloop.cases.tasks import run_import  # tasks imports this module

        transaction.on_commit(lambda: run_import.enqueue(job.pk))
    return job


class _JobProgress:
    """Rows checked so far, saved on the job now and then for the page that polls it."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self._saved_at = 0.0

    def start(self, total: int) -> None:
        self.job.rows_total = total
        self.job.rows_done = 0
        self.job.save(update_fields=["rows_total", "rows_done", "updated_at"])
        self._saved_at = time.monotonic()

    def advance(self, done: int = 1) -> None:
        if done <= 0:
            return
        self.job.rows_done = min(self.job.rows_total, self.job.rows_done + done)
        now = time.monotonic()
        if now - self._saved_at >= PROGRESS_INTERVAL or self.job.rows_done >= self.job.rows_total:
            self.job.save(update_fields=["rows_done", "updated_at"])
            self._saved_at = now


def _finish(job: ImportJob, status: str, summary: dict[str, Any],
            problems: Sequence[Problem] = ()) -> None:
    job.status = status
    job.finished_at = timezone.now()
    job.summary = summary
    job.problems = [p.as_dict() for p in problems]
    job.save(update_fields=["status", "finished_at", "summary", "problems", "updated_at"])


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Run a queued import: check every row, then write all of it in one transaction.

    Not atomic itself, unlike other services: the rows-checked count is saved as it goes so
    the page can show it, and a failure must still be recorded on the job. The writes and
    the job's outcome are one transaction. A job already started is left alone.
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != ImportJob.Status.QUEUED:
            return job
        job.status = ImportJob.Status.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at", "updated_at"])
    files = [UploadedFile(f.name, bytes(f.content)) for f in job.files.order_by("pk")]
    try:
        if job.format == ImportJob.Format.STAFF:
            _run_staff(job, files)
        else:
            _run_cases(job, files)
    except ImportFileError as exc:
        _finish(job, ImportJob.Status.FAILED, {"message": exc.message})
    except Exception:
        logger.exception("Import %s failed", job.pk)
        _finish(job, ImportJob.Status.FAILED, {"message": GENERIC_FAILURE})
    return job


def _rows_with_problems(problems: Sequence[Problem]) -> int:
    return len({(p.file, p.table, p.row) for p in problems})


def _blocked_message(problems: Sequence[Problem]) -> str:
    n = _rows_with_problems(problems)
    rows, them = ("1 row has a problem", "it") if n == 1 else (f"{n:,} rows have problems", "them")
    return (f"Nothing was imported, because {rows}. Correct {them} in the file and import it "
            f"again, or tick “Import the valid rows and list the rest”.")


def _outcome(job: ImportJob, problems: Sequence[Problem], summary: dict[str, Any],
             anything: bool) -> bool:
    """Fail the job before writing if it must; True when the import may go ahead."""
    if problems and not job.accept_valid_rows:
        _finish(job, ImportJob.Status.FAILED, {**summary, "message": _blocked_message(problems)},
                problems)
        return False
    if not anything:
        message = ("No row could be imported: every row has a problem." if problems else
                   "There are no rows to import in this file. Check that you exported the "
                   "right report, with its rows, and upload it again.")
        _finish(job, ImportJob.Status.FAILED, {**summary, "message": message}, problems)
        return False
    job.summary = {**summary, "stage": "saving"}
    job.save(update_fields=["summary", "updated_at"])
    return True


def _done_message(problems: Sequence[Problem]) -> str:
    if not problems:
        return "Imported."
    n = _rows_with_problems(problems)
    return (f"Imported, except {n:,} {'row' if n == 1 else 'rows'} with problems, listed "
            f"below. Correct {'it' if n == 1 else 'them'} and import the file again to add "
            f"{'it' if n == 1 else 'them'}.")


def _run_staff(job: ImportJob, files: Sequence[UploadedFile]) -> None:
    progress = _JobProgress(job)
    loaded = staff_importers.load(files)
    progress.start(loaded.rows_total)
    plan = staff_importers.check(loaded, progress, accept_valid_rows=job.accept_valid_rows)
    warnings = list(plan.warnings)
    if job.complete_snapshot:
        warnings.append("“This file is a complete list of open cases” does not apply to a "
                        "staff list, so nobody was made inactive.")
    summary: dict[str, Any] = {"rows": plan.rows_read, "duplicates_ignored": plan.duplicates,
                               "warnings": warnings}
    if not _outcome(job, plan.problems, summary, bool(plan.rows)):
        return
    with transaction.atomic():
        counts = staff_importers.staff_import_apply(plan=plan)
        status = ImportJob.Status.PARTIAL if plan.problems else ImportJob.Status.SUCCEEDED
        _finish(job, status, {**summary, **counts, "message": _done_message(plan.problems)},
                plan.problems)


# ---------------------------------------------------------------- case imports


class _Structure:
    """Services, localities and themes the import creates as it goes."""

    def __init__(self, counts: Counter[str]) -> None:
        self.counts = counts
        self.services: dict[str, Service] = {}
        self.localities: dict[str, Locality] = {}
        self.themes = {normalise_name(t.name): t for t in Theme.objects.all()}

    def service(self, kind: str) -> Service:
        if kind not in self.services:
            label = Service.Kind(kind).label
            self.services[kind], created = Service.objects.get_or_create(
                name=label, defaults={"kind": kind})
            self.counts["services_created"] += int(created)
        return self.services[kind]

    def locality(self, name: str) -> Locality:
        key = normalise_name(name)
        if key not in self.localities:
            found = Locality.objects.filter(name__iexact=name).first()
            if found is None:
                found = Locality.objects.create(name=name)
                self.counts["localities_created"] += 1
            self.localities[key] = found
        return self.localities[key]

    def theme_list(self, names: Sequence[str]) -> list[Theme]:
        out = []
        for name in names:
            key = normalise_name(name)
            if key not in self.themes:
                self.themes[key] = Theme.objects.create(name=name)
                self.counts["themes_created"] += 1
            out.append(self.themes[key])
        return out


def _apply(plan: CasePlan, parsed: ParsedCases, module: ModuleType, job: ImportJob
           ) -> Counter[str]:
    counts: Counter[str] = Counter()
    for key in ("cases_created", "cases_updated", "cases_closed", "involvements_created",
                "involvements_ended", "events_created"):
        counts[key] = 0
    today = timezone.localdate()
    structure = _Structure(counts)
    cases: dict[str, Case] = {}
    for ready in plan.cases:
        values = dict(ready.values)
        if ready.locality_to_create:
            values["locality"] = structure.locality(ready.locality_to_create)
        themes = (structure.theme_list(ready.record.themes)
                  if ready.record.themes is not None else None)
        change = case_upsert(
            reference=ready.record.reference,
            service=ready.service or structure.service(ready.new_kind),
            values=values, themes=themes, source=job.format, keep_service=ready.keep_service,
        )
        cases[ready.record.reference] = change.case
        counts["cases_created"] += int(change.created)
        counts["cases_updated"] += int(change.changed)
        counts["cases_closed"] += int(change.closed)

    def case_for(reference: str) -> Case:
        if reference not in cases:
            cases[reference] = Case.objects.get(reference=reference)
        return cases[reference]

    person_ids = {pk for _, pk in plan.involvements} | {
        pk for r in plan.cases for pk in (r.key_worker, r.team_manager) if isinstance(pk, int)}
    people = Person.objects.in_bulk(person_ids)
    for inv, pk in plan.involvements:
        ch = involvement_record(case=case_for(inv.reference), person=people[pk], role=inv.role,
                                started_on=inv.started_on, ended_on=inv.ended_on)
        counts["involvements_created"] += int(ch.created)
        counts["involvements_ended"] += ch.ended
    for ready in plan.cases:
        for role, attr in HOLDER_FIELDS.items():
            holder = getattr(ready, attr)
            if holder is UNSET:
                continue
            case = cases[ready.record.reference]
            held = case_holder_set(case=case, role=role,
                                   person=people[holder] if holder is not None else None,
                                   on=today)
            if held is not None:
                counts["involvements_created"] += int(held.created)
                counts["involvements_ended"] += held.ended
    # A closing date is an event too (drift rules read events); the file's own wins.
    closures = [(cases[r.record.reference], CaseEvent.Kind.CLOSURE, r.record.closed_on, "Closed")
                for r in plan.cases if r.record.closed_on and not r.keep_service]
    counts["events_created"] += events_record(events=[
        *((case_for(ev.reference), ev.kind, ev.occurred_on, ev.detail) for ev in plan.events),
        *closures])
    if job.complete_snapshot:
        counts["cases_closed"] += _close_absent(parsed.references, module, job, today)
    return counts


def _close_absent(references: set[str], module: ModuleType, job: ImportJob,
                  today: dt.date) -> int:
    """A complete list closes the open cases of its services that it no longer has."""
    closed = 0
    candidates = Case.objects.filter(status=Case.Status.OPEN, service__kind__in=module.SCOPE)
    for case in candidates.iterator():
        if case.reference not in references:
            closed += int(case_close(
                case=case, closed_on=today, source=job.format,
                detail=f"Not in the complete list of open cases (import {job.pk})"))
    return closed


def _run_cases(job: ImportJob, files: Sequence[UploadedFile]) -> None:
    module = CASE_FORMATS[job.format]
    progress = _JobProgress(job)
    loaded = module.load(files)
    progress.start(loaded.rows_total)
    parsed = module.parse(loaded, progress)
    plan = plan_case_import(parsed, module, accept_valid_rows=job.accept_valid_rows)
    summary: dict[str, Any] = {
        "rows": parsed.rows, "duplicates_ignored": parsed.duplicates,
        "warnings": plan.warnings, "unmatched_workers": len(plan.unmatched_workers),
    }
    anything = bool(plan.cases or plan.involvements or plan.events)
    if not _outcome(job, plan.problems, summary, anything):
        return
    with transaction.atomic():
        counts = _apply(plan, parsed, module, job)
        status = ImportJob.Status.PARTIAL if plan.problems else ImportJob.Status.SUCCEEDED
        _finish(job, status, {**summary, **counts, "message": _done_message(plan.problems)},
                plan.problems)
