"""The tracker's exports: the filtered view as CSV or an Excel workbook, one row per action
(an audited case with no action has one row of its own). Text that a spreadsheet would run
as a formula is made safe (common.spreadsheets.formula_safe), and in the workbook every
text cell is written as text, never as a formula.

An export of up to `inline_rows()` rows is made in the request. A larger one would hold a
web worker for seconds (6.5 s for the large council's workbook under load), so it is made by
the background worker instead: `export_queue` records what was asked (a TrackerExport) and
queues the task with the export's id only; `export_make` re-checks that the person may still
export the tracker and reads the rows with the same filters and visibility as the page,
then stores the stamped file on the export for its owner to download; `exports_purge`
removes files past their retention.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterable, Iterator, Sequence
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from auditloop.actions.deadline import action_deadline
from auditloop.actions.models import Action
from auditloop.audits import tracker
from auditloop.audits.models import AuditAction
from auditloop.audits.tracker import ActionFacts, action_facts, grade_labels
from auditloop.audits.tracker_export_models import RETENTION, TrackerExport
from auditloop.common.dates import gds_date
from auditloop.common.exports import ExportStamp, stamp_csv, stamp_xlsx
from auditloop.common.spreadsheets import text_cell, write_csv

logger = logging.getLogger(__name__)

CHUNK = 500
VIEWS = {"cases": "Audited cases", "actions": "Outstanding actions"}
# The most rows an export makes in the request; a larger one goes to the background worker.
# Measured on the large council (benchmarks/tracker_export.py; benchmarks/RESULTS.md, "Large
# tracker exports go to the background worker"): the workbook costs about 0.55 ms a row on a
# quiet machine (811 rows in 0.56 s, 5,978 in 3.2 s on 1 December 2026) and three to ten
# times that on a loaded one (1,000 rows in 2.6-8.3 s on 7 December, load average 4-6 on 2
# cores). 500 rows take about 0.3 s quietly and about 1 s at three times slower, well under
# the 2-second budget for a request; a team's or an owner's view stays under it, the whole
# tracker of a large council does not.
INLINE_ROWS = 500
HEADER = [
    "Case reference", "Service", "Team", "Locality", "Key worker", "Team manager", "Audit",
    "Audit date", "Audit tool", "Final grade", "Audit status", "Action", "Issue",
    "What will be done", "Owner", "Due", "RAG", "Waiting for sign-off", "Agreed on",
    "Days since agreement", "Deadline", "Days overdue", "Days over the deadline",
    "Signed off on", "Signed off by", "Escalated to",
]
# Column widths, in characters: a date column fits "30 September 2026".
WIDTHS = [14, 18, 18, 14, 20, 20, 8, 18, 24, 18, 18, 8, 30, 40, 20, 18, 20, 12, 18, 12, 18,
          10, 12, 18, 20, 40]
# Date cells stay dates (sortable, filterable) and read the way the service writes dates.
DATE_FORMAT = "D MMMM YYYY"
RAG_COLUMN = HEADER.index("RAG")
# The RAG cell's fill and text colours, GOV.UK's red, orange and green; the words stay in the
# cell, so the colour is never the only way to tell them apart.
RAG_FILLS = {
    Action.Status.RED.label: ("D4351C", "FFFFFF"),
    Action.Status.AMBER.label: ("F47738", "0B0C0C"),
    Action.Status.GREEN.label: ("00703C", "FFFFFF"),
}


def _name(person: Any) -> str:
    return person.full_name if person is not None else ""


def _audit_cells(audit: Any, grades: dict[str, str]) -> list[Any]:
    case = audit.case
    return [
        case.reference, case.service.name, case.team.name if case.team else "",
        case.locality.name if case.locality else "", _name(case.key_worker),
        _name(case.team_manager), audit.pk,
        audit.submitted_at.date() if audit.submitted_at else None,
        audit.tool_version.tool.name,
        grades.get(audit.final_grade, audit.final_grade), audit.get_status_display(),
    ]


def _escalated(facts: ActionFacts) -> str:
    return "; ".join(
        f"{gds_date(e.escalated_on)}: {', '.join(e.told_names) or 'nobody to tell'}"
        for e in facts.escalations)


def _action_cells(f: ActionFacts) -> list[Any]:
    a = f.action
    return [
        a.pk, a.issue, a.action, _name(f.owner), a.due_on, a.get_status_display(),
        "Yes" if f.awaiting_sign_off else "No", f.agreed_on, f.days_since_agreement,
        f.deadline_on, f.overdue_by or None,
        (f.over_limit_by or None) if not f.is_done else ("Signed off late"
                                                          if f.signed_off_late else None),
        a.signed_off_at.date() if a.signed_off_at else None, _name(a.signed_off_by),
        _escalated(f),
    ]


def audit_export_rows(audits: Any, *, today: dt.date) -> Iterator[list[Any]]:
    """Rows of the audited-cases view, read in chunks (prefetches apply per chunk)."""
    deadline = action_deadline().days
    grades = grade_labels()
    for audit in audits.iterator(chunk_size=CHUNK):
        head = _audit_cells(audit, grades)
        links = getattr(audit, "tracked_links", [])
        if not links:
            yield head + [None] * (len(HEADER) - len(head))
        for link in links:
            link.audit = audit
            yield head + _action_cells(action_facts(link, today=today, deadline_days=deadline))


def action_export_rows(links: Any, *, today: dt.date) -> Iterator[list[Any]]:
    deadline = action_deadline().days
    grades = grade_labels()
    for link in links.iterator(chunk_size=CHUNK):
        yield (_audit_cells(link.audit, grades)
               + _action_cells(action_facts(link, today=today, deadline_days=deadline)))


def write_tracker_csv(out: Any, rows: Iterable[Sequence[Any]]) -> int:
    return write_csv(out, HEADER, rows)


def tracker_xlsx(rows: Iterable[Sequence[Any]], *, title: str) -> bytes:
    """A workbook with one sheet; text cells are text (formula-safe), dates are dates. The
    header row is bold and frozen, each column has a width, and each RAG cell is coloured
    with its words kept."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    rag_styles = {label: (PatternFill("solid", start_color=fill, end_color=fill),
                          Font(color=text, bold=True))
                  for label, (fill, text) in RAG_FILLS.items()}
    bold = Font(bold=True)

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    for i, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"

    def cell(value: Any) -> WriteOnlyCell:
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            c = WriteOnlyCell(sheet, value=value)
            c.number_format = DATE_FORMAT
            return c
        if isinstance(value, int | float) and not isinstance(value, bool):
            return WriteOnlyCell(sheet, value=value)
        return text_cell(sheet, value)

    def header(value: str) -> WriteOnlyCell:
        c = text_cell(sheet, value)
        c.font = bold
        return c

    def cells(row: Sequence[Any]) -> list[WriteOnlyCell]:
        out = [cell(v) for v in row]
        style = rag_styles.get(row[RAG_COLUMN]) if len(row) > RAG_COLUMN else None
        if style:
            out[RAG_COLUMN].fill, out[RAG_COLUMN].font = style
        return out

    sheet.append([header(h) for h in HEADER])
    for row in rows:
        sheet.append(cells(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# Which rows, how many -------------------------------------------------------------------------

def inline_rows() -> int:
    """The largest export made in the request (settings.TRACKER_EXPORT_INLINE_ROWS, or
    INLINE_ROWS)."""
    return int(getattr(settings, "TRACKER_EXPORT_INLINE_ROWS", INLINE_ROWS))


def export_rows(*, view: str, user: Any, filters: tracker.TrackerFilters,
                today: dt.date) -> Iterator[list[Any]]:
    """The view's rows as the user may see them: the page's own selectors, so the same
    filters and the same visibility."""
    if view == "cases":
        return audit_export_rows(
            tracker.tracker_audits(user=user, filters=filters, today=today), today=today)
    return action_export_rows(
        tracker.tracker_actions(user=user, filters=filters, today=today), today=today)


def export_row_count(*, view: str, user: Any, filters: tracker.TrackerFilters,
                     today: dt.date) -> int:
    """How many rows the export will have, counted in the database (two or three queries):
    one per action shown, and one for each audited case shown with none."""
    if view != "cases":
        return tracker.tracker_actions(user=user, filters=filters, today=today).count()
    audits = tracker.tracker_audits(user=user, filters=filters, today=today)
    links = (AuditAction.objects.filter(tracker._action_q(filters, today))
             .filter(audit_id__in=audits.values("pk"))
             .aggregate(links=Count("pk"), audits=Count("audit_id", distinct=True)))
    return audits.count() - links["audits"] + links["links"]


def filters_from(items: dict[str, Any]) -> tracker.TrackerFilters:
    """The filters back from their query-string form (ids and keys), as an export keeps
    them."""
    def number(key: str) -> int | None:
        value = str(items.get(key) or "")
        return int(value) if value.isdigit() else None

    return tracker.TrackerFilters(
        team_id=number("team"), service_id=number("service"),
        locality_id=number("locality"), owner_id=number("owner"),
        status=str(items.get("status") or ""), overdue=bool(items.get("overdue")),
        grade=str(items.get("grade") or ""))


def may_export(user: Any) -> bool:
    return bool(user.is_active) and any(user.has_capability(c) for c in tracker.EXPORTERS)


# Files ----------------------------------------------------------------------------------------

def csv_bytes(rows: Iterable[Sequence[Any]], stamp: ExportStamp) -> bytes:
    """The CSV file as the request writes it: a byte-order mark (Excel reads UTF-8), the
    rows, then the stamp."""
    out = io.StringIO()
    out.write("\ufeff")
    write_tracker_csv(out, rows)
    stamp_csv(out, stamp)
    return out.getvalue().encode("utf-8")


def export_file(fmt: str, rows: Iterable[Sequence[Any]], *, view: str,
                stamp: ExportStamp) -> bytes:
    if fmt == TrackerExport.Format.CSV:
        return csv_bytes(rows, stamp)
    return stamp_xlsx(tracker_xlsx(rows, title=VIEWS[view]), stamp)


# In the background ----------------------------------------------------------------------------

def export_queue(*, user: Any, view: str, fmt: str, filters: tracker.TrackerFilters,
                 today: dt.date, reason: str, rows: int) -> TrackerExport:
    """Record what was asked and queue its making once this transaction commits. The task
    carries the export's id, nothing else."""
    from auditloop.audits.tasks import make_tracker_export

    job = TrackerExport.objects.create(
        requested_by=user, view=view, format=fmt, filters=dict(filters.query_string_items()),
        as_of=today, reason=reason[:300], rows_total=rows)
    transaction.on_commit(partial(make_tracker_export.enqueue, job.pk))
    return job


def export_again(job: TrackerExport) -> None:
    """A failed export queued again, as it was asked (nothing to fill in again)."""
    from auditloop.audits.tasks import make_tracker_export

    job.state = TrackerExport.State.QUEUED
    job.error = ""
    job.rows_done = 0
    job.save(update_fields=["state", "error", "rows_done", "updated_at"])
    transaction.on_commit(partial(make_tracker_export.enqueue, job.pk))


FAILED = ("The export could not be made ({problem}). Nothing is lost: try again, and if it "
          "fails again, tell the service desk the export's number ({number}).")
NOT_ALLOWED = ("The export was not made: you may no longer export the tracker. Ask your QA "
               "manager if you need it.")


def export_make(export_id: int, *, now: dt.datetime | None = None) -> None:
    """Make a queued export's file and store it on the export (the task's work)."""
    exports_purge(now=now)
    with transaction.atomic():
        job = (TrackerExport.objects.select_for_update().select_related("requested_by")
               .filter(pk=export_id).first())
        if job is None or not job.is_working:
            return  # made already (a repeated task), or gone
        job.state = TrackerExport.State.RUNNING
        job.save(update_fields=["state", "updated_at"])
    user = job.requested_by
    if not may_export(user):
        job.state, job.error = TrackerExport.State.FAILED, NOT_ALLOWED
        job.save(update_fields=["state", "error", "updated_at"])
        return
    filters = filters_from(job.filters)
    try:
        total = export_row_count(view=job.view, user=user, filters=filters, today=job.as_of)
        # Progress moves the time on too: an export that shows none for long counts as
        # stuck (common.worker_files).
        TrackerExport.objects.filter(pk=job.pk).update(rows_total=total, rows_done=0,
                                                       updated_at=timezone.now())

        def counted(rows: Iterator[list[Any]]) -> Iterator[list[Any]]:
            done = 0
            for row in rows:
                yield row
                done += 1
                if done % CHUNK == 0:
                    TrackerExport.objects.filter(pk=job.pk).update(
                        rows_done=done, updated_at=timezone.now())
            job.rows_done = done

        stamp = ExportStamp(by=ExportStamp.now(user).by, at=job.created_at)
        job.data = export_file(job.format, counted(export_rows(
            view=job.view, user=user, filters=filters, today=job.as_of)),
            view=job.view, stamp=stamp)
        job.rows_total = job.rows_done
        job.made_at = now or timezone.now()
        job.expires_at = job.made_at + RETENTION
        job.state, job.error = TrackerExport.State.READY, ""
    except Exception as exc:  # noqa: BLE001 - said on the page; the worker goes on
        logger.exception("Tracker export %s could not be made", export_id)
        job.state = TrackerExport.State.FAILED
        job.error = FAILED.format(problem=type(exc).__name__, number=job.pk)[:500]
        job.data = None
    job.save(update_fields=["state", "error", "data", "rows_total", "rows_done", "made_at",
                            "expires_at", "updated_at"])


def exports_purge(*, now: dt.datetime | None = None) -> int:
    """Remove the files of exports past their retention, downloaded or not; the export rows
    stay (who asked for what, and when) with no file. Run before every background export
    and by the daily retention run. Returns how many files went."""
    now = now or timezone.now()
    return (TrackerExport.objects
            .filter(expires_at__lte=now)
            .exclude(state=TrackerExport.State.EXPIRED)
            .update(state=TrackerExport.State.EXPIRED, data=None, updated_at=now))
