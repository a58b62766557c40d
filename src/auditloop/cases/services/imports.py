"""Imports: a job per upload, run as one transaction, reporting every bad row."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from auditloop.cases.importers import CASE_FORMATS
from auditloop.cases.importers.base import UNSET, ParsedCases, Problem, UploadedFile, normalise_name
from auditloop.cases.importers.plan import CasePlan, plan_case_import
from auditloop.cases.models import Case, CaseEvent, ImportFile, ImportJob, Theme
from auditloop.cases.services.register import (
    HOLDER_FIELDS,
    RegisterBatch,
    case_close,
    events_record,
)
from auditloop.cases.services.returns import ReturnRowIn, return_rows_record
from auditloop.cases.signals import register_imported
from auditloop.common.errors import DomainError, ImportFileError
from auditloop.common.spreadsheets import ENCODINGS, check_upload, encoding_label
from auditloop.people import importers as staff_importers
from auditloop.people.models import Locality, Service, User

logger = logging.getLogger(__name__)

# The job page's progress is saved at most this often (seconds) while rows are checked.
PROGRESS_INTERVAL = 0.5
GENERIC_FAILURE = (
    "Something went wrong while importing, and nothing was imported. Try again; if it "
    "happens again, tell the service's support team the import number."
)




@transaction.atomic
def import_job_create(
    *,
    format: str,  # named as the ImportJob field it fills
    files: Sequence[UploadedFile],
    created_by: User | None,
    accept_valid_rows: bool = False,
    complete_snapshot: bool = False,
    encoding: str = "utf-8",
    run_in_background: bool = True,
) -> ImportJob:
    """Check the uploaded files (the virus check and the size limits, common.spreadsheets.
    check_upload), keep them with a queued job and start the import once saved.

    A file that fails a check is refused (ImportFileError, field "files") and nothing is
    kept. The command line runs the job itself (run_in_background=False).
    """
    if format not in ImportJob.Format.values:
        raise DomainError("Choose what kind of file you are importing.", field="format")
    if encoding not in ENCODINGS:
        raise DomainError("Choose the character set the file is saved in.", field="encoding")
    if not files:
        raise DomainError("Choose a file to import.", field="files")
    for upload in files:
        try:
            check_upload(upload)
        except ImportFileError as exc:
            raise ImportFileError(exc.message, field="files") from exc
    job = ImportJob.objects.create(
        format=format, created_by=created_by, accept_valid_rows=accept_valid_rows,
        complete_snapshot=complete_snapshot, encoding=encoding,
    )
    ImportFile.objects.bulk_create(
        [ImportFile(job=job, name=f.name[-255:], content=f.content) for f in files]
    )
    if run_in_background:
        from auditloop.cases.tasks import run_import  # tasks imports this module

        transaction.on_commit(lambda: run_import.enqueue(job.pk))
    return job


def uploads_older_than(cutoff: dt.datetime) -> QuerySet[ImportFile]:
    """The stored files of imports uploaded before the cutoff, whatever their outcome
    (failed and refused imports included), except an import that is running now."""
    return ImportFile.objects.filter(job__created_at__lt=cutoff).exclude(
        job__status=ImportJob.Status.RUNNING)


def delete_upload_files(cutoff: dt.datetime) -> int:
    """Delete the uploaded files of imports older than the cutoff; returns how many.

    For the retention job: the import itself (its outcome, counts and problems) stays, its
    files do not. Its page then lists no files.
    """
    deleted, _ = uploads_older_than(cutoff).delete()
    return deleted


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
    job.finished_at = timezone.now()
    if job.encoding != "utf-8":
        summary = {**summary, "read_as": f"Read as {encoding_label(job.encoding)}."}
    job.summary = summary
    job.problems = [p.as_dict() for p in problems]
    job.workflow.move(job, to=status, actor=None, reason=str(summary.get("message", "")),
                      also_save=["finished_at", "summary", "problems"])


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Run a queued import: check every row, then write all of it in one transaction.

    Not atomic itself, unlike other services: the rows-checked count is saved as it goes so
    the page can show it, and a failure must still be recorded on the job. The writes and
    the job's outcome are one transaction. A job already started is left alone.
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if not job.may_become(ImportJob.Status.RUNNING):
            return job
        job.started_at = timezone.now()
        job.workflow.move(job, to=ImportJob.Status.RUNNING, actor=None,
                          reason="Import started", also_save=["started_at"])
    files = [UploadedFile(f.name, bytes(f.content), job.encoding)
             for f in job.files.order_by("pk")]
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
           ) -> tuple[Counter[str], set[int]]:
    """Write the plan; returns the counts and the ids of the cases it wrote to.

    Set-based: the cases the plan names are read a few queries for each 500, the rows'
    changes are worked out in memory (RegisterBatch, by the rules case_upsert,
    involvement_record and case_holder_set follow one row at a time), and only what changed
    is written, in bulk. A case the file leaves as it was is not written at all.
    """
    counts: Counter[str] = Counter()
    for key in ("cases_created", "cases_updated", "cases_closed", "involvements_created",
                "involvements_ended", "events_created"):
        counts[key] = 0
    today = timezone.localdate()
    structure = _Structure(counts)
    batch = RegisterBatch(source=job.format)
    batch.read([ready.record.reference for ready in plan.cases], lock=True)
    for ready in plan.cases:
        values = dict(ready.values)
        if ready.locality_to_create:
            values["locality"] = structure.locality(ready.locality_to_create)
        themes = (structure.theme_list(ready.record.themes)
                  if ready.record.themes is not None else None)
        change = batch.case_upsert(
            reference=ready.record.reference,
            service=ready.service or structure.service(ready.new_kind),
            values=values, themes=themes, keep_service=ready.keep_service,
        )
        counts["cases_created"] += int(change.created)
        counts["cases_updated"] += int(change.changed)
        counts["cases_closed"] += int(change.closed)
    # The register's other cases the rows name (involvements, events and returns of cases
    # not in this file), as they are: they are not updated, so not held for update.
    batch.read([*(inv.reference for inv, _ in plan.involvements),
                *(ev.reference for ev in plan.events),
                *(r.reference for r in plan.returns if r.kind != "contact")])
    for inv, pk in plan.involvements:
        ch = batch.involvement_record(reference=inv.reference, person_id=pk, role=inv.role,
                                      started_on=inv.started_on, ended_on=inv.ended_on)
        counts["involvements_created"] += int(ch.created)
        counts["involvements_ended"] += ch.ended
    for ready in plan.cases:
        for role, attr in HOLDER_FIELDS.items():
            holder = getattr(ready, attr)
            if holder is UNSET:
                continue
            held = batch.case_holder_set(reference=ready.record.reference, role=role,
                                         person_id=holder, on=today)
            if held is not None:
                counts["involvements_created"] += int(held.created)
                counts["involvements_ended"] += held.ended
    batch.write()
    cases = batch.cases
    # A closing date is an event too (drift rules read events); the file's own wins.
    closures = [(cases[r.record.reference], CaseEvent.Kind.CLOSURE, r.record.closed_on, "Closed")
                for r in plan.cases if r.record.closed_on and not r.keep_service]
    counts["events_created"] += events_record(events=[
        *((cases[ev.reference], ev.kind, ev.occurred_on, ev.detail) for ev in plan.events),
        *closures])
    counts["return_rows_created"], counts["return_rows_updated"] = return_rows_record(
        rows=[ReturnRowIn(kind=r.kind, key=r.key, values=r.values, child_identifier=r.reference,
                          case=None if r.kind == "contact" else cases[r.reference])
              for r in plan.returns], origin=job.format)
    touched = {case.pk for case in cases.values()}
    if job.complete_snapshot:
        closed = _close_absent(parsed.references, module, job, today)
        counts["cases_closed"] += len(closed)
        touched |= closed
    return counts, touched


def _close_absent(references: set[str], module: ModuleType, job: ImportJob,
                  today: dt.date) -> set[int]:
    """A complete list closes the open cases of its services that it no longer has; returns
    the ids of the cases it closed."""
    closed: set[int] = set()
    candidates = Case.objects.filter(status=Case.Status.OPEN, service__kind__in=module.SCOPE)
    for case in candidates.iterator():
        if case.reference not in references and case_close(
                case=case, closed_on=today, source=job.format,
                detail=f"Not in the complete list of open cases (import {job.pk})"):
            closed.add(case.pk)
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
    anything = bool(plan.cases or plan.involvements or plan.events or plan.returns)
    if not _outcome(job, plan.problems, summary, anything):
        return
    with transaction.atomic():
        counts, touched = _apply(plan, parsed, module, job)
        status = ImportJob.Status.PARTIAL if plan.problems else ImportJob.Status.SUCCEEDED
        _finish(job, status, {**summary, **counts, "message": _done_message(plan.problems)},
                plan.problems)
    _tell_register_imported(job, touched)


def _tell_register_imported(job: ImportJob, case_ids: set[int]) -> None:
    """The import is written and finished: the apps that act on register changes (quality
    control's queue) do so now. A receiver that fails is logged, not raised: the import
    itself stands, and each receiver has its own catch-up (docs/operators-guide.md)."""
    for receiver, outcome in register_imported.send_robust(
            sender=ImportJob, job_id=job.pk, case_ids=frozenset(case_ids)):
        if isinstance(outcome, BaseException):
            logger.error("Import %s: %s failed after the import", job.pk,
                         getattr(receiver, "__qualname__", receiver), exc_info=outcome)
